import KubeAPI

/// OpenAPI v2 in protobuf (`application/com.github.proto-openapi.spec.v2@v1.0+protobuf`), the
/// form kubectl asks for to validate manifests and to `explain`: gnostic's `openapi.v2.Document`
/// made from the JSON document as kube-openapi makes it (members in document order, values of
/// vendor extensions, defaults, enums and examples as YAML text — JSON is YAML).
enum OpenAPIProtobuf {
    /// What clients ask for.
    static let mediaType = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"
    /// What kube-openapi answers with (`@` is not allowed in a media type's parameters-free form).
    static let contentType = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"

    /// The encoded `Document`.
    static func document(_ json: JSONValue) -> [UInt8] {
        var w = ProtobufWriter()
        w.string(1, json["swagger"])
        w.message(2, json["info"]) { w, info in
            w.string(1, info["title"]); w.string(2, info["version"]); w.string(3, info["description"])
            w.string(4, info["termsOfService"]); vendor(&w, 7, info)
        }
        w.string(3, json["host"]); w.string(4, json["basePath"])
        w.strings(5, json["schemes"]); w.strings(6, json["consumes"]); w.strings(7, json["produces"])
        w.message(8, json["paths"]) { w, paths in
            vendor(&w, 1, paths)
            named(&w, 2, paths, skipping: "x-", pathItem)
        }
        w.message(9, json["definitions"]) { w, definitions in named(&w, 1, definitions, schema) }
        for requirement in json["security"]?.arrayValue ?? [] {
            w.message(12, requirement) { w, requirement in
                named(&w, 1, requirement) { w, scopes in w.strings(1, scopes) }
            }
        }
        w.message(13, json["securityDefinitions"]) { w, definitions in
            named(&w, 1, definitions) { w, item in
                guard item["type"]?.stringValue == "apiKey" else { return }  // the kinds kube-apiserver publishes
                w.message(2, item) { w, key in
                    w.string(1, key["type"]); w.string(2, key["name"]); w.string(3, key["in"]); w.string(4, key["description"])
                    vendor(&w, 5, key)
                }
            }
        }
        vendor(&w, 16, json)
        return w.bytes
    }

    /// `NamedX` entries (name 1, value 2) for each member of an object, in order.
    static func named(_ w: inout ProtobufWriter, _ field: Int, _ object: JSONValue, skipping prefix: String? = nil,
                      _ value: (inout ProtobufWriter, JSONValue) -> Void) {
        for (name, member) in object.objectValue ?? [:] where prefix.map({ !name.hasPrefix($0) }) ?? true {
            w.message(field, member) { w, member in
                w.string(1, .string(name))
                w.message(2, member, value)
            }
        }
    }

    /// `x-…` members as `NamedAny` entries.
    static func vendor(_ w: inout ProtobufWriter, _ field: Int, _ object: JSONValue) {
        for (name, value) in object.objectValue ?? [:] where name.hasPrefix("x-") {
            w.message(field, value) { w, value in
                w.string(1, .string(name))
                any(&w, 2, value)
            }
        }
    }

    /// An `Any` holding the value as YAML text.
    static func any(_ w: inout ProtobufWriter, _ field: Int, _ value: JSONValue) {
        w.message(field, value) { w, value in w.string(2, .string(value.jsonString() + "\n")) }
    }

    static func pathItem(_ w: inout ProtobufWriter, _ item: JSONValue) {
        w.string(1, item["$ref"])
        for (field, verb) in [(2, "get"), (3, "put"), (4, "post"), (5, "delete"), (6, "options"), (7, "head"), (8, "patch")] {
            w.message(field, item[verb], operation)
        }
        for parameter in item["parameters"]?.arrayValue ?? [] { parametersItem(&w, 9, parameter) }
        vendor(&w, 10, item)
    }

