import KubeAPI
import KubeClient
import KubeScript

/// A client, as Lua holds it: the REST builder's requests, the resource clients (typed, dynamic
/// and through the RESTMapper) and discovery. Failures return nil and an error value.
final class ClientHandle: LuaObject {
    let client: KubeClient
    let wakeup: Wakeup
    init(_ client: KubeClient, wakeup: Wakeup) {
        self.client = client
        self.wakeup = wakeup
    }

    static let luaTypeName = "k8s.Client"
    static var luaMethods: [LuaFunction] { [
        LuaFunction("namespace") { call in
            try call.results.append(string: try call.object(1, as: ClientHandle.self).client.namespace)
        },
        // dryRun() → whether every write is a dry run (--dry-run)
        LuaFunction("dryRun") { call in
            try call.results.append(try call.object(1, as: ClientHandle.self).client.configuration.dryRun)
        },
        LuaFunction("server") { call in
            try call.results.append(string: try call.object(1, as: ClientHandle.self).client.configuration.server)
        },
        // rest(spec, body) → a pending request whose result is status, body text, headers: the
        // request `spec` describes (see `request(_:)`), sent as it is; any status is an answer
        LuaFunction("rest") { call in
            let handle = try call.object(1, as: ClientHandle.self)
            let request = try request(&call)
            try call.results.append(object: PendingHandle(.raw, request, transport: handle.client.transport, wakeup: handle.wakeup))
        },
        // url(spec) → the path and query the request would be sent to
        LuaFunction("url") { call in
            let request = try request(&call)
            if let error = request.error { return try call.fail(error) }
            try call.results.append(string: request.target)
        },
        // resource(group, version, resource [, namespace]) → a resource client: a built-in one
        // without asking the server, else through discovery; namespace nil: the client's, "": all
        LuaFunction("resource") { call in
            let handle = try call.object(1, as: ClientHandle.self)
            let group = try call.string(2), version = try call.string(3), name = try call.string(4)
            let namespace = call.isNone(5) ? handle.client.namespace : try call.string(5)
            do {
                let resource = try handle.client.resource(group: group, version: version, resource: name)
                try call.results.append(object: ResourceHandle(resource.namespace(namespace.isEmpty ? nil : namespace), wakeup: handle.wakeup))
            } catch let error as KubeError {
                try call.fail(error)
            }
        },
        // resourceFor(name) → the resource client kubectl would take `name` for, in the client's namespace
        LuaFunction("resourceFor") { call in
            let handle = try call.object(1, as: ClientHandle.self)
            let name = try call.string(2)
            do {
                try call.results.append(object: ResourceHandle(try handle.client.resource(named: name), wakeup: handle.wakeup))
            } catch let error as KubeError {
                try call.fail(error)
            }
        },
        // resourceOf(object) → the resource client of an object's apiVersion and kind, in its
        // namespace (else the client's)
        LuaFunction("resourceOf") { call in
            let handle = try call.object(1, as: ClientHandle.self)
            do {
                try call.results.append(object: ResourceHandle(try handle.client.resource(for: try JSONValue.parse(try call.json(2))), wakeup: handle.wakeup))
            } catch let error as KubeError {
                try call.fail(error)
            } catch {
                throw call.argumentError(2, "an object expected")
            }
        },
        LuaFunction("serverVersion") { call in
            let client = try call.object(1, as: ClientHandle.self).client
            do { try call.results.append(json: try client.discovery.serverVersion()) } catch let error as KubeError { try call.fail(error) }
        },
        LuaFunction("serverGroups") { call in
            let client = try call.object(1, as: ClientHandle.self).client
            do { try call.results.append(json: try client.discovery.serverGroups()) } catch let error as KubeError { try call.fail(error) }
        },
        // serverResources([groupVersion]) → every APIResourceList, or one group version's
        LuaFunction("serverResources") { call in
            let client = try call.object(1, as: ClientHandle.self).client
            do {
                if call.isNone(2) {
                    try call.results.append(json: .array(try client.discovery.serverResources()))
                } else {
                    try call.results.append(json: try client.discovery.serverResources(groupVersion: try call.string(2)))
                }
            } catch let error as KubeError {
                try call.fail(error)
            }
        },
        LuaFunction("serverPreferredResources") { call in
            let client = try call.object(1, as: ClientHandle.self).client
            do { try call.results.append(json: .array(try client.discovery.serverPreferredResources())) } catch let error as KubeError { try call.fail(error) }
        },
        LuaFunction("invalidate") { call in
            try call.object(1, as: ClientHandle.self).client.discovery.invalidate()
        },
    ] }

    /// The request argument 2 describes: `verb`, `group`, `version`, `patchType`, and `steps`,
    /// the builder calls in the order the script made them (`{ "Namespace", "ns" }`,
    /// `{ "Param", "limit", 5 }`, ...), replayed on `RESTRequest` so that its checks and its
    /// first mistake are the script's; argument 3, when given, is the body.
    static func request(_ call: inout LuaCall) throws(LuaError) -> RESTRequest {
        guard case .object(let spec) = try call.value(2) else { throw call.argumentError(2, "a request expected") }
        var request = RESTRequest(verb: spec["verb"]?.stringValue ?? "GET", group: spec["group"]?.stringValue ?? "",
                                  version: spec["version"]?.stringValue ?? "v1")
        let steps: [LuaValue]
        switch spec["steps"] {
        case .array(let items)?: steps = items
        default: steps = []
        }
        for case .array(let step) in steps {
            guard case .string(let name)? = step.first else { continue }
            let first = step.count > 1 ? step[1] : .nil, second = step.count > 2 ? step[2] : .nil
            request = try apply(name, first, second, to: request)
        }
        if !call.isNone(3) {
            var contentType = "application/json"
            if request.verb == "PATCH" {
                let type = spec["patchType"]?.stringValue ?? "merge"
                contentType = ResourceClient.PatchType(name: type)?.rawValue ?? type
            }
            request = request.body(try call.json(3), contentType: contentType)
        }
        return request
    }

    static func apply(_ step: String, _ first: LuaValue, _ second: LuaValue, to request: RESTRequest) throws(LuaError) -> RESTRequest {
        switch step {
        case "Namespace":
            return request.namespace(first.stringValue)
        case "Resource": return request.resource(first.stringValue ?? "")
        case "Name": return request.name(first.stringValue ?? "")
        case "SubResource": return request.subresource(first.stringValue ?? "")
        case "AbsPath": return request.absolutePath(first.stringValue ?? "")
        case "Param":
            guard let name = first.stringValue, let value = second.queryText else { throw LuaError("bad argument to 'Param' (a name and a string, number or boolean expected)") }
            return request.parameter(name, value)
        case "SetHeader":
            guard let name = first.stringValue, let value = second.stringValue else { throw LuaError("bad argument to 'SetHeader' (two strings expected)") }
            return request.header(name, value)
        case "Timeout":
            switch first {
            case .integer(let n): return request.timeout(Double(n))
            case .number(let d): return request.timeout(d)
            default: throw LuaError("bad argument to 'Timeout' (a number of seconds expected)")
            }
        default:
            throw LuaError("unknown request step \(step)")
        }
    }
}
