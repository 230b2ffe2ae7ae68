import Foundation
import KubeAPI

/// Request bodies in `application/vnd.kubernetes.protobuf`, as kubectl's built-in generators and
/// client-go's typed clients send them: the `k8s\0` envelope around a `runtime.Unknown` whose raw
/// bytes are the object's message. One decoder, driven by the field table that
/// `tools/protobuf-schema.py` makes from Kubernetes v1.24's Go types (`Resources/protobuf-schema.json`),
/// makes the JSON object Go's generated code and encoding/json would make of them: fields in
/// the struct's order, inline embeds flattened, zero values kept or left out as pointers and
/// `omitempty` decide, Times, quantities, int-or-strings and raw extensions as their JSON.
enum ProtobufBody {
    static let mediaType = "application/vnd.kubernetes.protobuf"

    indirect enum Kind: Sendable {
        case string, int, bool, float, bytes, time, microTime, duration, raw, intOrString, quantity
        case message(String), schemaOrArray(String), schemaOrBool(String), schemaOrStrings(String)
        case list(Kind), wrappedList(Kind), map(Kind)

        init?(_ text: Substring) {
            let (head, rest) = text.firstIndex(of: ":").map { (text[..<$0], text[text.index(after: $0)...]) } ?? (text, "")
            switch head {
            case "string": self = .string
            case "int": self = .int
            case "bool": self = .bool
            case "float": self = .float
            case "bytes": self = .bytes
            case "time": self = .time
            case "microtime": self = .microTime
            case "duration": self = .duration
            case "raw": self = .raw
            case "intorstring": self = .intOrString
            case "quantity": self = .quantity
            case "msg": self = .message(String(rest))
            case "schemaorarray": self = .schemaOrArray(String(rest))
            case "schemaorbool": self = .schemaOrBool(String(rest))
            case "schemaorstrings": self = .schemaOrStrings(String(rest))
            case "list": guard let inner = Kind(rest) else { return nil }; self = .list(inner)
            case "wrappedlist": guard let inner = Kind(rest) else { return nil }; self = .wrappedList(inner)
            case "map": guard let inner = Kind(rest) else { return nil }; self = .map(inner)
            default: return nil
            }
        }
    }

    struct Field: Sendable {
        let number: Int
        /// The JSON name; empty for an inline embed.
        let name: String
        let kind: Kind
        let pointer: Bool
        let omitEmpty: Bool
    }

    struct Schema: Sendable {
        /// Message types by `"<apiVersion> <kind>"`.
        let kinds: [String: String]
        let types: [String: [Field]]

        /// The message type of a kind; meta.k8s.io's (Status, ...) also as the `v1` they are sent in.
        func type(apiVersion: String, kind: String) -> String? {
            kinds["\(apiVersion) \(kind)"] ?? (apiVersion == "v1" ? kinds["meta.k8s.io/v1 \(kind)"] : nil)
        }
    }

    struct Failure: Error { let message: String }

    /// How deep messages may nest (a CRD's schema nests itself): deeper bodies are refused
    /// instead of exhausting the stack.
    static let maximumDepth = 100

    /// The table, read when a first protobuf body comes.
    static let schema: Schema? = {
        guard let bytes = OpenAPIDocuments.resource("protobuf-schema", ext: "json"), let json = try? JSONValue.parse(bytes) else { return nil }
        var kinds: [String: String] = [:], types: [String: [Field]] = [:]
        for (key, value) in json["kinds"]?.objectValue ?? [:] { kinds[key] = value.stringValue }
        for (name, fields) in json["types"]?.objectValue ?? [:] {
            types[name] = (fields.arrayValue ?? []).compactMap { entry in
                guard let number = entry[0]?.integerValue, let jsonName = entry[1]?.stringValue,
                      let kind = entry[2]?.stringValue.flatMap({ Kind(Substring($0)) }), let flags = entry[3]?.stringValue else { return nil }
                return Field(number: Int(number), name: jsonName, kind: kind, pointer: flags.contains("p"), omitEmpty: flags.contains("o"))
            }
        }
        return Schema(kinds: kinds, types: types)
    }()

