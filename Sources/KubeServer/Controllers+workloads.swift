import KubeAPI

/// The workload controllers: Deployments, ReplicaSets, Jobs, and the kubelet.
extension APIServer {
    // MARK: Deployments

    /// `pod-template-hash`: FNV-32a of the template, its decimal digits spelled in the
    /// alphabet kube-controller-manager uses for safe names.
    static func templateHash(_ template: JSONValue) -> String {
        var hash: UInt32 = 2_166_136_261
        for byte in template.serialized(sortedKeys: true) {
            hash ^= UInt32(byte)
            hash = hash &* 16_777_619
        }
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        return String(String(hash).utf8.map { alphabet[Int($0) % alphabet.count] })
    }

    /// An int-or-percent of `total` (`25%` of 4 is 1, rounded down or up as `roundUp` says).
    static func scaled(_ value: JSONValue?, of total: Int64, roundUp: Bool) -> Int64 {
        switch value {
        case .integer(let n)?: return n
        case .string(let text)? where text.hasSuffix("%"):
            let percent = Int64(text.dropLast()) ?? 0
            return roundUp ? (percent * total + 99) / 100 : percent * total / 100
        default: return 0
        }
    }

    func deployments(in store: inout ObjectStore) -> Bool {
        guard let deployments = info("apps", "v1", "deployments"), let replicaSets = info("apps", "v1", "replicasets"),
              let pods = info("", "v1", "pods") else { return false }
        var changed = false
        for (_, deployment) in store.objects(of: deployments, namespace: nil) where !Self.isDeleting(deployment) {
            let namespace = deployment[path: "metadata", "namespace"]?.stringValue ?? ""
            let name = deployment[path: "metadata", "name"]?.stringValue ?? ""
            let uid = deployment[path: "metadata", "uid"]?.stringValue ?? ""
            let replicas = deployment[path: "spec", "replicas"]?.integerValue ?? 1
            guard let template = deployment[path: "spec", "template"] else { continue }
            let hash = Self.templateHash(template)
            var sets = owned(by: uid, replicaSets, namespace: namespace, in: store)
            let revisions = sets.compactMap { $0[path: "metadata", "annotations", "deployment.kubernetes.io/revision"]?.stringValue.flatMap { Int64($0) } }
            let surge = Self.scaled(deployment[path: "spec", "strategy", "rollingUpdate", "maxSurge"], of: replicas, roundUp: true)
            var newSet = sets.first { $0[path: "metadata", "labels", "pod-template-hash"]?.stringValue == hash }
            if newSet == nil {
                var labels = template[path: "metadata", "labels"]?.objectValue ?? JSONObject()
                labels["pod-template-hash"] = .string(hash)
                var setTemplate = template
                setTemplate["metadata"]?["labels"] = .object(labels)
                var selector = deployment[path: "spec", "selector"] ?? .object([:])
                var matchLabels = selector["matchLabels"]?.objectValue ?? JSONObject()
                matchLabels["pod-template-hash"] = .string(hash)
                selector["matchLabels"] = .object(matchLabels)
                let created = controllerCreate(.object([
                    "metadata": .object([
                        "name": .string("\(name)-\(hash)"), "namespace": .string(namespace), "labels": .object(labels),
                        "annotations": .object([
                            "deployment.kubernetes.io/desired-replicas": .string(String(replicas)),
                            "deployment.kubernetes.io/max-replicas": .string(String(replicas + surge)),
                            "deployment.kubernetes.io/revision": .string(String((revisions.max() ?? 0) + 1)),
                        ]),
                        "ownerReferences": Self.ownerReference(deployment, deployments),
                    ]),
                    "spec": .object(["replicas": .integer(0), "selector": selector, "template": setTemplate]),
                ]), replicaSets, manager: Self.controllerManager, in: &store)
                newSet = created
                sets.append(created)
                changed = true
            }
            guard let newUID = newSet?[path: "metadata", "uid"] else { continue }
            let wanted = Self.rolloutStep(deployment, replicas: replicas, surge: surge, sets: sets, newUID: newUID, owned: { uid in
                owned(by: uid, pods, namespace: namespace, in: store).count
            })
            for set in sets {
                let isNew = set[path: "metadata", "uid"] == newUID
                let want = wanted[set[path: "metadata", "uid"]?.stringValue ?? ""] ?? 0
                guard set[path: "spec", "replicas"]?.integerValue != want else { continue }
                var updated = set
                updated["spec"]?["replicas"] = .integer(want)
                if isNew { updated["metadata"]?["annotations"]?["deployment.kubernetes.io/desired-replicas"] = .string(String(replicas)) }
                changed = controllerUpdate(updated, was: set, replicaSets, manager: Self.controllerManager, in: &store) || changed
                let direction = want > (set[path: "spec", "replicas"]?.integerValue ?? 0) ? "up" : "down"
                recordEvent(deployment, deployments, reason: "ScalingReplicaSet",
                            message: "Scaled \(direction) replica set \(set[path: "metadata", "name"]?.stringValue ?? "") to \(want)",
                            component: "deployment-controller", in: &store)
            }
            guard let current = store.object(of: deployments, key: "\(namespace)/\(name)"), let newSet else { continue }
            sets = owned(by: uid, replicaSets, namespace: namespace, in: store)
            let newName = newSet[path: "metadata", "name"]?.stringValue ?? ""
            let revision = newSet[path: "metadata", "annotations", "deployment.kubernetes.io/revision"] ?? .string("1")
            let latest = current
            let total = sets.reduce(Int64(0)) { $0 + ($1[path: "status", "replicas"]?.integerValue ?? 0) }
            let ready = sets.reduce(Int64(0)) { $0 + ($1[path: "status", "readyReplicas"]?.integerValue ?? 0) }
            let available = sets.reduce(Int64(0)) { $0 + ($1[path: "status", "availableReplicas"]?.integerValue ?? 0) }
            let updated = sets.first { $0[path: "metadata", "name"]?.stringValue == newName }?[path: "status", "replicas"]?.integerValue ?? 0
            let maxUnavailable = Self.scaled(latest[path: "spec", "strategy", "rollingUpdate", "maxUnavailable"], of: replicas, roundUp: false)
            let complete = updated == replicas && available >= replicas && total == replicas
            var status = JSONObject()
            status.append("observedGeneration", latest[path: "metadata", "generation"] ?? .integer(1))
            if total > 0 { status.append("replicas", .integer(total)) }
            if updated > 0 { status.append("updatedReplicas", .integer(updated)) }
            if ready > 0 { status.append("readyReplicas", .integer(ready)) }
            if available > 0 { status.append("availableReplicas", .integer(available)) }
            if total - available > 0 { status.append("unavailableReplicas", .integer(total - available)) }
            let isAvailable = available >= replicas - maxUnavailable
            status.append("conditions", .array([
                condition("Available", isAvailable, reason: isAvailable ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
                          message: isAvailable ? "Deployment has minimum availability." : "Deployment does not have minimum availability.",
                          previous: latest),
                condition("Progressing", true, reason: complete ? "NewReplicaSetAvailable" : "ReplicaSetUpdated",
                          message: complete ? "ReplicaSet \"\(newName)\" has successfully progressed." : "ReplicaSet \"\(newName)\" is progressing.",
                          previous: latest),
            ]))
            // The controller writes the revision annotation with the status, through `status`.
            var withStatus = latest
            withStatus["status"] = .object(status)
            withStatus["metadata"]?["annotations"] = .object({
                var annotations = latest[path: "metadata", "annotations"]?.objectValue ?? JSONObject()
                annotations["deployment.kubernetes.io/revision"] = revision
                return annotations
            }())
            changed = controllerUpdate(withStatus, was: latest, deployments, manager: Self.controllerManager, subresource: "status", in: &store) || changed
        }
        return changed
    }

