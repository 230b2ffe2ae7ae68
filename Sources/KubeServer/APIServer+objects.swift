import KubeAPI

/// Create, read, update, delete and patch of objects, answering as kube-apiserver does.
extension APIServer {
    /// Handles a request for a resource; runs with the store locked.
    func handleResource(_ request: APIRequest, _ path: ResourcePath, _ info: APIResourceInfo, in store: inout ObjectStore) -> APIResponse {
        if let subresource = path.subresource {
            // served: status and scale (log, above); any other is not found, never the object
            guard ["status", "scale"].contains(subresource), info.subresources.contains(subresource), let name = path.name else {
                return .status(.notFoundPath)
            }
            return handleSubresource(subresource, request, path, info, name: name, dryRun: request.query["dryRun"] == "All", in: &store)
        }
        let dryRun = request.query["dryRun"] == "All"
        switch (request.method, path.name) {
        case ("GET", nil): return list(request, path, info, store: store)
        case ("GET", let name?):
            guard let object = store.object(of: info, key: key(path, name)) else { return .status(.notFound(info, name: name)) }
            if Table.wanted(by: request) {
                return .json(200, Table.table(for: info, objects: [Self.ordered(object)], metadata: .object([:]),
                                              includeObject: request.query["includeObject"]))
            }
            return .json(200, Self.ordered(object))
        case ("POST", nil): return create(request, path, info, dryRun: dryRun, in: &store)
        case ("PUT", let name?): return update(request, path, info, name: name, dryRun: dryRun, in: &store)
        case ("PATCH", let name?): return patch(request, path, info, name: name, dryRun: dryRun, in: &store)
        case ("DELETE", let name?): return delete(request, path, info, name: name, dryRun: dryRun, in: &store)
        case ("DELETE", nil): return deleteCollection(request, path, info, dryRun: dryRun, in: &store)
        default: return .status(.methodNotSupported(info, verb: request.method.lowercased()))
        }
    }

    func key(_ path: ResourcePath, _ name: String) -> String {
        path.namespace.map { "\($0)/\(name)" } ?? name
    }

    // MARK: Create

    func create(_ request: APIRequest, _ path: ResourcePath, _ info: APIResourceInfo, dryRun: Bool, in store: inout ObjectStore) -> APIResponse {
        var object: JSONValue
        switch Self.decodeBody(request, info) {
        case .success(let value): object = value
        case .failure(let status): return .status(status)
        }
        switch admitted(object, info, name: object[path: "metadata", "name"]?.stringValue ?? "", in: store) {
        case .success(let value): object = value
        case .failure(let status): return .status(status)
        }
        return insert(object, path, info, manager: manager(request), applied: nil, dryRun: dryRun, in: &store)
    }

