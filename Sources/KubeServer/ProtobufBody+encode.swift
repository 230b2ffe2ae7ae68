import Foundation
import KubeAPI

/// Answers in protobuf, for a client that asks for it alone: the encoder beside the decoder, over
/// the same table, writing what Go's generated marshalling writes — every field that is not a
/// pointer, zero or not; pointers, lists and maps when present; map entries by key; fields by
/// number — inside the `k8s\0` envelope.
extension ProtobufBody {
    /// The envelope around `object` (which names its apiVersion and kind); nil when its kind is
    /// not in the table.
    static func encode(_ object: JSONValue) -> [UInt8]? {
        guard let schema, let apiVersion = object["apiVersion"]?.stringValue, let kind = object["kind"]?.stringValue,
              let type = schema.type(apiVersion: apiVersion, kind: kind) else { return nil }
        var meta = ProtobufWriter()
        meta.string(1, .string(apiVersion))
        meta.string(2, .string(kind))
        var unknown = ProtobufWriter()
        unknown.tag(1, 2)
        unknown.varint(UInt64(meta.bytes.count))
        unknown.append(meta.bytes)
        let raw = message(object, type, schema)
        unknown.tag(2, 2)
        unknown.varint(UInt64(raw.count))
        unknown.append(raw)
        unknown.tag(3, 2)  // contentEncoding and contentType, empty, as Go writes them
        unknown.varint(0)
        unknown.tag(4, 2)
        unknown.varint(0)
        return [0x6B, 0x38, 0x73, 0x00] + unknown.bytes
    }

    /// `object` (the JSON of a message of `type`) as that message.
    static func message(_ object: JSONValue, _ type: String, _ schema: Schema) -> [UInt8] {
        var writer = ProtobufWriter()
        for field in (schema.types[type] ?? []).sorted(by: { $0.number < $1.number }) {
            let value = field.name.isEmpty ? object : object[field.name]
            write(field, value, &writer, schema)
        }
        return writer.bytes
    }

    static func write(_ field: Field, _ value: JSONValue?, _ writer: inout ProtobufWriter, _ schema: Schema) {
        let present = value != nil && value != .null
        switch field.kind {
        case .list(let element):
            for item in value?.arrayValue ?? [] { single(field.number, element, item, &writer, schema) }
        case .map(let valueKind):
            for (key, item) in (value?.objectValue.map { $0.map { ($0.key, $0.value) } } ?? []).sorted(by: { $0.0 < $1.0 }) {
                var entry = ProtobufWriter()
                entry.string(1, .string(key), always: true)
                single(2, valueKind, item, &entry, schema)
                writer.tag(field.number, 2)
                writer.varint(UInt64(entry.bytes.count))
                writer.append(entry.bytes)
            }
        default:
            guard present || !field.pointer else { return }
            single(field.number, field.kind, value ?? .null, &writer, schema)
        }
    }