    /// The object a protobuf body holds, with its apiVersion and kind; nil when its kind is not
    /// in the table (custom resources: JSON only, as on a real server).
    static func object(_ body: [UInt8], expecting expected: String? = nil) throws(Failure) -> JSONValue? {
        guard body.count >= 4, body[0..<4] == [0x6B, 0x38, 0x73, 0x00] else { throw Failure(message: "provided object is not a protobuf message: missing the k8s\\0 prefix") }
        var envelope = Reader(body[4...])
        var apiVersion = "", kind = "", raw: ArraySlice<UInt8> = []
        while let (number, wire) = try envelope.tag() {
            switch (number, wire) {
            case (1, 2):
                var meta = Reader(try envelope.delimited())
                while let (field, wire) = try meta.tag() {
                    switch (field, wire) {
                    case (1, 2): apiVersion = try meta.string()
                    case (2, 2): kind = try meta.string()
                    default: try meta.skip(wire)
                    }
                }
            case (2, 2): raw = try envelope.delimited()
            default: try envelope.skip(wire)
            }
        }
        if let expected, !kind.isEmpty, kind != expected {
            throw Failure(message: "no kind \"\(kind)\" is registered for version \"\(apiVersion)\"")
        }
        guard let schema, let type = schema.type(apiVersion: apiVersion, kind: kind) else { return nil }
        var object = JSONObject()
        object.append("apiVersion", .string(apiVersion))
        object.append("kind", .string(kind))
        for (key, value) in try message(raw, type, schema) { object.append(key, value) }
        return .object(object)
    }

    /// A message of `type` as its JSON object.
    static func message(_ bytes: ArraySlice<UInt8>, _ type: String, _ schema: Schema, depth: Int = 0) throws(Failure) -> JSONObject {
        guard depth < maximumDepth else { throw Failure(message: "proto: messages nested deeper than \(maximumDepth)") }
        guard let fields = schema.types[type] else { throw Failure(message: "no protobuf schema for \(type)") }
        var seen: [Int: [JSONValue]] = [:]
        var reader = Reader(bytes)
        while let (number, wire) = try reader.tag() {
            guard let field = fields.first(where: { $0.number == number }) else { try reader.skip(wire); continue }
            switch field.kind {
            case .list(let element) where wire == 2 && element.isPacked:
                var packed = Reader(try reader.delimited())
                while !packed.atEnd { seen[number, default: []].append(try value(element, wire: element.wire, &packed, schema, depth: depth + 1)) }
            default:
                seen[number, default: []].append(try value(field.kind, wire: wire, &reader, schema, depth: depth + 1))
            }
        }
        var object = JSONObject()
        for field in fields {
            let found = seen[field.number]
            if field.name.isEmpty {  // inline: the embedded struct's members are this one's
                let embedded: JSONValue
                guard case .message(let inner) = field.kind else { continue }
                if let last = found?.last { embedded = last } else { embedded = .object(try message([], inner, schema, depth: depth + 1)) }
                for (key, child) in embedded.objectValue ?? [:] { object.append(key, child) }
                continue
            }
            if let shown = try shown(field, found, schema, depth: depth) { object.append(field.name, shown) }
        }
        return object
    }

    /// A field's JSON, or nil when encoding/json leaves it out.
    static func shown(_ field: Field, _ found: [JSONValue]?, _ schema: Schema, depth: Int) throws(Failure) -> JSONValue? {
        switch field.kind {
        case .list:
            guard let found else { return field.omitEmpty ? nil : .null }
            return .array(found)
        case .map:
            guard let found else { return field.omitEmpty ? nil : .null }
            var map = JSONObject()
            for entry in found { if case .array(let pair) = entry, pair.count == 2, let key = pair[0].stringValue { map.append(key, pair[1]) } }
            return .object(map)
        default: break
        }
        if let value = found?.last {
            if field.pointer || !field.omitEmpty { return value }
            switch value {  // a zero scalar under omitempty is left out
            case .string(let s) where s.isEmpty: return nil
            case .integer(0), .bool(false): return nil
            case .number(let n) where n == 0: return nil
            default: return value
            }
        }
        if field.pointer { return field.omitEmpty ? nil : .null }
        switch field.kind {  // Go's zero value, as encoding/json writes it
        case .string: return field.omitEmpty ? nil : .string("")
        case .int: return field.omitEmpty ? nil : .integer(0)
        case .bool: return field.omitEmpty ? nil : .bool(false)
        case .float: return field.omitEmpty ? nil : .integer(0)
        case .bytes: return field.omitEmpty ? nil : .null
        case .time, .microTime, .raw: return .null
        case .duration: return .string("0s")
        case .intOrString: return .integer(0)
        case .quantity: return .string("0")
        case .message(let inner): return .object(try message([], inner, schema, depth: depth + 1))
        default: return field.omitEmpty ? nil : .null
        }
    }

