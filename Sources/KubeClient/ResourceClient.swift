import KubeAPI

/// client-go's dynamic `ResourceInterface`: every operation on one resource (any group, version,
/// resource; namespaced or not), objects as `JSONValue`. Options are the API's own query
/// parameters (`labelSelector`, `limit`, `dryRun`, `fieldManager`, ...).
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

    /// Sends a request and returns the object the server answered with, or throws its Status.
    func object(_ request: RESTRequest) throws(KubeError) -> JSONValue {
        let response = try client.transport.send(request)
        guard (200..<300).contains(response.status) else { throw KubeError.status(code: response.status, body: response.body) }
        return try response.object()
    }

    public func get(_ name: String, options: [String: String] = [:]) throws(KubeError) -> JSONValue {
        try object(request("GET", name: name, options: options))
    }

    /// One page (or all, without `limit`) of the objects selected by `options`.
    public func list(_ options: [String: String] = [:]) throws(KubeError) -> JSONValue {
        try object(request("GET", options: options))
    }

    /// Every object, page by page (`pageSize` at a time, following `continue`), as one list
    /// with the last page's resourceVersion.
    public func listAll(_ options: [String: String] = [:], pageSize: Int = 500) throws(KubeError) -> JSONValue {
        var query = options
        query["limit"] = query["limit"] ?? String(pageSize)
        var items: [JSONValue] = []
        var last = JSONValue.object([:])
        while true {
            last = try list(query)
            items += last["items"]?.arrayValue ?? []
            guard let token = last[path: "metadata", "continue"]?.stringValue, !token.isEmpty else { break }
            query["continue"] = token
        }
        last["items"] = .array(items)
        if case .object(var metadata)? = last["metadata"] {
            metadata["continue"] = nil
            metadata["remainingItemCount"] = nil
            last["metadata"] = .object(metadata)
        }
        return last
    }

    public func create(_ object: JSONValue, options: [String: String] = [:]) throws(KubeError) -> JSONValue {
        try self.object(request("POST", options: options).body(object))
    }

    public func update(_ object: JSONValue, options: [String: String] = [:]) throws(KubeError) -> JSONValue {
        try self.object(request("PUT", name: try name(of: object), options: options).body(object))
    }

    public func updateStatus(_ object: JSONValue, options: [String: String] = [:]) throws(KubeError) -> JSONValue {
        try self.object(request("PUT", name: try name(of: object), subresource: "status", options: options).body(object))
    }

    /// The `autoscaling/v1` Scale of an object.
    public func getScale(_ name: String) throws(KubeError) -> JSONValue {
        try object(request("GET", name: name, subresource: "scale"))
    }

    public func updateScale(_ name: String, _ scale: JSONValue, options: [String: String] = [:]) throws(KubeError) -> JSONValue {
        try object(request("PUT", name: name, subresource: "scale", options: options).body(scale))
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
        try object(request("PATCH", name: name, subresource: subresource, options: options).body(patch, contentType: type.rawValue))
    }

    /// Server-side apply of `object` by `fieldManager`, taking conflicting fields over when `force`.
    public func apply(_ object: JSONValue, fieldManager: String, force: Bool = false, options: [String: String] = [:]) throws(KubeError) -> JSONValue {
        var query = options
        query["fieldManager"] = fieldManager
        if force { query["force"] = "true" }
        return try patch(try name(of: object), .apply, object, options: query)
    }

    /// Deletes an object with DeleteOptions (`propagationPolicy`, `gracePeriodSeconds`,
    /// `preconditions`, `dryRun`); returns the Status, or the object when it is only marked.
    @discardableResult
    public func delete(_ name: String, options: JSONValue = .object([:])) throws(KubeError) -> JSONValue {
        try object(deleteRequest(request("DELETE", name: name), options))
    }

    /// Deletes the objects `listOptions` select; returns the list of what was deleted.
    @discardableResult
    public func deleteCollection(options: JSONValue = .object([:]), listOptions: [String: String] = [:]) throws(KubeError) -> JSONValue {
        try object(deleteRequest(request("DELETE", options: listOptions), options))
    }

    func deleteRequest(_ request: RESTRequest, _ options: JSONValue) -> RESTRequest {
        var body = options.objectValue ?? JSONObject()
        var request = request
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

    /// Watches the objects `options` select (from `resourceVersion` if given).
    public func watch(_ options: [String: String] = [:]) throws(KubeError) -> WatchStream {
        var query = options
        query["watch"] = "true"
        return try client.transport.watch(request("GET", options: query))
    }

    func name(of object: JSONValue) throws(KubeError) -> String {
        guard let name = object[path: "metadata", "name"]?.stringValue, !name.isEmpty else {
            throw .configuration("the object has no metadata.name")
        }
        return name
    }
}
