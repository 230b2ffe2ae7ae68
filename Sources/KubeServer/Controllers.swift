import KubeAPI
#if canImport(Glibc)
import Glibc
#endif

/// The simulated controllers: what kube-controller-manager, the scheduler and a kubelet
/// (kwok-style: no containers run) do in a small cluster with one node. Deployments make
/// ReplicaSets, ReplicaSets, StatefulSets and DaemonSets make Pods, Pods are scheduled and
/// become Running and Ready after `podStartDelay`, a Job's Pods succeed after `jobPodDuration`,
/// Services with selectors get Endpoints, `default` has the `kubernetes` Service, and every
/// namespace gets its `default` ServiceAccount and `kube-root-ca.crt` ConfigMap. Statuses
/// follow as a real cluster's do. Controllers run in `settle()`, which `HTTPServer` calls periodically.
public struct ControllerOptions: Sendable {
    /// Seconds from a Pod's creation to Running and Ready.
    public var podStartDelay: Double
    /// Seconds a Job's Pod runs before it succeeds.
    public var jobPodDuration: Double
    /// Seconds a deleted namespace stays Terminating, with its contents, before the namespace
    /// controller empties it (a real one takes some seconds: clients deleting a manifest's
    /// objects one by one find them still there).
    public var namespaceDeletionDelay: Double
    /// Seconds an event is kept after it was last written (kube-apiserver's `--event-ttl`, an hour).
    public var eventTTL: Double

    public init(podStartDelay: Double = 0.5, jobPodDuration: Double = 0.5, namespaceDeletionDelay: Double = 1, eventTTL: Double = 3600) {
        self.podStartDelay = podStartDelay
        self.jobPodDuration = jobPodDuration
        self.namespaceDeletionDelay = namespaceDeletionDelay
        self.eventTTL = eventTTL
    }
}

extension APIServer {
    static let node = "kubescript-node"
    static let controllerManager = "kube-controller-manager"

    /// Seconds on a monotonic clock.
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    func info(_ group: String, _ version: String, _ name: String) -> APIResourceInfo? {
        catalog.resource(group: group, version: version, name: name)
    }

    /// One pass of every controller; whether anything changed.
    func runControllers(_ options: ControllerOptions, in store: inout ObjectStore) -> Bool {
        var changed = false
        changed = ensureNode(in: &store) || changed
        changed = namespaceDefaults(in: &store) || changed
        changed = deployments(in: &store) || changed
        changed = replicaSets(in: &store) || changed
        changed = statefulSets(in: &store) || changed
        changed = daemonSets(in: &store) || changed
        changed = jobs(in: &store) || changed
        changed = kubelet(options, in: &store) || changed
        changed = kubernetesService(in: &store) || changed
        changed = endpoints(in: &store) || changed
        changed = expireEvents(options, in: &store) || changed
        return changed
    }

    // MARK: Writing as a controller

    /// Creates an object as a controller would: defaults, identity, managed fields.
    @discardableResult
    func controllerCreate(_ object: JSONValue, _ info: APIResourceInfo, manager: String, in store: inout ObjectStore) -> JSONValue {
        var object = object
        var metadata = object["metadata"]?.objectValue ?? JSONObject()
        if metadata["name"] == nil, let prefix = metadata["generateName"]?.stringValue { metadata["name"] = .string(prefix + Self.randomSuffix()) }
        let uid = Self.uuid()
        metadata["uid"] = .string(uid)
        if Self.hasGeneration(info) { metadata["generation"] = .integer(1) }
        metadata["creationTimestamp"] = .string(Self.timestamp())
        object["metadata"] = .object(metadata)
        object["apiVersion"] = .string(info.groupVersion)
        object["kind"] = .string(info.kind)
        if info.subresources.contains("status"), object["status"] == nil { object["status"] = .object([:]) }
        Defaults.apply(to: &object, info)
        if info.group.isEmpty && info.name == "pods" { Defaults.admitPod(&object, suffix: Self.randomSuffix()) }
        object = managed(object, previous: nil, info: info, manager: manager, subresource: nil)
        let key = Self.storeKey(of: object)
        store.write(object, of: info, key: key)
        store.firstSeen[uid] = Self.now()
        return store.object(of: info, key: key) ?? object
    }

    /// Stores a controller's change to an object, through `subresource` when given; whether it
    /// changed anything.
    @discardableResult
    func controllerUpdate(_ object: JSONValue, was previous: JSONValue, _ info: APIResourceInfo, manager: String,
                          subresource: String? = nil, in store: inout ObjectStore) -> Bool {
        guard Self.content(of: object) != Self.content(of: previous) else { return false }
        var updated = object
        if Self.hasGeneration(info), subresource == nil, object["spec"] != previous["spec"],
           case .integer(let generation)? = object[path: "metadata", "generation"] {
            updated["metadata"]?["generation"] = .integer(generation + 1)
        }
        updated = managed(updated, previous: previous, info: info, manager: manager, subresource: subresource)
        store.write(updated, of: info, key: Self.storeKey(of: updated))
        return true
    }

    /// Writes `status` to the object stored at `key`, through its `status` subresource, as the
    /// controller manager; whether it changed anything.
    func controllerWriteStatus(_ status: JSONObject, _ info: APIResourceInfo, key: String, in store: inout ObjectStore) -> Bool {
        guard let latest = store.object(of: info, key: key) else { return false }
        var withStatus = latest
        withStatus["status"] = .object(status)
        return controllerUpdate(withStatus, was: latest, info, manager: Self.controllerManager, subresource: "status", in: &store)
    }

    /// Removes a controller's object at once (no graceful deletion).
    func controllerDelete(_ object: JSONValue, _ info: APIResourceInfo, in store: inout ObjectStore) {
        store.delete(of: info, key: Self.storeKey(of: object))
    }

