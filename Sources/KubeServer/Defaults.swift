import KubeAPI

/// The defaults kube-apiserver v1.24 fills in when it decodes a built-in object (its defaulting
/// functions), and the fields two admission plugins add to a new Pod (ServiceAccount's token
/// volume, DefaultTolerationSeconds), as the recorded server's answers show them.
enum Defaults {
    /// Fills in the defaults of `object` (of resource `info`, named `uid` once created).
    static func apply(to object: inout JSONValue, _ info: APIResourceInfo) {
        guard case .object(var fields) = object else { return }
        var spec = fields["spec"]?.objectValue ?? JSONObject()
        switch (info.group, info.name) {
        case ("apps", "deployments"):
            spec.setDefault("replicas", .integer(1))
            var strategy = spec["strategy"]?.objectValue ?? JSONObject()
            strategy.setDefault("type", .string("RollingUpdate"))
            if strategy["type"] == .string("RollingUpdate") {
                var rolling = strategy["rollingUpdate"]?.objectValue ?? JSONObject()
                rolling.setDefault("maxUnavailable", .string("25%"))
                rolling.setDefault("maxSurge", .string("25%"))
                strategy["rollingUpdate"] = .object(rolling)
            }
            spec["strategy"] = .object(strategy)
            spec.setDefault("revisionHistoryLimit", .integer(10))
            spec.setDefault("progressDeadlineSeconds", .integer(600))
            template(&spec)
        case ("apps", "replicasets"), ("", "replicationcontrollers"):
            spec.setDefault("replicas", .integer(1))
            template(&spec)
        case ("apps", "statefulsets"):
            spec.setDefault("replicas", .integer(1))
            spec.setDefault("podManagementPolicy", .string("OrderedReady"))
            var strategy = spec["updateStrategy"]?.objectValue ?? JSONObject()
            strategy.setDefault("type", .string("RollingUpdate"))
            if strategy["type"] == .string("RollingUpdate") {
                var rolling = strategy["rollingUpdate"]?.objectValue ?? JSONObject()
                rolling.setDefault("partition", .integer(0))
                strategy["rollingUpdate"] = .object(rolling)
            }
            spec["updateStrategy"] = .object(strategy)
            spec.setDefault("revisionHistoryLimit", .integer(10))
            template(&spec)
        case ("apps", "daemonsets"):
            var strategy = spec["updateStrategy"]?.objectValue ?? JSONObject()
            strategy.setDefault("type", .string("RollingUpdate"))
            if strategy["type"] == .string("RollingUpdate") {
                var rolling = strategy["rollingUpdate"]?.objectValue ?? JSONObject()
                rolling.setDefault("maxUnavailable", .integer(1))
                rolling.setDefault("maxSurge", .integer(0))
                strategy["rollingUpdate"] = .object(rolling)
            }
            spec["updateStrategy"] = .object(strategy)
            spec.setDefault("revisionHistoryLimit", .integer(10))
            template(&spec)
        case ("batch", "jobs"):
            if spec["completions"] == nil && spec["parallelism"] == nil {
                spec["completions"] = .integer(1)
                spec["parallelism"] = .integer(1)
            }
            spec.setDefault("parallelism", .integer(1))
            spec.setDefault("backoffLimit", .integer(6))
            spec.setDefault("completionMode", .string("NonIndexed"))
            spec.setDefault("suspend", .bool(false))
            template(&spec, restartPolicy: nil)
        case ("", "pods"):
            podSpec(&spec, restartPolicy: "Always")
        case ("", "services"):
            spec.setDefault("type", .string("ClusterIP"))
            spec.setDefault("sessionAffinity", .string("None"))
            if spec["type"] == .string("ClusterIP") || spec["type"] == .string("NodePort") || spec["type"] == .string("LoadBalancer") {
                spec.setDefault("internalTrafficPolicy", .string("Cluster"))
            }
            if spec["type"] == .string("NodePort") || spec["type"] == .string("LoadBalancer") {
                spec.setDefault("externalTrafficPolicy", .string("Cluster"))
            }
            if spec["type"] == .string("LoadBalancer") { spec.setDefault("allocateLoadBalancerNodePorts", .bool(true)) }
            spec["ports"] = spec["ports"].map { ports in
                .array((ports.arrayValue ?? []).map { port in
                    var port = port.objectValue ?? JSONObject()
                    port.setDefault("protocol", .string("TCP"))
                    if let number = port["port"] { port.setDefault("targetPort", number) }
                    return .object(port)
                })
            }
        case ("", "secrets"):
            fields.setDefault("type", .string("Opaque"))
        default:
            return
        }
        if !spec.isEmpty || fields["spec"] != nil { fields["spec"] = .object(spec) }
        object = .object(fields)
    }