    /// The replicas each of a Deployment's ReplicaSets (by uid) should have now, one step of its
    /// rollout as the deployment controller takes it. `RollingUpdate`: the new ReplicaSet grows
    /// while all of them together stay within `replicas + maxSurge`, and the old ones shrink,
    /// oldest first, while the available Pods stay at least `replicas - maxUnavailable`.
    /// `Recreate`: the old ones go to zero, and the new one grows once their Pods are gone.
    /// (`surge` is `maxSurge` scaled to `replicas`; the defaults are already in the object.)
    static func rolloutStep(_ deployment: JSONValue, replicas: Int64, surge: Int64, sets: [JSONValue], newUID: JSONValue,
                            owned: (String) -> Int) -> [String: Int64] {
        func uid(_ set: JSONValue) -> String { set[path: "metadata", "uid"]?.stringValue ?? "" }
        func specReplicas(_ set: JSONValue) -> Int64 { set[path: "spec", "replicas"]?.integerValue ?? 0 }
        func available(_ set: JSONValue) -> Int64 { set[path: "status", "availableReplicas"]?.integerValue ?? 0 }
        guard let newSet = sets.first(where: { $0[path: "metadata", "uid"] == newUID }) else { return [:] }
        let old = sets.filter { $0[path: "metadata", "uid"] != newUID }
            .sorted { ($0[path: "metadata", "creationTimestamp"]?.stringValue ?? "") < ($1[path: "metadata", "creationTimestamp"]?.stringValue ?? "") }
        var wanted = Dictionary(sets.map { (uid($0), specReplicas($0)) }, uniquingKeysWith: { first, _ in first })
        let strategy = deployment[path: "spec", "strategy"]
        if strategy?["type"]?.stringValue == "Recreate" {
            for set in old { wanted[uid(set)] = 0 }
            let oldPods = old.reduce(0) { $0 + owned(uid($1)) }
            if oldPods == 0 { wanted[uid(newSet)] = replicas }
            return wanted
        }
        var unavailable = scaled(strategy?["rollingUpdate"]?["maxUnavailable"], of: replicas, roundUp: false)
        if surge == 0 && unavailable == 0 { unavailable = 1 }  // as the controller: it must move
        let total = sets.reduce(Int64(0)) { $0 + specReplicas($1) }
        // the new ReplicaSet
        let current = specReplicas(newSet)
        if current > replicas {
            wanted[uid(newSet)] = replicas
        } else if current < replicas, total < replicas + surge {
            wanted[uid(newSet)] = current + min(replicas + surge - total, replicas - current)
        }
        // the old ones: first those whose Pods are not available, then as availability allows
        let minimum = replicas - unavailable
        let newUnavailable = specReplicas(newSet) - available(newSet)
        var room = total - minimum - max(newUnavailable, 0)
        for set in old where room > 0 {
            let unhealthy = min(specReplicas(set) - available(set), room)
            if unhealthy > 0 {
                wanted[uid(set)] = specReplicas(set) - unhealthy
                room -= unhealthy
            }
        }
        var removable = sets.reduce(Int64(0)) { $0 + available($1) } - minimum
        for set in old where removable > 0 {
            let have = wanted[uid(set)] ?? 0
            let cut = min(have, removable)
            wanted[uid(set)] = have - cut
            removable -= cut
        }
        return wanted
    }