    /// Creates a Pod from `owner`'s `template`, owned by it: named `name`, else `<owner>-<random>`,
    /// with `labels` added and its spec as `adjust` leaves it.
    @discardableResult
    func createPod(from template: JSONValue, owner: JSONValue, _ ownerInfo: APIResourceInfo, name: String? = nil, labels: JSONObject = [:],
                   in store: inout ObjectStore, adjust: (inout JSONObject) -> Void = { _ in }) -> JSONValue {
        guard let pods = info("", "v1", "pods") else { return .null }
        var metadata = template["metadata"]?.objectValue ?? JSONObject()
        metadata["creationTimestamp"] = nil
        if let name {
            metadata["name"] = .string(name)
        } else {
            metadata["generateName"] = .string((owner[path: "metadata", "name"]?.stringValue ?? "") + "-")
        }
        metadata["namespace"] = owner[path: "metadata", "namespace"]
        if !labels.isEmpty {
            var merged = metadata["labels"]?.objectValue ?? JSONObject()
            for (key, value) in labels { merged[key] = value }
            metadata["labels"] = .object(merged)
        }
        metadata["ownerReferences"] = Self.ownerReference(owner, ownerInfo)
        var spec = template["spec"]?.objectValue ?? JSONObject()
        adjust(&spec)
        return controllerCreate(.object(["metadata": .object(metadata), "spec": .object(spec)]), pods, manager: Self.controllerManager, in: &store)
    }

    /// Where the store keeps an object: `namespace/name`, or `name` for a cluster-scoped one.
    static func storeKey(of object: JSONValue) -> String {
        let name = object[path: "metadata", "name"]?.stringValue ?? ""
        return object[path: "metadata", "namespace"]?.stringValue.map { "\($0)/\(name)" } ?? name
    }

    /// The objects of `info` whose controller is the object with `uid`.
    func owned(by uid: String, _ info: APIResourceInfo, namespace: String?, in store: ObjectStore) -> [JSONValue] {
        store.objects(of: info, namespace: namespace).map(\.object).filter { object in
            (object[path: "metadata", "ownerReferences"]?.arrayValue ?? []).contains {
                $0["uid"]?.stringValue == uid && $0["controller"]?.boolValue == true
            }
        }
    }

    static func ownerReference(_ owner: JSONValue, _ info: APIResourceInfo) -> JSONValue {
        .array([.object([
            "apiVersion": .string(info.groupVersion), "kind": .string(info.kind), "name": owner[path: "metadata", "name"] ?? .null,
            "uid": owner[path: "metadata", "uid"] ?? .null, "controller": .bool(true), "blockOwnerDeletion": .bool(true),
        ])])
    }

    static func isDeleting(_ object: JSONValue) -> Bool { object[path: "metadata", "deletionTimestamp"] != nil }

    // MARK: The node, and what every namespace has

    func ensureNode(in store: inout ObjectStore) -> Bool {
        guard let nodes = info("", "v1", "nodes"), store.object(of: nodes, key: Self.node) == nil else { return false }
        let now = Self.timestamp()
        controllerCreate(.object([
            "metadata": .object(["name": .string(Self.node), "labels": .object([
                "kubernetes.io/hostname": .string(Self.node), "kubernetes.io/os": .string("linux"), "kubernetes.io/arch": .string("amd64"),
                "type": .string("kwok"),
            ])]),
            "status": .object([
                "capacity": .object(["cpu": .string("32"), "memory": .string("256Gi"), "pods": .string("110")]),
                "allocatable": .object(["cpu": .string("32"), "memory": .string("256Gi"), "pods": .string("110")]),
                "conditions": .array([.object(["type": .string("Ready"), "status": .string("True"), "reason": .string("KubeletReady"),
                                               "message": .string("kubelet is posting ready status"), "lastHeartbeatTime": .string(now),
                                               "lastTransitionTime": .string(now)])]),
                "addresses": .array([.object(["type": .string("InternalIP"), "address": .string("10.0.0.1")])]),
                "nodeInfo": .object(["kubeletVersion": .string("v1.24.0"), "operatingSystem": .string("linux"), "architecture": .string("amd64"),
                                     "containerRuntimeVersion": .string("kwok://v0.1.0")]),
            ]),
        ]), nodes, manager: "kubelet", in: &store)
        return true
    }

    static let rootCA = "-----BEGIN CERTIFICATE-----\nMIIBdzCCAR2gAwIBAgIBADAKBggqhkjOPQQDAjAVMRMwEQYDVQQDEwprdWJlc2NyaXB0\n-----END CERTIFICATE-----\n"

    func namespaceDefaults(in store: inout ObjectStore) -> Bool {
        guard let configmaps = info("", "v1", "configmaps"), let accounts = info("", "v1", "serviceaccounts") else { return false }
        var changed = false
        for (name, namespace) in store.objects(of: ObjectStore.namespacesInfo, namespace: nil) where !Self.isDeleting(namespace) {
            if store.object(of: accounts, key: "\(name)/default") == nil {
                controllerCreate(.object(["metadata": .object(["name": .string("default"), "namespace": .string(name)])]), accounts,
                                 manager: Self.controllerManager, in: &store)
                changed = true
            }
            if store.object(of: configmaps, key: "\(name)/kube-root-ca.crt") == nil {
                controllerCreate(.object([
                    "metadata": .object(["name": .string("kube-root-ca.crt"), "namespace": .string(name), "annotations": .object([
                        "kubernetes.io/description": .string("Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters."),
                    ])]),
                    "data": .object(["ca.crt": .string(Self.rootCA)]),
                ]), configmaps, manager: Self.controllerManager, in: &store)
                changed = true
            }
        }
        return changed
    }
}
