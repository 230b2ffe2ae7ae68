import KubeAPI

/// Deletion as kube-apiserver does it: an object with finalizers (or deleted with the
/// `Foreground` or `Orphan` propagation policy, which add theirs) is only marked, with a
/// `deletionTimestamp`, until its finalizers are gone; the garbage collector and the namespace
/// controller (`settle`) do the rest.
extension APIServer {
    func delete(_ request: APIRequest, _ path: ResourcePath, _ info: APIResourceInfo, name: String, dryRun: Bool,
                in store: inout ObjectStore) -> APIResponse {
        let key = key(path, name)
        guard let current = store.object(of: info, key: key) else { return .status(.notFound(info, name: name)) }
        let options = Self.deleteOptions(request)
        if let uid = options[path: "preconditions", "uid"]?.stringValue, let actual = current[path: "metadata", "uid"]?.stringValue, uid != actual {
            return .status(.conflict(info, name: name, problem: "Precondition failed: UID in precondition: \(uid), UID in object meta: \(actual)"))
        }
        if let version = options[path: "preconditions", "resourceVersion"]?.stringValue,
           let actual = current[path: "metadata", "resourceVersion"]?.stringValue, version != actual {
            return .status(.conflict(info, name: name,
                                     problem: "Precondition failed: ResourceVersion in precondition: \(version), ResourceVersion in object meta: \(actual)"))
        }
        if let policy = options["propagationPolicy"]?.stringValue, !["Foreground", "Background", "Orphan"].contains(policy) {
            return .status(.invalid(info, name: name, causes: [.init(reason: "FieldValueNotSupported",
                                                                     message: "Unsupported value: \"\(policy)\": supported values: \"Foreground\", \"Background\", \"Orphan\"",
                                                                     field: "propagationPolicy")]))
        }
        if dryRun { return Self.deleted(info, name: name, current) }
        if let marked = remove(current, key: key, info, options: options, in: &store) {
            return .json(200, Self.ordered(marked))
        }
        return Self.deleted(info, name: name, current)
    }

    /// The DeleteOptions of a delete: the body's, or without a body, the query's
    /// (`?propagationPolicy=Foreground`, as the Python client sends them).
    static func deleteOptions(_ request: APIRequest) -> JSONValue {
        if !request.body.isEmpty { return (try? JSONValue.parse(request.body)) ?? .object([:]) }
        var options = JSONObject()
        if let policy = request.query["propagationPolicy"] { options["propagationPolicy"] = .string(policy) }
        if let seconds = request.query["gracePeriodSeconds"].flatMap({ Int64($0) }) { options["gracePeriodSeconds"] = .integer(seconds) }
        if request.query["orphanDependents"] != nil { options["orphanDependents"] = .bool(request.flag("orphanDependents")) }
        return .object(options)
    }

    static func deleted(_ info: APIResourceInfo, name: String, _ object: JSONValue) -> APIResponse {
        var details = Status.details(info, name: name).objectValue ?? JSONObject()
        details["uid"] = object[path: "metadata", "uid"]
        return .json(200, Status(status: "Success", code: 200, details: .object(details)).json)
    }

    /// Deletes an object, or marks it for deletion when finalizers must run first; returns the
    /// marked object, or nil when it is gone.
    func remove(_ current: JSONValue, key: String, _ info: APIResourceInfo, options: JSONValue, in store: inout ObjectStore) -> JSONValue? {
        var metadata = current["metadata"]?.objectValue ?? JSONObject()
        var finalizers = (metadata["finalizers"]?.arrayValue ?? []).compactMap(\.stringValue)
        let policy = options["propagationPolicy"]?.stringValue ?? (options["orphanDependents"]?.boolValue == true ? "Orphan" : "Background")
        if policy == "Foreground" && !finalizers.contains("foregroundDeletion") { finalizers.append("foregroundDeletion") }
        if policy == "Orphan" && !finalizers.contains("orphan") { finalizers.append("orphan") }
        if info.storageKey == CustomResource.definitionsKey && !finalizers.contains(CustomResource.cleanupFinalizer) {
            finalizers.append(CustomResource.cleanupFinalizer)  // its custom resources go first
        }
        let isNamespace = info.storageKey == ObjectStore.namespacesInfo.storageKey
        guard !finalizers.isEmpty || isNamespace else {
            store.delete(of: info, key: key)
            return nil
        }
        var object = current
        if metadata["deletionTimestamp"] == nil {
            metadata["deletionTimestamp"] = .string(Self.timestamp())
            metadata["deletionGracePeriodSeconds"] = .integer(0)
            if case .integer(let generation)? = metadata["generation"] { metadata["generation"] = .integer(generation + 1) }
        }
        metadata["finalizers"] = finalizers.isEmpty ? nil : .array(finalizers.map { .string($0) })
        object["metadata"] = .object(metadata)
        if isNamespace {
            object["status"] = .object(["phase": .string("Terminating")])
            if let uid = metadata["uid"]?.stringValue, store.terminatingSince[uid] == nil { store.terminatingSince[uid] = Self.now() }
        }
        store.write(object, of: info, key: key)
        return store.object(of: info, key: key)
    }