    /// A status condition, keeping its times while its status and reason stay the same.
    func condition(_ type: String, _ isTrue: Bool, reason: String, message: String, previous object: JSONValue) -> JSONValue {
        let now = Self.timestamp()
        let old = object[path: "status", "conditions"]?.arrayValue?.first { $0["type"]?.stringValue == type }
        let status = isTrue ? "True" : "False"
        let same = old?["status"]?.stringValue == status
        let unchanged = same && old?["reason"]?.stringValue == reason
        return .object([
            "type": .string(type), "status": .string(status),
            "lastUpdateTime": unchanged ? (old?["lastUpdateTime"] ?? .string(now)) : .string(now),
            "lastTransitionTime": same ? (old?["lastTransitionTime"] ?? .string(now)) : .string(now),
            "reason": .string(reason), "message": .string(message),
        ])
    }

    // MARK: ReplicaSets

    func replicaSets(in store: inout ObjectStore) -> Bool {
        guard let replicaSets = info("apps", "v1", "replicasets"), let pods = info("", "v1", "pods") else { return false }
        var changed = false
        for (key, set) in store.objects(of: replicaSets, namespace: nil) where !Self.isDeleting(set) {
            let namespace = set[path: "metadata", "namespace"]?.stringValue ?? ""
            let uid = set[path: "metadata", "uid"]?.stringValue ?? ""
            let want = set[path: "spec", "replicas"]?.integerValue ?? 1
            var mine = owned(by: uid, pods, namespace: namespace, in: store).filter { !Self.isDeleting($0) }
            if Int64(mine.count) < want, let template = set[path: "spec", "template"] {
                for _ in 0..<(want - Int64(mine.count)) {
                    let pod = createPod(from: template, owner: set, replicaSets, in: &store)
                    mine.append(pod)
                    recordEvent(set, replicaSets, reason: "SuccessfulCreate", message: "Created pod: \(pod[path: "metadata", "name"]?.stringValue ?? "")",
                                component: "replicaset-controller", in: &store)
                }
                changed = true
            } else if Int64(mine.count) > want {
                // the newest go first, as the controller prefers
                let extra = mine.sorted { ($0[path: "metadata", "creationTimestamp"]?.stringValue ?? "") > ($1[path: "metadata", "creationTimestamp"]?.stringValue ?? "") }
                    .prefix(mine.count - Int(want))
                for pod in extra {
                    recordContainersKilled(pod, in: &store)
                    controllerDelete(pod, pods, in: &store)
                    recordEvent(set, replicaSets, reason: "SuccessfulDelete", message: "Deleted pod: \(pod[path: "metadata", "name"]?.stringValue ?? "")",
                                component: "replicaset-controller", in: &store)
                }
                mine = owned(by: uid, pods, namespace: namespace, in: store)
                changed = true
            }
            let ready = Int64(mine.filter(Self.isReady).count)
            var status: JSONObject = ["replicas": .integer(Int64(mine.count))]
            if !mine.isEmpty { status.append("fullyLabeledReplicas", .integer(Int64(mine.count))) }
            if ready > 0 {
                status.append("readyReplicas", .integer(ready))
                status.append("availableReplicas", .integer(ready))
            }
            status.append("observedGeneration", set[path: "metadata", "generation"] ?? .integer(1))
            changed = controllerWriteStatus(status, replicaSets, key: key, in: &store) || changed
        }
        return changed
    }

