import CLua

extension JSON {
    /// Encodes the value at the start of `input` (a tape read from Lua) as JSON text, appended to
    /// `output`'s scratch buffer. Returns where the text starts there and its length.
    ///
    /// Integers are written as integers; floats in the shortest form that reads back as the
    /// same float, always with a `.` or an exponent so they stay floats. With `indent` > 0 the
    /// text is pretty-printed. Invalid UTF-8 in a string or key is an error naming its place.
    static func encode(
        _ input: UnsafePointer<ks_tape>, into output: UnsafeMutablePointer<ks_tape>, indent: Int = 0
    ) throws(LuaError) -> (offset: Int, count: Int) {
        var emitter = JSONEmitter(input: input, output: output, indent: indent)
        let offset = emitter.len
        var index = 0
        do {
            try emitter.emitValue(&index, depth: 0)
        } catch {
            emitter.sync()
            let path = emitter.errorPath.reversed().joined()
            throw LuaError(path.isEmpty ? error.message : "\(error.message) (at \(path.hasPrefix(".") ? String(path.dropFirst()) : path))")
        }
        emitter.sync()
        return (offset, emitter.len - offset)
    }
}

/// Writes JSON text into a tape's scratch buffer, growing it as needed.
struct JSONEmitter {
    let input: UnsafePointer<ks_tape>
    let output: UnsafeMutablePointer<ks_tape>
    let indent: Int
    var buffer: UnsafeMutablePointer<UInt8>?
    var len: Int
    var capacity: Int
    /// Path segments of a failure, innermost first.
    var errorPath: [String] = []

    init(input: UnsafePointer<ks_tape>, output: UnsafeMutablePointer<ks_tape>, indent: Int) {
        self.input = input
        self.output = output
        self.indent = max(0, min(indent, 16))
        self.buffer = UnsafeMutableRawPointer(output.pointee.scratch)?.assumingMemoryBound(to: UInt8.self)
        self.len = output.pointee.scratch_len
        self.capacity = output.pointee.scratch_cap
    }

    /// Stores the write position back into the tape.
    func sync() { output.pointee.scratch_len = len }

    @inline(__always)
    mutating func reserve(_ n: Int) throws(LuaError) {
        if capacity - len >= n { return }
        sync()
        guard ks_tape_reserve_scratch(output, n) != 0 else { throw LuaError.outOfMemory }
        buffer = UnsafeMutableRawPointer(output.pointee.scratch)?.assumingMemoryBound(to: UInt8.self)
        capacity = output.pointee.scratch_cap
    }

    @inline(__always)
    mutating func byte(_ c: UInt8) throws(LuaError) {
        try reserve(1)
        buffer.unsafelyUnwrapped[len] = c
        len += 1
    }

    mutating func bytes(_ p: UnsafeRawPointer, _ n: Int) throws(LuaError) {
        guard n > 0 else { return }
        try reserve(n)
        (buffer.unsafelyUnwrapped + len).update(from: p.assumingMemoryBound(to: UInt8.self), count: n)
        len += n
    }

    mutating func newline(_ depth: Int) throws(LuaError) {
        guard indent > 0 else { return }
        try reserve(1 + depth * indent)
        buffer.unsafelyUnwrapped[len] = UInt8(ascii: "\n")
        (buffer.unsafelyUnwrapped + len + 1).initialize(repeating: UInt8(ascii: " "), count: depth * indent)
        len += 1 + depth * indent
    }

    mutating func emitValue(_ index: inout Int, depth: Int) throws(LuaError) {
        guard index < input.pointee.count else { throw LuaError("truncated value tape") }
        let slot = input.pointee.slots[index]
        index += 1
        switch ks_kind(rawValue: slot.kind) {
        case KS_NIL, KS_NULL: try bytes("null", 4)
        case KS_FALSE: try bytes("false", 5)
        case KS_TRUE: try bytes("true", 4)
        case KS_INTEGER: try integer(slot.v.i)
        case KS_FLOAT: try float(slot.v.d)
        case KS_STRING, KS_SCRATCH_STRING:
            try string(LuaTapeReader.bytes(of: slot, in: input))
        case KS_ARRAY:
            let n = slot.n.len
            try byte(UInt8(ascii: "["))
            for i in 0..<n {
                if i > 0 { try byte(UInt8(ascii: ",")) }
                try newline(depth + 1)
                do {
                    try emitValue(&index, depth: depth + 1)
                } catch {
                    errorPath.append("[\(i + 1)]")
                    throw error
                }
            }
            if n > 0 { try newline(depth) }
            try byte(UInt8(ascii: "]"))
        case KS_OBJECT:
            let n = slot.n.len
            try byte(UInt8(ascii: "{"))
            for i in 0..<n {
                if i > 0 { try byte(UInt8(ascii: ",")) }
                try newline(depth + 1)
                let keySlot = input.pointee.slots[index]
                let key = LuaTapeReader.bytes(of: keySlot, in: input)
                do {
                    try emitValue(&index, depth: depth + 1)
                    try byte(UInt8(ascii: ":"))
                    if indent > 0 { try byte(UInt8(ascii: " ")) }
                    try emitValue(&index, depth: depth + 1)
                } catch {
                    errorPath.append(Self.pathSegment(key))
                    throw error
                }
            }
            if n > 0 { try newline(depth) }
            try byte(UInt8(ascii: "}"))
        default:
            throw LuaError("cannot encode a Lua function or object as JSON")
        }
    }

