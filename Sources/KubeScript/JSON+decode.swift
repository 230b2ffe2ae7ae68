import CLua
import Glibc

/// JSON text → Lua values, without building Swift objects in between: the parser writes a small
/// tape that is pushed, piece by piece, as Lua tables; strings without escapes are borrowed from
/// the input, not copied. (JSON text is written by the C walker, `ks_encodejson`.)
extension LuaState {
    /// Slots a decode accumulates before pushing them: small enough to stay in cache.
    static let decodePiece = 4096

    /// Decodes one JSON value (RFC 8259) and pushes it.
    ///
    /// Numbers without a fraction or exponent that fit in 64 bits become integers, others floats;
    /// `null` becomes the null sentinel; arrays get the array marker. Errors name the line and
    /// column; on error nothing is left pushed.
    public func pushJSON(_ bytes: UnsafeRawBufferPointer) throws(LuaError) {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
            throw LuaError("invalid JSON: empty input")
        }
        let top = self.top
        let progress = UnsafeMutablePointer<ks_pushstate>.allocate(capacity: 1)
        defer { progress.deallocate() }
        ks_pushbegin(L, progress)
        do throws(LuaError) {
            try withTape { tape throws(LuaError) in
                var parser = JSONParser(start: base, end: base + bytes.count, writer: LuaTapeWriter(tape)) { () throws(LuaError) in
                    if ks_ppushpartial(self.L, tape, progress) != LUA_OK { throw self.popError() }
                    tape.pointee.count = 0
                    tape.pointee.scratch_len = 0
                }
                try parser.parseDocument()
                try parser.flush()
            }
            var count: Int32 = 0
            guard ks_pushend(L, progress, &count) != 0, count == 1 else { throw LuaError("malformed value tape") }
        } catch {
            setTop(top)
            throw error
        }
    }
}

private let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")

/// A recursive-descent parser over raw bytes, writing a tape that `push` empties whenever it
/// holds `LuaState.decodePiece` slots. Recursion is bounded by `KS_MAX_DEPTH`.
struct JSONParser {
    let start: UnsafePointer<UInt8>
    let end: UnsafePointer<UInt8>
    var p: UnsafePointer<UInt8>
    let writer: LuaTapeWriter
    let push: () throws(LuaError) -> Void
    var depth: Int32 = 0
    /// Slots already pushed: a container header before this has left the tape.
    var pushed = 0

    init(start: UnsafePointer<UInt8>, end: UnsafePointer<UInt8>, writer: LuaTapeWriter,
         push: @escaping () throws(LuaError) -> Void) {
        self.start = start
        self.end = end
        self.p = start
        self.writer = writer
        self.push = push
    }

    /// Pushes what the tape holds.
    mutating func flush() throws(LuaError) {
        pushed += writer.count
        try push()
    }

    /// The header's position for `setCount`, counted over everything pushed.
    var position: Int { pushed + writer.count }

    /// Sets a container's count if its header is still on the tape (else its table has grown as
    /// it filled).
    func setCount(_ count: Int, at header: Int) {
        if header >= pushed { writer.setCount(count, at: header - pushed) }
    }

    mutating func parseDocument() throws(LuaError) {
        skipWhitespace()
        try parseValue()
        skipWhitespace()
        if p < end { throw error("unexpected data after the JSON value") }
    }

    // MARK: Errors

    /// An error at the current position, with its line and column (1-based, in bytes).
    func error(_ problem: String) -> LuaError {
        var line = 1, column = 1
        var q = start
        while q < p && q < end {
            if q.pointee == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else {
                column += 1
            }
            q += 1
        }
        return LuaError("invalid JSON at line \(line), column \(column): \(problem)")
    }

