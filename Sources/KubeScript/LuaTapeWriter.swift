import CLua

/// Writes values to a tape, the flat list that carries data from Swift to Lua (see `CLua.h`).
///
/// A container is written as `beginArray`/`beginObject`, its elements (objects: key, value, key,
/// value...) and `end()`. The count given to `begin` sizes the Lua table; a writer that counts
/// as it goes passes 0 and may fill the count in later with `setCount`.
public struct LuaTapeWriter {
    let tape: UnsafeMutablePointer<ks_tape>

    init(_ tape: UnsafeMutablePointer<ks_tape>) {
        self.tape = tape
    }

    /// How many slots have been written.
    public var count: Int { tape.pointee.count }

    @inline(__always)
    func slot(_ kind: ks_kind) throws(LuaError) -> UnsafeMutablePointer<ks_slot> {
        guard let s = ks_tape_append(tape) else { throw LuaError.outOfMemory }
        s.pointee.kind = kind.rawValue
        return s
    }

    public func appendNil() throws(LuaError) { _ = try slot(KS_NIL) }

    public func appendNull() throws(LuaError) { _ = try slot(KS_NULL) }

    public func append(_ value: Bool) throws(LuaError) { _ = try slot(value ? KS_TRUE : KS_FALSE) }

    public func append(integer value: Int64) throws(LuaError) {
        try slot(KS_INTEGER).pointee.v.i = value
    }

    public func append(number value: Double) throws(LuaError) {
        try slot(KS_FLOAT).pointee.v.d = value
    }

    /// Appends a string, copying its bytes into the tape.
    public func append(string value: String) throws(LuaError) {
        var value = value
        var failure: LuaError?
        value.withUTF8 { bytes in
            do throws(LuaError) { try append(bytes: UnsafeRawBufferPointer(bytes)) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Appends a string, copying the bytes into the tape.
    public func append(bytes: UnsafeRawBufferPointer) throws(LuaError) {
        let offset = try copyToScratch(bytes)
        let s = try slot(KS_SCRATCH_STRING)
        s.pointee.v.offset = offset
        s.pointee.n.len = bytes.count
    }

    /// Appends a string whose bytes are not copied: they must stay alive and unchanged until the
    /// tape has been pushed (the bytes of a Lua string argument, for example).
    func append(borrowing base: UnsafePointer<UInt8>, count: Int) throws(LuaError) {
        let s = try slot(KS_STRING)
        s.pointee.v.s = UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self)
        s.pointee.n.len = count
    }

    /// Copies bytes to the scratch buffer and returns their offset there.
    func copyToScratch(_ bytes: UnsafeRawBufferPointer) throws(LuaError) -> Int {
        guard ks_tape_reserve_scratch(tape, bytes.count) != 0 else { throw LuaError.outOfMemory }
        let offset = tape.pointee.scratch_len
        if let base = bytes.baseAddress, bytes.count > 0 {
            (tape.pointee.scratch + offset).update(from: base.assumingMemoryBound(to: CChar.self), count: bytes.count)
        }
        tape.pointee.scratch_len += bytes.count
        return offset
    }

    /// Appends a string slot for bytes already in the scratch buffer.
    func appendScratchString(offset: Int, count: Int) throws(LuaError) {
        let s = try slot(KS_SCRATCH_STRING)
        s.pointee.v.offset = offset
        s.pointee.n.len = count
    }

    /// Begins an array of `count` elements (0 when not known yet); returns the header's position.
    @discardableResult
    public func beginArray(count: Int = 0) throws(LuaError) -> Int {
        try slot(KS_ARRAY).pointee.n.len = count
        return tape.pointee.count - 1
    }

    /// Begins an object of `count` key/value pairs (0 when not known yet); returns the header's position.
    @discardableResult
    public func beginObject(count: Int = 0) throws(LuaError) -> Int {
        try slot(KS_OBJECT).pointee.n.len = count
        return tape.pointee.count - 1
    }

    /// Ends the innermost container.
    public func end() throws(LuaError) { _ = try slot(KS_END) }

    /// Sets the element count of the container begun at `header`, so its table gets that size.
    public func setCount(_ count: Int, at header: Int) {
        tape.pointee.slots[header].n.len = count
    }

    /// Appends the value at an absolute stack index (pushed again as the result): a function's
    /// way to return a value it built on its stack, such as a table `LuaStack.pushJSON` made.
    public func append(stackIndex: Int32) throws(LuaError) {
        try slot(KS_STACK).pointee.v.i = Int64(stackIndex)
    }

    /// Appends a Swift function; the Lua closure made from it owns it.
    public func append(function: LuaFunction) throws(LuaError) {
        let s = try slot(KS_FUNCTION)
        s.pointee.v.p = Unmanaged.passRetained(function).toOpaque()
    }

    /// Appends a Swift object as a userdata of its registered type; the userdata owns it.
    public func append<T: LuaObject>(object: T) throws(LuaError) {
        let s = try slot(KS_USERDATA)
        s.pointee.n.type = UnsafeRawPointer(T.luaTypeKey)
        s.pointee.v.p = Unmanaged.passRetained(object as AnyObject).toOpaque()
    }

    /// Appends the value a registry reference holds.
    public func append(_ ref: LuaRef) throws(LuaError) {
        try slot(KS_REF).pointee.v.i = Int64(ref.ref)
    }
}
