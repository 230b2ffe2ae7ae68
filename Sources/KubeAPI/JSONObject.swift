/// A JSON object that keeps its members in order, as the API server writes them (a Go struct's
/// field order). Equality ignores the order, as JSON's does. A later member with the same key
/// replaces the earlier one, as encoding/json decodes duplicates.
public struct JSONObject: Equatable, Sendable, Sequence, ExpressibleByDictionaryLiteral {
    public typealias Member = (key: String, value: JSONValue)

    private var keys: [String] = []
    private var values: [String: JSONValue] = [:]

    public init() {}

    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        for (key, value) in elements { append(key, value) }
    }

    /// The number of members.
    public var count: Int { keys.count }

    public var isEmpty: Bool { keys.isEmpty }

    /// The member named `key`; setting nil removes it, setting a new key appends it.
    public subscript(key: String) -> JSONValue? {
        get { values[key] }
        set {
            if let newValue {
                append(key, newValue)
            } else if values.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    /// Sets `key` to `value`: in place if the key exists, else at the end.
    public mutating func append(_ key: String, _ value: JSONValue) {
        if values.updateValue(value, forKey: key) == nil { keys.append(key) }
    }

    public func makeIterator() -> AnyIterator<Member> {
        var index = keys.startIndex
        return AnyIterator {
            guard index < keys.endIndex else { return nil }
            defer { index += 1 }
            let key = keys[index]
            return (key, values[key] ?? .null)
        }
    }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool { lhs.values == rhs.values }
}