    /// One value of `kind` read from `reader` (its wire type `wire`).
    static func value(_ kind: Kind, wire: Int, _ reader: inout Reader, _ schema: Schema, depth: Int) throws(Failure) -> JSONValue {
        switch kind {
        case .string: return .string(try reader.string())
        case .int: return .integer(Int64(bitPattern: try reader.varint()))
        case .bool: return .bool(try reader.varint() != 0)
        case .float: return .number(Double(bitPattern: try reader.fixed64()))
        case .bytes: return .string(Data(try reader.delimited()).base64EncodedString())
        case .list(let element): return try value(element, wire: wire, &reader, schema, depth: depth)
        case .map(let valueKind):
            var entry = Reader(try reader.delimited())
            var key = "", mapped: JSONValue?
            while let (number, wire) = try entry.tag() {
                switch number {
                case 1: key = try entry.string()
                case 2: mapped = try value(valueKind, wire: wire, &entry, schema, depth: depth + 1)
                default: try entry.skip(wire)
                }
            }
            return .array([.string(key), mapped ?? zero(valueKind)])
        default:
            break
        }
        // the rest are messages
        var inner = Reader(try reader.delimited())
        var fields: [Int: [JSONValue]] = [:]
        func collect(_ read: (Int, Int, inout Reader) throws(Failure) -> JSONValue?) throws(Failure) {
            while let (number, wire) = try inner.tag() {
                if let value = try read(number, wire, &inner) { fields[number, default: []].append(value) } else { try inner.skip(wire) }
            }
        }
        switch kind {
        case .time, .microTime:
            if inner.atEnd { return .null }  // a zero Time is an empty message
            try collect { number, _, r throws(Failure) in number <= 2 ? .integer(Int64(bitPattern: try r.varint())) : nil }
            let seconds = fields[1]?.last?.integerValue ?? 0, nanos = fields[2]?.last?.integerValue ?? 0
            return .string(RFC3339.string(seconds: seconds, micros: kind.isMicro ? nanos / 1000 : nil))
        case .duration:
            try collect { number, _, r throws(Failure) in number == 1 ? .integer(Int64(bitPattern: try r.varint())) : nil }
            return .string(goDuration(fields[1]?.last?.integerValue ?? 0))
        case .raw:
            var raw: ArraySlice<UInt8> = []
            while let (number, wire) = try inner.tag() { if number == 1 { raw = try inner.delimited() } else { try inner.skip(wire) } }
            return (try? JSONValue.parse(Array(raw))) ?? .null
        case .intOrString:
            try collect { number, _, r throws(Failure) in
                switch number {
                case 1, 2: return .integer(Int64(bitPattern: try r.varint()))
                case 3: return .string(try r.string())
                default: return nil
                }
            }
            return fields[1]?.last?.integerValue == 1 ? (fields[3]?.last ?? .string("")) : (fields[2]?.last ?? .integer(0))
        case .quantity:
            try collect { number, _, r throws(Failure) in number == 1 ? .string(try r.string()) : nil }
            return fields[1]?.last ?? .string("0")
        case .wrappedList(let element):
            try collect { number, wire, r throws(Failure) in number == 1 ? try value(element, wire: wire, &r, schema, depth: depth + 1) : nil }
            return .array(fields[1] ?? [])
        case .message(let type):
            return .object(try message(inner.rest, type, schema, depth: depth))
        case .schemaOrArray, .schemaOrBool, .schemaOrStrings:
            var schemaValue: JSONValue?, items: [JSONValue] = [], allows = false
            while let (number, wire) = try inner.tag() {
                switch (kind, number) {
                case (.schemaOrBool, 1): allows = try inner.varint() != 0
                case (.schemaOrBool, 2), (.schemaOrArray, 1), (.schemaOrStrings, 1):
                    schemaValue = .object(try message(try inner.delimited(), "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1.JSONSchemaProps", schema, depth: depth + 1))
                case (.schemaOrArray, 2):
                    items.append(.object(try message(try inner.delimited(), "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1.JSONSchemaProps", schema, depth: depth + 1)))
                case (.schemaOrStrings, 2): items.append(.string(try inner.string()))
                default: try inner.skip(wire)
                }
            }
            if let schemaValue { return schemaValue }
            if case .schemaOrBool = kind { return .bool(allows) }
            return .array(items)
        default:
            throw Failure(message: "unexpected protobuf field")
        }
    }

