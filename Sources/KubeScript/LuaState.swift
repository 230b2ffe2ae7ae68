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
    public var memoryInUse: Int { Int(clamping: ks_gccount(L)) }

    /// Runs a full garbage collection cycle.
    public func collectGarbage() { ks_gccollect(L) }

    func ensureStack(_ n: Int32) throws(LuaError) { try stack.ensure(n) }

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
        if status != LUA_OK { throw popError() }  // lua_load always leaves its message
    }

    /// Compiles the file at `path` (a first line starting with `#` is skipped) and pushes it.
    public func loadFile(_ path: String) throws(LuaError) {
        try ensureStack(1)
        try stack.check(ks_ploadfile(L, path))
    }

    /// Calls the function below the top `arguments` values, leaving `results` values
    /// (`nil` for all of them).
    public func call(arguments: Int32 = 0, results: Int32? = nil) throws(LuaError) {
        try stack.check(ks_pcall(L, arguments, results ?? LUA_MULTRET))
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

    /// The main thread's stack.
    public var stack: LuaStack { LuaStack(L: L) }

    func popError() -> LuaError { stack.popError() }

    func string(at index: Int32) -> String { stack.string(at: index) }

    func withTape<R>(_ body: (UnsafeMutablePointer<ks_tape>) throws(LuaError) -> R) throws(LuaError) -> R {
        try stack.withTape(body)
    }

    @discardableResult
    func push(tape: UnsafeMutablePointer<ks_tape>) throws(LuaError) -> Int32 { try stack.push(tape: tape) }

    func read(at index: Int32, into tape: UnsafeMutablePointer<ks_tape>, sortKeys: Bool = false) throws(LuaError) {
        try stack.read(at: index, into: tape, sortKeys: sortKeys)
    }

    /// The value at `index`, read as data with the value bridge's rules.
    public func value(at index: Int32) throws(LuaError) -> LuaValue { try stack.value(at: index) }

    /// Pushes a value.
    public func push(_ value: LuaValue) throws(LuaError) { try stack.push(value) }

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
        try stack.check(ks_psetfield(L, -2, name))
    }

    /// Pushes the global `name`.
    public func getGlobal(_ name: String) throws(LuaError) {
        try ensureStack(2)
        ks_pushglobaltable(L)
        let status = ks_pgetfield(L, -1, name)
        if status != KS_ERRSTACK { ks_remove(L, -2) } else { pop() }
        try stack.check(status)
    }

    /// Pushes the field `key` of the table at `index` (metamethods apply).
    public func getField(_ key: String, in index: Int32) throws(LuaError) {
        try ensureStack(1)
        try stack.check(ks_pgetfield(L, index, key))
    }

    /// Pops the top value into the field `key` of the table at `index`.
    public func setField(_ key: String, in index: Int32) throws(LuaError) {
        try stack.check(ks_psetfield(L, index, key))
    }

    /// Pops the top value and returns a reference that keeps it alive.
    public func ref() throws(LuaError) -> LuaRef {
        var ref: Int32 = 0
        try stack.check(ks_pref(L, &ref))
        return LuaRef(state: self, ref: ref)
    }

    /// Creates the metatable for `T`'s userdata, with its methods. Does nothing the second time.
    public func register<T: LuaObject>(_ type: T.Type) throws(LuaError) {
        guard !registeredTypes.contains(ObjectIdentifier(type)) else { return }
        let base = top
        defer { setTop(base) }
        try stack.check(ks_pnewtype(L, T.luaTypeKey, T.luaTypeName))
        for method in T.luaMethods {
            try push(method)
            try setField(method.name, in: base + 1)
        }
        registeredTypes.insert(ObjectIdentifier(type))
    }
}
