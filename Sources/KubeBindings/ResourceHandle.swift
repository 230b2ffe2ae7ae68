import KubeAPI
import KubeClient
import KubeScript

/// A resource client (`ResourceClient`), as Lua holds it: every operation of client-go's
/// dynamic `ResourceInterface`. Bodies come as tables (encoded by the C encoder) or JSON text;
/// answers go to Lua decoded once, straight into tables. Failures return nil and an error value.
final class ResourceHandle: LuaObject {
    let resource: ResourceClient
    let wakeup: Wakeup
    init(_ resource: ResourceClient, wakeup: Wakeup) {
        self.resource = resource
        self.wakeup = wakeup
    }

    static let luaTypeName = "k8s.ResourceClient"

    /// An operation: the request `make` builds from the handle (argument 1), as a pending
    /// request whose `result` is the decoded answer.
    static func operation(_ name: String, _ make: @escaping (inout LuaCall, ResourceClient) throws(LuaError) -> RESTRequest) -> LuaFunction {
        LuaFunction(name) { call in
            let handle = try call.object(1, as: ResourceHandle.self)
            let resource = handle.resource
            let request = try make(&call, resource)
            try call.results.append(object: PendingHandle(.decoded, request, transport: resource.client.transport, wakeup: handle.wakeup))
        }
    }

    static var luaMethods: [LuaFunction] { [
        LuaFunction("info") { call in
            try call.results.append(resource: try call.object(1, as: ResourceHandle.self).resource.resource)
        },
        LuaFunction("namespace") { call in
            guard let namespace = try call.object(1, as: ResourceHandle.self).resource.namespace else { return try call.results.appendNil() }
            try call.results.append(string: namespace)
        },
        // inNamespace(ns) → the same resource in namespace ns (nil or "": all namespaces)
        LuaFunction("inNamespace") { call in
            let handle = try call.object(1, as: ResourceHandle.self)
            let namespace = call.isNone(2) ? "" : try call.string(2)
            try call.results.append(object: ResourceHandle(handle.resource.namespace(namespace.isEmpty ? nil : namespace), wakeup: handle.wakeup))
        },
        operation("get") { call, r throws(LuaError) in r.getRequest(try call.string(2), options: try call.query(3)) },
        operation("list") { call, r throws(LuaError) in r.listRequest(try call.query(2)) },
        operation("table") { call, r throws(LuaError) in r.tableRequest(try call.query(2)) },
        operation("create") { call, r throws(LuaError) in r.createRequest(try call.json(2), options: try call.query(3)) },
        // update(name, body, options [, subresource])
        operation("update") { call, r throws(LuaError) in
            r.updateRequest(try call.string(2), try call.json(3), subresource: call.isNone(5) ? nil : try call.string(5), options: try call.query(4))
        },
        operation("getScale") { call, r throws(LuaError) in r.getScaleRequest(try call.string(2)) },
        // patch(name, type, body, options [, subresource])
        operation("patch") { call, r throws(LuaError) in
            let name = try call.string(2), typeName = try call.string(3)
            guard let type = ResourceClient.PatchType(name: typeName) else {
                throw LuaError("unknown patch type \"\(typeName)\" (json, merge, strategic or apply)")
            }
            return r.patchRequest(name, type, try call.json(4), subresource: call.isNone(6) ? nil : try call.string(6), options: try call.query(5))
        },
        // apply(name, body, { fieldManager =, force =, ... }): server-side apply, by "kubescript"
        // unless another field manager is named
        operation("apply") { call, r throws(LuaError) in
            var options = try call.query(4)
            let fieldManager = options.removeValue(forKey: "fieldManager") ?? "kubescript"
            let force = options.removeValue(forKey: "force") == "true"
            return r.applyRequest(try call.string(2), try call.json(3), fieldManager: fieldManager, force: force, options: options)
        },
        // delete(name, deleteOptions)
        operation("delete") { call, r throws(LuaError) in r.deleteRequest(try call.string(2), options: try deleteOptions(&call, 3)) },
        // deleteCollection(deleteOptions, listOptions)
        operation("deleteCollection") { call, r throws(LuaError) in
            r.deleteCollectionRequest(options: try deleteOptions(&call, 2), listOptions: try call.query(3))
        },
        // listAll(options [, pageSize]) → every page as one list (pending)
        LuaFunction("listAll") { call in
            let handle = try call.object(1, as: ResourceHandle.self)
            let resource = handle.resource
            let options = try call.query(2)
            let pageSize = call.isNone(3) ? 500 : Int(clamping: try call.integer(3))
            guard pageSize > 0 else { throw call.argumentError(3, "the page size must be positive") }
            try call.results.append(object: PendingHandle(.decoded, transport: resource.client.transport, wakeup: handle.wakeup) { completion in
                resource.startListAll(options, pageSize: pageSize) { result in
                    completion(result.map { RESTResponse(status: 200, headers: [], body: $0.serialized()) })
                }
            })
        },
        // informerSource(options) → the Reflector of this resource and selectors, for an informer
        LuaFunction("informerSource") { call in
            let handle = try call.object(1, as: ResourceHandle.self)
            try call.results.append(object: InformerSource(Reflector(handle.resource, options: try call.query(2)), wakeup: handle.wakeup))
        },
        // watch(options) → a watch stream
        LuaFunction("watch") { call in
            let handle = try call.object(1, as: ResourceHandle.self)
            let options = try call.query(2)
            do {
                try call.results.append(object: WatchHandle(try handle.resource.watch(options), wakeup: handle.wakeup))
            } catch let error as KubeError {
                try call.fail(error)
            }
        },
    ] }

    /// DeleteOptions (argument `i`, a table or nothing) as the client sends them.
    static func deleteOptions(_ call: inout LuaCall, _ i: Int32) throws(LuaError) -> JSONValue {
        if call.isNone(i) { return .object([:]) }
        _ = try call.options(i)  // a table, or an argument error
        let text = try call.json(i)
        do {
            return try JSONValue.parse(text)
        } catch {
            throw call.argumentError(i, "delete options: \(error.description)")
        }
    }
}
