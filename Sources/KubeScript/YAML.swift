import CLua
import KubeAPI
import Yams

/// Lua values → YAML text, through Yams (libyaml): keys in byte order (as kubectl writes them),
/// block style, multi-line strings as literal blocks, and strings quoted that would otherwise
/// read back as another type (by the reader's go-yaml v2 rules). Decoding is `LuaStack.pushYAML`,
/// on `KubeAPI.YAMLReader`.
public enum YAML {
    /// Yams' description of an encoding error, in one line.
    static func describe(_ error: Error) -> String {
        String(describing: error).split(separator: "\n").first.map(String.init) ?? "unknown error"
    }

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
            // Yams quotes what its own resolver reads as another type; go-yaml's reads more (`y`, `n`)
            if !YAMLReader.readsAsString(s) { return .scalar(.init(s, Tag(.str), .singleQuoted)) }
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