    static func pathSegment(_ key: UnsafeRawBufferPointer) -> String {
        let s = String(decoding: key, as: UTF8.self)
        let identifier = !s.isEmpty && s.utf8.allSatisfy { c in
            (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || (c >= 0x30 && c <= 0x39) || c == 0x5F
        } && !(s.utf8.first.map { $0 >= 0x30 && $0 <= 0x39 } ?? false)
        return identifier ? "." + s : "[\"\(s)\"]"
    }

    mutating func integer(_ v: Int64) throws(LuaError) {
        try reserve(20)
        var magnitude = v.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes of scratch, written backwards
        let count = withUnsafeMutableBytes(of: &digits) { raw -> Int in
            var i = raw.count
            repeat {
                i -= 1
                raw[i] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            if v < 0 {
                i -= 1
                raw[i] = UInt8(ascii: "-")
            }
            (buffer.unsafelyUnwrapped + len).update(
                from: raw.baseAddress.unsafelyUnwrapped.assumingMemoryBound(to: UInt8.self) + i, count: raw.count - i)
            return raw.count - i
        }
        len += count
    }

    mutating func float(_ d: Double) throws(LuaError) {
        guard d.isFinite else { throw LuaError("cannot encode \(d.isNaN ? "NaN" : "an infinite number") (JSON has no such number)") }
        // Swift's description is the shortest text that reads back as the same Double, and keeps
        // a "." or an exponent (3.0, 1e+20), so the value stays a float when decoded.
        var text = d.description
        try reserve(text.utf8.count)
        len += text.withUTF8 { u in
            (buffer.unsafelyUnwrapped + len).update(from: u.baseAddress.unsafelyUnwrapped, count: u.count)
            return u.count
        }
    }

    mutating func string(_ s: UnsafeRawBufferPointer) throws(LuaError) {
        try byte(UInt8(ascii: "\""))
        guard let base = s.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
            try byte(UInt8(ascii: "\""))
            return
        }
        let n = s.count
        var i = 0, run = 0
        while i < n {
            while n - i >= 8 && !JSONBytes.needsAttention(UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)) {
                i += 8
            }
            guard i < n else { break }
            let c = base[i]
            if c >= 0x80 {
                guard let l = JSONBytes.validUTF8Sequence(at: base + i, end: base + n) else {
                    throw LuaError("cannot encode a string that is not valid UTF-8")
                }
                i += l
                continue
            }
            guard c == 0x22 || c == 0x5C || c < 0x20 else {
                i += 1
                continue
            }
            try bytes(base + run, i - run)
            try escape(c)
            i += 1
            run = i
        }
        try bytes(base + run, n - run)
        try byte(UInt8(ascii: "\""))
    }

    mutating func escape(_ c: UInt8) throws(LuaError) {
        let short: UInt8
        switch c {
        case 0x22: short = 0x22
        case 0x5C: short = 0x5C
        case 0x0A: short = UInt8(ascii: "n")
        case 0x0D: short = UInt8(ascii: "r")
        case 0x09: short = UInt8(ascii: "t")
        case 0x08: short = UInt8(ascii: "b")
        case 0x0C: short = UInt8(ascii: "f")
        default:
            let hex: StaticString = "0123456789abcdef"
            try reserve(6)
            let out = buffer.unsafelyUnwrapped + len
            out[0] = 0x5C
            out[1] = UInt8(ascii: "u")
            out[2] = UInt8(ascii: "0")
            out[3] = UInt8(ascii: "0")
            out[4] = hex.utf8Start[Int(c >> 4)]
            out[5] = hex.utf8Start[Int(c & 0xF)]
            len += 6
            return
        }
        try reserve(2)
        buffer.unsafelyUnwrapped[len] = 0x5C
        buffer.unsafelyUnwrapped[len + 1] = short
        len += 2
    }
}