    /// One value (a zero one when `value` is null) as field `number`.
    static func single(_ number: Int, _ kind: Kind, _ value: JSONValue, _ writer: inout ProtobufWriter, _ schema: Schema) {
        switch kind {
        case .string: writer.string(number, .string(value.stringValue ?? ""), always: true)
        case .int:
            writer.tag(number, 0)
            writer.varint(UInt64(bitPattern: value.integerValue ?? 0))
        case .bool:
            writer.tag(number, 0)
            writer.varint(value.boolValue == true ? 1 : 0)
        case .float:
            writer.tag(number, 1)
            let number = value.doubleValue ?? 0
            writer.append((0..<8).map { UInt8(truncatingIfNeeded: number.bitPattern >> (8 * $0)) })
        case .bytes:
            writer.delimited(number, [UInt8](Data(base64Encoded: value.stringValue ?? "") ?? Data()))
        case .time, .microTime:
            var time = ProtobufWriter()
            if let text = value.stringValue, let (seconds, parsed) = RFC3339.parse(text) {  // a zero Time is an empty message
                var nanos: Int64 = 0
                if case .microTime = kind { nanos = parsed / 1000 * 1000 }
                time.tag(1, 0)
                time.varint(UInt64(bitPattern: seconds))
                time.tag(2, 0)  // nanos, zero or not
                time.varint(UInt64(bitPattern: nanos))
            }
            writer.delimited(number, time.bytes)
        case .duration:
            var duration = ProtobufWriter()
            duration.tag(1, 0)
            duration.varint(UInt64(bitPattern: goDurationNanoseconds(value.stringValue ?? "0s")))
            writer.delimited(number, duration.bytes)
        case .raw:
            var raw = ProtobufWriter()
            if value != .null { raw.delimited(1, value.serialized()) }
            writer.delimited(number, raw.bytes)
        case .intOrString:
            var inner = ProtobufWriter()
            let text = value.stringValue
            inner.tag(1, 0)
            inner.varint(text == nil ? 0 : 1)
            inner.tag(2, 0)
            inner.varint(UInt64(bitPattern: value.integerValue ?? 0))
            inner.string(3, .string(text ?? ""), always: true)
            writer.delimited(number, inner.bytes)
        case .quantity:
            var inner = ProtobufWriter()
            inner.string(1, .string(value.stringValue ?? "0"), always: true)
            writer.delimited(number, inner.bytes)
        case .message(let type):
            writer.delimited(number, message(value == .null ? .object([:]) : value, type, schema))
        case .wrappedList(let element):
            var inner = ProtobufWriter()
            for item in value.arrayValue ?? [] { single(1, element, item, &inner, schema) }
            writer.delimited(number, inner.bytes)
        case .schemaOrArray, .schemaOrBool, .schemaOrStrings:
            let props = "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1.JSONSchemaProps"
            var inner = ProtobufWriter()
            switch (kind, value) {
            case (.schemaOrBool, .bool(let allows)):
                inner.tag(1, 0)
                inner.varint(allows ? 1 : 0)
            case (.schemaOrBool, _):
                inner.tag(1, 0)
                inner.varint(1)
                inner.delimited(2, message(value, props, schema))
            case (.schemaOrArray, .array(let items)):
                for item in items { inner.delimited(2, message(item, props, schema)) }
            case (.schemaOrStrings, .array(let items)):
                for item in items { inner.string(2, item, always: true) }
            default:
                inner.delimited(1, message(value, props, schema))
            }
            writer.delimited(number, inner.bytes)
        case .list, .map:
            break  // written by `write`
        }
    }

    /// Go's time.ParseDuration, for the durations the API writes ("1h2m3s", "1.5s", "300ms").
    static func goDurationNanoseconds(_ text: String) -> Int64 {
        var total = 0.0, number = "", unit = ""
        let units: [String: Double] = ["ns": 1, "us": 1e3, "µs": 1e3, "ms": 1e6, "s": 1e9, "m": 60e9, "h": 3600e9]
        func flush() {
            if let value = Double(number), let scale = units[unit] { total += value * scale }
            (number, unit) = ("", "")
        }
        for character in text {
            if character.isNumber || character == "." {
                if !unit.isEmpty { flush() }
                number.append(character)
            } else if character != "-" {
                unit.append(character)
            }
        }
        flush()
        return Int64(text.hasPrefix("-") ? -total : total)
    }

    /// Whether a request's Accept asks for protobuf and nothing the server would rather send.
    static func wantedAlone(by request: APIRequest) -> Bool {
        guard let accept = request.headers["accept"] else { return false }
        let types = accept.split(separator: ",").map { $0.split(separator: ";").first.map { String($0.trimmingSpaces) } ?? "" }
        return types.contains(mediaType) && !types.contains { $0 == "application/json" || $0 == "*/*" || $0 == "application/*" || $0 == "application/yaml" }
    }
}