    /// Stores a new object (answering 201 with it), or the Status for one that cannot be: its
    /// namespace, name, identity, defaults and managed fields (an Update by `manager`, or the
    /// Apply entry of `applied` fields).
    func insert(_ object: JSONValue, _ path: ResourcePath, _ info: APIResourceInfo, manager: String, applied: FieldSet?, dryRun: Bool,
                in store: inout ObjectStore) -> APIResponse {
        var object = object
        var metadata = object["metadata"]?.objectValue ?? JSONObject()
        if info.namespaced, let namespace = path.namespace {
            // the NamespaceLifecycle admission plugin: new objects need a namespace that is not going
            guard let owner = store.object(of: ObjectStore.namespacesInfo, key: namespace) else {
                return .status(.notFound(ObjectStore.namespacesInfo, name: namespace))
            }
            if owner[path: "metadata", "deletionTimestamp"] != nil {
                let name = metadata["name"]?.stringValue ?? ""
                return .status(Status(code: 403, reason: "Forbidden",
                                      message: "\(info.kind.isEmpty ? info.name : Status.qualified(info)) \"\(name)\" is forbidden: unable to create new content in namespace \(namespace) because it is being terminated",
                                      details: .object(["name": .string(name), "kind": .string(info.name)])))
            }
        }
        if let namespace = path.namespace {
            if let given = metadata["namespace"]?.stringValue, !given.isEmpty, given != namespace {
                return .status(.badRequest("the namespace of the provided object does not match the namespace sent on the request"))
            }
            metadata["namespace"] = .string(namespace)
        }
        var name = metadata["name"]?.stringValue ?? ""
        if name.isEmpty, let prefix = metadata["generateName"]?.stringValue, !prefix.isEmpty {
            name = prefix + Self.randomSuffix()
            metadata["name"] = .string(name)
        }
        if let invalid = validateName(name, info) { return .status(invalid) }
        let key = key(path, name)
        if store.object(of: info, key: key) != nil { return .status(.alreadyExists(info, name: name)) }
        metadata["uid"] = .string(Self.uuid())
        if !dryRun { metadata["resourceVersion"] = .string(String(store.nextRevision)) }
        if Self.hasGeneration(info) { metadata["generation"] = .integer(1) }
        metadata["creationTimestamp"] = .string(Self.timestamp())
        if info.storageKey == ObjectStore.namespacesInfo.storageKey {
            // The namespace strategy: a label with the name, the finalizer, and Active.
            var labels = metadata["labels"]?.objectValue ?? JSONObject()
            labels["kubernetes.io/metadata.name"] = .string(name)
            metadata["labels"] = .object(labels)
            object["spec"] = .object(["finalizers": .array([.string("kubernetes")])])
            object["status"] = .object(["phase": .string("Active")])
        }
        object["metadata"] = .object(metadata)
        object["apiVersion"] = .string(info.groupVersion)
        object["kind"] = .string(info.kind)
        if info.subresources.contains("status"), info.storageKey != ObjectStore.namespacesInfo.storageKey {
            // status is written through its subresource only (a custom resource has none at first)
            object["status"] = info.custom ? nil : .object([:])
        }
        if info.storageKey == CustomResource.definitionsKey { Self.admitDefinition(&object) }
        Defaults.apply(to: &object, info)
        if info.group.isEmpty && info.name == "pods" { Defaults.admitPod(&object, suffix: Self.randomSuffix()) }
        if info.group == "batch" && info.name == "jobs" { Defaults.admitJob(&object, uid: metadata["uid"]?.stringValue ?? "") }
        object = applied.map { appliedManaged(object, previous: nil, info: info, manager: manager, fields: $0) }
            ?? managed(object, previous: nil, info: info, manager: manager, subresource: nil)
        // allocated by the storage, after the managers' fields were taken: nobody owns them
        if Self.isService(info), let refused = allocateServiceAddresses(&object, info, in: store) { return .status(refused) }
        if !dryRun { store.write(object, of: info, key: key) }
        return .json(201, Self.ordered(object))
    }

    // MARK: Update

    func update(_ request: APIRequest, _ path: ResourcePath, _ info: APIResourceInfo, name: String, dryRun: Bool,
                in store: inout ObjectStore) -> APIResponse {
        var object: JSONValue
        switch Self.decodeBody(request, info) {
        case .success(let value): object = value
        case .failure(let status): return .status(status)
        }
        let given = object[path: "metadata", "name"]?.stringValue ?? ""
        guard given == name else {
            return .status(.badRequest("the name of the object (\(given)) does not match the name on the URL (\(name))"))
        }
        if let namespace = path.namespace, let givenNamespace = object[path: "metadata", "namespace"]?.stringValue,
           !givenNamespace.isEmpty, givenNamespace != namespace {
            return .status(.badRequest("the namespace of the provided object does not match the namespace sent on the request"))
        }
        guard let current = store.object(of: info, key: key(path, name)) else { return .status(.notFound(info, name: name)) }
        switch admitted(object, info, name: name, in: store) {
        case .success(let value): object = value
        case .failure(let status): return .status(status)
        }
        if let version = object[path: "metadata", "resourceVersion"]?.stringValue, !version.isEmpty,
           version != current[path: "metadata", "resourceVersion"]?.stringValue {
            return .status(.conflict(info, name: name, problem: Status.modified))
        }
        return .json(200, Self.ordered(write(object, replacing: current, path, info, request: request, dryRun: dryRun, in: &store)))
    }

