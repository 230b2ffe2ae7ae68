import KubeAPI

/// A CustomResourceDefinition version's `openAPIV3Schema`, applied to custom resources as
/// apiextensions-apiserver does: unknown fields are pruned (unless
/// `x-kubernetes-preserve-unknown-fields`), nulls dropped where not `nullable`, `default`s filled
/// in, then the object is validated (types, required, enum, bounds, lengths, patterns), each
/// problem worded as kube-apiserver words it.
struct StructuralSchema {
    var root: JSONValue

    /// The object pruned and defaulted; `apiVersion`, `kind` and `metadata` are the server's.
    func admit(_ object: JSONValue) -> JSONValue {
        guard case .object(var fields) = object else { return object }
        let kept = ["apiVersion", "kind", "metadata"].compactMap { key in fields[key].map { (key, $0) } }
        for (key, _) in kept { fields[key] = nil }
        guard case .object(var result) = Self.prune(.object(fields), root, depth: 0) else { return object }
        for (key, value) in kept { result[key] = value }
        return .object(result)
    }

    /// The problems of an admitted object, as Invalid causes.
    func validate(_ object: JSONValue) -> [Status.Cause] {
        var causes: [Status.Cause] = []
        guard case .object(var fields) = object else { return causes }
        for key in ["apiVersion", "kind", "metadata"] { fields[key] = nil }
        Self.validate(.object(fields), root, path: "", into: &causes, depth: 0)
        return causes
    }

    /// Nesting deeper than this is left as it is (the request body's own limit is lower).
    static let depthLimit = 100

    static func prune(_ value: JSONValue, _ schema: JSONValue, depth: Int) -> JSONValue {
        guard depth < depthLimit else { return value }
        let preserve = schema["x-kubernetes-preserve-unknown-fields"]?.boolValue == true
        switch value {
        case .object(let fields):
            let properties = schema["properties"]?.objectValue
            let additional = schema["additionalProperties"]
            var result = JSONObject()
            for (key, child) in fields {
                let childSchema: JSONValue?
                if let property = properties?[key] {
                    childSchema = property
                } else if case .object? = additional {
                    childSchema = additional
                } else if preserve || additional?.boolValue == true {
                    result.append(key, child)
                    continue
                } else {
                    continue  // unknown: pruned
                }
                guard let childSchema else { continue }
                if child == .null && childSchema["nullable"]?.boolValue != true { continue }
                result.append(key, prune(child, childSchema, depth: depth + 1))
            }
            for (key, property) in properties ?? [:] where result[key] == nil {
                if let value = property["default"] { result.append(key, value) }
            }
            return .object(result)
        case .array(let items):
            guard let itemSchema = schema["items"], case .object = itemSchema else { return value }
            return .array(items.map { prune($0, itemSchema, depth: depth + 1) })
        default:
            return value
        }
    }

