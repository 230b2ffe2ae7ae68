import CLua

/// One call of a `LuaFunction`: its arguments (stack indices from 1) and its results.
///
/// The accessors use only API functions that never raise; a wrong argument throws a
/// `LuaError` worded as Lua's own argument errors (`bad argument #n to 'name' (...)`), which the
/// C trampoline raises once the Swift frames have returned.
public struct LuaCall {
    let L: OpaquePointer
    let function: LuaFunction
    /// Where the function writes its results, in order.
    public var results: LuaTapeWriter

    init(L: OpaquePointer, function: LuaFunction, results: LuaTapeWriter) {
        self.L = L
        self.function = function
        self.results = results
    }

    /// The state the call runs in.
    public var state: LuaState { Unmanaged<LuaState>.fromOpaque(ks_owner(L)).takeUnretainedValue() }

    /// The stack of the thread that made the call (a coroutine's, when a coroutine called).
    public var stack: LuaStack { LuaStack(L: L) }

    /// How many arguments were passed.
    public var argumentCount: Int32 { lua_gettop(L) }

    /// The Lua type name of argument `i` (`"no value"` past the last).
    public func typeName(_ i: Int32) -> String {
        let t = i <= lua_gettop(L) ? lua_type(L, i) : LUA_TNONE
        return t == LUA_TNONE ? "no value" : String(cString: lua_typename(L, t))
    }

    /// Whether argument `i` is absent or nil.
    public func isNone(_ i: Int32) -> Bool { i > lua_gettop(L) || lua_type(L, i) == LUA_TNIL }

    /// An error for argument `i`, worded as Lua's own argument errors.
    public func argumentError(_ i: Int32, _ message: String) -> LuaError {
        LuaError("bad argument #\(i) to '\(function.name)' (\(message))")
    }

    func typeError(_ i: Int32, _ expected: String) -> LuaError {
        argumentError(i, "\(expected) expected, got \(typeName(i))")
    }

    /// The bytes of string argument `i`, valid until the call returns. Numbers are not converted.
    public func bytes(_ i: Int32) throws(LuaError) -> UnsafeRawBufferPointer {
        guard i <= lua_gettop(L), lua_type(L, i) == LUA_TSTRING else { throw typeError(i, "string") }
        var len = 0
        let p = lua_tolstring(L, i, &len)
        return UnsafeRawBufferPointer(start: p, count: len)
    }

    /// String argument `i`.
    public func string(_ i: Int32) throws(LuaError) -> String {
        String(decoding: try bytes(i), as: UTF8.self)
    }

    /// Argument `i` as JSON text: a string as it is, any other value encoded with
    /// `k8s.json.encode`'s rules (the C encoder; `k8s.null`, `k8s.array`, integers kept).
    public func json(_ i: Int32) throws(LuaError) -> [UInt8] {
        if i <= lua_gettop(L), lua_type(L, i) == LUA_TSTRING { return Array(try bytes(i)) }
        if i > lua_gettop(L) { throw typeError(i, "value") }
        let stack = self.stack
        return try stack.withTape { tape throws(LuaError) in
            let text = try stack.encodeJSON(at: i, into: tape, indent: 0)
            guard let scratch = tape.pointee.scratch else { return [] }
            return Array(UnsafeRawBufferPointer(start: scratch + text.offset, count: text.count))
        }
    }

    /// Number argument `i` (an integer or a float).
    public func number(_ i: Int32) throws(LuaError) -> Double {
        guard i <= lua_gettop(L), lua_type(L, i) == LUA_TNUMBER else { throw typeError(i, "number") }
        return lua_tonumberx(L, i, nil)
    }

    /// Integer argument `i`; a float with an integral value is accepted, as Lua does.
    public func integer(_ i: Int32) throws(LuaError) -> Int64 {
        guard i <= lua_gettop(L), lua_type(L, i) == LUA_TNUMBER else { throw typeError(i, "number") }
        var ok: Int32 = 0
        let v = lua_tointegerx(L, i, &ok)
        guard ok != 0 else { throw argumentError(i, "number has no integer representation") }
        return v
    }

    /// Argument `i` as data (`LuaValue`), read with the value bridge's rules.
    public func value(_ i: Int32) throws(LuaError) -> LuaValue {
        try stack.value(at: i)
    }

    /// Optional table argument `i` as an object's fields (absent or nil gives an empty one).
    public func options(_ i: Int32) throws(LuaError) -> [String: LuaValue] {
        if isNone(i) { return [:] }
        guard lua_type(L, i) == LUA_TTABLE else { throw typeError(i, "table") }
        switch try value(i) {
        case .object(let fields): return fields
        case .array(let items) where items.isEmpty: return [:]
        default: throw argumentError(i, "options must be a table with string keys")
        }
    }

    /// The Swift object of type `T` that argument `i` holds.
    public func object<T: LuaObject>(_ i: Int32, as type: T.Type = T.self) throws(LuaError) -> T {
        guard i <= lua_gettop(L), let box = ks_tobox(L, i, T.luaTypeKey),
              let object = Unmanaged<AnyObject>.fromOpaque(box).takeUnretainedValue() as? T
        else { throw typeError(i, T.luaTypeName) }
        return object
    }
}