    /// Stores a new version of an existing object and returns it: identity and server-managed
    /// metadata are kept, the generation follows spec changes, managed fields are updated. A
    /// write through the main resource keeps the status; one through `status` keeps the rest
    /// (the caller composed it so). A write that changes nothing stores nothing, unless it is an
    /// apply (whose manager then owns what it applied).
    func write(_ new: JSONValue, replacing current: JSONValue, _ path: ResourcePath, _ info: APIResourceInfo,
               request: APIRequest, dryRun: Bool, subresource: String? = nil, applied: (manager: String, fields: FieldSet)? = nil,
               in store: inout ObjectStore) -> JSONValue {
        var object = new
        Defaults.apply(to: &object, info)
        if Self.isService(info) { Self.keepAllocated(&object, from: current) }
        var metadata = object["metadata"]?.objectValue ?? JSONObject()
        let old = current["metadata"]?.objectValue ?? JSONObject()
        for field in ["name", "namespace", "uid", "creationTimestamp", "generation", "deletionTimestamp", "deletionGracePeriodSeconds"] {
            metadata[field] = old[field]
        }
        if Self.hasGeneration(info), object["spec"] != current["spec"], case .integer(let generation)? = old["generation"] {
            metadata["generation"] = .integer(generation + 1)
        }
        metadata["managedFields"] = old["managedFields"]
        metadata["resourceVersion"] = .string(String(store.nextRevision))
        object["metadata"] = .object(metadata)
        object["apiVersion"] = .string(info.groupVersion)
        object["kind"] = .string(info.kind)
        if info.subresources.contains("status"), subresource != "status" { object["status"] = current["status"] }
        if let applied {
            object = appliedManaged(object, previous: current, info: info, manager: applied.manager, fields: applied.fields)
            func untimed(_ value: JSONValue) -> [JSONValue] {
                (value[path: "metadata", "managedFields"]?.arrayValue ?? []).map { var entry = $0; entry["time"] = nil; return entry }
            }
            if Self.content(of: object) == Self.content(of: current), untimed(object) == untimed(current) {
                return current  // the same configuration again: no new version
            }
        } else if Self.content(of: object) == Self.content(of: current) {
            return current  // nothing changed: no new version, as kube-apiserver
        } else {
            object = managed(object, previous: current, info: info, manager: manager(request), subresource: subresource)
        }
        if dryRun {
            metadata = object["metadata"]?.objectValue ?? metadata
            metadata["resourceVersion"] = old["resourceVersion"]
            object["metadata"] = .object(metadata)
            return object
        }
        let storedKey = key(path, metadata["name"]?.stringValue ?? "")
        if metadata["deletionTimestamp"] != nil, (object[path: "metadata", "finalizers"]?.arrayValue ?? []).isEmpty,
           info.storageKey != ObjectStore.namespacesInfo.storageKey {
            store.delete(of: info, key: storedKey)  // the last finalizer is gone: so is the object
            return object
        }
        store.write(object, of: info, key: storedKey)
        return object
    }

    // MARK: Patch

    func patch(_ request: APIRequest, _ path: ResourcePath, _ info: APIResourceInfo, name: String, dryRun: Bool,
               in store: inout ObjectStore) -> APIResponse {
        if request.headers["content-type"]?.split(separator: ";").first.map({ String($0.trimmingSpaces) }) == Self.applyPatchType {
            return apply(request, path, info, name: name, dryRun: dryRun, in: &store)
        }
        guard let current = store.object(of: info, key: key(path, name)) else { return .status(.notFound(info, name: name)) }
        let result = Self.patched(current, by: request, name: name, info).flatMap { admitted($0, info, name: name, in: store) }
        switch result {
        case .success(let patched):
            return .json(200, Self.ordered(write(patched, replacing: current, path, info, request: request, dryRun: dryRun, in: &store)))
        case .failure(let status):
            return .status(status)
        }
    }