    static func validate(_ value: JSONValue, _ schema: JSONValue, path: String, into causes: inout [Status.Cause], depth: Int) {
        guard depth < depthLimit else { return }
        let field = path.isEmpty ? "<root>" : path
        if value == .null {
            if schema["nullable"]?.boolValue != true, schema["type"] != nil {
                causes.append(.init(reason: "FieldValueTypeInvalid",
                                    message: "Invalid value: \"null\": \(field) in body must be of type \(schema["type"]?.stringValue ?? ""): \"null\"",
                                    field: field))
            }
            return
        }
        if let type = schema["type"]?.stringValue, !matches(value, type: type),
           !(schema["x-kubernetes-int-or-string"]?.boolValue == true && (value.integerValue != nil || value.stringValue != nil)) {
            let actual = typeName(value)
            causes.append(.init(reason: "FieldValueTypeInvalid",
                                message: "Invalid value: \"\(actual)\": \(field) in body must be of type \(type): \"\(actual)\"", field: field))
            return
        }
        if let allowed = schema["enum"]?.arrayValue, !allowed.contains(value) {
            causes.append(.init(reason: "FieldValueNotSupported",
                                message: "Unsupported value: \(value.jsonString()): supported values: \(allowed.map { $0.jsonString() }.joined(separator: ", "))",
                                field: field))
        }
        switch value {
        case .object(let fields):
            for name in (schema["required"]?.arrayValue ?? []).compactMap(\.stringValue) where fields[name] == nil {
                let child = path.isEmpty ? name : "\(path).\(name)"
                causes.append(.init(reason: "FieldValueRequired", message: "Required value", field: child))
            }
            bound(fields.count, schema, "minProperties", "maxProperties", noun: "properties", field: field, value: value, into: &causes)
            let properties = schema["properties"]?.objectValue
            for (key, child) in fields {
                let childSchema = properties?[key] ?? schema["additionalProperties"].flatMap { $0.objectValue == nil ? nil : $0 }
                guard let childSchema else { continue }
                validate(child, childSchema, path: path.isEmpty ? key : "\(path).\(key)", into: &causes, depth: depth + 1)
            }
        case .array(let items):
            bound(items.count, schema, "minItems", "maxItems", noun: "items", field: field, value: value, into: &causes)
            if let itemSchema = schema["items"], case .object = itemSchema {
                for (index, item) in items.enumerated() {
                    validate(item, itemSchema, path: "\(path)[\(index)]", into: &causes, depth: depth + 1)
                }
            }
        case .string(let text):
            let length = text.unicodeScalars.count
            if case .integer(let minimum)? = schema["minLength"], length < minimum {
                causes.append(.init(reason: "FieldValueInvalid",
                                    message: "Invalid value: \(value.jsonString()): \(field) in body should be at least \(minimum) chars long", field: field))
            }
            if case .integer(let maximum)? = schema["maxLength"], length > maximum {
                causes.append(.init(reason: "FieldValueTooLong",
                                    message: "Too long: may not be longer than \(maximum)", field: field))
            }
            if let pattern = schema["pattern"]?.stringValue, let regex = try? Regex(pattern), (try? regex.firstMatch(in: text)) == nil {
                causes.append(.init(reason: "FieldValueInvalid",
                                    message: "Invalid value: \(value.jsonString()): \(field) in body should match '\(pattern)'", field: field))
            }
        case .integer, .number:
            let number = value.doubleValue ?? 0
            if let minimum = schema["minimum"]?.doubleValue {
                let exclusive = schema["exclusiveMinimum"]?.boolValue == true
                if exclusive ? number <= minimum : number < minimum {
                    causes.append(.init(reason: "FieldValueInvalid",
                                        message: "Invalid value: \(value.jsonString()): \(field) in body should be greater than \(exclusive ? "" : "or equal to ")\(schema["minimum"]?.jsonString() ?? "")",
                                        field: field))
                }
            }
            if let maximum = schema["maximum"]?.doubleValue {
                let exclusive = schema["exclusiveMaximum"]?.boolValue == true
                if exclusive ? number >= maximum : number > maximum {
                    causes.append(.init(reason: "FieldValueInvalid",
                                        message: "Invalid value: \(value.jsonString()): \(field) in body should be less than \(exclusive ? "" : "or equal to ")\(schema["maximum"]?.jsonString() ?? "")",
                                        field: field))
                }
            }
        default:
            break
        }
    }

    /// A count below `minimum` or above `maximum` (of items or properties).
    private static func bound(_ count: Int, _ schema: JSONValue, _ minimum: String, _ maximum: String, noun: String, field: String,
                              value: JSONValue, into causes: inout [Status.Cause]) {
        if case .integer(let low)? = schema[minimum], count < low {
            causes.append(.init(reason: "FieldValueInvalid", message: "Invalid value: \(count): \(field) in body should have at least \(low) \(noun)",
                                field: field))
        }
        if case .integer(let high)? = schema[maximum], count > high {
            causes.append(.init(reason: "FieldValueTooMany", message: "Too many: \(count): must have at most \(high) \(noun)", field: field))
        }
    }

    static func matches(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("integer", .integer),
             ("number", .integer), ("number", .number):
            return true
        case ("", _):
            return true
        default:
            return false
        }
    }

    /// The JSON type name go-openapi reports for a value.
    static func typeName(_ value: JSONValue) -> String {
        switch value {
        case .object: return "object"
        case .array: return "array"
        case .string: return "string"
        case .bool: return "boolean"
        case .integer: return "integer"
        case .number: return "number"
        case .null: return "null"
        }
    }
}
