import Foundation
import KubeAPI

/// A request in client-go's `rest.Request` shape: verb, group version, namespace, resource, name,
/// subresource, parameters, body; or an absolute path. Building is pure: each call returns a new
/// request, and the first mistake is kept and reported when the request is sent. All URL logic
/// is here.
public struct RESTRequest: Sendable {
    public private(set) var verb: String
    public private(set) var group = ""
    public private(set) var version = "v1"
    public private(set) var namespace: String?
    public private(set) var resource: String?
    public private(set) var name: String?
    public private(set) var subresource: String?
    /// Query parameters, in the order given.
    public private(set) var parameters: [(name: String, value: String)] = []
    public private(set) var body: [UInt8]?
    public private(set) var headers: [(name: String, value: String)] = []
    /// A path that replaces the built one (`/healthz`, `/apis/apps/v1`).
    public private(set) var absolutePath: String?
    /// Seconds before the request gives up; nil: the client's default.
    public private(set) var timeout: Double?
    /// The first mistake made building the request.
    public private(set) var error: KubeError?

    public init(verb: String, group: String = "", version: String = "v1") {
        self.verb = verb.uppercased()
        self.group = group
        self.version = version
    }

    private func with(_ change: (inout RESTRequest) -> Void) -> RESTRequest {
        var copy = self
        change(&copy)
        return copy
    }

    private func failing(_ message: String) -> RESTRequest {
        with { if $0.error == nil { $0.error = .configuration(message) } }
    }

    /// A path segment must be a name the API could hold: no `/`, not `.` or `..`, not empty.
    static func isSegment(_ text: String) -> Bool {
        !text.isEmpty && text != "." && text != ".." && !text.utf8.contains { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "%") }
    }

    public func namespace(_ namespace: String?) -> RESTRequest {
        guard let namespace, !namespace.isEmpty else { return self }
        guard self.namespace == nil else { return failing("namespace already set to \"\(self.namespace ?? "")\", cannot change to \"\(namespace)\"") }
        guard Self.isSegment(namespace) else { return failing("invalid namespace \"\(namespace)\"") }
        return with { $0.namespace = namespace }
    }

    public func resource(_ resource: String) -> RESTRequest {
        guard self.resource == nil else { return failing("resource already set to \"\(self.resource ?? "")\", cannot change to \"\(resource)\"") }
        guard Self.isSegment(resource) else { return failing("invalid resource \"\(resource)\"") }
        return with { $0.resource = resource }
    }

    public func name(_ name: String) -> RESTRequest {
        guard !name.isEmpty else { return failing("resource name may not be empty") }
        guard self.name == nil else { return failing("resource name already set to \"\(self.name ?? "")\", cannot change to \"\(name)\"") }
        guard Self.isSegment(name) else { return failing("invalid resource name \"\(name)\"") }
        return with { $0.name = name }
    }

    public func subresource(_ subresource: String) -> RESTRequest {
        guard self.subresource == nil else { return failing("subresource already set to \"\(self.subresource ?? "")\", cannot change to \"\(subresource)\"") }
        let parts = subresource.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.allSatisfy(Self.isSegment) else { return failing("invalid subresource \"\(subresource)\"") }
        return with { $0.subresource = subresource }
    }

    public func parameter(_ name: String, _ value: String) -> RESTRequest {
        with { $0.parameters.append((name, value)) }
    }

    /// Each of `options` as a query parameter, in name order.
    public func parameters(_ options: [String: String]) -> RESTRequest {
        with { for (name, value) in options.sorted(by: { $0.key < $1.key }) { $0.parameters.append((name, value)) } }
    }

    public func body(_ bytes: [UInt8], contentType: String = "application/json") -> RESTRequest {
        with {
            $0.body = bytes
            $0.headers.removeAll { $0.name.lowercased() == "content-type" }
            $0.headers.append(("Content-Type", contentType))
        }
    }

    public func body(_ value: JSONValue, contentType: String = "application/json") -> RESTRequest {
        body(value.serialized(), contentType: contentType)
    }

    public func header(_ name: String, _ value: String) -> RESTRequest {
        with {
            $0.headers.removeAll { $0.name.lowercased() == name.lowercased() }
            $0.headers.append((name, value))
        }
    }

    public func absolutePath(_ path: String) -> RESTRequest {
        guard path.hasPrefix("/") else { return failing("an absolute path starts with /: \"\(path)\"") }
        return with { $0.absolutePath = path }
    }

    public func timeout(_ seconds: Double) -> RESTRequest {
        guard seconds >= 0, seconds.isFinite else { return failing("timeout must be a number of seconds ≥ 0") }
        return with { $0.timeout = seconds }
    }

    /// The path and query: `/apis/apps/v1/namespaces/ns/deployments/web/scale?dryRun=All`.
    public var target: String {
        var path: String
        if let absolutePath {
            path = absolutePath
        } else {
            path = group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)"
            if let namespace, resource != nil || name != nil { path += "/namespaces/\(namespace)" }
            if let resource { path += "/\(resource)" }
            if let name { path += "/\(name)" }
            if let subresource { path += "/\(subresource)" }
        }
        guard !parameters.isEmpty else { return path }
        return path + "?" + parameters.map { "\(Self.escape($0.name))=\(Self.escape($0.value))" }.joined(separator: "&")
    }

    static let unreserved = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")

    static func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }
}

/// What the server answered.
public struct RESTResponse: Sendable {
    public var status: Int
    /// Headers, names in lower case.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(name: String, value: String)], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.name == lower }?.value
    }

    /// The body as JSON.
    public func object() throws(KubeError) -> JSONValue {
        do {
            return try JSONValue.parse(body)
        } catch {
            throw .decoding("the server's answer is not JSON (\(header("content-type") ?? "no content type")): \(error.description)")
        }
    }
}
