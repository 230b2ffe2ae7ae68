import CLua

/// Data that crosses between Swift and Lua by value: what JSON can say, plus Lua's `nil`.
///
/// Lua integers are `.integer` and floats `.number`, as in Lua 5.4; JSON `null` is `.null`
/// (`k8s.null` in Lua). Strings are UTF-8; bytes that are not are repaired when read into Swift.
public enum LuaValue: Equatable, Sendable {
    case `nil`
    case boolean(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case null
    case array([LuaValue])
    case object([String: LuaValue])
}

extension LuaValue {
    /// Writes the value to a tape.
    public func write(to writer: inout LuaTapeWriter) throws(LuaError) {
        switch self {
        case .nil: try writer.appendNil()
        case .boolean(let b): try writer.append(b)
        case .integer(let i): try writer.append(integer: i)
        case .number(let d): try writer.append(number: d)
        case .string(let s): try writer.append(string: s)
        case .null: try writer.appendNull()
        case .array(let items):
            try writer.beginArray(count: items.count)
            for item in items { try item.write(to: &writer) }
            try writer.end()
        case .object(let fields):
            try writer.beginObject(count: fields.count)
            for (key, value) in fields.sorted(by: { $0.key < $1.key }) {
                try writer.append(string: key)
                try value.write(to: &writer)
            }
            try writer.end()
        }
    }

    /// Reads the value that starts at `index` of a tape and advances `index` past it.
    init(tape: UnsafePointer<ks_tape>, index: inout Int) throws(LuaError) {
        guard index < tape.pointee.count else { throw LuaError("truncated value tape") }
        let slot = tape.pointee.slots[index]
        index += 1
        switch ks_kind(rawValue: slot.kind) {
        case KS_NIL: self = .nil
        case KS_FALSE: self = .boolean(false)
        case KS_TRUE: self = .boolean(true)
        case KS_INTEGER: self = .integer(slot.v.i)
        case KS_FLOAT: self = .number(slot.v.d)
        case KS_NULL: self = .null
        case KS_STRING, KS_SCRATCH_STRING:
            self = .string(String(decoding: LuaTapeReader.bytes(of: slot, in: tape), as: UTF8.self))
        case KS_ARRAY:
            var items: [LuaValue] = []
            items.reserveCapacity(slot.n.len)
            while !LuaTapeReader.atEnd(tape, &index) { items.append(try LuaValue(tape: tape, index: &index)) }
            self = .array(items)
        case KS_OBJECT:
            var fields: [String: LuaValue] = [:]
            fields.reserveCapacity(slot.n.len)
            while !LuaTapeReader.atEnd(tape, &index) {
                guard case .string(let key) = try LuaValue(tape: tape, index: &index) else {
                    throw LuaError("malformed value tape (object key is not a string)")
                }
                fields[key] = try LuaValue(tape: tape, index: &index)
            }
            self = .object(fields)
        default:
            throw LuaError("a Lua function or object cannot be read as data")
        }
    }

    /// The value's field `key` when it is an object.
    public subscript(key: String) -> LuaValue? {
        if case .object(let fields) = self { return fields[key] }
        return nil
    }

    /// The string, when the value is one.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }
}

/// Helpers for reading tapes written by the C reader.
enum LuaTapeReader {
    /// Whether the slot at `index` closes a container (or the tape ended); steps past a KS_END.
    static func atEnd(_ tape: UnsafePointer<ks_tape>, _ index: inout Int) -> Bool {
        guard index < tape.pointee.count else { return true }
        guard tape.pointee.slots[index].kind == KS_END.rawValue else { return false }
        index += 1
        return true
    }

    /// The bytes of a string slot.
    static func bytes(of slot: ks_slot, in tape: UnsafePointer<ks_tape>) -> UnsafeRawBufferPointer {
        if slot.kind == KS_SCRATCH_STRING.rawValue {
            return UnsafeRawBufferPointer(start: tape.pointee.scratch + slot.v.offset, count: slot.n.len)
        }
        return UnsafeRawBufferPointer(start: slot.v.s, count: slot.n.len)
    }
}