    /// A pod template's defaults (its metadata carries `creationTimestamp: null`, as Go writes a
    /// zero time).
    static func template(_ spec: inout JSONObject, restartPolicy: String? = "Always") {
        guard case .object(var template)? = spec["template"] else { return }
        var metadata = template["metadata"]?.objectValue ?? JSONObject()
        metadata.setDefault("creationTimestamp", .null)
        template["metadata"] = .object(metadata)
        var podSpec = template["spec"]?.objectValue ?? JSONObject()
        Self.podSpec(&podSpec, restartPolicy: restartPolicy)
        template["spec"] = .object(podSpec)
        spec["template"] = .object(template)
    }

    static func podSpec(_ spec: inout JSONObject, restartPolicy: String?) {
        for list in ["containers", "initContainers"] {
            guard case .array(let containers)? = spec[list] else { continue }
            spec[list] = .array(containers.map { container in
                var c = container.objectValue ?? JSONObject()
                if case .array(let ports)? = c["ports"] {
                    c["ports"] = .array(ports.map { port in
                        var p = port.objectValue ?? JSONObject()
                        p.setDefault("protocol", .string("TCP"))
                        return .object(p)
                    })
                }
                c.setDefault("resources", .object([:]))
                c.setDefault("terminationMessagePath", .string("/dev/termination-log"))
                c.setDefault("terminationMessagePolicy", .string("File"))
                c.setDefault("imagePullPolicy", .string(pullPolicy(c["image"]?.stringValue ?? "")))
                return .object(c)
            })
        }
        if let restartPolicy { spec.setDefault("restartPolicy", .string(restartPolicy)) }
        spec.setDefault("terminationGracePeriodSeconds", .integer(30))
        spec.setDefault("dnsPolicy", .string("ClusterFirst"))
        spec.setDefault("securityContext", .object([:]))
        spec.setDefault("schedulerName", .string("default-scheduler"))
    }

    /// `Always` for an image without a tag or tagged `latest`, else `IfNotPresent`.
    static func pullPolicy(_ image: String) -> String {
        if image.contains("@") { return "IfNotPresent" }
        let name = image.split(separator: "/").last.map(String.init) ?? image
        guard let colon = name.lastIndex(of: ":") else { return "Always" }
        return name[name.index(after: colon)...] == "latest" ? "Always" : "IfNotPresent"
    }

    /// What a new Job gets from its strategy: a selector on its own uid, and the labels that
    /// selector needs on its template (unless it brings its own with `manualSelector`).
    static func admitJob(_ object: inout JSONValue, uid: String) {
        guard case .object(var fields) = object, var spec = fields["spec"]?.objectValue, spec["manualSelector"] != .bool(true) else { return }
        let name = object[path: "metadata", "name"] ?? .string("")
        spec["selector"] = .object(["matchLabels": .object(["controller-uid": .string(uid)])])
        var template = spec["template"]?.objectValue ?? JSONObject()
        var metadata = template["metadata"]?.objectValue ?? JSONObject()
        var labels = metadata["labels"]?.objectValue ?? JSONObject()
        labels["controller-uid"] = .string(uid)
        labels["job-name"] = name
        metadata["labels"] = .object(labels)
        template["metadata"] = .object(metadata)
        spec["template"] = .object(template)
        fields["spec"] = .object(spec)
        object = .object(fields)
    }

