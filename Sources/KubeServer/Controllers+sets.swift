import KubeAPI

/// The StatefulSet and DaemonSet controllers, on the one node. A StatefulSet's Pods are
/// `<name>-0` … `<name>-(n-1)`, made in order, each once the ones before are Ready
/// (`OrderedReady`) or all at once (`Parallel`), removed from the highest ordinal, and replaced
/// one at a time, from the highest ordinal, when the template changes. A DaemonSet runs one Pod
/// on the node when its node selector matches, replaced when the template changes. Statuses
/// carry what `kubectl rollout status` reads. Not made: ControllerRevisions, and the
/// PersistentVolumeClaims of `volumeClaimTemplates`.
extension APIServer {
    // MARK: StatefulSets

    func statefulSets(in store: inout ObjectStore) -> Bool {
        guard let sets = info("apps", "v1", "statefulsets"), let pods = info("", "v1", "pods") else { return false }
        var changed = false
        for (key, set) in store.objects(of: sets, namespace: nil) where !Self.isDeleting(set) {
            guard let template = set[path: "spec", "template"] else { continue }
            let namespace = set[path: "metadata", "namespace"]?.stringValue ?? ""
            let name = set[path: "metadata", "name"]?.stringValue ?? ""
            let uid = set[path: "metadata", "uid"]?.stringValue ?? ""
            let replicas = set[path: "spec", "replicas"]?.integerValue ?? 1
            let ordered = set[path: "spec", "podManagementPolicy"]?.stringValue != "Parallel"
            let revision = "\(name)-\(Self.templateHash(template))"
            func ordinal(_ pod: JSONValue) -> Int64 {
                Int64((pod[path: "metadata", "name"]?.stringValue ?? "").split(separator: "-").last ?? "") ?? -1
            }
            func revisionLabel(_ pod: JSONValue) -> String? { pod[path: "metadata", "labels", "controller-revision-hash"]?.stringValue }
            var mine = owned(by: uid, pods, namespace: namespace, in: store).sorted { ordinal($0) < ordinal($1) }
            let live = mine.filter { !Self.isDeleting($0) }

            // scale down, from the highest ordinal (one at a time when ordered)
            let surplus = live.filter { ordinal($0) >= replicas }.sorted { ordinal($0) > ordinal($1) }
            for pod in surplus.prefix(ordered ? 1 : surplus.count) {
                recordContainersKilled(pod, in: &store)
                controllerDelete(pod, pods, in: &store)
                recordEvent(set, sets, reason: "SuccessfulDelete",
                            message: "delete Pod \(pod[path: "metadata", "name"]?.stringValue ?? "") in StatefulSet \(name) successful",
                            component: "statefulset-controller", in: &store)
                changed = true
            }
            if ordered, !surplus.isEmpty { mine = owned(by: uid, pods, namespace: namespace, in: store) }
            // make the missing ordinals
            var existing = Dictionary(mine.map { (ordinal($0), $0) }, uniquingKeysWith: { first, _ in first })
            if !ordered || surplus.isEmpty {
                for index in 0..<max(replicas, 0) where existing[index] == nil {
                    if ordered, !(0..<index).allSatisfy({ existing[$0].map(Self.isReady) ?? false }) { break }
                    let podName = "\(name)-\(index)"
                    existing[index] = createPod(from: template, owner: set, sets, name: podName, labels: [
                        "controller-revision-hash": .string(revision), "statefulset.kubernetes.io/pod-name": .string(podName),
                    ], in: &store) { spec in
                        spec["hostname"] = .string(podName)
                        if let service = set[path: "spec", "serviceName"], service != .string("") { spec["subdomain"] = service }
                    }
                    recordEvent(set, sets, reason: "SuccessfulCreate", message: "create Pod \(podName) in StatefulSet \(name) successful",
                                component: "statefulset-controller", in: &store)
                    changed = true
                    if ordered { break }  // the next waits for this one to be Ready
                }
            }
            // a rolling update: the highest ordinal of the old revision goes once all others are Ready
            let current = (0..<max(replicas, 0)).compactMap { existing[$0] }
            if current.count == Int(replicas), current.allSatisfy(Self.isReady),
               set[path: "spec", "updateStrategy", "type"]?.stringValue != "OnDelete" {
                let partition = set[path: "spec", "updateStrategy", "rollingUpdate", "partition"]?.integerValue ?? 0
                if let stale = current.filter({ revisionLabel($0) != revision && ordinal($0) >= partition && !Self.isDeleting($0) }).last {
                    controllerDelete(stale, pods, in: &store)
                    changed = true
                }
            }

            mine = owned(by: uid, pods, namespace: namespace, in: store).filter { !Self.isDeleting($0) }
            let updated = mine.filter { revisionLabel($0) == revision }
            let previous = set[path: "status", "currentRevision"]?.stringValue ?? revision
            let ready = Int64(mine.filter(Self.isReady).count)
            let done = updated.count == Int(replicas) && mine.count == Int(replicas)
            let currentRevision = done ? revision : previous
            var status = JSONObject()
            status.append("observedGeneration", set[path: "metadata", "generation"] ?? .integer(1))
            status.append("replicas", .integer(Int64(mine.count)))
            if ready > 0 { status.append("readyReplicas", .integer(ready)) }
            let atCurrent = Int64(mine.filter { revisionLabel($0) == currentRevision }.count)
            if atCurrent > 0 { status.append("currentReplicas", .integer(atCurrent)) }
            if !updated.isEmpty { status.append("updatedReplicas", .integer(Int64(updated.count))) }
            status.append("currentRevision", .string(currentRevision))
            status.append("updateRevision", .string(revision))
            status.append("collisionCount", .integer(0))
            if ready > 0 { status.append("availableReplicas", .integer(ready)) }
            changed = controllerWriteStatus(status, sets, key: key, in: &store) || changed
        }
        return changed
    }

