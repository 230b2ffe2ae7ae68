import KubeAPI

/// client-go's dynamic `ResourceInterface`: every operation on one resource (any group, version,
/// resource; namespaced or not), objects as `JSONValue`. Options are the API's own query
/// parameters (`labelSelector`, `limit`, `dryRun`, `fieldManager`, ...).
///
/// Each operation is a request builder (`getRequest`, `patchRequest`, ...) and `send`, which
/// throws the Status of a failure; the `JSONValue` methods are those two and a parse. Callers
/// that read answers their own way (the Lua binding decodes them straight into tables) use the
/// builders and `send`, so paths, query parameters, bodies, content types and errors are made
/// in one place.
public struct ResourceClient: Sendable {
    public let client: KubeClient
    public let resource: APIResource
    /// The namespace for a namespaced resource; nil: across all namespaces (lists and watches).
    public let namespace: String?

    public init(client: KubeClient, resource: APIResource, namespace: String?) {
        self.client = client
        self.resource = resource
        self.namespace = resource.namespaced ? namespace : nil
    }

    /// The same resource in another namespace.
    public func namespace(_ namespace: String?) -> ResourceClient {
        ResourceClient(client: client, resource: resource, namespace: namespace)
    }

    func request(_ verb: String, name: String? = nil, subresource: String? = nil, options: [String: String] = [:]) -> RESTRequest {
        var request = RESTRequest(verb: verb, group: resource.group, version: resource.version).namespace(namespace).resource(resource.name)
        if let name { request = request.name(name) }
        if let subresource { request = request.subresource(subresource) }
        return request.parameters(options)
    }

    /// A write's query: `dryRun=All` added when the client's configuration says every write is a dry run.
    func writing(_ options: [String: String]) -> [String: String] {
        guard client.configuration.dryRun else { return options }
        var options = options
        options["dryRun"] = "All"
        return options
    }

    /// Sends a request and returns the server's successful answer, or throws its Status.
    public func send(_ request: RESTRequest) throws(KubeError) -> RESTResponse {
        try Self.successful(client.transport.send(request))
    }

    /// `response` when it is a success (2xx); else the Status it carries, thrown.
    public static func successful(_ response: RESTResponse) throws(KubeError) -> RESTResponse {
        guard (200..<300).contains(response.status) else { throw KubeError.status(code: response.status, body: response.body) }
        return response
    }

    func object(_ request: RESTRequest) throws(KubeError) -> JSONValue {
        try send(request).object()
    }

    // MARK: Requests

    public func getRequest(_ name: String, options: [String: String] = [:]) -> RESTRequest {
        request("GET", name: name, options: options)
    }

    public func listRequest(_ options: [String: String] = [:]) -> RESTRequest {
        request("GET", options: options)
    }

    /// The objects `options` select as the server prints them: a `meta.k8s.io/v1` Table (its
    /// columns, and a row of cells per object with the object's metadata), asked for with the
    /// Accept header `kubectl get` sends.
    public func tableRequest(_ options: [String: String] = [:]) -> RESTRequest {
        request("GET", options: options).header("Accept", Self.tableAccept)
    }

    static let tableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"

    /// Creates the object `body` holds (JSON).
    public func createRequest(_ body: [UInt8], options: [String: String] = [:]) -> RESTRequest {
        request("POST", options: writing(options)).body(body)
    }

    /// Replaces object `name` (or its `subresource`, such as `status`) with `body`.
    public func updateRequest(_ name: String, _ body: [UInt8], subresource: String? = nil, options: [String: String] = [:]) -> RESTRequest {
        request("PUT", name: name, subresource: subresource, options: writing(options)).body(body)
    }

    /// The `autoscaling/v1` Scale of an object.
    public func getScaleRequest(_ name: String) -> RESTRequest {
        request("GET", name: name, subresource: "scale")
    }

    public func patchRequest(_ name: String, _ type: PatchType, _ body: [UInt8], subresource: String? = nil,
                             options: [String: String] = [:]) -> RESTRequest {
        request("PATCH", name: name, subresource: subresource, options: writing(options)).body(body, contentType: type.rawValue)
    }