    func unexpected(_ expected: String) -> LuaError {
        guard p < end else { return error("unexpected end of input, expected \(expected)") }
        let c = p.pointee
        let shown = c >= 0x20 && c < 0x7f ? "'\(Character(Unicode.Scalar(c)))'" : "byte 0x\(String(c, radix: 16))"
        return error("unexpected \(shown), expected \(expected)")
    }

    // MARK: Structure

    @inline(__always)
    mutating func skipWhitespace() {
        while p < end {
            let c = p.pointee
            guard c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else { return }
            p += 1
        }
    }

    mutating func parseValue() throws(LuaError) {
        if writer.count >= LuaState.decodePiece { try flush() }
        guard p < end else { throw unexpected("a value") }
        switch p.pointee {
        case UInt8(ascii: "{"): try parseObject()
        case UInt8(ascii: "["): try parseArray()
        case quote: try parseString()
        case UInt8(ascii: "t"): try parseLiteral("true", KS_TRUE)
        case UInt8(ascii: "f"): try parseLiteral("false", KS_FALSE)
        case UInt8(ascii: "n"): try parseLiteral("null", KS_NULL)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try parseNumber()
        default: throw unexpected("a value")
        }
    }

    mutating func enter() throws(LuaError) {
        depth += 1
        if depth > KS_MAX_DEPTH { throw error("nested deeper than \(KS_MAX_DEPTH) levels") }
    }

    mutating func parseObject() throws(LuaError) {
        try enter()
        p += 1
        let header = position
        try writer.beginObject()
        var count = 0
        skipWhitespace()
        if p < end && p.pointee == UInt8(ascii: "}") {
            p += 1
        } else {
            while true {
                guard p < end && p.pointee == quote else { throw unexpected("a string key") }
                try parseString()
                skipWhitespace()
                guard p < end && p.pointee == UInt8(ascii: ":") else { throw unexpected("':'") }
                p += 1
                skipWhitespace()
                try parseValue()
                count += 1
                skipWhitespace()
                guard p < end else { throw unexpected("',' or '}'") }
                if p.pointee == UInt8(ascii: ",") {
                    p += 1
                    skipWhitespace()
                } else if p.pointee == UInt8(ascii: "}") {
                    p += 1
                    break
                } else {
                    throw unexpected("',' or '}'")
                }
            }
        }
        try writer.end()
        setCount(count, at: header)
        depth -= 1
    }

    mutating func parseArray() throws(LuaError) {
        try enter()
        p += 1
        let header = position
        try writer.beginArray()
        var count = 0
        skipWhitespace()
        if p < end && p.pointee == UInt8(ascii: "]") {
            p += 1
        } else {
            while true {
                try parseValue()
                count += 1
                skipWhitespace()
                guard p < end else { throw unexpected("',' or ']'") }
                if p.pointee == UInt8(ascii: ",") {
                    p += 1
                    skipWhitespace()
                } else if p.pointee == UInt8(ascii: "]") {
                    p += 1
                    break
                } else {
                    throw unexpected("',' or ']'")
                }
            }
        }
        try writer.end()
        setCount(count, at: header)
        depth -= 1
    }

    mutating func parseLiteral(_ word: StaticString, _ kind: ks_kind) throws(LuaError) {
        let n = word.utf8CodeUnitCount
        guard end - p >= n, memcmp(p, word.utf8Start, n) == 0 else { throw unexpected("a value") }
        p += n
        _ = try writer.slot(kind)
    }

    // MARK: Strings

    /// Parses a string at `p` (on its opening quote). A string without escapes is borrowed.
    mutating func parseString() throws(LuaError) {
        p += 1
        let first = p
        while true {
            // Eight bytes at a time while none is a quote, a backslash, a control or non-ASCII byte.
            while end - p >= 8 {
                let w = UnsafeRawPointer(p).loadUnaligned(as: UInt64.self)
                if JSONBytes.needsAttention(w) { break }
                p += 8
            }
            guard p < end else { throw error("unterminated string") }
            let c = p.pointee
            if c == quote {
                try writer.append(borrowing: first, count: p - first)
                p += 1
                return
            }
            if c == backslash {
                try parseEscapedString(from: first)
                return
            }
            if c < 0x20 { throw error("control character in string (escape it)") }
            if c >= 0x80 {
                guard let length = JSONBytes.validUTF8Sequence(at: p, end: end) else { throw error("invalid UTF-8 in string") }
                p += length
            } else {
                p += 1
            }
        }
    }

