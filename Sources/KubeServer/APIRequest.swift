import KubeAPI

/// One HTTP request to the API server, as the server's handlers see it.
public struct APIRequest: Sendable {
    public var method: String
    /// The path without the query: `/api/v1/namespaces/default/pods`.
    public var path: String
    /// Query parameters (the first value of each).
    public var query: [String: String]
    /// Headers, names in lower case.
    public var headers: [String: String]
    public var body: [UInt8]
    /// The user a verified client certificate names (HTTPS with a client certificate authority).
    public var certificateUser: Authentication.User?

    public init(method: String, path: String, query: [String: String] = [:], headers: [String: String] = [:], body: [UInt8] = []) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }

    /// Splits a request target (`/api/v1/pods?limit=1&labelSelector=app%3Dweb`) into path and query.
    public init(method: String, target: String, headers: [String: String] = [:], body: [UInt8] = []) {
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        var query: [String: String] = [:]
        if parts.count > 1 {
            for pair in parts[1].split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let key = Self.percentDecoded(kv[0])
                if query[key] == nil { query[key] = kv.count > 1 ? Self.percentDecoded(kv[1]) : "" }
            }
        }
        self.init(method: method, path: Self.percentDecoded(parts.first ?? ""), query: query, headers: headers, body: body)
    }

    /// A boolean query parameter as kube-apiserver reads one: present and neither `0` nor
    /// `false` (in any case) is true, so `watch=true`, `watch=True` and `watch=1` all watch.
    public func flag(_ name: String) -> Bool {
        guard let value = query[name] else { return false }
        return value != "0" && value.lowercased() != "false"
    }

    /// Decodes `%XX` escapes and `+` (as a space, in form-encoded queries).
    static func percentDecoded(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let c = iterator.next() {
            if c == UInt8(ascii: "%"), let h = iterator.next(), let l = iterator.next(),
               let hi = hexValue(h), let lo = hexValue(l) {
                bytes.append(hi << 4 | lo)
            } else if c == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else {
                bytes.append(c)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

/// The server's answer to one request.
public struct APIResponse: Sendable {
    public var status: Int
    /// Headers in order; `content-type` among them for JSON bodies.
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A JSON body.
    public static func json(_ status: Int, _ value: JSONValue) -> APIResponse {
        APIResponse(status: status, headers: [("content-type", "application/json")], body: value.serialized())
    }

    /// A JSON body already serialized.
    static func json(_ status: Int, bytes: [UInt8]) -> APIResponse {
        APIResponse(status: status, headers: [("content-type", "application/json")], body: bytes)
    }

    /// A Status error.
    public static func status(_ status: Status) -> APIResponse { json(status.code, status.json) }

    /// The value of header `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }
}
