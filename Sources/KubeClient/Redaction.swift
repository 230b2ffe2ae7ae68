import KubeAPI

/// Bodies as a log may show them: Secrets' values and bearer tokens (TokenRequest, TokenReview)
/// hidden in whatever shape they travel. A body
/// sent to or read from the `secrets` resource has its `data` and `stringData` values replaced
/// wherever they are — an object or a patch of one (merge, strategic, apply), each item of a list,
/// each operation of a JSON patch that touches `/data` or `/stringData` — and so has any object of
/// kind `Secret` inside any other body (a `List`, a Table row's object). A body that is not JSON
/// is read as YAML (apply patches); one that is neither is not shown.
public enum Redaction {
    static let hidden = JSONValue.string("<redacted>")

    /// The text to log for `body`, sent to or received from `url`.
    public static func text(of body: [UInt8], url: String) -> String {
        let secrets = targetsSecrets(url)
        var value: JSONValue
        if let json = try? JSONValue.parse(body) {
            value = json
        } else if let text = String(validating: body, as: UTF8.self), let yaml = try? YAMLReader.value(text) {
            value = yaml
        } else {
            return "(\(body.count) bytes, not JSON or YAML)"
        }
        if secrets { value = redactedTarget(value) }
        return redactingKind(value).jsonString()
    }

    /// Whether `url` names the core group's `secrets` (in a namespace or across all).
    static func targetsSecrets(_ url: String) -> Bool {
        var path = Substring(url)
        if let scheme = path.range(of: "://") { path = path[scheme.upperBound...].drop { $0 != "/" } }
        if let query = path.firstIndex(of: "?") { path = path[..<query] }
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        guard parts.count >= 3, parts[0] == "api", parts[1] == "v1" else { return false }
        if parts[2] == "secrets" { return true }
        return parts.count >= 5 && parts[2] == "namespaces" && parts[4] == "secrets"
    }

    /// A body of the `secrets` resource: an object or merge patch, a list's items, or a JSON patch.
    static func redactedTarget(_ value: JSONValue) -> JSONValue {
        switch value {
        case .array(let operations):
            return .array(operations.map { operation in
                guard let path = operation["path"]?.stringValue, touchesData(path), operation["value"] != nil else { return operation }
                var operation = operation
                operation["value"] = hide(operation["value"] ?? .null, whole: path.split(separator: "/").count < 2)
                return operation
            })
        case .object:
            var value = redactedSecret(value)
            if case .array(let items)? = value["items"] { value["items"] = .array(items.map(redactedSecret)) }
            return value
        default:
            return value
        }
    }

    /// Whether a JSON patch path reaches into a Secret's values (`/data`, `/data/key`, `/stringData/...`).
    static func touchesData(_ path: String) -> Bool {
        let first = path.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: true).first
        return first == "data" || first == "stringData"
    }

    /// A value that held Secret data: a map's values hidden (`whole`: the map itself), else the value.
    static func hide(_ value: JSONValue, whole: Bool) -> JSONValue {
        if whole, case .object(let members) = value {
            var hiddenMembers = JSONObject()
            for (key, member) in members { hiddenMembers.append(key, member == .null ? .null : hidden) }
            return .object(hiddenMembers)
        }
        return value == .null ? .null : hidden
    }

    /// A Secret with its `data` and `stringData` values hidden.
    static func redactedSecret(_ secret: JSONValue) -> JSONValue {
        guard case .object = secret else { return secret }
        var secret = secret
        for field in ["data", "stringData"] {
            guard let values = secret[field] else { continue }
            secret[field] = hide(values, whole: true)
        }
        return secret
    }

    /// `value` with every object of kind `Secret` inside it redacted.
    static func redactingKind(_ value: JSONValue, depth: Int = 0) -> JSONValue {
        guard depth < 100 else { return value }
        switch value {
        case .object(let members):
            var result = JSONObject()
            for (key, member) in members { result.append(key, redactingKind(member, depth: depth + 1)) }
            let object = JSONValue.object(result)
            if object["kind"]?.stringValue == "Secret" { return redactedSecret(object) }
            // bearer tokens: a TokenRequest's answer, a TokenReview's question
            if object["kind"]?.stringValue == "TokenRequest", object[path: "status", "token"] != nil, case .object(var status)? = object["status"] {
                status["token"] = hidden
                var shown = object
                shown["status"] = .object(status)
                return shown
            }
            if object["kind"]?.stringValue == "TokenReview", object[path: "spec", "token"] != nil, case .object(var spec)? = object["spec"] {
                spec["token"] = hidden
                var shown = object
                shown["spec"] = .object(spec)
                return shown
            }
            if object["kind"]?.stringValue == "SecretList", case .array(let items)? = object["items"] {
                var list = object
                list["items"] = .array(items.map(redactedSecret))
                return list
            }
            return object
        case .array(let items):
            return .array(items.map { redactingKind($0, depth: depth + 1) })
        default:
            return value
        }
    }
}
