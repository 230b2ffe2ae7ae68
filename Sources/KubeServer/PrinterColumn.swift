import Foundation
import KubeAPI

/// A column a CustomResourceDefinition's version names for `kubectl get`
/// (`additionalPrinterColumns`): its cell is the first value its JSONPath finds, made into the
/// column's type as apiextensions-apiserver's table convertor makes it.
struct PrinterColumn: Sendable, Equatable {
    var name: String
    var type: String
    var format = ""
    var description: String
    var priority = 0
    var path: JSONPath

    /// The columns of a CRD version (`spec.versions[i]`); Age when it names none, as
    /// apiextensions-apiserver defaults them.
    static func columns(of version: JSONValue) -> [PrinterColumn] {
        guard let columns = version["additionalPrinterColumns"]?.arrayValue, !columns.isEmpty else {
            return [PrinterColumn(name: "Age", type: "date", description: Table.ageDescription, path: JSONPath(".metadata.creationTimestamp"))]
        }
        return columns.map { column in
            let jsonPath = column["jsonPath"]?.stringValue ?? ""
            return PrinterColumn(
                name: column["name"]?.stringValue ?? "", type: column["type"]?.stringValue ?? "string",
                format: column["format"]?.stringValue ?? "",
                description: column["description"]?.stringValue ?? "Custom resource definition column (in JSONPath format): \(jsonPath)",
                priority: Int(clamping: column["priority"]?.integerValue ?? 0), path: JSONPath(jsonPath))
        }
    }

    /// The cell for `object` (`now` for dates): null when the path finds nothing or a value of
    /// another type; a date as its age; a string column shows any value as text.
    func cell(_ object: JSONValue, now: Int64) -> JSONValue {
        guard let value = path.first(in: object), value != .null else { return .null }
        switch (type, value) {
        case ("integer", .integer): return value
        case ("integer", .number(let number)): return number.isFinite && abs(number) < 9.2e18 ? .integer(Int64(number)) : .null
        case ("number", .integer(let integer)): return .number(Double(integer))
        case ("number", .number): return value
        case ("boolean", .bool): return value
        case ("string", .string): return value
        case ("string", .object), ("string", .array): return .string(value.jsonString())
        case ("string", .integer(let integer)): return .string(String(integer))
        case ("string", .number(let number)): return .string(String(number))
        case ("string", .bool(let bool)): return .string(String(bool))
        case ("date", .string):
            return .string(Table.since(value, now) ?? "<invalid>")
        default: return .null
        }
    }
}

/// The JSONPath subset CRD columns use (client-go's `util/jsonpath`): `.field`, `['field']`,
/// `[n]`, `[*]`, and filters `[?(@.path == "value")]` (also `!=`, and `[?(@.path)]` for a
/// member that is there).
struct JSONPath: Sendable, Equatable {
    enum Step: Sendable, Equatable {
        case member(String)
        case index(Int)
        case all
        case filter(path: [String], comparison: String?, literal: JSONValue?)
    }

    let steps: [Step]?

    init(_ text: String) {
        var text = Substring(text.trimmingCharacters(in: CharacterSet(charactersIn: "{}")))
        var steps: [Step] = []
        while !text.isEmpty {
            if text.hasPrefix(".") {
                text = text.dropFirst()
                let name = text.prefix { $0 != "." && $0 != "[" }
                guard !name.isEmpty else { self.steps = nil; return }
                steps.append(name == "*" ? .all : .member(String(name)))
                text = text.dropFirst(name.count)
            } else if text.hasPrefix("[") {
                guard let close = Self.closingBracket(in: text) else { self.steps = nil; return }
                let inside = text[text.index(after: text.startIndex)..<close].trimmingCharacters(in: .whitespaces)
                text = text[text.index(after: close)...]
                if inside == "*" {
                    steps.append(.all)
                } else if let index = Int(inside) {
                    steps.append(.index(index))
                } else if inside.count >= 2, let quote = inside.first, quote == "'" || quote == "\"", inside.last == quote {
                    steps.append(.member(String(inside.dropFirst().dropLast())))
                } else if inside.hasPrefix("?(") && inside.hasSuffix(")"), let filter = Self.filter(String(inside.dropFirst(2).dropLast())) {
                    steps.append(filter)
                } else {
                    self.steps = nil
                    return
                }
            } else {
                self.steps = nil
                return
            }
        }
        self.steps = steps
    }

    /// The first value the path finds in `root`, in document order.
    func first(in root: JSONValue) -> JSONValue? {
        guard let steps else { return nil }
        var values = [root]
        for step in steps {
            values = values.flatMap { Self.apply(step, to: $0) }
            if values.isEmpty { return nil }
        }
        return values.first
    }

    static func apply(_ step: Step, to value: JSONValue) -> [JSONValue] {
        switch step {
        case .member(let name):
            return value[name].map { [$0] } ?? []
        case .index(let index):
            guard let array = value.arrayValue else { return [] }
            let position = index < 0 ? array.count + index : index
            return array.indices.contains(position) ? [array[position]] : []
        case .all:
            if let array = value.arrayValue { return array }
            if let object = value.objectValue { return object.map(\.value) }
            return []
        case .filter(let path, let comparison, let literal):
            guard let array = value.arrayValue else { return [] }
            return array.filter { element in
                var found: JSONValue? = element
                for name in path { found = found?[name] }
                switch comparison {
                case nil: return found != nil
                case "=="?: return found.map { equal($0, literal) } ?? false
                case "!="?: return found.map { !equal($0, literal) } ?? false
                default: return false
                }
            }
        }
    }

    static func equal(_ value: JSONValue, _ literal: JSONValue?) -> Bool {
        switch (value, literal) {
        case (.integer(let a), .number(let b)?): return Double(a) == b
        case (.number(let a), .integer(let b)?): return a == Double(b)
        default: return value == literal
        }
    }

    /// `@.a.b == "x"`, `@.a != 3`, or `@.a`.
    static func filter(_ text: String) -> Step? {
        let parts = text.components(separatedBy: "==").count == 2 ? (text.components(separatedBy: "=="), "==")
            : text.components(separatedBy: "!=").count == 2 ? (text.components(separatedBy: "!="), "!=") : ([text], nil)
        let left = parts.0[0].trimmingCharacters(in: .whitespaces)
        guard left.hasPrefix("@") else { return nil }
        let path = left.dropFirst().split(separator: ".").map(String.init)
        guard let comparison = parts.1 else { return .filter(path: path, comparison: nil, literal: nil) }
        let right = parts.0[1].trimmingCharacters(in: .whitespaces)
        let literal: JSONValue
        if right.count >= 2, let quote = right.first, quote == "'" || quote == "\"", right.last == quote {
            literal = .string(String(right.dropFirst().dropLast()))
        } else if let integer = Int64(right) {
            literal = .integer(integer)
        } else if let number = Double(right) {
            literal = .number(number)
        } else if right == "true" || right == "false" {
            literal = .bool(right == "true")
        } else {
            return nil
        }
        return .filter(path: path, comparison: comparison, literal: literal)
    }

    /// The `]` that closes the bracket `text` starts with, past quoted text.
    static func closingBracket(in text: Substring) -> Substring.Index? {
        var quote: Character?
        var index = text.index(after: text.startIndex)
        while index < text.endIndex {
            let character = text[index]
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "'" || character == "\"" {
                quote = character
            } else if character == "]" {
                return index
            }
            index = text.index(after: index)
        }
        return nil
    }
}
