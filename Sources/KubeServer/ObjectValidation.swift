import KubeAPI

/// The checks kube-apiserver makes of every object's metadata (labels, annotations) and of
/// ConfigMaps' and Secrets' keys, with apimachinery's messages: `field.Invalid` causes whose
/// values are quoted as Go's `%q` quotes them, and `field.TooLong` for sizes.
enum ObjectValidation {
    static let qualifiedNameMessage = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
    static let labelValueMessage = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
    static let configKeyMessage = "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"
    /// `TotalAnnotationSizeLimitB`: keys and values together.
    static let annotationsLimit = 256 * 1024
    /// `MaxSecretSize`, for Secrets and ConfigMaps alike.
    static let dataLimit = 1024 * 1024

    /// The causes of everything wrong with `object` (of `info`'s resource) outside its name.
    static func causes(_ object: JSONValue, _ info: APIResourceInfo) -> [Status.Cause] {
        var causes: [Status.Cause] = []
        if let labels = object[path: "metadata", "labels"]?.objectValue {
            for (key, value) in labels.sorted(by: { $0.key < $1.key }) {
                causes += qualifiedNameProblems(key).map { invalid("metadata.labels", key, $0) }
                causes += labelValueProblems(value.stringValue ?? "").map { invalid("metadata.labels", value.stringValue ?? "", $0) }
            }
        }
        if let annotations = object[path: "metadata", "annotations"]?.objectValue {
            var size = 0
            for (key, value) in annotations.sorted(by: { $0.key < $1.key }) {
                // the rule is a qualified name's, except that case does not matter
                causes += qualifiedNameProblems(key.lowercased()).map { invalid("metadata.annotations", key, $0) }
                size += key.utf8.count + (value.stringValue?.utf8.count ?? 0)
            }
            if size > annotationsLimit { causes.append(tooLong("metadata.annotations", annotationsLimit)) }
        }
        guard info.group.isEmpty else { return causes }
        if info.name == "configmaps" {
            let data = object["data"]?.objectValue ?? JSONObject(), binary = object["binaryData"]?.objectValue ?? JSONObject()
            var size = 0
            for (key, value) in data.sorted(by: { $0.key < $1.key }) {
                causes += configKeyProblems(key).map { invalid("data[\(key)]", key, $0) }
                if binary[key] != nil { causes.append(invalid("data[\(key)]", key, "duplicate of key present in binaryData")) }
                size += value.stringValue?.utf8.count ?? 0
            }
            for (key, value) in binary.sorted(by: { $0.key < $1.key }) {
                causes += configKeyProblems(key).map { invalid("binaryData[\(key)]", key, $0) }
                size += (value.stringValue?.utf8.count ?? 0) * 3 / 4
            }
            if size > dataLimit { causes.append(tooLong("[]", dataLimit)) }
        } else if info.name == "secrets" {
            // stringData is merged into data before validation, as the v1 conversion does
            var keys = Set<String>(), size = 0
            for field in ["data", "stringData"] {
                for (key, value) in object[field]?.objectValue ?? JSONObject() {
                    keys.insert(key)
                    size += (value.stringValue?.utf8.count ?? 0) * (field == "data" ? 3 : 4) / 4
                }
            }
            for key in keys.sorted() { causes += configKeyProblems(key).map { invalid("data[\(key)]", key, $0) } }
            if size > dataLimit { causes.append(tooLong("data", dataLimit)) }
        }
        return causes
    }

    /// apimachinery's `IsQualifiedName`: an optional DNS subdomain prefix and `/`, and a name part.
    static func qualifiedNameProblems(_ value: String) -> [String] {
        let parts = value.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        var problems: [String] = []
        let name: String
        switch parts.count {
        case 1:
            name = parts[0]
        case 2:
            name = parts[1]
            if parts[0].isEmpty {
                problems.append("prefix part must be non-empty")
            } else {
                problems += ObjectNames.subdomainProblems(parts[0]).map { "prefix part " + $0 }
            }
        default:
            return ["a qualified name " + qualifiedNameMessage + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]
        }
        if name.isEmpty {
            problems.append("name part must be non-empty")
        } else if name.utf8.count > 63 {
            problems.append("name part must be no more than 63 characters")
        }
        if !isQualifiedNamePart(name) { problems.append("name part " + qualifiedNameMessage) }
        return problems
    }

    /// `IsValidLabelValue`.
    static func labelValueProblems(_ value: String) -> [String] {
        var problems: [String] = []
        if value.utf8.count > 63 { problems.append("must be no more than 63 characters") }
        if !value.isEmpty && !isQualifiedNamePart(value) { problems.append(labelValueMessage) }
        return problems
    }

    /// `IsConfigMapKey`.
    static func configKeyProblems(_ key: String) -> [String] {
        var problems: [String] = []
        if key.utf8.count > 253 { problems.append("must be no more than 253 characters") }
        let allowed = !key.isEmpty && key.utf8.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") }
        if !allowed { problems.append(configKeyMessage) }
        if key == "." {
            problems.append("must not be '.'")
        } else if key == ".." {
            problems.append("must not be '..'")
        } else if key.hasPrefix("..") {
            problems.append("must not start with '..'")
        }
        return problems
    }

    /// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`
    static func isQualifiedNamePart(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard let first = bytes.first, let last = bytes.last, isAlphanumeric(first), isAlphanumeric(last) else { return false }
        return bytes.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") }
    }

    static func isAlphanumeric(_ c: UInt8) -> Bool {
        (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || (c >= 0x30 && c <= 0x39)
    }

    /// `field.Invalid(field, value, detail)` as a Status cause.
    static func invalid(_ field: String, _ value: String, _ detail: String) -> Status.Cause {
        .init(reason: "FieldValueInvalid", message: "Invalid value: \(goQuoted(value)): \(detail)", field: field)
    }

    /// `field.TooLong(field, _, limit)` as a Status cause.
    static func tooLong(_ field: String, _ limit: Int) -> Status.Cause {
        .init(reason: "FieldValueTooLong", message: "Too long: must have at most \(limit) bytes", field: field)
    }

    /// A string as Go's `%q` writes it: double quotes, with `"` and `\` escaped, and control and
    /// non-printing characters as escapes.
    static func goQuoted(_ value: String) -> String {
        var quoted = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case "\u{07}": quoted += "\\a"
            case "\u{08}": quoted += "\\b"
            case "\u{0C}": quoted += "\\f"
            case "\n": quoted += "\\n"
            case "\r": quoted += "\\r"
            case "\t": quoted += "\\t"
            case "\u{0B}": quoted += "\\v"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    quoted += "\\x" + hex(scalar.value, width: 2)
                } else if scalar.properties.generalCategory.isPrintable || scalar == " " {
                    quoted.unicodeScalars.append(scalar)
                } else if scalar.value < 0x10000 {
                    quoted += "\\u" + hex(scalar.value, width: 4)
                } else {
                    quoted += "\\U" + hex(scalar.value, width: 8)
                }
            }
        }
        return quoted + "\""
    }

    static func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}

extension Unicode.GeneralCategory {
    /// Go's `unicode.IsPrint` less the space: letters, marks, numbers, punctuation and symbols.
    var isPrintable: Bool {
        switch self {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator, .spaceSeparator: return false
        default: return true
        }
    }
}