    static func isReady(_ pod: JSONValue) -> Bool {
        (pod[path: "status", "conditions"]?.arrayValue ?? []).contains { $0["type"] == .string("Ready") && $0["status"] == .string("True") }
    }

    // MARK: Jobs

    func jobs(in store: inout ObjectStore) -> Bool {
        guard let jobs = info("batch", "v1", "jobs"), let pods = info("", "v1", "pods") else { return false }
        var changed = false
        for (key, job) in store.objects(of: jobs, namespace: nil) where !Self.isDeleting(job) {
            let complete = (job[path: "status", "conditions"]?.arrayValue ?? []).contains { $0["type"] == .string("Complete") }
            guard !complete, job[path: "spec", "suspend"] != .bool(true) else { continue }
            let namespace = job[path: "metadata", "namespace"]?.stringValue ?? ""
            let uid = job[path: "metadata", "uid"]?.stringValue ?? ""
            let completions = job[path: "spec", "completions"]?.integerValue ?? 1
            let parallelism = job[path: "spec", "parallelism"]?.integerValue ?? 1
            let mine = owned(by: uid, pods, namespace: namespace, in: store)
            let succeeded = Int64(mine.filter { $0[path: "status", "phase"] == .string("Succeeded") }.count)
            let active = Int64(mine.filter { $0[path: "status", "phase"] != .string("Succeeded") && $0[path: "status", "phase"] != .string("Failed") }.count)
            let start = min(parallelism, completions - succeeded) - active
            if start > 0, let template = job[path: "spec", "template"] {
                for _ in 0..<start {
                    let pod = createPod(from: template, owner: job, jobs, in: &store)
                    recordEvent(job, jobs, reason: "SuccessfulCreate", message: "Created pod: \(pod[path: "metadata", "name"]?.stringValue ?? "")",
                                component: "job-controller", in: &store)
                }
                changed = true
            }
            let now = Self.timestamp()
            var status = JSONObject()
            status.append("startTime", job[path: "status", "startTime"] ?? .string(now))  // only this controller writes it
            let running = max(0, min(parallelism, completions - succeeded))
            if succeeded < completions && running > 0 { status.append("active", .integer(running)) }
            if succeeded > 0 { status.append("succeeded", .integer(succeeded)) }
            if succeeded >= completions {
                recordEvent(job, jobs, reason: "Completed", message: "Job completed", component: "job-controller", in: &store)
                status.append("completionTime", .string(now))
                status.append("conditions", .array([.object([
                    "type": .string("Complete"), "status": .string("True"), "lastProbeTime": .string(now), "lastTransitionTime": .string(now),
                ])]))
            }
            changed = controllerWriteStatus(status, jobs, key: key, in: &store) || changed
        }
        return changed
    }