    static func operation(_ w: inout ProtobufWriter, _ op: JSONValue) {
        w.strings(1, op["tags"]); w.string(2, op["summary"]); w.string(3, op["description"])
        w.string(5, op["operationId"]); w.strings(6, op["produces"]); w.strings(7, op["consumes"])
        for parameter in op["parameters"]?.arrayValue ?? [] { parametersItem(&w, 8, parameter) }
        w.message(9, op["responses"]) { w, responses in
            named(&w, 1, responses, skipping: "x-") { w, response in
                if let reference = response["$ref"] {
                    w.message(2, response) { w, _ in w.string(1, reference); w.string(2, response["description"]) }
                } else {
                    w.message(1, response) { w, response in
                        w.string(1, response["description"])
                        w.message(2, response["schema"]) { w, value in w.message(1, value, schema) }
                        vendor(&w, 5, response)
                    }
                }
            }
            vendor(&w, 2, responses)
        }
        w.strings(10, op["schemes"]); w.bool(11, op["deprecated"])
        vendor(&w, 13, op)
    }

    /// A `ParametersItem`: a reference, a body parameter, or a header, form, query or path one.
    static func parametersItem(_ w: inout ProtobufWriter, _ field: Int, _ parameter: JSONValue) {
        w.message(field, parameter) { w, parameter in
            if let reference = parameter["$ref"] {
                w.message(2, parameter) { w, _ in w.string(1, reference); w.string(2, parameter["description"]) }
                return
            }
            w.message(1, parameter) { w, parameter in
                let location = parameter["in"]?.stringValue ?? ""
                if location == "body" {
                    w.message(1, parameter) { w, p in
                        w.string(1, p["description"]); w.string(2, p["name"]); w.string(3, p["in"]); w.bool(4, p["required"])
                        w.message(5, p["schema"], schema); vendor(&w, 6, p)
                    }
                    return
                }
                // query and formData have allowEmptyValue (5) and shift the rest by one
                let sub = ["header": 1, "formData": 2, "query": 3, "path": 4][location] ?? 3
                let shifted = sub == 2 || sub == 3
                w.message(2, parameter) { w, p in
                    w.message(sub, p) { w, p in
                        w.bool(1, p["required"]); w.string(2, p["in"]); w.string(3, p["description"]); w.string(4, p["name"])
                        let o = shifted ? 1 : 0
                        if shifted { w.bool(5, p["allowEmptyValue"]) }
                        w.string(5 + o, p["type"]); w.string(6 + o, p["format"])
                        w.message(7 + o, p["items"], primitivesItems)
                        w.string(8 + o, p["collectionFormat"])
                        if let value = p["default"] { any(&w, 9 + o, value) }
                        w.double(10 + o, p["maximum"]); w.bool(11 + o, p["exclusiveMaximum"])
                        w.double(12 + o, p["minimum"]); w.bool(13 + o, p["exclusiveMinimum"])
                        w.integer(14 + o, p["maxLength"]); w.integer(15 + o, p["minLength"]); w.string(16 + o, p["pattern"])
                        w.integer(17 + o, p["maxItems"]); w.integer(18 + o, p["minItems"]); w.bool(19 + o, p["uniqueItems"])
                        for value in p["enum"]?.arrayValue ?? [] { any(&w, 20 + o, value) }
                        w.double(21 + o, p["multipleOf"])
                        vendor(&w, 22 + o, p)
                    }
                }
            }
        }
    }

    static func primitivesItems(_ w: inout ProtobufWriter, _ items: JSONValue) {
        w.string(1, items["type"]); w.string(2, items["format"]); w.message(3, items["items"], primitivesItems)
        w.string(4, items["collectionFormat"])
        if let value = items["default"] { any(&w, 5, value) }
        for value in items["enum"]?.arrayValue ?? [] { any(&w, 16, value) }
        vendor(&w, 18, items)
    }