    // MARK: DaemonSets

    /// What the DaemonSet controller gives its Pods: a required affinity for their node.
    static let nodeAffinity: JSONValue = .object(["nodeAffinity": .object(["requiredDuringSchedulingIgnoredDuringExecution": .object([
        "nodeSelectorTerms": .array([.object(["matchFields": .array([.object([
            "key": .string("metadata.name"), "operator": .string("In"), "values": .array([.string(node)]),
        ])])])]),
    ])])])

    func daemonSets(in store: inout ObjectStore) -> Bool {
        guard let sets = info("apps", "v1", "daemonsets"), let pods = info("", "v1", "pods"), let nodes = info("", "v1", "nodes") else {
            return false
        }
        let nodeLabels = store.object(of: nodes, key: Self.node)?[path: "metadata", "labels"]?.objectValue ?? JSONObject()
        var changed = false
        for (key, set) in store.objects(of: sets, namespace: nil) where !Self.isDeleting(set) {
            guard let template = set[path: "spec", "template"] else { continue }
            let namespace = set[path: "metadata", "namespace"]?.stringValue ?? ""
            let uid = set[path: "metadata", "uid"]?.stringValue ?? ""
            let hash = Self.templateHash(template)
            let selector = template[path: "spec", "nodeSelector"]?.objectValue ?? JSONObject()
            let desired: Int64 = selector.allSatisfy({ nodeLabels[$0.key] == $0.value }) ? 1 : 0
            var mine = owned(by: uid, pods, namespace: namespace, in: store).filter { !Self.isDeleting($0) }
            let stale = mine.filter { $0[path: "metadata", "labels", "controller-revision-hash"]?.stringValue != hash }
            if desired == 0 || !stale.isEmpty {
                for pod in desired == 0 ? mine : stale {
                    controllerDelete(pod, pods, in: &store)
                    changed = true
                }
                mine = owned(by: uid, pods, namespace: namespace, in: store).filter { !Self.isDeleting($0) }
            }
            if desired == 1, mine.isEmpty {
                mine = [createPod(from: template, owner: set, sets, labels: [
                    "controller-revision-hash": .string(hash),
                    "pod-template-generation": .string(String(set[path: "metadata", "generation"]?.integerValue ?? 1)),
                ], in: &store) { spec in
                    spec["affinity"] = Self.nodeAffinity
                }]
                recordEvent(set, sets, reason: "SuccessfulCreate", message: "Created pod: \(mine[0][path: "metadata", "name"]?.stringValue ?? "")",
                            component: "daemonset-controller", in: &store)
                changed = true
            }
            let scheduled = Int64(mine.filter { $0[path: "spec", "nodeName"] != nil }.count)
            let ready = Int64(mine.filter(Self.isReady).count)
            var status = JSONObject()
            status.append("currentNumberScheduled", .integer(scheduled))
            status.append("numberMisscheduled", .integer(0))
            status.append("desiredNumberScheduled", .integer(desired))
            status.append("numberReady", .integer(ready))
            status.append("observedGeneration", set[path: "metadata", "generation"] ?? .integer(1))
            if scheduled > 0 { status.append("updatedNumberScheduled", .integer(scheduled)) }
            if ready > 0 { status.append("numberAvailable", .integer(ready)) }
            if desired - ready > 0 { status.append("numberUnavailable", .integer(desired - ready)) }
            changed = controllerWriteStatus(status, sets, key: key, in: &store) || changed
        }
        return changed
    }
}
