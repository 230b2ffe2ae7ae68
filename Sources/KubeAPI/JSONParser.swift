/// A JSON (RFC 8259) parser over raw bytes that hands what it reads to a `JSONSink`, building no
/// intermediate values. Strings without escapes reach the sink as the input's own bytes.
///
/// Numbers without a fraction or exponent that fit in 64 bits are integers, others floats (a
/// number too large for a Double is an error). Strings must be UTF-8; `\u` surrogate pairs are
/// joined and a lone surrogate becomes U+FFFD, as Go's encoding/json decodes it. Nesting is
/// limited to `maxDepth` levels. Errors name the line and column.
public struct JSONParser<Sink: JSONSink> {
    /// The deepest nesting of arrays and objects accepted.
    public static var maxDepth: Int { 1000 }

    @usableFromInline let start: UnsafePointer<UInt8>
    @usableFromInline let end: UnsafePointer<UInt8>
    @usableFromInline var p: UnsafePointer<UInt8>
    @usableFromInline var depth = 0
    /// Unescaped bytes of the string being read; grows as needed.
    @usableFromInline var scratch: UnsafeMutableRawBufferPointer

    @inlinable
    init(_ bytes: UnsafeRawBufferPointer, scratch: UnsafeMutableRawBufferPointer) {
        let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? UnsafePointer(bitPattern: 1).unsafelyUnwrapped
        self.start = base
        self.end = base + bytes.count
        self.p = base
        self.scratch = scratch
    }

    /// Reads one JSON value from `bytes` into `sink`; only white space may follow it.
    @inlinable
    public static func parse(_ bytes: UnsafeRawBufferPointer, into sink: inout Sink) throws(JSONError) {
        var parser = JSONParser(bytes, scratch: .allocate(byteCount: 256, alignment: 1))
        defer { parser.scratch.deallocate() }
        parser.skipWhitespace()
        try parser.parseValue(&sink)
        parser.skipWhitespace()
        if parser.p < parser.end { throw parser.error("unexpected data after the JSON value") }
    }

    // MARK: Errors

    /// An error at the current position.
    @usableFromInline
    func error(_ problem: String) -> JSONError {
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
        return JSONError(problem, line: line, column: column)
    }

    @usableFromInline
    func unexpected(_ expected: String) -> JSONError {
        guard p < end else { return error("unexpected end of input, expected \(expected)") }
        let c = p.pointee
        let shown = c >= 0x20 && c < 0x7f ? "'\(Character(Unicode.Scalar(c)))'" : "byte 0x\(String(c, radix: 16))"
        return error("unexpected \(shown), expected \(expected)")
    }

    // MARK: Structure

    @inlinable @inline(__always)
    mutating func skipWhitespace() {
        while p < end {
            let c = p.pointee
            guard c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else { return }
            p += 1
        }
    }

    @inlinable
    mutating func parseValue(_ sink: inout Sink) throws(JSONError) {
        try sink.willRead()
        guard p < end else { throw unexpected("a value") }
        switch p.pointee {
        case UInt8(ascii: "{"): try parseObject(&sink)
        case UInt8(ascii: "["): try parseArray(&sink)
        case UInt8(ascii: "\""): try parseString(&sink)
        case UInt8(ascii: "t"):
            try literal("true")
            try sink.bool(true)
        case UInt8(ascii: "f"):
            try literal("false")
            try sink.bool(false)
        case UInt8(ascii: "n"):
            try literal("null")
            try sink.null()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try parseNumber(&sink)
        default: throw unexpected("a value")
        }
    }

    @inlinable
    mutating func enter() throws(JSONError) {
        depth += 1
        if depth > Self.maxDepth { throw error("nested deeper than \(Self.maxDepth) levels") }
    }

