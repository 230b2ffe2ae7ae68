import CLua

/// A Lua 5.4 state with the standard libraries and the KubeScript host installed.
///
/// Every call into Lua goes through `lua_pcall` with a message handler that records a
/// traceback; failures surface as `LuaError`. Stack indices follow the C API. A state belongs to
/// one thread at a time.
public final class LuaState {
    /// The underlying `lua_State *`.
    public let L: OpaquePointer
    private var registeredTypes: Set<ObjectIdentifier> = []

    public init() throws(LuaError) {
        guard let L = ks_newstate(luaDispatch, luaRelease) else { throw LuaError("cannot create a Lua state") }
        self.L = L
        ks_setowner(L, Unmanaged.passUnretained(self).toOpaque())
    }

    deinit {
        ks_close(L)
    }

    // MARK: The stack

    /// The index of the top of the stack (the number of values on it).
    public var top: Int32 { lua_gettop(L) }

    /// Sets the top of the stack, popping or pushing nils.
    public func setTop(_ index: Int32) { lua_settop(L, index) }

    /// Pops `n` values.
    public func pop(_ n: Int32 = 1) { ks_pop(L, n) }

    /// Bytes of memory the state uses, as `collectgarbage("count")` reports them.
    public var memoryInUse: Int { Int(ks_gccount(L)) }

    /// Runs a full garbage collection cycle.
    public func collectGarbage() { ks_gccollect(L) }

    func ensureStack(_ n: Int32) throws(LuaError) {
        guard lua_checkstack(L, n) != 0 else { throw LuaError("Lua stack overflow") }
    }

    // MARK: Loading and calling