    static func zero(_ kind: Kind) -> JSONValue {
        switch kind {
        case .string: .string("")
        case .int: .integer(0)
        case .bool: .bool(false)
        case .quantity: .string("0")
        default: .null
        }
    }

    /// Go's time.Duration.String of nanoseconds ("1h2m3s", "1.5s", "300ms", "0s").
    static func goDuration(_ nanoseconds: Int64) -> String {
        if nanoseconds == 0 { return "0s" }
        let sign = nanoseconds < 0 ? "-" : "", n = nanoseconds.magnitude
        func trimmed(_ whole: UInt64, _ fraction: UInt64, _ digits: Int) -> String {
            var text = String(fraction)
            text = String(repeating: "0", count: digits - text.count) + text
            while text.hasSuffix("0") { text.removeLast() }
            return text.isEmpty ? "\(whole)" : "\(whole).\(text)"
        }
        if n < 1_000 { return "\(sign)\(n)ns" }
        if n < 1_000_000 { return sign + trimmed(n / 1_000, n % 1_000, 3) + "µs" }
        if n < 1_000_000_000 { return sign + trimmed(n / 1_000_000, n % 1_000_000, 6) + "ms" }
        let seconds = n / 1_000_000_000, hours = seconds / 3600, minutes = seconds % 3600 / 60
        var text = sign
        if hours > 0 { text += "\(hours)h" }
        if hours > 0 || minutes > 0 { text += "\(minutes)m" }
        return text + trimmed(seconds % 60, n % 1_000_000_000, 9) + "s"
    }

    /// Reads protobuf's wire format.
    struct Reader {
        private var remaining: ArraySlice<UInt8>

        init(_ bytes: ArraySlice<UInt8>) { remaining = bytes }

        var atEnd: Bool { remaining.isEmpty }
        var rest: ArraySlice<UInt8> { remaining }

        mutating func varint() throws(Failure) -> UInt64 {
            var result: UInt64 = 0, shift: UInt64 = 0
            while let byte = remaining.popFirst() {
                guard shift < 64 else { break }
                result |= UInt64(byte & 0x7F) << shift
                if byte < 0x80 { return result }
                shift += 7
            }
            throw Failure(message: "proto: unexpected end of a varint")
        }

        /// The next field's number and wire type; nil at the end.
        mutating func tag() throws(Failure) -> (Int, Int)? {
            if remaining.isEmpty { return nil }
            let key = try varint()
            guard key >> 3 > 0, key >> 3 < 1 << 29 else { throw Failure(message: "proto: illegal field number") }
            return (Int(key >> 3), Int(key & 7))
        }

        mutating func delimited() throws(Failure) -> ArraySlice<UInt8> {
            let length = try varint()
            guard length <= UInt64(remaining.count) else { throw Failure(message: "proto: unexpected end of input") }
            let taken = remaining.prefix(Int(length))
            remaining = remaining.dropFirst(Int(length))
            return taken
        }

        mutating func string() throws(Failure) -> String { String(decoding: try delimited(), as: UTF8.self) }

        mutating func fixed64() throws(Failure) -> UInt64 {
            guard remaining.count >= 8 else { throw Failure(message: "proto: unexpected end of input") }
            let value = remaining.prefix(8).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            remaining = remaining.dropFirst(8)
            return value
        }

        mutating func skip(_ wire: Int) throws(Failure) {
            switch wire {
            case 0: _ = try varint()
            case 1: _ = try fixed64()
            case 2: _ = try delimited()
            case 5:
                guard remaining.count >= 4 else { throw Failure(message: "proto: unexpected end of input") }
                remaining = remaining.dropFirst(4)
            default: throw Failure(message: "proto: illegal wireType \(wire)")
            }
        }
    }
}

extension ProtobufBody.Kind {
    var isMicro: Bool { if case .microTime = self { return true } else { return false } }
    /// Scalars a repeated field may pack.
    var isPacked: Bool {
        switch self {
        case .int, .bool, .float: return true
        default: return false
        }
    }
    var wire: Int { if case .float = self { return 1 } else { return 0 } }
}
