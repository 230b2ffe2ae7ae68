import KubeAPI
import KubeClient
import KubeScript

/// How the client's primitives read their arguments and write their results: query options,
/// answers decoded straight into tables, resource descriptions and error values.
extension LuaCall {
    /// Optional table argument `i` as query parameters: strings as they are, numbers and
    /// booleans as Lua writes them (`500`, `true`); nil members are left out.
    func query(_ i: Int32) throws(LuaError) -> [String: String] {
        var query: [String: String] = [:]
        for (name, value) in try options(i) {
            switch value {
            case .nil, .null: continue
            default:
                guard let text = value.queryText else { throw argumentError(i, "option '\(name)' must be a string, number or boolean") }
                query[name] = text
            }
        }
        return query
    }

    /// A failure's results: nil and the error value.
    mutating func fail(_ error: KubeError) throws(LuaError) {
        try results.appendNil()
        try results.append(error: error)
    }

    /// Appends a successful answer's body decoded into tables, once, as `k8s.json.decode` reads
    /// it (nil when empty); a body that is not JSON is a failure.
    mutating func append(answer body: [UInt8]) throws(LuaError) {
        if body.isEmpty { return try results.appendNil() }
        let stack = self.stack
        let decoded: Result<Void, LuaError> = body.withUnsafeBytes { bytes in
            Result { () throws(LuaError) in try stack.pushJSON(bytes) }
        }
        guard case .success = decoded else {
            return try fail(.decoding("the server's answer is not JSON: \(String(decoding: body.prefix(200), as: UTF8.self))"))
        }
        try results.append(stackIndex: stack.top)
    }

}

extension LuaValue {
    /// The value as a query parameter: a string as it is, a number or boolean as Lua writes it
    /// (`500`, `0.5`, `true`); nil for anything else.
    var queryText: String? {
        switch self {
        case .string(let text): return text
        case .integer(let n): return String(n)
        case .number(let d): return d.rounded() == d && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        case .boolean(let b): return b ? "true" : "false"
        default: return nil
        }
    }
}

extension LuaTapeWriter {
    /// A resource's description: `group`, `version`, `resource`, `kind`, `namespaced`,
    /// `singular`, `verbs`, `shortNames`, `subresources` (`name`, `group`, `version`, `kind`, `verbs`).
    func append(resource: APIResource) throws(LuaError) {
        try beginObject(count: 9)
        try append(string: "group"); try append(string: resource.group)
        try append(string: "version"); try append(string: resource.version)
        try append(string: "resource"); try append(string: resource.name)
        try append(string: "kind"); try append(string: resource.kind)
        try append(string: "namespaced"); try append(resource.namespaced)
        try append(string: "singular"); try append(string: resource.singularName)
        try append(string: "verbs"); try append(strings: resource.verbs)
        try append(string: "shortNames"); try append(strings: resource.shortNames)
        try append(string: "subresources")
        try beginArray(count: resource.subresources.count)
        for sub in resource.subresources {
            try beginObject(count: 5)
            try append(string: "name"); try append(string: sub.name)
            try append(string: "group"); try append(string: sub.group)
            try append(string: "version"); try append(string: sub.version)
            try append(string: "kind"); try append(string: sub.kind)
            try append(string: "verbs"); try append(strings: sub.verbs)
            try end()
        }
        try end()
        try end()
    }

    func append(strings: [String]) throws(LuaError) {
        try beginArray(count: strings.count)
        for text in strings { try append(string: text) }
        try end()
    }

    /// An error value's fields: `code` (0 when the server did not answer), `reason`, `message`,
    /// and `status`, the server's Status as a table (nil when it did not answer).
    func append(error: KubeError) throws(LuaError) {
        _ = try beginObject(count: 4)
        try append(string: "code"); try append(integer: Int64(error.statusCode))
        try append(string: "reason"); try append(string: error.reason ?? "")
        try append(string: "message"); try append(string: error.message)
        if let status = error.status {
            try append(string: "status"); try append(json: status.json)
        }
        try end()
    }
}