    /// Continues a string that has an escape: the unescaped bytes go to the tape's scratch.
    mutating func parseEscapedString(from first: UnsafePointer<UInt8>) throws(LuaError) {
        let tape = writer.tape
        // Unescaping never makes a string longer: find its end, then reserve that much.
        var q = p
        while q < end && q.pointee != quote { q += q.pointee == backslash ? 2 : 1 }
        guard ks_tape_reserve_scratch(tape, min(q, end) - first) != 0 else { throw LuaError.outOfMemory }
        let offset = tape.pointee.scratch_len
        let out = UnsafeMutableRawPointer(tape.pointee.scratch + offset).assumingMemoryBound(to: UInt8.self)
        var n = p - first
        out.update(from: first, count: n)
        while true {
            guard p < end else { throw error("unterminated string") }
            let c = p.pointee
            if c == quote {
                p += 1
                break
            }
            if c == backslash {
                p += 1
                guard p < end else { throw error("unterminated string") }
                let e = p.pointee
                p += 1
                switch e {
                case quote, backslash, UInt8(ascii: "/"): out[n] = e
                case UInt8(ascii: "b"): out[n] = 0x08
                case UInt8(ascii: "f"): out[n] = 0x0C
                case UInt8(ascii: "n"): out[n] = 0x0A
                case UInt8(ascii: "r"): out[n] = 0x0D
                case UInt8(ascii: "t"): out[n] = 0x09
                case UInt8(ascii: "u"):
                    n += try parseUnicodeEscape(into: out + n)
                    continue
                default:
                    p -= 1
                    throw error("invalid escape '\\\(Character(Unicode.Scalar(e)))' in string")
                }
                n += 1
                continue
            }
            if c < 0x20 { throw error("control character in string (escape it)") }
            var length = 1
            if c >= 0x80 {
                guard let l = JSONBytes.validUTF8Sequence(at: p, end: end) else { throw error("invalid UTF-8 in string") }
                length = l
            }
            (out + n).update(from: p, count: length)
            n += length
            p += length
        }
        tape.pointee.scratch_len += n
        try writer.appendScratchString(offset: offset, count: n)
    }

