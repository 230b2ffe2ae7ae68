import KubeAPI

/// The columns kube-apiserver v1.24 prints for Nodes and Jobs (`pkg/printers/internalversion`),
/// with the descriptions its OpenAPI document gives the fields.
extension Table {
    static let addressesDescription = "List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/concepts/nodes/node/#addresses Note: This field is declared as mergeable, but the merge key is not sufficiently unique, which can cause data corruption when it is merged. Callers should instead use a full-replacement patch. See http://pr.k8s.io/79391 for an example."

    static let nodeColumns: [Column] = [
        name,
        Column(name: "Status", description: "The status of the node") { o, _ in
            let ready = o[path: "status", "conditions"]?.arrayValue?.first { $0["type"]?.stringValue == "Ready" }
            var states = [ready.map { $0["status"]?.stringValue == "True" ? "Ready" : "NotReady" } ?? "Unknown"]
            if o[path: "spec", "unschedulable"]?.boolValue == true { states.append("SchedulingDisabled") }
            return .string(states.joined(separator: ","))
        },
        Column(name: "Roles", description: "The roles of the node") { o, _ in
            var roles = Set<String>()
            for (key, value) in o[path: "metadata", "labels"]?.objectValue ?? [:] {
                if key.hasPrefix("node-role.kubernetes.io/") {
                    let role = String(key.dropFirst("node-role.kubernetes.io/".count))
                    if !role.isEmpty { roles.insert(role) }
                } else if key == "kubernetes.io/role", let role = value.stringValue, !role.isEmpty {
                    roles.insert(role)
                }
            }
            return .string(roles.isEmpty ? "<none>" : roles.sorted().joined(separator: ","))
        },
        age,
        Column(name: "Version", description: "Kubelet Version reported by the node.", cell: text("status", "nodeInfo", "kubeletVersion")),
        Column(name: "Internal-IP", description: addressesDescription, priority: 1) { o, _ in
            address(o, "InternalIP")
        },
        Column(name: "External-IP", description: addressesDescription, priority: 1) { o, _ in
            address(o, "ExternalIP")
        },
        Column(name: "OS-Image", description: "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).", priority: 1,
               cell: text("status", "nodeInfo", "osImage")),
        Column(name: "Kernel-Version", description: "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", priority: 1,
               cell: text("status", "nodeInfo", "kernelVersion")),
        Column(name: "Container-Runtime", description: "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).", priority: 1,
               cell: text("status", "nodeInfo", "containerRuntimeVersion")),
    ]

    static func address(_ node: JSONValue, _ type: String) -> JSONValue {
        let found = node[path: "status", "addresses"]?.arrayValue?.first { $0["type"]?.stringValue == type }
        return .string(found?["address"]?.stringValue ?? "<none>")
    }

    static let jobColumns: [Column] = [
        name,
        Column(name: "Completions", description: "The number of pods which reached phase Succeeded.") { o, _ in
            let succeeded = o[path: "status", "succeeded"]?.integerValue ?? 0
            if let completions = o[path: "spec", "completions"]?.integerValue { return .string("\(succeeded)/\(completions)") }
            let parallelism = o[path: "spec", "parallelism"]?.integerValue ?? 0
            return .string(parallelism > 1 ? "\(succeeded)/1 of \(parallelism)" : "\(succeeded)/1")
        },
        Column(name: "Duration", description: "Time required to complete the job.") { o, now in
            guard let started = o[path: "status", "startTime"]?.stringValue.flatMap({ RFC3339.parse($0)?.seconds }) else { return .string("") }
            let ended = o[path: "status", "completionTime"]?.stringValue.flatMap({ RFC3339.parse($0)?.seconds }) ?? now
            return .string(humanDuration(ended - started))
        },
        age,
    ] + templateColumns(selector: "A label query over pods that should match the pod count. Normally, the system sets this field for you. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors")
}