    /// Runs the garbage collector, the namespace controller and (when enabled) the simulated
    /// controllers until there is nothing left for them to do now: dependents of deleted owners
    /// are deleted (or orphaned), owners waiting on `foregroundDeletion` or `orphan` go once that
    /// is done, objects whose finalizers are all gone go, terminating namespaces are emptied, then
    /// go; Deployments, ReplicaSets, Jobs and Pods move on as far as their delays allow.
    public func settle() {
        lock.withLock {
            for _ in 0..<100 {  // each pass converges; the bound only guards against a controller bug
                var changed = collectGarbage(in: &store)
                changed = reconcileDefinitions(in: &store) || changed
                if let controllers { changed = runControllers(controllers, in: &store) || changed }
                if !changed { break }
            }
        }
    }

    /// One pass; whether anything changed. Skipped when no write or delete since the last pass
    /// could have made garbage (`ObjectStore.garbageMayExist`).
    func collectGarbage(in store: inout ObjectStore) -> Bool {
        guard store.garbageMayExist else { return false }
        store.garbageMayExist = false
        let all = store.all
        let uids = Set(all.compactMap { $0.object[path: "metadata", "uid"]?.stringValue })
        func dependents(of uid: String) -> [(storageKey: String, key: String, object: JSONValue)] {
            all.filter { entry in (entry.object[path: "metadata", "ownerReferences"]?.arrayValue ?? []).contains { $0["uid"]?.stringValue == uid } }
        }
        var changed = false
        for (storageKey, key, object) in all {
            guard store.object(storageKey: storageKey, key: key) != nil else { continue }  // gone in this pass
            var metadata = object["metadata"]?.objectValue ?? JSONObject()
            let uid = metadata["uid"]?.stringValue ?? ""
            let owners = (metadata["ownerReferences"]?.arrayValue ?? []).compactMap { $0["uid"]?.stringValue }
            // A dependent whose owners are all gone is deleted (background propagation).
            if !owners.isEmpty, owners.allSatisfy({ !uids.contains($0) }) {
                store.delete(storageKey: storageKey, key: key)
                changed = true
                continue
            }
            guard metadata["deletionTimestamp"] != nil else { continue }
            // an object being deleted may wait for time (a namespace's delay) rather than a write:
            // look again next time
            store.garbageMayExist = true
            var finalizers = (metadata["finalizers"]?.arrayValue ?? []).compactMap(\.stringValue)
            if finalizers.contains("orphan") {
                for dependent in dependents(of: uid) {
                    var d = dependent.object
                    var dm = d["metadata"]?.objectValue ?? JSONObject()
                    let kept = (dm["ownerReferences"]?.arrayValue ?? []).filter { $0["uid"]?.stringValue != uid }
                    dm["ownerReferences"] = kept.isEmpty ? nil : .array(kept)
                    d["metadata"] = .object(dm)
                    store.write(d, storageKey: dependent.storageKey, key: dependent.key)
                }
                finalizers.removeAll { $0 == "orphan" }
            }
            if finalizers.contains("foregroundDeletion") {
                let waiting = dependents(of: uid)
                for dependent in waiting where dependent.object[path: "metadata", "deletionTimestamp"] == nil {
                    var d = dependent.object
                    var dm = d["metadata"]?.objectValue ?? JSONObject()
                    let hasOwn = !(dm["finalizers"]?.arrayValue ?? []).isEmpty || !dependents(of: dm["uid"]?.stringValue ?? "").isEmpty
                    if hasOwn {
                        // a dependent with dependents of its own goes in the foreground too
                        dm["deletionTimestamp"] = .string(Self.timestamp())
                        dm["deletionGracePeriodSeconds"] = .integer(0)
                        dm["finalizers"] = .array(((dm["finalizers"]?.arrayValue ?? []) + [.string("foregroundDeletion")]))
                        d["metadata"] = .object(dm)
                        store.write(d, storageKey: dependent.storageKey, key: dependent.key)
                    } else {
                        store.delete(storageKey: dependent.storageKey, key: dependent.key)
                    }
                    changed = true
                }
                if waiting.isEmpty { finalizers.removeAll { $0 == "foregroundDeletion" } }
            }
            if storageKey == ObjectStore.namespacesInfo.storageKey {
                if let delay = controllers?.namespaceDeletionDelay, Self.now() - (store.terminatingSince[uid] ?? 0) < delay { continue }
                let name = metadata["name"]?.stringValue ?? ""
                let contents = all.filter { $0.object[path: "metadata", "namespace"]?.stringValue == name }
                for content in contents where store.object(storageKey: content.storageKey, key: content.key) != nil {
                    store.delete(storageKey: content.storageKey, key: content.key)
                    changed = true
                }
                if contents.isEmpty, finalizers.isEmpty {
                    store.terminatingSince[uid] = nil
                    store.delete(storageKey: storageKey, key: key)
                    changed = true
                }
                continue
            }
            let before = (metadata["finalizers"]?.arrayValue ?? []).count
            if finalizers.isEmpty {
                store.delete(storageKey: storageKey, key: key)
                changed = true
            } else if finalizers.count != before {
                metadata["finalizers"] = .array(finalizers.map { .string($0) })
                var updated = object
                updated["metadata"] = .object(metadata)
                store.write(updated, storageKey: storageKey, key: key)
                changed = true
            }
        }
        return changed
    }
}
