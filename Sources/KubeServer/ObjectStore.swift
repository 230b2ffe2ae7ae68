import KubeAPI

/// The cluster's objects: one map per group and resource, keyed `namespace/name` (or `name`),
/// the cluster-wide resourceVersion counter, the recent history of changes, and the watches.
struct ObjectStore {
    /// The resourceVersion of the last write.
    private(set) var revision: Int64 = 1000
    private var objects: [String: [String: JSONValue]] = [:]
    /// Each resource's keys in order (namespace, then name), kept as they are written, so that a
    /// list reads a range instead of sorting. Keys are ASCII (validated names): `<` is byte order.
    private var orderedKeys: [String: [String]] = [:]
    /// The latest changes, oldest first, for watches that start from a revision.
    private(set) var history: [WatchEvent] = []
    /// Watches from a revision before this get 410 Expired.
    private(set) var historyStart: Int64 = 1000
    /// How many changes the history keeps.
    static let historyLimit = 10_000
    /// Whether the garbage collector has anything to look at: set by a delete (owners may be gone)
    /// and by a write of an object with owners or a deletionTimestamp; the collector clears it
    /// before a pass. Creating plain objects in bulk then costs no pass over every object.
    var garbageMayExist = true
    var watchers: [Int: Watcher] = [:]
    var nextWatcher = 0
    /// When the kubelet first saw each Pod (by uid), on a monotonic clock.
    var firstSeen: [String: Double] = [:]
    /// When each namespace being deleted (by uid) was marked, on a monotonic clock.
    var terminatingSince: [String: Double] = [:]
    /// Where every change is also written (`--data`), if anywhere.
    private(set) var file: ClusterFile?
    /// The resources Established CustomResourceDefinitions serve, kept current by every write
    /// of a definition.
    private(set) var customResources: [String: CustomResource] = [:] {
        didSet { definitionsRevision = revision }
    }
    /// The revision of the last change to a definition: what the OpenAPI documents were made from.
    private(set) var definitionsRevision: Int64 = 0

    static let namespacesInfo = APIResourceInfo(group: "", version: "v1", name: "namespaces", kind: "Namespace", namespaced: false,
                                                verbs: [], subresources: ["status", "finalize"])

    /// A store with the namespaces every cluster has.
    init() {
        for name in ["default", "kube-system", "kube-public", "kube-node-lease"] {
            write(.object([
                "kind": .string("Namespace"), "apiVersion": .string("v1"),
                "metadata": .object([
                    "name": .string(name), "uid": .string(APIServer.uuid()), "resourceVersion": .string(String(revision)),
                    "creationTimestamp": .string(APIServer.timestamp()),
                    "labels": .object(["kubernetes.io/metadata.name": .string(name)]),
                    "managedFields": .array([.object([
                        "manager": .string("kube-apiserver"), "operation": .string("Update"), "apiVersion": .string("v1"),
                        "time": .string(APIServer.timestamp()), "fieldsType": .string("FieldsV1"),
                        "fieldsV1": .object(["f:metadata": .object(["f:labels": .object([".": .object([:]), "f:kubernetes.io/metadata.name": .object([:])])])]),
                    ])]),
                ]),
                "spec": .object(["finalizers": .array([.string("kubernetes")])]),
                "status": .object(["phase": .string("Active")]),
            ]), of: Self.namespacesInfo, key: name)
        }
        history = []
        historyStart = revision
    }

    /// Keeps the store in `file`: what it holds replaces this store's objects, or a new file gets
    /// them; from then on every change is written through.
    mutating func keep(in file: ClusterFile) throws(ClusterFileError) {
        if let (revision, stored) = try file.load() {
            objects = [:]
            orderedKeys = [:]
            for (storageKey, key, object) in stored {
                objects[storageKey, default: [:]][key] = object
                orderedKeys[storageKey, default: []].append(key)
            }
            for storageKey in orderedKeys.keys { orderedKeys[storageKey]?.sort() }
            self.revision = revision
            history = []
            historyStart = revision
            customResources = CustomResource.served(by: objects[CustomResource.definitionsKey] ?? [:])
        } else {
            for (storageKey, byKey) in objects {
                for (key, object) in byKey { file.record(storageKey: storageKey, key: key, object: object, revision: revision) }
            }
        }
        self.file = file
    }

    /// The resourceVersion the next write gets.
    var nextRevision: Int64 { revision + 1 }

    func object(of info: APIResourceInfo, key: String) -> JSONValue? {
        objects[info.storageKey]?[key]
    }

    func object(storageKey: String, key: String) -> JSONValue? {
        objects[storageKey]?[key]
    }

