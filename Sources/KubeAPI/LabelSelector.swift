/// A label selector as the API takes it in `labelSelector=`: requirements separated by commas,
/// each `key=value`, `key==value`, `key!=value`, `key in (a,b)`, `key notin (a,b)`, `key` (exists)
/// or `!key` (does not exist). As apimachinery's labels package, `key!=value` and `notin` also
/// match objects without the key.
public struct LabelSelector: Equatable, Sendable {
    public enum Requirement: Equatable, Sendable {
        case equals(String, String)
        case notEquals(String, String)
        case `in`(String, Set<String>)
        case notIn(String, Set<String>)
        case exists(String)
        case doesNotExist(String)
    }

    public var requirements: [Requirement]

    /// Parses a selector; the empty selector matches everything.
    public init(parsing text: String) throws(SelectorError) {
        var parser = SelectorScanner(text)
        requirements = []
        parser.skipSpaces()
        while !parser.atEnd {
            requirements.append(try parser.requirement())
            parser.skipSpaces()
            if parser.atEnd { break }
            guard parser.take(",") else { throw parser.error("expected ','") }
            parser.skipSpaces()
        }
    }

    /// Whether labels satisfy every requirement.
    public func matches(_ labels: [String: String]) -> Bool {
        requirements.allSatisfy { requirement in
            switch requirement {
            case .equals(let k, let v): return labels[k] == v
            case .notEquals(let k, let v): return labels[k] != v
            case .in(let k, let values): return labels[k].map(values.contains) ?? false
            case .notIn(let k, let values): return !(labels[k].map(values.contains) ?? false)
            case .exists(let k): return labels[k] != nil
            case .doesNotExist(let k): return labels[k] == nil
            }
        }
    }
}

/// A selector that could not be parsed.
public struct SelectorError: Error, CustomStringConvertible, Sendable {
    public var description: String
}

/// Scans selector text (label and field selectors share the lexical rules).
struct SelectorScanner {
    let text: [Character]
    var i = 0

    init(_ text: String) {
        self.text = Array(text)
    }

    var atEnd: Bool { i >= text.count }

    mutating func skipSpaces() {
        while i < text.count && text[i] == " " { i += 1 }
    }

    mutating func take(_ s: String) -> Bool {
        let chars = Array(s)
        guard i + chars.count <= text.count, Array(text[i..<i + chars.count]) == chars else { return false }
        i += chars.count
        return true
    }

    func error(_ problem: String) -> SelectorError {
        SelectorError(description: "unable to parse requirement: \(problem) at position \(i) of '\(String(text))'")
    }

    /// A key or value: everything up to a delimiter.
    mutating func word() -> String {
        let start = i
        while i < text.count && !" ,=!()".contains(text[i]) { i += 1 }
        return String(text[start..<i])
    }

    mutating func requirement() throws(SelectorError) -> LabelSelector.Requirement {
        if take("!") {
            skipSpaces()
            let key = word()
            guard !key.isEmpty else { throw error("expected a key after '!'") }
            return .doesNotExist(key)
        }
        let key = word()
        guard !key.isEmpty else { throw error("expected a key") }
        skipSpaces()
        if take("==") || take("=") {
            skipSpaces()
            return .equals(key, word())
        }
        if take("!=") {
            skipSpaces()
            return .notEquals(key, word())
        }
        if take("in") {
            return .in(key, try set())
        }
        if take("notin") {
            return .notIn(key, try set())
        }
        if atEnd || text[i] == "," { return .exists(key) }
        throw error("unexpected '\(text[i])'")
    }

    mutating func set() throws(SelectorError) -> Set<String> {
        skipSpaces()
        guard take("(") else { throw error("expected '('") }
        var values = Set<String>()
        while true {
            skipSpaces()
            values.insert(word())
            skipSpaces()
            if take(")") { return values }
            guard take(",") else { throw error("expected ',' or ')'") }
        }
    }
}

/// A field selector (`fieldSelector=`): `field=value`, `field==value`, `field!=value`, comma
/// separated, over the fields a resource supports (`metadata.name`, `metadata.namespace`, ...).
public struct FieldSelector: Equatable, Sendable {
    public enum Requirement: Equatable, Sendable {
        case equals(String, String)
        case notEquals(String, String)
    }

    public var requirements: [Requirement]

    public init(parsing text: String) throws(SelectorError) {
        var scanner = SelectorScanner(text)
        requirements = []
        scanner.skipSpaces()
        while !scanner.atEnd {
            let field = scanner.word()
            guard !field.isEmpty else { throw scanner.error("expected a field") }
            if scanner.take("!=") {
                requirements.append(.notEquals(field, scanner.word()))
            } else if scanner.take("==") || scanner.take("=") {
                requirements.append(.equals(field, scanner.word()))
            } else {
                throw SelectorError(description: "invalid selector: '\(text)'; can't understand '\(field)'")
            }
            scanner.skipSpaces()
            if scanner.atEnd { break }
            guard scanner.take(",") else { throw scanner.error("expected ','") }
            scanner.skipSpaces()
        }
    }

    /// The fields the selector names.
    public var fields: [String] {
        requirements.map { requirement in
            switch requirement {
            case .equals(let f, _), .notEquals(let f, _): return f
            }
        }
    }

    /// Whether the object's fields (by name, as `value(field)` gives them) satisfy the selector.
    public func matches(_ value: (String) -> String?) -> Bool {
        requirements.allSatisfy { requirement in
            switch requirement {
            case .equals(let f, let v): return (value(f) ?? "") == v
            case .notEquals(let f, let v): return (value(f) ?? "") != v
            }
        }
    }
}
