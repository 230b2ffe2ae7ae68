import KubeAPI

/// The cluster's objects: one map per group and resource, keyed `namespace/name` (or `name`),
/// and the cluster-wide resourceVersion counter.
struct ObjectStore {
    /// The resourceVersion of the last write.
    var revision: Int64 = 1000
    private var objects: [String: [String: JSONValue]] = [:]

    static let namespacesInfo = APIResourceInfo(group: "", version: "v1", name: "namespaces", kind: "Namespace", namespaced: false,
                                                verbs: [], subresources: ["status", "finalize"])
    static let namespaces = namespacesInfo

    /// A store with the namespaces every cluster has.
    init() {
        for name in ["default", "kube-system", "kube-public", "kube-node-lease"] {
            revision += 1
            put(.object([
                "kind": .string("Namespace"), "apiVersion": .string("v1"),
                "metadata": .object([
                    "name": .string(name), "uid": .string(APIServer.uuid()), "resourceVersion": .string(String(revision)),
                    "creationTimestamp": .string(APIServer.timestamp()),
                    "labels": .object(["kubernetes.io/metadata.name": .string(name)]),
                ]),
                "spec": .object(["finalizers": .array([.string("kubernetes")])]),
                "status": .object(["phase": .string("Active")]),
            ]), of: Self.namespacesInfo, key: name)
        }
    }

    func object(of info: APIResourceInfo, key: String) -> JSONValue? {
        objects[info.storageKey]?[key]
    }

    mutating func put(_ object: JSONValue, of info: APIResourceInfo, key: String) {
        objects[info.storageKey, default: [:]][key] = object
    }

    mutating func remove(of info: APIResourceInfo, key: String) {
        objects[info.storageKey]?[key] = nil
    }

    /// The objects of a resource in key order (namespace, then name), within `namespace` if given.
    func objects(of info: APIResourceInfo, namespace: String?) -> [(key: String, object: JSONValue)] {
        let all = objects[info.storageKey] ?? [:]
        let prefix = namespace.map { $0 + "/" }
        return all.filter { prefix == nil || $0.key.hasPrefix(prefix ?? "") }
            .sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            .map { (key: $0.key, object: $0.value) }
    }
}
