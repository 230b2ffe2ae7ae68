import KubeAPI

/// The Table columns of Services, Endpoints, StatefulSets and DaemonSets, as kube-apiserver's
/// printers give them.
extension Table {
    static let serviceColumns: [Column] = [
        name,
        Column(name: "Type", description: "type determines how the Service is exposed.") { o, _ in o[path: "spec", "type"] ?? .string("ClusterIP") },
        Column(name: "Cluster-IP", description: "clusterIP is the IP address of the service and is usually assigned randomly by the master.") { o, _ in
            let address = o[path: "spec", "clusterIP"]?.stringValue ?? ""
            return .string(address.isEmpty ? "<none>" : address)
        },
        Column(name: "External-IP", description: "List of IP addresses for which nodes in the cluster will also accept traffic for this service.") { o, _ in
            .string(externalAddresses(o))
        },
        Column(name: "Port(s)", description: "The list of ports that are exposed by this service.") { o, _ in
            let ports = (o[path: "spec", "ports"]?.arrayValue ?? []).map { port -> String in
                let number = port["port"]?.integerValue ?? 0
                let proto = port["protocol"]?.stringValue ?? "TCP"
                return port["nodePort"]?.integerValue.map { "\(number):\($0)/\(proto)" } ?? "\(number)/\(proto)"
            }
            return .string(ports.isEmpty ? "<none>" : ports.joined(separator: ","))
        },
        age,
        Column(name: "Selector", description: "Route service traffic to pods with label keys and values matching this selector.", priority: 1) { o, _ in
            .string(labelsText(o[path: "spec", "selector"]))
        },
    ]

    /// A map of labels as a selector (`app=web,tier=db`), or `<none>`.
    static func labelsText(_ labels: JSONValue?) -> String {
        let text = selectorText(labels.map { .object(["matchLabels": $0]) })
        return text.isEmpty ? "<none>" : text
    }

    /// kubectl's EXTERNAL-IP: the external name, the load balancer's ingress, or `externalIPs`.
    static func externalAddresses(_ service: JSONValue) -> String {
        let external = (service[path: "spec", "externalIPs"]?.arrayValue ?? []).compactMap(\.stringValue)
        switch service[path: "spec", "type"]?.stringValue {
        case "ExternalName":
            return service[path: "spec", "externalName"]?.stringValue ?? "<none>"
        case "LoadBalancer":
            let ingress = (service[path: "status", "loadBalancer", "ingress"]?.arrayValue ?? []).compactMap { $0["ip"]?.stringValue ?? $0["hostname"]?.stringValue }
            let all = ingress + external
            return all.isEmpty ? "<pending>" : all.joined(separator: ",")
        default:
            return external.isEmpty ? "<none>" : external.joined(separator: ",")
        }
    }

    static let endpointsColumns: [Column] = [
        name,
        Column(name: "Endpoints", description: "Endpoints of the service") { o, _ in
            var addresses: [String] = []
            for subset in o["subsets"]?.arrayValue ?? [] {
                let ports = (subset["ports"]?.arrayValue ?? []).compactMap { $0["port"]?.integerValue }
                for address in subset["addresses"]?.arrayValue ?? [] {
                    let ip = address["ip"]?.stringValue ?? ""
                    addresses += ports.isEmpty ? [ip] : ports.map { "\(ip):\($0)" }
                }
            }
            if addresses.isEmpty { return .string("<none>") }
            let shown = addresses.prefix(3).joined(separator: ",")
            return .string(addresses.count > 3 ? "\(shown) + \(addresses.count - 3) more..." : shown)
        },
        age,
    ]

    static let statefulSetColumns: [Column] = [
        name,
        Column(name: "Ready", description: "Number of the pod with ready state") { o, _ in
            .string("\(o[path: "status", "readyReplicas"]?.integerValue ?? 0)/\(o[path: "spec", "replicas"]?.integerValue ?? 1)")
        },
        age,
    ] + Array(templateColumns(selector: "").prefix(2))

    static let daemonSetColumns: [Column] = [
        name,
        Column(name: "Desired", type: "integer", description: "The total number of nodes that should be running the daemon pod.",
               cell: integer("status", "desiredNumberScheduled")),
        Column(name: "Current", type: "integer", description: "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.",
               cell: integer("status", "currentNumberScheduled")),
        Column(name: "Ready", type: "integer", description: "numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.",
               cell: integer("status", "numberReady")),
        Column(name: "Up-to-date", type: "integer", description: "The total number of nodes that are running updated daemon pod",
               cell: integer("status", "updatedNumberScheduled")),
        Column(name: "Available", type: "integer", description: "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)",
               cell: integer("status", "numberAvailable")),
        Column(name: "Node Selector", description: "NodeSelector is a selector which must be true for the pod to fit on a node.") { o, _ in
            .string(labelsText(o[path: "spec", "template", "spec", "nodeSelector"]))
        },
        age,
    ] + templateColumns(selector: "A label query over pods that are managed by the daemon set. Must match in order to be controlled. It must match the pod template's labels. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors")
}