    static func schema(_ w: inout ProtobufWriter, _ s: JSONValue) {
        w.string(1, s["$ref"]); w.string(2, s["format"]); w.string(3, s["title"]); w.string(4, s["description"])
        if let value = s["default"] { any(&w, 5, value) }
        w.double(6, s["multipleOf"]); w.double(7, s["maximum"]); w.bool(8, s["exclusiveMaximum"])
        w.double(9, s["minimum"]); w.bool(10, s["exclusiveMinimum"])
        w.integer(11, s["maxLength"]); w.integer(12, s["minLength"]); w.string(13, s["pattern"])
        w.integer(14, s["maxItems"]); w.integer(15, s["minItems"]); w.bool(16, s["uniqueItems"])
        w.integer(17, s["maxProperties"]); w.integer(18, s["minProperties"])
        w.strings(19, s["required"])
        for value in s["enum"]?.arrayValue ?? [] { any(&w, 20, value) }
        switch s["additionalProperties"] {
        case .bool(let allowed)?: w.message(21, .bool(allowed)) { w, _ in w.bool(2, .bool(allowed)) }
        case let value? where value.objectValue != nil: w.message(21, value) { w, value in w.message(1, value, schema) }
        default: break
        }
        if let type = s["type"] {
            w.message(22, type) { w, type in w.strings(1, type.arrayValue != nil ? type : .array([type])) }
        }
        if let items = s["items"] {
            w.message(23, items) { w, items in
                for item in items.arrayValue ?? [items] { w.message(1, item, schema) }
            }
        }
        for part in s["allOf"]?.arrayValue ?? [] { w.message(24, part, schema) }
        w.message(25, s["properties"]) { w, properties in named(&w, 1, properties, schema) }
        w.string(26, s["discriminator"]); w.bool(27, s["readOnly"])
        if let value = s["example"] { any(&w, 30, value) }
        vendor(&w, 31, s)
    }
}

/// Protocol buffers' wire format, written field by field; proto3 defaults (empty, zero, false,
/// absent) are left out.
struct ProtobufWriter {
    private(set) var bytes: [UInt8] = []

    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func tag(_ field: Int, _ wireType: UInt64) { varint(UInt64(field) << 3 | wireType) }

    /// A string field, left out when empty unless `always` (Go writes every non-pointer field).
    mutating func string(_ field: Int, _ value: JSONValue?, always: Bool = false) {
        guard let text = value?.stringValue, always || !text.isEmpty else { return }
        tag(field, 2)
        varint(UInt64(text.utf8.count))
        bytes.append(contentsOf: text.utf8)
    }

    mutating func strings(_ field: Int, _ value: JSONValue?) {
        for item in value?.arrayValue ?? [] {
            guard let text = item.stringValue else { continue }
            tag(field, 2)
            varint(UInt64(text.utf8.count))
            bytes.append(contentsOf: text.utf8)
        }
    }

    mutating func bool(_ field: Int, _ value: JSONValue?) {
        guard value?.boolValue == true else { return }
        tag(field, 0)
        varint(1)
    }

    mutating func integer(_ field: Int, _ value: JSONValue?) {
        guard let number = value?.integerValue, number != 0 else { return }
        tag(field, 0)
        varint(UInt64(bitPattern: number))
    }

    mutating func double(_ field: Int, _ value: JSONValue?) {
        guard let number = value?.doubleValue, number != 0 else { return }
        tag(field, 1)
        withUnsafeBytes(of: number.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func append(_ more: [UInt8]) { bytes.append(contentsOf: more) }

    /// A length-delimited field.
    mutating func delimited(_ field: Int, _ content: [UInt8]) {
        tag(field, 2)
        varint(UInt64(content.count))
        bytes.append(contentsOf: content)
    }

    /// A nested message, written by `body`, when `value` is present.
    mutating func message(_ field: Int, _ value: JSONValue?, _ body: (inout ProtobufWriter, JSONValue) -> Void) {
        guard let value, value != .null else { return }
        var nested = ProtobufWriter()
        body(&nested, value)
        tag(field, 2)
        varint(UInt64(nested.bytes.count))
        bytes.append(contentsOf: nested.bytes)
    }
}