    /// Parses the four hex digits after `\u` (and a low surrogate's `\uXXXX` after a high one),
    /// writes the UTF-8 bytes and returns their count. A lone surrogate becomes U+FFFD, as Go's
    /// encoding/json decodes it.
    mutating func parseUnicodeEscape(into out: UnsafeMutablePointer<UInt8>) throws(LuaError) -> Int {
        var scalar = try hex4()
        if scalar >= 0xD800 && scalar < 0xDC00 {
            if end - p >= 6 && p[0] == backslash && p[1] == UInt8(ascii: "u") {
                let save = p
                p += 2
                let low = try hex4()
                if low >= 0xDC00 && low < 0xE000 {
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else {
                    p = save
                    scalar = 0xFFFD
                }
            } else {
                scalar = 0xFFFD
            }
        } else if scalar >= 0xDC00 && scalar < 0xE000 {
            scalar = 0xFFFD
        }
        return JSONBytes.writeUTF8(scalar, to: out)
    }

    mutating func hex4() throws(LuaError) -> UInt32 {
        guard end - p >= 4 else { throw error("incomplete \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = p.pointee
            let d: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw error("invalid \\u escape")
            }
            v = v << 4 | d
            p += 1
        }
        return v
    }

    // MARK: Numbers

    mutating func parseNumber() throws(LuaError) {
        let first = p
        let negative = p.pointee == UInt8(ascii: "-")
        if negative { p += 1 }
        guard p < end, isDigit(p.pointee) else { throw unexpected("a digit") }
        var magnitude: UInt64 = 0
        var overflow = false
        if p.pointee == UInt8(ascii: "0") {
            p += 1
        } else {
            while p < end, isDigit(p.pointee) {
                let (m1, o1) = magnitude.multipliedReportingOverflow(by: 10)
                let (m2, o2) = m1.addingReportingOverflow(UInt64(p.pointee - UInt8(ascii: "0")))
                overflow = overflow || o1 || o2
                magnitude = m2
                p += 1
            }
        }
        var isFloat = false
        if p < end && p.pointee == UInt8(ascii: ".") {
            isFloat = true
            p += 1
            guard p < end, isDigit(p.pointee) else { throw unexpected("a digit after '.'") }
            while p < end, isDigit(p.pointee) { p += 1 }
        }
        if p < end && (p.pointee == UInt8(ascii: "e") || p.pointee == UInt8(ascii: "E")) {
            isFloat = true
            p += 1
            if p < end && (p.pointee == UInt8(ascii: "+") || p.pointee == UInt8(ascii: "-")) { p += 1 }
            guard p < end, isDigit(p.pointee) else { throw unexpected("a digit in the exponent") }
            while p < end, isDigit(p.pointee) { p += 1 }
        }
        if !isFloat && !overflow {
            if !negative && magnitude <= UInt64(Int64.max) {
                try writer.append(integer: Int64(magnitude))
                return
            }
            if negative && magnitude <= UInt64(Int64.max) + 1 {
                try writer.append(integer: magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude))
                return
            }
        }
        var ok: Int32 = 0
        let value = first.withMemoryRebound(to: CChar.self, capacity: p - first) { ks_strtod($0, p - first, &ok) }
        guard ok != 0 else { throw error("number out of range") }
        try writer.append(number: value)
    }

    @inline(__always)
    func isDigit(_ c: UInt8) -> Bool { c &- UInt8(ascii: "0") < 10 }
}

/// Byte-level helpers of the decoder (the scanning ones are shared with the C encoder).
enum JSONBytes {
    /// Whether any of the eight bytes in `w` is `"`, `\`, below 0x20, or 0x80 and above.
    @inline(__always)
    static func needsAttention(_ w: UInt64) -> Bool { ks_needs_attention(w) != 0 }

    /// The length of the valid UTF-8 sequence at `p` (whose first byte is 0x80 or above), or nil.
    @inline(__always)
    static func validUTF8Sequence(at p: UnsafePointer<UInt8>, end: UnsafePointer<UInt8>) -> Int? {
        let n = ks_utf8_sequence(p, end - p)
        return n == 0 ? nil : n
    }

    /// Writes a scalar value as UTF-8 and returns the byte count.
    static func writeUTF8(_ v: UInt32, to out: UnsafeMutablePointer<UInt8>) -> Int {
        switch v {
        case 0..<0x80:
            out[0] = UInt8(v)
            return 1
        case 0x80..<0x800:
            out[0] = UInt8(0xC0 | (v >> 6))
            out[1] = UInt8(0x80 | (v & 0x3F))
            return 2
        case 0x800..<0x10000:
            out[0] = UInt8(0xE0 | (v >> 12))
            out[1] = UInt8(0x80 | ((v >> 6) & 0x3F))
            out[2] = UInt8(0x80 | (v & 0x3F))
            return 3
        default:
            out[0] = UInt8(0xF0 | (v >> 18))
            out[1] = UInt8(0x80 | ((v >> 12) & 0x3F))
            out[2] = UInt8(0x80 | ((v >> 6) & 0x3F))
            out[3] = UInt8(0x80 | (v & 0x3F))
            return 4
        }
    }
}