    /// Server-side apply of object `name` (`body`) by `fieldManager`, taking conflicting fields
    /// over when `force`.
    public func applyRequest(_ name: String, _ body: [UInt8], fieldManager: String, force: Bool = false,
                             options: [String: String] = [:]) -> RESTRequest {
        var query = options
        query["fieldManager"] = fieldManager
        if force { query["force"] = "true" }
        return patchRequest(name, .apply, body, options: query)
    }

    /// Deletes object `name` with DeleteOptions (`propagationPolicy`, `gracePeriodSeconds`,
    /// `preconditions`, `dryRun`).
    public func deleteRequest(_ name: String, options: JSONValue = .object([:])) -> RESTRequest {
        deleting(request("DELETE", name: name), options)
    }

    /// Deletes the objects `listOptions` select.
    public func deleteCollectionRequest(options: JSONValue = .object([:]), listOptions: [String: String] = [:]) -> RESTRequest {
        deleting(request("DELETE", options: listOptions), options)
    }

    func deleting(_ request: RESTRequest, _ options: JSONValue) -> RESTRequest {
        var body = options.objectValue ?? JSONObject()
        var request = request
        if client.configuration.dryRun { body["dryRun"] = .string("All") }
        if let dryRun = body["dryRun"] {
            // dryRun goes in the query, as client-go sends it, and as a list in the body
            let value = dryRun.stringValue ?? dryRun.arrayValue?.first?.stringValue ?? "All"
            request = request.parameter("dryRun", value)
            body["dryRun"] = .array([.string(value)])
        }
        body["kind"] = .string("DeleteOptions")
        body["apiVersion"] = .string("v1")
        return request.body(.object(body))
    }

    /// A watch of the objects `options` select (from `resourceVersion` if given).
    public func watchRequest(_ options: [String: String] = [:]) -> RESTRequest {
        var query = options
        query["watch"] = "true"
        return request("GET", options: query)
    }

    // MARK: Operations

    public func get(_ name: String, options: [String: String] = [:]) throws(KubeError) -> JSONValue {
        try object(getRequest(name, options: options))
    }

    /// One page (or all, without `limit`) of the objects selected by `options`.
    public func list(_ options: [String: String] = [:]) throws(KubeError) -> JSONValue {
        try object(listRequest(options))
    }

    /// The server's Table of the objects `options` select (see `tableRequest`).
    public func table(_ options: [String: String] = [:]) throws(KubeError) -> JSONValue {
        try object(tableRequest(options))
    }

    /// Every object, page by page (`pageSize` at a time, following `continue`), as one list
    /// with the last page's resourceVersion.
    public func listAll(_ options: [String: String] = [:], pageSize: Int = 500) throws(KubeError) -> JSONValue {
        try client.transport.wait { startListAll(options, pageSize: pageSize, completion: $0) }
    }

    /// `listAll` without waiting: `completion` gets the list, or the first failure.
    @discardableResult
    public func startListAll(_ options: [String: String] = [:], pageSize: Int = 500,
                             completion: @escaping Sending<JSONValue>.Completion) -> Sending<JSONValue> {
        let sending = Sending(completion)
        var query = options
        query["limit"] = query["limit"] ?? String(pageSize)
        page(query, into: Pages(), sending)
        return sending
    }

    /// The items of the pages so far (one page is asked for at a time).
    private final class Pages: @unchecked Sendable {
        var items: [JSONValue] = []
    }