    /// What admission adds to a new Pod: the service account and its token volume (mounted in
    /// every container), default tolerations, priority and the defaults of the Pod API.
    static func admitPod(_ object: inout JSONValue, suffix: String) {
        guard case .object(var fields) = object, var spec = fields["spec"]?.objectValue else { return }
        spec.setDefault("serviceAccountName", .string("default"))
        spec.setDefault("serviceAccount", spec["serviceAccountName"] ?? .string("default"))
        let volumeName = "kube-api-access-" + suffix
        if spec["automountServiceAccountToken"] != .bool(false) {
            var volumes = spec["volumes"]?.arrayValue ?? []
            volumes.append(.object([
                "name": .string(volumeName),
                "projected": .object([
                    "sources": .array([
                        .object(["serviceAccountToken": .object(["expirationSeconds": .integer(3607), "path": .string("token")])]),
                        .object(["configMap": .object(["name": .string("kube-root-ca.crt"),
                                                      "items": .array([.object(["key": .string("ca.crt"), "path": .string("ca.crt")])])])]),
                        .object(["downwardAPI": .object(["items": .array([.object([
                            "path": .string("namespace"),
                            "fieldRef": .object(["apiVersion": .string("v1"), "fieldPath": .string("metadata.namespace")]),
                        ])])])]),
                    ]),
                    "defaultMode": .integer(420),
                ]),
            ]))
            spec["volumes"] = .array(volumes)
            if case .array(let containers)? = spec["containers"] {
                spec["containers"] = .array(containers.map { container in
                    var c = container.objectValue ?? JSONObject()
                    var mounts = c["volumeMounts"]?.arrayValue ?? []
                    mounts.append(.object(["name": .string(volumeName), "readOnly": .bool(true),
                                           "mountPath": .string("/var/run/secrets/kubernetes.io/serviceaccount")]))
                    c["volumeMounts"] = .array(mounts)
                    return .object(c)
                })
            }
        }
        var tolerations = spec["tolerations"]?.arrayValue ?? []
        for key in ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"]
        where !tolerations.contains(where: { $0["key"] == .string(key) }) {
            tolerations.append(.object(["key": .string(key), "operator": .string("Exists"), "effect": .string("NoExecute"),
                                        "tolerationSeconds": .integer(300)]))
        }
        spec["tolerations"] = .array(tolerations)
        spec.setDefault("priority", .integer(0))
        spec.setDefault("enableServiceLinks", .bool(true))
        spec.setDefault("preemptionPolicy", .string("PreemptLowerPriority"))
        fields["spec"] = .object(spec)
        if fields["status"]?.objectValue?.isEmpty ?? true {
            fields["status"] = .object(["phase": .string("Pending"), "qosClass": .string(qosClass(spec))])
        }
        object = .object(fields)
    }

    /// The Pod's quality-of-service class: Guaranteed when every container limits CPU and memory
    /// at what it requests, BestEffort when none asks for any, Burstable otherwise.
    static func qosClass(_ spec: JSONObject) -> String {
        let containers = (spec["containers"]?.arrayValue ?? []) + (spec["initContainers"]?.arrayValue ?? [])
        let resources = containers.map { $0["resources"] ?? .object([:]) }
        if resources.allSatisfy({ ($0["requests"]?.objectValue?.isEmpty ?? true) && ($0["limits"]?.objectValue?.isEmpty ?? true) }) {
            return "BestEffort"
        }
        let guaranteed = resources.allSatisfy { r in
            ["cpu", "memory"].allSatisfy { name in
                guard let limit = r[path: "limits", name] else { return false }
                return (r[path: "requests", name] ?? limit) == limit
            }
        }
        return guaranteed ? "Guaranteed" : "Burstable"
    }
}

extension JSONObject {
    /// Sets `key` to `value` unless it is already set.
    mutating func setDefault(_ key: String, _ value: JSONValue) {
        if self[key] == nil { append(key, value) }
    }
}