    /// Stores an object under the next revision, and tells the watches.
    mutating func write(_ object: JSONValue, of info: APIResourceInfo, key: String) {
        write(object, storageKey: info.storageKey, key: key)
    }

    /// Removes an object (a write of its own revision) and tells the watches.
    mutating func delete(of info: APIResourceInfo, key: String) {
        delete(storageKey: info.storageKey, key: key)
    }

    private mutating func record(_ event: WatchEvent) {
        history.append(event)
        if history.count > Self.historyLimit {
            history.removeFirst(history.count - Self.historyLimit)
            historyStart = (history.first?.revision ?? revision) - 1
        }
        for watcher in watchers.values where watcher.request.matches(event) { watcher.send(event) }
    }

    /// Every object, with its storage key (`group/resource`) and key, in no particular order.
    var all: [(storageKey: String, key: String, object: JSONValue)] {
        objects.flatMap { storageKey, byKey in byKey.map { (storageKey: storageKey, key: $0.key, object: $0.value) } }
    }

    /// Stores a new version of an object kept under `storageKey` (a controller's write).
    mutating func write(_ object: JSONValue, storageKey: String, key: String) {
        let type = objects[storageKey]?[key] == nil ? "ADDED" : "MODIFIED"
        if type == "ADDED" {
            let index = Self.lowerBound(key, in: orderedKeys[storageKey] ?? [])
            orderedKeys[storageKey, default: []].insert(key, at: index)  // in place: no copy of the array
        }
        revision += 1
        var object = object
        if case .object(var metadata)? = object["metadata"] {
            metadata["resourceVersion"] = .string(String(revision))
            object["metadata"] = .object(metadata)
        }
        objects[storageKey, default: [:]][key] = object
        if object[path: "metadata", "ownerReferences"] != nil || object[path: "metadata", "deletionTimestamp"] != nil {
            garbageMayExist = true
        }
        if storageKey == CustomResource.definitionsKey { customResources = CustomResource.served(by: objects[storageKey] ?? [:]) }
        file?.record(storageKey: storageKey, key: key, object: object, revision: revision)
        record(WatchEvent(type: type, object: object, revision: revision, storageKey: storageKey,
                          namespace: object[path: "metadata", "namespace"]?.stringValue))
    }

    /// Removes an object kept under `storageKey` (a controller's delete).
    mutating func delete(storageKey: String, key: String) {
        guard var object = objects[storageKey]?.removeValue(forKey: key) else { return }
        garbageMayExist = true
        let index = Self.lowerBound(key, in: orderedKeys[storageKey] ?? [])
        if orderedKeys[storageKey]?.indices.contains(index) == true, orderedKeys[storageKey]?[index] == key {
            orderedKeys[storageKey]?.remove(at: index)
        }
        revision += 1
        if case .object(var metadata)? = object["metadata"] {
            metadata["resourceVersion"] = .string(String(revision))
            object["metadata"] = .object(metadata)
        }
        if storageKey == CustomResource.definitionsKey { customResources = CustomResource.served(by: objects[storageKey] ?? [:]) }
        file?.record(storageKey: storageKey, key: key, object: nil, revision: revision)
        record(WatchEvent(type: "DELETED", object: object, revision: revision, storageKey: storageKey,
                          namespace: object[path: "metadata", "namespace"]?.stringValue))
    }

    /// The keys of a resource in order (namespace, then name), within `namespace` if given.
    func keys(of info: APIResourceInfo, namespace: String?) -> ArraySlice<String> {
        let keys = orderedKeys[info.storageKey] ?? []
        guard let namespace else { return keys[...] }
        let prefix = namespace + "/"
        let start = Self.lowerBound(prefix, in: keys)
        var end = start
        while end < keys.count && keys[end].hasPrefix(prefix) { end += 1 }
        return keys[start..<end]
    }

    /// The objects of a resource in key order (namespace, then name), within `namespace` if given.
    func objects(of info: APIResourceInfo, namespace: String?) -> [(key: String, object: JSONValue)] {
        let stored = objects[info.storageKey] ?? [:]
        return keys(of: info, namespace: namespace).compactMap { key in stored[key].map { (key: key, object: $0) } }
    }

    /// Where `key` is, or would go, in ordered `keys`.
    static func lowerBound<Keys: RandomAccessCollection<String>>(_ key: String, in keys: Keys) -> Keys.Index {
        var low = keys.startIndex, high = keys.endIndex
        while low < high {
            let mid = keys.index(low, offsetBy: keys.distance(from: low, to: high) / 2)
            if keys[mid] < key { low = keys.index(after: mid) } else { high = mid }
        }
        return low
    }
}