    /// Asks for the page `query` names; the list ends with it, or the next page is asked for.
    private func page(_ query: [String: String], into pages: Pages, _ sending: Sending<JSONValue>) {
        let slot = sending.reserve()
        let exchange = client.transport.start(listRequest(query)) { result in
            guard !sending.isCancelled else { return }
            do throws(KubeError) {
                var last = try Self.successful(result.get()).object()
                pages.items += last["items"]?.arrayValue ?? []
                if let token = last[path: "metadata", "continue"]?.stringValue, !token.isEmpty {
                    var query = query
                    query["continue"] = token
                    return page(query, into: pages, sending)
                }
                last["items"] = .array(pages.items)
                if case .object(var metadata)? = last["metadata"] {
                    metadata["continue"] = nil
                    metadata["remainingItemCount"] = nil
                    last["metadata"] = .object(metadata)
                }
                sending.finish(.success(last))
            } catch {
                sending.finish(.failure(error))
            }
        }
        sending.exchanging(slot) { exchange.cancel() }
    }

    public func create(_ object: JSONValue, options: [String: String] = [:]) throws(KubeError) -> JSONValue {
        try self.object(createRequest(object.serialized(), options: options))
    }

    public func update(_ object: JSONValue, options: [String: String] = [:]) throws(KubeError) -> JSONValue {
        try self.object(updateRequest(try name(of: object), object.serialized(), options: options))
    }

    public func updateStatus(_ object: JSONValue, options: [String: String] = [:]) throws(KubeError) -> JSONValue {
        try self.object(updateRequest(try name(of: object), object.serialized(), subresource: "status", options: options))
    }

    /// The `autoscaling/v1` Scale of an object.
    public func getScale(_ name: String) throws(KubeError) -> JSONValue {
        try object(getScaleRequest(name))
    }

    public func updateScale(_ name: String, _ scale: JSONValue, options: [String: String] = [:]) throws(KubeError) -> JSONValue {
        try object(updateRequest(name, scale.serialized(), subresource: "scale", options: options))
    }

    /// The patch formats: JSON patch, merge patch, strategic merge patch, server-side apply.
    public enum PatchType: String, Sendable, CaseIterable {
        case json = "application/json-patch+json"
        case merge = "application/merge-patch+json"
        case strategic = "application/strategic-merge-patch+json"
        case apply = "application/apply-patch+yaml"

        /// `json`, `merge`, `strategic` or `apply`.
        public init?(name: String) {
            switch name {
            case "json": self = .json
            case "merge": self = .merge
            case "strategic": self = .strategic
            case "apply": self = .apply
            default: return nil
            }
        }
    }

    public func patch(_ name: String, _ type: PatchType, _ patch: JSONValue, subresource: String? = nil,
                      options: [String: String] = [:]) throws(KubeError) -> JSONValue {
        try object(patchRequest(name, type, patch.serialized(), subresource: subresource, options: options))
    }

    /// Server-side apply of `object` by `fieldManager`, taking conflicting fields over when `force`.
    public func apply(_ object: JSONValue, fieldManager: String, force: Bool = false, options: [String: String] = [:]) throws(KubeError) -> JSONValue {
        try self.object(applyRequest(try name(of: object), object.serialized(), fieldManager: fieldManager, force: force, options: options))
    }

    /// Deletes an object with DeleteOptions (`propagationPolicy`, `gracePeriodSeconds`,
    /// `preconditions`, `dryRun`); returns the Status, or the object when it is only marked.
    @discardableResult
    public func delete(_ name: String, options: JSONValue = .object([:])) throws(KubeError) -> JSONValue {
        try object(deleteRequest(name, options: options))
    }

    /// Deletes the objects `listOptions` select; returns the list of what was deleted.
    @discardableResult
    public func deleteCollection(options: JSONValue = .object([:]), listOptions: [String: String] = [:]) throws(KubeError) -> JSONValue {
        try object(deleteCollectionRequest(options: options, listOptions: listOptions))
    }

    /// Watches the objects `options` select (from `resourceVersion` if given).
    public func watch(_ options: [String: String] = [:]) throws(KubeError) -> WatchStream {
        try client.transport.watch(watchRequest(options))
    }

    func name(of object: JSONValue) throws(KubeError) -> String {
        guard let name = object[path: "metadata", "name"]?.stringValue, !name.isEmpty else {
            throw .configuration("the object has no metadata.name")
        }
        return name
    }
}
