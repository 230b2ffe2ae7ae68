import CLua
import KubeAPI

/// JSON text → Lua values, without building Swift objects in between: `JSONParser` feeds a sink
/// that writes a small tape, and the tape is pushed, piece by piece, as Lua tables; strings
/// without escapes are borrowed from the input, not copied. (JSON text is written by the C
/// walker, `ks_encodejson`.)
extension LuaStack {
    /// Slots a decode accumulates before pushing them: small enough to stay in cache.
    static let decodePiece = 4096

    /// Decodes one JSON value (RFC 8259, see `JSONParser`) and pushes it: integers as integers,
    /// `null` as the null sentinel, arrays with the array marker. On error nothing is pushed.
    public func pushJSON(_ bytes: UnsafeRawBufferPointer) throws(LuaError) {
        try pushDecoded(describing: { $0.description }) { (sink: inout LuaTapeSink) throws(JSONError) in
            try JSONParser.parse(bytes, into: &sink)
        }
    }

    /// Decodes YAML (as `KubeAPI.YAMLReader` reads it) and pushes its one document, or with
    /// `all` a list of its documents (empty ones skipped), by the same streaming tape as JSON.
    public func pushYAML(_ bytes: UnsafeRawBufferPointer, all: Bool) throws(LuaError) {
        try pushDecoded(describing: { error in
            error.problem.hasPrefix("expected one YAML document, found more")
                ? "expected one YAML document, found more (use k8s.yaml.decodeAll)" : error.problem
        }) { (sink: inout LuaTapeSink) throws(JSONError) in
            guard all else { return _ = try YAMLReader.read(bytes, into: &sink, single: true, maxDepth: Int(KS_MAX_DEPTH)) }
            try sink.beginArray()
            let count = try YAMLReader.read(bytes, into: &sink, single: false, maxDepth: Int(KS_MAX_DEPTH))
            try sink.endArray(count: count)
        }
    }

    /// Runs `decode` into a sink that pushes what it writes, piece by piece, and leaves the one
    /// value it made on the stack; on error nothing is pushed and the error is worded by `describing`.
    func pushDecoded(describing: (JSONError) -> String,
                     _ decode: (inout LuaTapeSink) throws(JSONError) -> Void) throws(LuaError) {
        let top = self.top
        let progress = UnsafeMutablePointer<ks_pushstate>.allocate(capacity: 1)
        defer { progress.deallocate() }
        ks_pushbegin(L, progress)
        do throws(LuaError) {
            try withTape { tape throws(LuaError) in
                var sink = LuaTapeSink(stack: self, tape: tape, progress: progress)
                do throws(JSONError) {
                    try decode(&sink)
                    try sink.push()
                } catch {
                    throw sink.failure ?? LuaError(describing(error))
                }
            }
            var count: Int32 = 0
            guard ks_pushend(L, progress, &count) != 0, count == 1 else { throw LuaError("malformed value tape") }
        } catch {
            setTop(top)
            throw error
        }
    }
}

extension LuaState {
    /// Decodes one JSON value and pushes it on the main thread's stack (see `LuaStack.pushJSON`).
    public func pushJSON(_ bytes: UnsafeRawBufferPointer) throws(LuaError) {
        try stack.pushJSON(bytes)
    }
}

/// Writes what the parser reads to a tape, pushing the tape whenever it holds a piece's worth.
struct LuaTapeSink: JSONSink {
    let stack: LuaStack
    let writer: LuaTapeWriter
    let progress: UnsafeMutablePointer<ks_pushstate>
    /// Slots pushed so far: a container header before this has left the tape.
    var pushed = 0
    /// Positions (counted over everything written) of the open containers' headers.
    var headers: [Int] = []
    /// The Lua error behind a failure, when the failure was Lua's.
    var failure: LuaError?

    init(stack: LuaStack, tape: UnsafeMutablePointer<ks_tape>, progress: UnsafeMutablePointer<ks_pushstate>) {
        self.stack = stack
        self.writer = LuaTapeWriter(tape)
        self.progress = progress
    }

    /// Pushes what the tape holds onto the stack, continuing the open containers.
    mutating func push() throws(JSONError) {
        pushed += writer.count
        do {
            try stack.check(ks_ppushpartial(stack.L, writer.tape, progress))
        } catch {
            failure = error
            throw JSONError(error.message)
        }
        writer.tape.pointee.count = 0
        writer.tape.pointee.scratch_len = 0
    }

    @inline(__always)
    func written(_ body: () throws(LuaError) -> Void) throws(JSONError) {
        do { try body() } catch { throw JSONError(error.message) }
    }

    mutating func willRead() throws(JSONError) {
        if writer.count >= LuaStack.decodePiece { try push() }
    }

    func null() throws(JSONError) { try written { () throws(LuaError) in try writer.appendNull() } }
    func bool(_ value: Bool) throws(JSONError) { try written { () throws(LuaError) in try writer.append(value) } }
    func integer(_ value: Int64) throws(JSONError) { try written { () throws(LuaError) in try writer.append(integer: value) } }
    func number(_ value: Double) throws(JSONError) { try written { () throws(LuaError) in try writer.append(number: value) } }

    func string(_ bytes: UnsafeRawBufferPointer, borrowed: Bool) throws(JSONError) {
        try written { () throws(LuaError) in
            if borrowed, let base = bytes.baseAddress {
                try writer.append(borrowing: base.assumingMemoryBound(to: UInt8.self), count: bytes.count)
            } else {
                try writer.append(bytes: bytes)
            }
        }
    }

    mutating func beginArray() throws(JSONError) {
        headers.append(pushed + writer.count)
        try written { () throws(LuaError) in try writer.beginArray() }
    }

    mutating func beginObject() throws(JSONError) {
        headers.append(pushed + writer.count)
        try written { () throws(LuaError) in try writer.beginObject() }
    }

    mutating func endArray(count: Int) throws(JSONError) { try end(count) }
    mutating func endObject(count: Int) throws(JSONError) { try end(count) }

    /// Ends a container, and sizes its table if its header is still on the tape (else the table
    /// has grown as it filled).
    mutating func end(_ count: Int) throws(JSONError) {
        try written { () throws(LuaError) in try writer.end() }
        if let header = headers.popLast(), header >= pushed { writer.setCount(count, at: header - pushed) }
    }
}
