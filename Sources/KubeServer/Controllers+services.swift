import KubeAPI

/// Services' controllers: the `kubernetes` Service of the `default` namespace (kube-apiserver's
/// bootstrap controller makes it, with Endpoints naming the API server), and the endpoints
/// controller, which keeps an Endpoints object per Service with a selector: the IPs of the
/// selected Pods, ready ones under `addresses`, the others under `notReadyAddresses`.
extension APIServer {
    static let endpointsTrigger = "endpoints.kubernetes.io/last-change-trigger-time"

    func kubernetesService(in store: inout ObjectStore) -> Bool {
        guard let services = info("", "v1", "services"), let endpoints = info("", "v1", "endpoints"),
              store.object(of: services, key: "default/kubernetes") == nil else { return false }
        let labels: JSONValue = .object(["component": .string("apiserver"), "provider": .string("kubernetes")])
        controllerCreate(.object([
            "metadata": .object(["name": .string("kubernetes"), "namespace": .string("default"), "labels": labels]),
            "spec": .object([
                "ports": .array([.object(["name": .string("https"), "protocol": .string("TCP"), "port": .integer(443), "targetPort": .integer(6443)])]),
                "clusterIP": .string(Self.kubernetesServiceIP), "clusterIPs": .array([.string(Self.kubernetesServiceIP)]),
                "type": .string("ClusterIP"), "sessionAffinity": .string("None"), "ipFamilies": .array([.string("IPv4")]),
                "ipFamilyPolicy": .string("SingleStack"), "internalTrafficPolicy": .string("Cluster"),
            ]),
            "status": .object(["loadBalancer": .object([:])]),
        ]), services, manager: "kube-apiserver", in: &store)
        if store.object(of: endpoints, key: "default/kubernetes") == nil {
            controllerCreate(.object([
                "metadata": .object(["name": .string("kubernetes"), "namespace": .string("default"),
                                     "labels": .object(["endpointslice.kubernetes.io/skip-mirror": .string("true")])]),
                "subsets": .array([.object([
                    "addresses": .array([.object(["ip": .string("10.0.0.1")])]),
                    "ports": .array([.object(["name": .string("https"), "port": .integer(6443), "protocol": .string("TCP")])]),
                ])]),
            ]), endpoints, manager: "kube-apiserver", in: &store)
        }
        return true
    }

    func endpoints(in store: inout ObjectStore) -> Bool {
        guard let services = info("", "v1", "services"), let endpoints = info("", "v1", "endpoints"),
              let pods = info("", "v1", "pods") else { return false }
        var changed = false
        var wanted = Set<String>()
        var podsIn: [String: [JSONValue]] = [:]  // each namespace's Pods, read once a pass
        for (key, service) in store.objects(of: services, namespace: nil) where !Self.isDeleting(service) {
            guard let selector = service[path: "spec", "selector"]?.objectValue, !selector.isEmpty else { continue }
            wanted.insert(key)
            let namespace = service[path: "metadata", "namespace"]?.stringValue ?? ""
            if podsIn[namespace] == nil { podsIn[namespace] = store.objects(of: pods, namespace: namespace).map(\.object) }
            let selected = (podsIn[namespace] ?? []).filter { pod in
                let labels = pod[path: "metadata", "labels"]?.objectValue ?? JSONObject()
                let phase = pod[path: "status", "phase"]?.stringValue ?? ""
                return selector.allSatisfy { labels[$0.key] == $0.value } && pod[path: "status", "podIP"] != nil
                    && !Self.isDeleting(pod) && phase != "Succeeded" && phase != "Failed"
            }
            var object = Self.endpointsObject(for: service, pods: selected)
            if let current = store.object(of: endpoints, key: key) {
                guard current["subsets"] != object["subsets"] else { continue }
                var updated = current
                updated["subsets"] = object["subsets"]
                updated["metadata"]?["annotations"] = object[path: "metadata", "annotations"]
                changed = controllerUpdate(updated, was: current, endpoints, manager: Self.controllerManager, in: &store) || changed
            } else {
                object["metadata"]?["namespace"] = .string(namespace)
                controllerCreate(object, endpoints, manager: Self.controllerManager, in: &store)
                changed = true
            }
        }
        // the controller's own Endpoints whose Service is gone (or lost its selector) go too
        for (key, object) in store.objects(of: endpoints, namespace: nil)
        where object[path: "metadata", "annotations", Self.endpointsTrigger] != nil && !wanted.contains(key) {
            controllerDelete(object, endpoints, in: &store)
            changed = true
        }
        return changed
    }

    /// The Endpoints a Service with `pods` selected has (its namespace is set by the caller).
    static func endpointsObject(for service: JSONValue, pods: [JSONValue]) -> JSONValue {
        func address(_ pod: JSONValue) -> JSONValue {
            .object([
                "ip": pod[path: "status", "podIP"] ?? .null, "nodeName": pod[path: "spec", "nodeName"] ?? .null,
                "targetRef": .object(["kind": .string("Pod"), "namespace": pod[path: "metadata", "namespace"] ?? .null,
                                      "name": pod[path: "metadata", "name"] ?? .null, "uid": pod[path: "metadata", "uid"] ?? .null]),
            ])
        }
        let sorted = pods.sorted { ($0[path: "status", "podIP"]?.stringValue ?? "") < ($1[path: "status", "podIP"]?.stringValue ?? "") }
        let ready = sorted.filter(isReady).map(address)
        let notReady = sorted.filter { !isReady($0) }.map(address)
        let ports: [JSONValue] = (service[path: "spec", "ports"]?.arrayValue ?? []).compactMap { port in
            var number = port["targetPort"] ?? port["port"]
            if let name = number?.stringValue {
                // a named target port: the number the selected Pods' containers give that name
                number = pods.lazy.compactMap { pod in
                    (pod[path: "spec", "containers"]?.arrayValue ?? []).lazy.flatMap { $0["ports"]?.arrayValue ?? [] }
                        .first { $0["name"]?.stringValue == name }?["containerPort"]
                }.first
            }
            guard let number else { return nil }
            var entry = JSONObject()
            if let name = port["name"], name != .string("") { entry.append("name", name) }
            entry.append("port", number)
            entry.append("protocol", port["protocol"] ?? .string("TCP"))
            return .object(entry)
        }
        var metadata: JSONObject = ["name": service[path: "metadata", "name"] ?? .null]
        if let labels = service[path: "metadata", "labels"] { metadata.append("labels", labels) }
        metadata.append("annotations", .object([endpointsTrigger: .string(timestamp())]))
        var object: JSONObject = ["metadata": .object(metadata)]
        if !sorted.isEmpty, !ports.isEmpty {
            var subset = JSONObject()
            if !ready.isEmpty { subset.append("addresses", .array(ready)) }
            if !notReady.isEmpty { subset.append("notReadyAddresses", .array(notReady)) }
            subset.append("ports", .array(ports))
            object.append("subsets", .array([.object(subset)]))
        }
        return .object(object)
    }
}
