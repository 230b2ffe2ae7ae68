import Yams

/// YAML text → values, through Yams (libyaml), read as Kubernetes reads YAML (go-yaml v2, YAML
/// 1.1): `true`/`yes`/`on` are booleans, `0x1F` and `0755` integers, `~` and empty values null,
/// timestamps and base-60 numbers (`1:20`) stay strings; mapping keys become strings and `<<`
/// merge keys are applied. The values go to a `JSONSink`, as the JSON parser's do, so that the
/// same reader builds `JSONValue`s (kubeconfigs, request bodies) and Lua tables.
public enum YAMLReader {
    /// Reads the documents of `text` into `sink`, one top-level value each, and returns how many;
    /// with `single`, exactly one must be there. Empty documents are skipped. Containers nest no
    /// deeper than `maxDepth`; aliases may not expand the text more than 64 times.
    @discardableResult
    public static func read<Sink: JSONSink>(_ text: String, into sink: inout Sink, single: Bool, maxDepth: Int = 1000) throws(JSONError) -> Int {
        var documents = 0
        do {
            var sequence = try Yams.compose_all(yaml: text)
            var budget = 64 * text.utf8.count + 100_000
            while let node = sequence.next() {
                if case .scalar(let s) = node, node.tag.description == Tag.Name.null.rawValue, s.string.isEmpty { continue }
                documents += 1
                if single && documents > 1 { throw JSONError("expected one YAML document, found more") }
                try write(node, to: &sink, depth: 0, maxDepth: maxDepth, budget: &budget)
            }
            if let error = sequence.error { throw error }
        } catch let error as JSONError {
            throw error
        } catch {
            throw JSONError("invalid YAML: \(describe(error))")
        }
        if single && documents == 0 { throw JSONError("expected one YAML document, found none") }
        return documents
    }

    /// The documents of `text` as values.
    public static func values(_ text: String) throws(JSONError) -> [JSONValue] {
        var builder = JSONValueBuilder()
        try read(text, into: &builder, single: false)
        return builder.results
    }

    /// The one document of `text` as a value.
    public static func value(_ text: String) throws(JSONError) -> JSONValue {
        var builder = JSONValueBuilder()
        try read(text, into: &builder, single: true)
        return builder.results.first ?? .null
    }

    /// Yams' description of a parse error, which names the line and column, in one line.
    static func describe(_ error: Error) -> String {
        if let yaml = error as? YamlError {
            switch yaml {
            case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
                return "\(problem) at line \(mark.line), column \(mark.column)"
            default:
                break
            }
        }
        return String(describing: error).split(separator: "\n").first.map(String.init) ?? "unknown error"
    }

    static func write<Sink: JSONSink>(_ node: Node, to sink: inout Sink, depth: Int, maxDepth: Int, budget: inout Int) throws(JSONError) {
        guard depth < maxDepth else { throw JSONError("invalid YAML: nested deeper than \(maxDepth) levels") }
        budget -= 1
        guard budget > 0 else { throw JSONError("invalid YAML: the document expands too much (aliases)") }
        try sink.willRead()
        switch node {
        case .scalar(let scalar):
            try write(scalar, tag: node.tag.description, to: &sink)
        case .sequence(let sequence):
            try sink.beginArray()
            for item in sequence { try write(item, to: &sink, depth: depth + 1, maxDepth: maxDepth, budget: &budget) }
            try sink.endArray(count: sequence.count)
        case .mapping(let mapping):
            let pairs = try merged(mapping, depth: depth, maxDepth: maxDepth, budget: &budget)
            try sink.beginObject()
            for (key, value) in pairs {
                try sink.willRead()
                try string(key, to: &sink)
                try write(value, to: &sink, depth: depth + 1, maxDepth: maxDepth, budget: &budget)
            }
            try sink.endObject(count: pairs.count)
        case .alias:
            throw JSONError("invalid YAML: unresolved alias")
        }
    }

    /// The pairs of a mapping with `<<` merge keys applied: explicit keys win over merged ones,
    /// and earlier merged mappings over later ones. Merging counts against the same budget as
    /// values, and nests no deeper than values may.
    static func merged(_ mapping: Node.Mapping, depth: Int, maxDepth: Int, budget: inout Int) throws(JSONError) -> [(String, Node)] {
        guard depth < maxDepth else { throw JSONError("invalid YAML: merges nested deeper than \(maxDepth) levels") }
        budget -= mapping.count
        guard budget > 0 else { throw JSONError("invalid YAML: the document expands too much (aliases)") }
        var explicit: [(String, Node)] = []
        var merges: [Node.Mapping] = []
        for (key, value) in mapping {
            guard case .scalar(let k) = key else { throw JSONError("invalid YAML: a mapping key must be a scalar") }
            if key.tag.description == Tag.Name.merge.rawValue {
                switch value {
                case .mapping(let m): merges.append(m)
                case .sequence(let s):
                    for item in s {
                        guard case .mapping(let m) = item else { throw JSONError("invalid YAML: '<<' takes mappings") }
                        merges.append(m)
                    }
                default: throw JSONError("invalid YAML: '<<' takes mappings")
                }
            } else {
                explicit.append((k.string, value))
            }
        }
        guard !merges.isEmpty else { return explicit }
        var seen = Set(explicit.map(\.0))
        for m in merges {
            for (key, value) in try merged(m, depth: depth + 1, maxDepth: maxDepth, budget: &budget) where !seen.contains(key) {
                seen.insert(key)
                explicit.append((key, value))
            }
        }
        return explicit
    }

    /// Writes a scalar by its resolved tag (Yams resolves implicit tags on `Node.tag`).
    static func write<Sink: JSONSink>(_ scalar: Node.Scalar, tag: String, to sink: inout Sink) throws(JSONError) {
        let sexagesimal = (tag == Tag.Name.int.rawValue || tag == Tag.Name.float.rawValue) && scalar.string.contains(":")
        switch sexagesimal ? Tag.Name.str.rawValue : tag {
        case Tag.Name.null.rawValue:
            try sink.null()
        case Tag.Name.bool.rawValue:
            if let b = Bool.construct(from: scalar) { try sink.bool(b) } else { try string(scalar.string, to: &sink) }
        case Tag.Name.int.rawValue:
            if let i = Int64.construct(from: scalar) {
                try sink.integer(i)
            } else if let d = Double.construct(from: scalar) {
                try sink.number(d)
            } else {
                try string(scalar.string, to: &sink)
            }
        case Tag.Name.float.rawValue:
            if let d = Double.construct(from: scalar) { try sink.number(d) } else { try string(scalar.string, to: &sink) }
        default:
            try string(scalar.string, to: &sink)
        }
    }

    static func string<Sink: JSONSink>(_ text: String, to sink: inout Sink) throws(JSONError) {
        let bytes = Array(text.utf8)
        let result: Result<Void, JSONError> = bytes.withUnsafeBytes { buffer in
            Result { () throws(JSONError) in try sink.string(buffer, borrowed: false) }
        }
        try result.get()
    }
}