    @inlinable
    mutating func parseObject(_ sink: inout Sink) throws(JSONError) {
        try enter()
        p += 1
        try sink.beginObject()
        var count = 0
        skipWhitespace()
        if p < end && p.pointee == UInt8(ascii: "}") {
            p += 1
        } else {
            while true {
                guard p < end && p.pointee == UInt8(ascii: "\"") else { throw unexpected("a string key") }
                try sink.willRead()
                try parseString(&sink)
                skipWhitespace()
                guard p < end && p.pointee == UInt8(ascii: ":") else { throw unexpected("':'") }
                p += 1
                skipWhitespace()
                try parseValue(&sink)
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
        try sink.endObject(count: count)
        depth -= 1
    }

    @inlinable
    mutating func parseArray(_ sink: inout Sink) throws(JSONError) {
        try enter()
        p += 1
        try sink.beginArray()
        var count = 0
        skipWhitespace()
        if p < end && p.pointee == UInt8(ascii: "]") {
            p += 1
        } else {
            while true {
                try parseValue(&sink)
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
        try sink.endArray(count: count)
        depth -= 1
    }

    @inlinable
    mutating func literal(_ word: StaticString) throws(JSONError) {
        let n = word.utf8CodeUnitCount
        guard end - p >= n else { throw unexpected("a value") }
        for i in 0..<n where p[i] != word.utf8Start[i] { throw unexpected("a value") }
        p += n
    }

    // MARK: Strings

    /// Reads the string at `p` (on its opening quote).
    @inlinable
    mutating func parseString(_ sink: inout Sink) throws(JSONError) {
        p += 1
        let first = p
        while true {
            // Eight bytes at a time while none is a quote, a backslash, a control or non-ASCII byte.
            while end - p >= 8 {
                if JSONBytes.needsAttention(UnsafeRawPointer(p).loadUnaligned(as: UInt64.self)) { break }
                p += 8
            }
            guard p < end else { throw error("unterminated string") }
            let c = p.pointee
            if c == UInt8(ascii: "\"") {
                try sink.string(UnsafeRawBufferPointer(start: first, count: p - first), borrowed: true)
                p += 1
                return
            }
            if c == UInt8(ascii: "\\") {
                try parseEscapedString(from: first, &sink)
                return
            }
            if c < 0x20 { throw error("control character in string (escape it)") }
            if c >= 0x80 {
                let length = JSONBytes.utf8SequenceLength(at: p, end: end)
                if length == 0 { throw error("invalid UTF-8 in string") }
                p += length
            } else {
                p += 1
            }
        }
    }

    /// Continues a string that has an escape, unescaping it into the scratch buffer.
    @usableFromInline
    mutating func parseEscapedString(from first: UnsafePointer<UInt8>, _ sink: inout Sink) throws(JSONError) {
        // Unescaping never makes a string longer: find its end, then make room for that much.
        var q = p
        while q < end && q.pointee != UInt8(ascii: "\"") { q += q.pointee == UInt8(ascii: "\\") ? 2 : 1 }
        let bound = min(q, end) - first
        if scratch.count < bound {
            scratch.deallocate()
            scratch = .allocate(byteCount: max(bound, 2 * scratch.count), alignment: 1)
        }
        let out = scratch.baseAddress.unsafelyUnwrapped.assumingMemoryBound(to: UInt8.self)
        var n = p - first
        out.update(from: first, count: n)
        while true {
            guard p < end else { throw error("unterminated string") }
            let c = p.pointee
            if c == UInt8(ascii: "\"") {
                p += 1
                break
            }
            if c == UInt8(ascii: "\\") {
                p += 1
                guard p < end else { throw error("unterminated string") }
                let e = p.pointee
                p += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out[n] = e
                case UInt8(ascii: "b"): out[n] = 0x08
                case UInt8(ascii: "f"): out[n] = 0x0C
                case UInt8(ascii: "n"): out[n] = 0x0A
                case UInt8(ascii: "r"): out[n] = 0x0D
                case UInt8(ascii: "t"): out[n] = 0x09
                case UInt8(ascii: "u"):
                    n += JSONBytes.writeUTF8(try unicodeEscape(), to: out + n)
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
                length = JSONBytes.utf8SequenceLength(at: p, end: end)
                if length == 0 { throw error("invalid UTF-8 in string") }
            }
            (out + n).update(from: p, count: length)
            n += length
            p += length
        }
        try sink.string(UnsafeRawBufferPointer(start: out, count: n), borrowed: false)
    }

    /// The scalar of the `\u` escape just read (and of a low surrogate's escape after a high one).
    @usableFromInline
    mutating func unicodeEscape() throws(JSONError) -> UInt32 {
        var scalar = try hex4()
        if scalar >= 0xD800 && scalar < 0xDC00 {
            if end - p >= 6 && p[0] == UInt8(ascii: "\\") && p[1] == UInt8(ascii: "u") {
                let save = p
                p += 2
                let low = try hex4()
                if low >= 0xDC00 && low < 0xE000 {
                    return 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                p = save
            }
            scalar = 0xFFFD
        } else if scalar >= 0xDC00 && scalar < 0xE000 {
            scalar = 0xFFFD
        }
        return scalar
    }

    @usableFromInline
    mutating func hex4() throws(JSONError) -> UInt32 {
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

    @inlinable
    mutating func parseNumber(_ sink: inout Sink) throws(JSONError) {
        let first = p
        let negative = p.pointee == UInt8(ascii: "-")
        if negative { p += 1 }
        guard p < end, JSONBytes.isDigit(p.pointee) else { throw unexpected("a digit") }
        var magnitude: UInt64 = 0
        var overflow = false
        if p.pointee == UInt8(ascii: "0") {
            p += 1
        } else {
            while p < end, JSONBytes.isDigit(p.pointee) {
                let (m1, o1) = magnitude.multipliedReportingOverflow(by: 10)
                let (m2, o2) = m1.addingReportingOverflow(UInt64(p.pointee &- UInt8(ascii: "0")))
                overflow = overflow || o1 || o2
                magnitude = m2
                p += 1
            }
        }
        var isFloat = false
        if p < end && p.pointee == UInt8(ascii: ".") {
            isFloat = true
            p += 1
            guard p < end, JSONBytes.isDigit(p.pointee) else { throw unexpected("a digit after '.'") }
            while p < end, JSONBytes.isDigit(p.pointee) { p += 1 }
        }
        if p < end && (p.pointee == UInt8(ascii: "e") || p.pointee == UInt8(ascii: "E")) {
            isFloat = true
            p += 1
            if p < end && (p.pointee == UInt8(ascii: "+") || p.pointee == UInt8(ascii: "-")) { p += 1 }
            guard p < end, JSONBytes.isDigit(p.pointee) else { throw unexpected("a digit in the exponent") }
            while p < end, JSONBytes.isDigit(p.pointee) { p += 1 }
        }
        if !isFloat && !overflow {
            if !negative && magnitude <= UInt64(Int64.max) {
                return try sink.integer(Int64(magnitude))
            }
            if negative && magnitude <= UInt64(Int64.max) + 1 {
                return try sink.integer(magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude))
            }
        }
        // Swift's conversion is locale-independent and correctly rounded.
        guard let value = Double(String(decoding: UnsafeRawBufferPointer(start: first, count: p - first), as: UTF8.self)),
              value.isFinite
        else { throw error("number out of range") }
        try sink.number(value)
    }
}

/// Byte-level helpers for reading and writing JSON text.
public enum JSONBytes {
    @usableFromInline static let ones: UInt64 = 0x0101_0101_0101_0101
    @usableFromInline static let highs: UInt64 = 0x8080_8080_8080_8080

    /// Whether any of the eight bytes in `w` is `"`, `\`, below 0x20, or 0x80 and above: the
    /// bytes a string scanner must look at one by one.
    @inlinable @inline(__always)
    public static func needsAttention(_ w: UInt64) -> Bool {
        let q = w ^ (ones &* 0x22), b = w ^ (ones &* 0x5C)
        let hits = ((q &- ones) & ~q) | ((b &- ones) & ~b) | (w &- ones &* 0x20) | w
        return hits & highs != 0
    }

    @inlinable @inline(__always)
    static func isDigit(_ c: UInt8) -> Bool { c &- UInt8(ascii: "0") < 10 }

    /// The length of the valid UTF-8 sequence at `p` (whose first byte is 0x80 or above), or 0.
    /// Rejects overlong forms, surrogates and code points above U+10FFFF.
    @inlinable
    public static func utf8SequenceLength(at p: UnsafePointer<UInt8>, end: UnsafePointer<UInt8>) -> Int {
        let c0 = p.pointee
        let available = end - p
        switch c0 {
        case 0xC2...0xDF:
            return available >= 2 && p[1] & 0xC0 == 0x80 ? 2 : 0
        case 0xE0...0xEF:
            guard available >= 3, p[1] & 0xC0 == 0x80, p[2] & 0xC0 == 0x80 else { return 0 }
            if c0 == 0xE0 && p[1] < 0xA0 { return 0 }  // overlong
            if c0 == 0xED && p[1] >= 0xA0 { return 0 }  // surrogate
            return 3
        case 0xF0...0xF4:
            guard available >= 4, p[1] & 0xC0 == 0x80, p[2] & 0xC0 == 0x80, p[3] & 0xC0 == 0x80 else { return 0 }
            if c0 == 0xF0 && p[1] < 0x90 { return 0 }  // overlong
            if c0 == 0xF4 && p[1] >= 0x90 { return 0 }  // above U+10FFFF
            return 4
        default:
            return 0
        }
    }

    /// Writes a scalar value as UTF-8 and returns the byte count.
    @usableFromInline
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
