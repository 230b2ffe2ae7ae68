import KubeAPI

/// The `status` and `scale` subresources.
extension APIServer {
    func handleSubresource(_ subresource: String, _ request: APIRequest, _ path: ResourcePath, _ info: APIResourceInfo, name: String,
                           dryRun: Bool, in store: inout ObjectStore) -> APIResponse {
        guard let current = store.object(of: info, key: key(path, name)) else { return .status(.notFound(info, name: name)) }
        func present(_ object: JSONValue) -> JSONValue { subresource == "scale" ? Self.scale(object, info.scalePaths) : Self.ordered(object) }
        // The subresource's view of the object, the new view from the request, and the object
        // that view makes.
        let view = present(current)
        var proposed: JSONValue
        switch request.method {
        case "GET":
            return .json(200, view)
        case "PUT":
            switch subresource == "scale" ? Self.decodeScale(request) : Self.decodeBody(request, info) {
            case .success(let value): proposed = value
            case .failure(let status): return .status(status)
            }
            let given = proposed[path: "metadata", "name"]?.stringValue ?? ""
            guard given == name else {
                return .status(.badRequest("the name of the object (\(given)) does not match the name on the URL (\(name))"))
            }
            if let version = proposed[path: "metadata", "resourceVersion"]?.stringValue, !version.isEmpty,
               version != current[path: "metadata", "resourceVersion"]?.stringValue {
                return .status(.conflict(info, name: name, problem: Status.modified))
            }
        case "PATCH":
            switch Self.patched(view, by: request, name: name, info) {
            case .success(let value): proposed = value
            case .failure(let status): return .status(status)
            }
        default:
            return .status(.methodNotSupported(info, verb: request.method.lowercased()))
        }
        var updated = current
        if subresource == "scale" {
            guard case .integer(let replicas)? = proposed[path: "spec", "replicas"], replicas >= 0 else {
                return .status(.invalid(info, name: name, causes: [.init(reason: "FieldValueInvalid",
                                                                         message: "Invalid value: \(proposed[path: "spec", "replicas"]?.jsonString() ?? "null"): must be greater than or equal to 0",
                                                                         field: "spec.replicas")]))
            }
            updated = Self.setting(.integer(replicas), at: info.scalePaths.specReplicas[...], in: current)
        } else {
            updated["status"] = proposed["status"] ?? .object([:])
            switch admitted(updated, info, name: name, in: store) {
            case .success(let value): updated = value
            case .failure(let status): return .status(status)
            }
        }
        let written = write(updated, replacing: current, path, info, request: request, dryRun: dryRun, subresource: subresource, in: &store)
        return .json(200, present(written))
    }

    /// The `autoscaling/v1` Scale of an object with a `scale` subresource.
    static func scale(_ object: JSONValue, _ paths: ScalePaths) -> JSONValue {
        var metadata = JSONObject()
        for field in ["name", "namespace", "uid", "resourceVersion", "creationTimestamp"] {
            if let value = object[path: "metadata", field] { metadata.append(field, value) }
        }
        var status: JSONObject = ["replicas": value(at: paths.statusReplicas, in: object) ?? .integer(0)]
        if let selectorPath = paths.labelSelector {
            if let text = value(at: selectorPath, in: object)?.stringValue { status.append("selector", .string(text)) }
        } else {
            let selector = object[path: "spec", "selector"]
            let text = selector?["matchLabels"] != nil || selector?["matchExpressions"] != nil
                ? Table.selectorText(selector)
                : Table.selectorText(.object(["matchLabels": selector ?? .object([:])]))  // a ReplicationController's plain map
            status.append("selector", .string(text))
        }
        return .object([
            "kind": .string("Scale"), "apiVersion": .string("autoscaling/v1"), "metadata": .object(metadata),
            "spec": .object(["replicas": value(at: paths.specReplicas, in: object) ?? .integer(paths == .builtIn ? 1 : 0)]),
            "status": .object(status),
        ])
    }

    static func value(at path: [String], in object: JSONValue) -> JSONValue? {
        path.reduce(Optional(object)) { $0?[$1] }
    }

    /// `object` with `value` at `path`, making the maps on the way.
    static func setting(_ value: JSONValue, at path: ArraySlice<String>, in object: JSONValue) -> JSONValue {
        guard let first = path.first else { return value }
        var fields = object.objectValue ?? JSONObject()
        fields[first] = setting(value, at: path.dropFirst(), in: fields[first] ?? .object([:]))
        return .object(fields)
    }

    /// A Scale from a request body.
    static func decodeScale(_ request: APIRequest) -> Result<JSONValue, Status> {
        guard let body = try? JSONValue.parse(request.body), case .object = body else {
            return .failure(.badRequest("the object provided is unrecognized (must be of type Scale)"))
        }
        if let kind = body["kind"]?.stringValue, kind != "Scale" {
            return .failure(.badRequest("the object provided is unrecognized (must be of type Scale): no kind \"\(kind)\" is registered for version \"\(body["apiVersion"]?.stringValue ?? "")\""))
        }
        return .success(body)
    }
}