    /// Compiles `code` and pushes it as a function. `chunkName` follows Lua's rules:
    /// `"@deploy.lua"` names a file (errors say `deploy.lua:12:`), `"=name"` is used as is.
    /// Only text chunks load: precompiled bytecode is refused.
    public func load(_ code: String, chunkName: String) throws(LuaError) {
        try ensureStack(1)
        var code = code
        let status = code.withUTF8 { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                luaL_loadbufferx(L, chars.baseAddress, chars.count, chunkName, "t")
            }
        }
        if status != LUA_OK { throw popError() }
    }

    /// Compiles the file at `path` (a first line starting with `#` is skipped) and pushes it.
    public func loadFile(_ path: String) throws(LuaError) {
        try ensureStack(1)
        if ks_ploadfile(L, path) != LUA_OK { throw popError() }
    }

    /// Calls the function below the top `arguments` values, leaving `results` values
    /// (`nil` for all of them).
    public func call(arguments: Int32 = 0, results: Int32? = nil) throws(LuaError) {
        if ks_pcall(L, arguments, results ?? LUA_MULTRET) != LUA_OK { throw popError() }
    }

    /// Runs `code` and returns what it returns, read as data.
    public func execute(_ code: String, chunkName: String = "=(execute)") throws(LuaError) -> [LuaValue] {
        let base = top
        defer { setTop(base) }
        try load(code, chunkName: chunkName)
        try call()
        var values: [LuaValue] = []
        var index = base + 1
        while index <= top {
            values.append(try value(at: index))
            index += 1
        }
        return values
    }

    /// Pops the error value a failed call left and turns it into a `LuaError`.
    func popError() -> LuaError {
        defer { pop() }
        var tracebackLength = 0
        let traceback = ks_lasttraceback(L, &tracebackLength).map {
            String(decoding: UnsafeRawBufferPointer(start: $0, count: tracebackLength), as: UTF8.self)
        }
        if lua_type(L, -1) == LUA_TSTRING {
            return LuaError(string(at: -1), traceback: traceback)
        }
        let value = lua_type(L, -1) == LUA_TTABLE ? try? self.value(at: -1) : nil
        var message = "(error object is a \(String(cString: lua_typename(L, lua_type(L, -1)))) value)"
        if ks_ptostring(L, -1) == LUA_OK {
            message = string(at: -1)
        }
        pop()
        return LuaError(message, traceback: traceback, value: value)
    }

    /// The string at `index`, which must be a string (numbers are not converted).
    func string(at index: Int32) -> String {
        guard lua_type(L, index) == LUA_TSTRING else { return "" }
        var len = 0
        let p = lua_tolstring(L, index, &len)
        return String(decoding: UnsafeRawBufferPointer(start: p, count: len), as: UTF8.self)
    }

    // MARK: Values

    /// Lends a tape from the state's pool for the duration of `body`.
    func withTape<R>(_ body: (UnsafeMutablePointer<ks_tape>) throws(LuaError) -> R) throws(LuaError) -> R {
        guard let tape = ks_tape_acquire(L) else { throw LuaError.outOfMemory }
        defer { ks_tape_release(L, tape) }
        return try body(tape)
    }

    /// Pushes every value of a tape; returns how many.
    @discardableResult
    func push(tape: UnsafeMutablePointer<ks_tape>) throws(LuaError) -> Int32 {
        var count: Int32 = 0
        if ks_ppushtape(L, tape, &count) != LUA_OK {
            LuaTapeWriter(tape).discard()
            throw popError()
        }
        return count
    }

    /// Reads the value at `index` into a tape (object keys sorted when `sortKeys`).
    func read(at index: Int32, into tape: UnsafeMutablePointer<ks_tape>, sortKeys: Bool = false) throws(LuaError) {
        var message = [CChar](repeating: 0, count: 512)
        let ok = message.withUnsafeMutableBufferPointer { buffer in
            ks_readvalue(L, index, tape, sortKeys ? KS_READ_SORTKEYS : 0, buffer.baseAddress, buffer.count)
        }
        if ok == 0 { throw LuaError(Self.text(of: message)) }
    }

    /// Encodes the value at `index` as JSON text appended to `tape`'s scratch buffer.
    func encodeJSON(at index: Int32, into tape: UnsafeMutablePointer<ks_tape>, indent: Int) throws(LuaError) -> (offset: Int, count: Int) {
        var message = [CChar](repeating: 0, count: 512)
        var offset = 0, count = 0
        let ok = message.withUnsafeMutableBufferPointer { buffer in
            ks_encodejson(L, index, tape, Int32(clamping: indent), &offset, &count, buffer.baseAddress, buffer.count)
        }
        if ok == 0 { throw LuaError(Self.text(of: message)) }
        return (offset, count)
    }

    static func text(of message: [CChar]) -> String {
        String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The value at `index`, read as data with the value bridge's rules.
    public func value(at index: Int32) throws(LuaError) -> LuaValue {
        try withTape { tape throws(LuaError) in
            try read(at: index, into: tape)
            var position = 0
            return try LuaValue(tape: tape, index: &position)
        }
    }

    /// Pushes a value.
    public func push(_ value: LuaValue) throws(LuaError) {
        try withTape { tape throws(LuaError) in
            var writer = LuaTapeWriter(tape)
            try value.write(to: &writer)
            try push(tape: tape)
        }
    }

    /// Pushes a Swift function as a Lua function.
    public func push(_ function: LuaFunction) throws(LuaError) {
        try withTape { tape throws(LuaError) in
            try LuaTapeWriter(tape).append(function: function)
            try push(tape: tape)
        }
    }

    /// Pushes a Swift object as userdata of its registered type.
    public func push<T: LuaObject>(object: T) throws(LuaError) {
        try register(T.self)
        try withTape { tape throws(LuaError) in
            try LuaTapeWriter(tape).append(object: object)
            try push(tape: tape)
        }
    }

    /// Pops the top value into the global `name`.
    public func setGlobal(_ name: String) throws(LuaError) {
        try ensureStack(1)
        ks_pushglobaltable(L)
        ks_insert(L, -2)
        defer { pop() }
        if ks_psetfield(L, -2, name) != LUA_OK { throw popError() }
    }

    /// Pushes the global `name`.
    public func getGlobal(_ name: String) throws(LuaError) {
        try ensureStack(2)
        ks_pushglobaltable(L)
        let status = ks_pgetfield(L, -1, name)
        ks_remove(L, -2)
        if status != LUA_OK { throw popError() }
    }

    /// Pushes the field `key` of the table at `index` (metamethods apply).
    public func getField(_ key: String, in index: Int32) throws(LuaError) {
        try ensureStack(1)
        if ks_pgetfield(L, index, key) != LUA_OK { throw popError() }
    }

    /// Pops the top value into the field `key` of the table at `index`.
    public func setField(_ key: String, in index: Int32) throws(LuaError) {
        if ks_psetfield(L, index, key) != LUA_OK { throw popError() }
    }

    /// Pops the top value and returns a reference that keeps it alive.
    public func ref() throws(LuaError) -> LuaRef {
        var ref: Int32 = 0
        if ks_pref(L, &ref) != LUA_OK { throw popError() }
        return LuaRef(state: self, ref: ref)
    }

    /// Creates the metatable for `T`'s userdata, with its methods. Does nothing the second time.
    public func register<T: LuaObject>(_ type: T.Type) throws(LuaError) {
        guard !registeredTypes.contains(ObjectIdentifier(type)) else { return }
        let base = top
        defer { setTop(base) }
        if ks_pnewtype(L, T.luaTypeKey, T.luaTypeName) != LUA_OK { throw popError() }
        for method in T.luaMethods {
            try push(method)
            try setField(method.name, in: base + 1)
        }
        registeredTypes.insert(ObjectIdentifier(type))
    }
}
