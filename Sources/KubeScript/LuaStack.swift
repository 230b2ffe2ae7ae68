import CLua

/// The stack of one Lua thread: the main thread's for `LuaState`, a coroutine's for a Swift
/// function that a coroutine called (`LuaCall.stack`). Values are read from, and pushed to,
/// this thread's stack only.
public struct LuaStack {
    /// The thread (`lua_State *`).
    public let L: OpaquePointer

    /// The index of the top of the stack.
    public var top: Int32 { lua_gettop(L) }

    /// Sets the top of the stack, popping or pushing nils.
    public func setTop(_ index: Int32) { lua_settop(L, index) }

    /// Pops `n` values.
    public func pop(_ n: Int32 = 1) { ks_pop(L, n) }

    func ensure(_ n: Int32) throws(LuaError) {
        guard lua_checkstack(L, n) != 0 else { throw LuaError.stackOverflow }
    }

    /// Turns a helper's status into success or the error it left on the stack (popped).
    func check(_ status: Int32) throws(LuaError) {
        if status == LUA_OK { return }
        if status == KS_ERRSTACK { throw LuaError.stackOverflow }
        throw popError()
    }

    /// Pops the error value a failed call left and turns it into a `LuaError`.
    func popError() -> LuaError {
        defer { pop() }
        var tracebackLength = 0
        let traceback = ks_lasttraceback(L, &tracebackLength).map {
            String(decoding: UnsafeRawBufferPointer(start: $0, count: tracebackLength), as: UTF8.self)
        }
        if traceback != nil { ks_cleartraceback(L) }
        if lua_type(L, -1) == LUA_TSTRING {
            return LuaError(string(at: -1), traceback: traceback)
        }
        let value = lua_type(L, -1) == LUA_TTABLE ? try? self.value(at: -1) : nil
        var message = "(error object is a \(String(cString: lua_typename(L, lua_type(L, -1)))) value)"
        switch ks_ptostring(L, -1) {
        case LUA_OK:
            message = string(at: -1)
            pop()
        case KS_ERRSTACK:
            break  // nothing was pushed
        default:
            pop()  // what __tostring raised: the message above stands
        }
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

    /// Lends a tape from the state's pool for the duration of `body`; Swift boxes the tape still
    /// holds afterwards (it was not pushed) are released.
    func withTape<R>(_ body: (UnsafeMutablePointer<ks_tape>) throws(LuaError) -> R) throws(LuaError) -> R {
        guard let tape = ks_tape_acquire(L) else { throw LuaError.outOfMemory }
        defer {
            LuaTapeWriter(tape).discard()
            ks_tape_release(L, tape)
        }
        return try body(tape)
    }

    /// Pushes every value of a tape; returns how many.
    @discardableResult
    func push(tape: UnsafeMutablePointer<ks_tape>) throws(LuaError) -> Int32 {
        var count: Int32 = 0
        let status = ks_ppushtape(L, tape, &count)
        if status != LUA_OK { LuaTapeWriter(tape).discard() }
        try check(status)
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
}

extension LuaError {
    static let stackOverflow = LuaError("Lua stack overflow")
}