    /// `target` with the request's patch applied (by its content type), or the Status for a
    /// patch that cannot be.
    static func patched(_ target: JSONValue, by request: APIRequest, name: String, _ info: APIResourceInfo) -> Result<JSONValue, Status> {
        let contentType = (request.headers["content-type"] ?? "").split(separator: ";").first.map(String.init) ?? ""
        let patch: JSONValue
        do {
            patch = try JSONValue.parse(request.body)
        } catch {
            return .failure(.badRequest("error decoding patch: \(error.problem)"))
        }
        var patched: JSONValue
        switch contentType {
        case "application/merge-patch+json":
            patched = Patch.merge(target, patch)
        case "application/strategic-merge-patch+json" where !info.custom:
            patched = Patch.strategicMerge(target, patch)
        case "application/json-patch+json":
            do {
                patched = try Patch.json(target, patch)
            } catch {
                if error.invalid { return .failure(Status(code: 422, reason: "Invalid", message: error.message, details: .object([:]))) }
                return .failure(.badRequest(error.message))
            }
        default:
            // the patch types the resource takes, sorted, as kube-apiserver lists them
            let accepted = "application/apply-patch+yaml, application/json-patch+json, application/merge-patch+json"
                + (info.custom ? "" : ", application/strategic-merge-patch+json")
            return .failure(Status(code: 415, reason: "UnsupportedMediaType",
                                   message: "the body of the request was in an unknown format - accepted media types include: \(accepted)",
                                   details: .object([:])))
        }
        if patched[path: "metadata", "name"]?.stringValue != name {
            return .failure(.badRequest("the name of the object (\(patched[path: "metadata", "name"]?.stringValue ?? "")) does not match the name on the URL (\(name))"))
        }
        if let version = patch[path: "metadata", "resourceVersion"]?.stringValue,
           version != target[path: "metadata", "resourceVersion"]?.stringValue {
            return .failure(.conflict(info, name: name, problem: Status.modified))
        }
        return .success(patched)
    }

    func deleteCollection(_ request: APIRequest, _ path: ResourcePath, _ info: APIResourceInfo, dryRun: Bool,
                          in store: inout ObjectStore) -> APIResponse {
        let selected: [(key: String, object: JSONValue)]
        switch select(request, path, info, store: store) {
        case .success(let objects): selected = objects
        case .failure(let status): return .status(status)
        }
        let options = Self.deleteOptions(request)
        if !dryRun {
            for (key, object) in selected { _ = remove(object, key: key, info, options: options, in: &store) }
        }
        return .json(200, listObject(info, items: selected.map(\.object), revision: store.revision, continueToken: nil, remaining: nil))
    }

    // MARK: Helpers

    /// An object without the metadata every write changes, to tell whether a write changes anything.
    static func content(of object: JSONValue) -> JSONValue {
        var result = object
        var metadata = object["metadata"]?.objectValue ?? JSONObject()
        metadata["resourceVersion"] = nil
        metadata["managedFields"] = nil
        result["metadata"] = .object(metadata)
        return result
    }

    /// The request body (JSON, or YAML) as an object of the resource's kind, or the Status
    /// kube-apiserver gives.
    /// A body in a format the server does not take for the resource, worded as kube-apiserver.
    static let unsupportedMediaType = Status(code: 415, reason: "UnsupportedMediaType",
                                             message: "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml",
                                             details: .object([:]))