    // MARK: The kubelet

    /// Schedules Pods on the one node, starts them after `podStartDelay` (Running, Ready), and
    /// lets a Job's Pods succeed after `jobPodDuration`.
    func kubelet(_ options: ControllerOptions, in store: inout ObjectStore) -> Bool {
        guard let pods = info("", "v1", "pods") else { return false }
        var changed = false
        let clock = Self.now()
        for (_, pod) in store.objects(of: pods, namespace: nil) where !Self.isDeleting(pod) {
            let uid = pod[path: "metadata", "uid"]?.stringValue ?? ""
            let seen = store.firstSeen[uid] ?? clock
            if store.firstSeen[uid] == nil { store.firstSeen[uid] = clock }
            let phase = pod[path: "status", "phase"]?.stringValue ?? "Pending"
            let now = Self.timestamp()
            var updated = pod
            if pod[path: "spec", "nodeName"] == nil {
                updated["spec"]?["nodeName"] = .string(Self.node)
                changed = controllerUpdate(updated, was: pod, pods, manager: "kube-scheduler", in: &store) || changed
                recordScheduled(pod, in: &store)
                continue
            }
            let ownedByJob = (pod[path: "metadata", "ownerReferences"]?.arrayValue ?? []).contains { $0["kind"] == .string("Job") }
            var status = pod["status"]?.objectValue ?? JSONObject()
            if phase == "Pending", clock - seen >= options.podStartDelay {
                let ip = "10.244.0.\(1 + Int(UInt8.random(in: 1...250)))"
                status["phase"] = .string("Running")
                status["conditions"] = .array(["Initialized", "Ready", "ContainersReady", "PodScheduled"].map {
                    .object(["type": .string($0), "status": .string("True"), "lastProbeTime": .null, "lastTransitionTime": .string(now)])
                })
                status["hostIP"] = .string("10.0.0.1")
                status["podIP"] = .string(ip)
                status["podIPs"] = .array([.object(["ip": .string(ip)])])
                status["startTime"] = .string(now)
                status["containerStatuses"] = .array((pod[path: "spec", "containers"]?.arrayValue ?? []).map { container in
                    .object([
                        "name": container["name"] ?? .null, "state": .object(["running": .object(["startedAt": .string(now)])]),
                        "lastState": .object([:]), "ready": .bool(true), "restartCount": .integer(0), "image": container["image"] ?? .null,
                        "imageID": .string(""), "containerID": .string("kwok://" + uid), "started": .bool(true),
                    ])
                })
                store.firstSeen[uid] = clock  // when it started
                recordContainersStarted(pod, in: &store)
            } else if phase == "Running", ownedByJob, clock - seen >= options.jobPodDuration {
                status["phase"] = .string("Succeeded")
                status["conditions"] = .array(["Initialized", "Ready", "ContainersReady", "PodScheduled"].map { (type: String) -> JSONValue in
                    let done = type == "Ready" || type == "ContainersReady"
                    var condition: JSONObject = ["type": .string(type), "status": .string(done ? "False" : "True"), "lastProbeTime": .null,
                                                 "lastTransitionTime": .string(now)]
                    if done { condition.append("reason", .string("PodCompleted")) }
                    return .object(condition)
                })
                status["containerStatuses"] = .array((pod[path: "status", "containerStatuses"]?.arrayValue ?? []).map { container in
                    var c = container
                    c["state"] = .object(["terminated": .object(["exitCode": .integer(0), "reason": .string("Completed"),
                                                                 "startedAt": container[path: "state", "running", "startedAt"] ?? .string(now),
                                                                 "finishedAt": .string(now), "containerID": container["containerID"] ?? .null])])
                    c["ready"] = .bool(false)
                    c["started"] = .bool(false)
                    return c
                })
            } else {
                continue
            }
            updated["status"] = .object(status)
            changed = controllerUpdate(updated, was: pod, pods, manager: "kubelet", subresource: "status", in: &store) || changed
        }
        return changed
    }
}

