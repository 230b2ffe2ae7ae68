/// A JSON value, as the Kubernetes API machinery in Swift handles objects (Unstructured).
///
/// Integers and floats are distinct, as in the Lua host: `3` is `.integer(3)`, `3.0` is
/// `.number(3.0)`. Objects keep their members' order (`JSONObject`).
public enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)
}

extension JSONValue {
    /// Parses one JSON text.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(JSONError) -> JSONValue {
        var builder = JSONValueBuilder()
        try JSONParser.parse(bytes, into: &builder)
        guard let value = builder.result else { throw JSONError("no JSON value") }
        return value
    }

    /// Parses one JSON text.
    public static func parse(_ bytes: [UInt8]) throws(JSONError) -> JSONValue {
        try bytes.withUnsafeBytes { raw in Result { () throws(JSONError) in try parse(raw) } }.get()
    }

    /// Parses one JSON text.
    public static func parse(_ text: String) throws(JSONError) -> JSONValue {
        var text = text
        return try text.withUTF8 { utf8 in Result { () throws(JSONError) in try parse(UnsafeRawBufferPointer(utf8)) } }.get()
    }

    /// The member `key` of an object (nil for anything else or a missing member).
    public subscript(key: String) -> JSONValue? {
        get {
            if case .object(let object) = self { return object[key] }
            return nil
        }
        set {
            guard case .object(var object) = self else { return }
            object[key] = newValue
            self = .object(object)
        }
    }

    /// Element `index` of an array (nil when out of range or not an array).
    public subscript(index: Int) -> JSONValue? {
        if case .array(let items) = self, items.indices.contains(index) { return items[index] }
        return nil
    }

    /// The value at a path of member names: `value[path: "metadata", "name"]`.
    public subscript(path keys: String...) -> JSONValue? {
        var value: JSONValue? = self
        for key in keys { value = value?[key] }
        return value
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var integerValue: Int64? {
        if case .integer(let i) = self { return i }
        return nil
    }

    /// A number, integer or not, as a Double.
    public var doubleValue: Double? {
        switch self {
        case .integer(let i): return Double(i)
        case .number(let d): return d
        default: return nil
        }
    }

    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let items) = self { return items }
        return nil
    }

    public var objectValue: JSONObject? {
        if case .object(let object) = self { return object }
        return nil
    }
}

/// Builds `JSONValue`s from what the parser reads.
struct JSONValueBuilder: JSONSink {
    enum Frame {
        case array([JSONValue])
        case object(JSONObject, key: String?)
    }

    var frames: [Frame] = []
    /// The top-level values read, in order (a YAML stream has one per document).
    var results: [JSONValue] = []
    var result: JSONValue? { results.last }

    mutating func add(_ value: JSONValue) {
        guard let top = frames.popLast() else {
            results.append(value)
            return
        }
        switch top {
        case .array(var items):
            items.append(value)
            frames.append(.array(items))
        case .object(var object, let key):
            if let key {
                object.append(key, value)
                frames.append(.object(object, key: nil))
            } else if case .string(let s) = value {
                frames.append(.object(object, key: s))
            }
        }
    }

    mutating func null() { add(.null) }
    mutating func bool(_ value: Bool) { add(.bool(value)) }
    mutating func integer(_ value: Int64) { add(.integer(value)) }
    mutating func number(_ value: Double) { add(.number(value)) }
    mutating func string(_ bytes: UnsafeRawBufferPointer, borrowed: Bool) {
        add(.string(String(decoding: bytes, as: UTF8.self)))
    }
    mutating func beginArray() { frames.append(.array([])) }
    mutating func beginObject() { frames.append(.object(JSONObject(), key: nil)) }
    mutating func endArray(count: Int) {
        if case .array(let items)? = frames.popLast() { add(.array(items)) }
    }
    mutating func endObject(count: Int) {
        if case .object(let object, _)? = frames.popLast() { add(.object(object)) }
    }
}