    static func decodeBody(_ request: APIRequest, _ info: APIResourceInfo) -> Result<JSONValue, Status> {
        let contentType = (request.headers["content-type"] ?? "application/json").split(separator: ";").first.map { $0.trimmingSpaces } ?? ""
        let body: JSONValue
        switch contentType {
        case "application/json", "*/*", "":
            do {
                body = try JSONValue.parse(request.body)
            } catch {
                let text = String(decoding: request.body.prefix(100), as: UTF8.self)
                return .failure(.badRequest("the object provided is unrecognized (must be of type \(info.kind)): couldn't get version/kind; json parse error: \(goDescription(error)) (\(text))"))
            }
        case "application/yaml":
            do {
                body = try YAMLReader.value(String(decoding: request.body, as: UTF8.self))
            } catch {
                return .failure(.badRequest("the object provided is unrecognized (must be of type \(info.kind)): couldn't get version/kind; json parse error: error converting YAML to JSON: \(error.problem)"))
            }
        case ProtobufBody.mediaType:
            // built-in kinds only: a custom resource is JSON only, as on a real server
            let decoded = Result { () throws(ProtobufBody.Failure) in try ProtobufBody.object(request.body, expecting: info.kind) }
            switch decoded {
            case .success(let object?): body = object
            case .success(nil): return .failure(unsupportedMediaType)
            case .failure(let failure):
                return .failure(.badRequest("the object provided is unrecognized (must be of type \(info.kind)): \(failure.message)"))
            }
        default:
            return .failure(unsupportedMediaType)
        }
        guard case .object = body else {
            return .failure(.badRequest("the object provided is unrecognized (must be of type \(info.kind)): couldn't get version/kind; json parse error: json: cannot unmarshal \(goType(body)) into Go value of type struct { APIVersion string \"json:\\\"apiVersion,omitempty\\\"\"; Kind string \"json:\\\"kind,omitempty\\\"\" }"))
        }
        if let kind = body["kind"]?.stringValue, !kind.isEmpty, kind != info.kind {
            return .failure(.badRequest("the object provided is unrecognized (must be of type \(info.kind)): no kind \"\(kind)\" is registered for version \"\(body["apiVersion"]?.stringValue ?? "")\""))
        }
        return .success(body)
    }

    /// How Go's encoding/json words the parse errors kube-apiserver passes on.
    static func goDescription(_ error: JSONError) -> String {
        let problem = error.problem
        if problem.hasPrefix("unexpected end of input") { return "unexpected end of JSON input" }
        if problem.hasPrefix("unexpected '"), let quote = problem.dropFirst(12).firstIndex(of: "'") {
            let character = problem[problem.index(problem.startIndex, offsetBy: 12)..<quote]
            if problem.hasSuffix("expected a string key") { return "invalid character '\(character)' looking for beginning of object key string" }
            if problem.hasSuffix("expected a value") { return "invalid character '\(character)' looking for beginning of value" }
            return "invalid character '\(character)' after object key:value pair"
        }
        return problem
    }

    static func goType(_ value: JSONValue) -> String {
        switch value {
        case .array: return "array"
        case .string: return "string"
        case .integer, .number: return "number"
        case .bool: return "bool"
        default: return "null"
        }
    }

    func validateName(_ name: String, _ info: APIResourceInfo) -> Status? {
        if name.isEmpty {
            return .invalid(info, name: name, causes: [.init(reason: "FieldValueRequired", message: "Required value: name or generateName is required", field: "metadata.name")])
        }
        let causes = Self.nameCauses(name, info)
        return causes.isEmpty ? nil : .invalid(info, name: name, causes: causes)
    }

    /// The causes of what is wrong with a (non-empty) name for `info`'s objects.
    static func nameCauses(_ name: String, _ info: APIResourceInfo) -> [Status.Cause] {
        ObjectNames.problems(name, group: info.group, resource: info.name).map {
            .init(reason: "FieldValueInvalid", message: "Invalid value: \"\(name)\": \($0)", field: "metadata.name")
        }
    }

    /// The field manager: `fieldManager=`, else the User-Agent's product (before the `/`), as
    /// kube-apiserver takes it, else `unknown`.
    func manager(_ request: APIRequest) -> String {
        if let manager = request.query["fieldManager"], !manager.isEmpty { return manager }
        if let agent = request.headers["user-agent"], let product = agent.split(separator: "/").first, !product.isEmpty {
            return String(product.prefix(128))
        }
        return "unknown"
    }

    static func hasGeneration(_ info: APIResourceInfo) -> Bool {
        info.custom || ["apps", "batch", "policy", "networking.k8s.io", "autoscaling", "apiextensions.k8s.io", "apiregistration.k8s.io",
                        "admissionregistration.k8s.io", "flowcontrol.apiserver.k8s.io"].contains(info.group)
    }
}
