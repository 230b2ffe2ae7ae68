import CLua
import Yams

/// YAML text ⇄ tape, through Yams (libyaml).
///
/// Decoding resolves plain scalars as Kubernetes' YAML reader (go-yaml v2, YAML 1.1) does:
/// `true`/`yes`/`on` are booleans, `0x1F` and `0755` integers, `~` and empty values null, and
/// timestamps stay strings. Mapping keys become strings; `<<` merge keys are applied.
/// Encoding writes keys in byte order (as kubectl does), block style, multi-line strings as
/// literal blocks, and quotes strings that would otherwise read back as another type.
public enum YAML {
    /// Decodes the documents of `text`; with `single`, exactly one must be there. Writes one value
    /// per document and returns how many. Empty documents are skipped.
    static func decode(_ text: String, into writer: LuaTapeWriter, single: Bool) throws(LuaError) -> Int {
        var documents = 0
        do {
            var sequence = try Yams.compose_all(yaml: text)
            // Aliases can make a small text expand enormously; bound the values written.
            let budget = 64 * text.utf8.count + 100_000
            while let node = sequence.next() {
                if case .scalar(let s) = node, node.tag.description == Tag.Name.null.rawValue, s.string.isEmpty { continue }
                documents += 1
                if single && documents > 1 {
                    throw LuaError("expected one YAML document, found more (use k8s.yaml.decodeAll)")
                }
                try write(node, to: writer, depth: 0, budget: budget)
            }
            if let error = sequence.error { throw error }
        } catch let error as LuaError {
            throw error
        } catch {
            throw LuaError("invalid YAML: \(describe(error))")
        }
        if single && documents == 0 { throw LuaError("expected one YAML document, found none") }
        return documents
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

    static func write(_ node: Node, to writer: LuaTapeWriter, depth: Int, budget: Int) throws(LuaError) {
        guard depth < KS_MAX_DEPTH else { throw LuaError("invalid YAML: nested deeper than \(KS_MAX_DEPTH) levels") }
        guard writer.count < budget else { throw LuaError("invalid YAML: the document expands too much (aliases)") }
        switch node {
        case .scalar(let scalar):
            try write(scalar, tag: node.tag.description, to: writer)
        case .sequence(let sequence):
            try writer.beginArray(count: sequence.count)
            for item in sequence { try write(item, to: writer, depth: depth + 1, budget: budget) }
            try writer.end()
        case .mapping(let mapping):
            var work = budget - writer.count
            let pairs = try merged(mapping, depth: depth, work: &work)
            try writer.beginObject(count: pairs.count)
            for (key, value) in pairs {
                try writer.append(string: key)
                try write(value, to: writer, depth: depth + 1, budget: budget)
            }
            try writer.end()
        case .alias:
            throw LuaError("invalid YAML: unresolved alias")
        }
    }

    /// The pairs of a mapping with `<<` merge keys applied: explicit keys win over merged ones,
    /// and earlier merged mappings over later ones. Merging counts against the same budget as
    /// values, and nests no deeper than values may.
    static func merged(_ mapping: Node.Mapping, depth: Int, work: inout Int) throws(LuaError) -> [(String, Node)] {
        guard depth < KS_MAX_DEPTH else { throw LuaError("invalid YAML: merges nested deeper than \(KS_MAX_DEPTH) levels") }
        work -= mapping.count
        guard work > 0 else { throw LuaError("invalid YAML: the document expands too much (aliases)") }
        var explicit: [(String, Node)] = []
        var merges: [Node.Mapping] = []
        for (key, value) in mapping {
            guard case .scalar(let k) = key else { throw LuaError("invalid YAML: a mapping key must be a scalar") }
            if key.tag.description == Tag.Name.merge.rawValue {
                switch value {
                case .mapping(let m): merges.append(m)
                case .sequence(let s):
                    for item in s {
                        guard case .mapping(let m) = item else { throw LuaError("invalid YAML: '<<' takes mappings") }
                        merges.append(m)
                    }
                default: throw LuaError("invalid YAML: '<<' takes mappings")
                }
            } else {
                explicit.append((k.string, value))
            }
        }
        guard !merges.isEmpty else { return explicit }
        var seen = Set(explicit.map(\.0))
        for m in merges {
            for (key, value) in try merged(m, depth: depth + 1, work: &work) where !seen.contains(key) {
                seen.insert(key)
                explicit.append((key, value))
            }
        }
        return explicit
    }

    /// Writes a scalar by its resolved tag (Yams resolves implicit tags on `Node.tag`). YAML 1.1's
    /// base-60 numbers (`1:20`) are strings, as go-yaml v2 reads them.
    static func write(_ scalar: Node.Scalar, tag: String, to writer: LuaTapeWriter) throws(LuaError) {
        let sexagesimal = (tag == Tag.Name.int.rawValue || tag == Tag.Name.float.rawValue) && scalar.string.contains(":")
        switch sexagesimal ? Tag.Name.str.rawValue : tag {
        case Tag.Name.null.rawValue:
            try writer.appendNull()
        case Tag.Name.bool.rawValue:
            if let b = Bool.construct(from: scalar) { try writer.append(b) } else { try writer.append(string: scalar.string) }
        case Tag.Name.int.rawValue:
            if let i = Int64.construct(from: scalar) {
                try writer.append(integer: i)
            } else if let d = Double.construct(from: scalar) {
                try writer.append(number: d)
            } else {
                try writer.append(string: scalar.string)
            }
        case Tag.Name.float.rawValue:
            if let d = Double.construct(from: scalar) { try writer.append(number: d) } else { try writer.append(string: scalar.string) }
        default:
            try writer.append(string: scalar.string)
        }
    }

    // MARK: Encoding

    /// Encodes the value of `input` as one YAML document or, with `all`, its elements as
    /// documents (`---` between them); `nil` when `all` is given something that is not a list.
    static func encode(_ input: UnsafePointer<ks_tape>, all: Bool) throws(LuaError) -> String? {
        var index = 0
        var nodes: [Node] = []
        if all {
            guard input.pointee.count > 0, input.pointee.slots[0].kind == KS_ARRAY.rawValue
                    || (input.pointee.slots[0].kind == KS_OBJECT.rawValue && input.pointee.count == 2) else { return nil }
            index = 1
            while !LuaTapeReader.atEnd(input, &index) { nodes.append(try node(input, &index)) }
        } else {
            nodes.append(try node(input, &index))
        }
        do {
            return try Yams.serialize(nodes: nodes, indent: 2, width: -1, allowUnicode: true)
        } catch {
            throw LuaError("cannot encode as YAML: \(describe(error))")
        }
    }

    static func node(_ input: UnsafePointer<ks_tape>, _ index: inout Int) throws(LuaError) -> Node {
        guard index < input.pointee.count else { throw LuaError("truncated value tape") }
        let slot = input.pointee.slots[index]
        index += 1
        switch ks_kind(rawValue: slot.kind) {
        case KS_NIL, KS_NULL: return Node("null", Tag(.null))
        case KS_FALSE: return Node("false", Tag(.bool))
        case KS_TRUE: return Node("true", Tag(.bool))
        case KS_INTEGER: return Node(String(slot.v.i), Tag(.int))
        case KS_FLOAT: return Node(slot.v.d.description, Tag(.float))  // finite: the reader refuses NaN and inf
        case KS_STRING, KS_SCRATCH_STRING:
            let bytes = LuaTapeReader.bytes(of: slot, in: input)
            guard let s = String(validating: bytes, as: UTF8.self) else {
                throw LuaError("cannot encode a string that is not valid UTF-8 as YAML")
            }
            if s.contains("\n") { return .scalar(.init(s, Tag(.str), .literal)) }
            return .scalar(s.represented())
        case KS_ARRAY:
            var items: [Node] = []
            items.reserveCapacity(slot.n.len)
            while !LuaTapeReader.atEnd(input, &index) { items.append(try node(input, &index)) }
            return .sequence(.init(items))
        case KS_OBJECT:
            var pairs: [(Node, Node)] = []
            pairs.reserveCapacity(slot.n.len)
            while !LuaTapeReader.atEnd(input, &index) {
                let key = try node(input, &index)
                pairs.append((key, try node(input, &index)))
            }
            return .mapping(.init(pairs))
        default:
            throw LuaError("cannot encode a Lua function or object as YAML")
        }
    }
}
