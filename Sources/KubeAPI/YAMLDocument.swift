/// One YAML document read, as flat nodes in document order: a container's children follow it,
/// and it knows where they end. Scalars are resolved as go-yaml v2 resolves them; their text
/// stays in the input (`inInput`) or in `text` when it had to be made (escapes, folding).
@usableFromInline
struct YAMLDocument {
    @usableFromInline
    enum Kind: UInt8 {
        case null, bool, integer, float, string, sequence, mapping
        /// A node written where another was anchored (`value` is its index).
        case alias
        /// The `<<` merge key.
        case merge
        /// `.inf`, `-.inf`, `.nan`: read, but no JSON value can hold them.
        case nonFinite
    }

    @usableFromInline
    struct Node {
        @usableFromInline var kind: Kind
        /// Whether `start` is an offset into the input (else into `text`).
        @usableFromInline var inInput: Bool
        /// The node's line (1-based), for messages.
        @usableFromInline var line: Int32
        /// A scalar's text: its offset; a container: the index after its last descendant.
        @usableFromInline var start: Int32
        /// A scalar's text: its length; a container: how many children (mappings: pairs).
        @usableFromInline var length: Int32
        /// A bool (0 or 1), an integer, a float's bit pattern, an alias's target.
        @usableFromInline var value: Int64
    }

    @usableFromInline var nodes: [Node] = []
    @usableFromInline var text: [UInt8] = []

    /// The index after node `index` and its descendants.
    @inlinable
    func next(after index: Int) -> Int {
        let node = nodes[index]
        return node.kind == .sequence || node.kind == .mapping ? Int(node.start) : index + 1
    }
}

/// go-yaml v2's resolution of plain scalars (`resolve.go`), as Kubernetes reads YAML:
/// `y`/`yes`/`on`/`true` and their negations are booleans, `~`/`null`/empty is null, numbers
/// are what `strconv.ParseInt(s, 0, 64)` or the YAML float pattern take (underscores dropped),
/// everything else — timestamps and base-60 numbers included — is a string.
enum YAMLResolver {
    /// The kind and value of a plain scalar.
    static func resolve(_ s: UnsafeRawBufferPointer) -> (YAMLDocument.Kind, Int64) {
        guard let first = s.first else { return (.null, 0) }
        switch first {
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            return number(s) ?? (.string, 0)
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            if s.count == 5, let found = word(s) { return found }  // ±.inf
            return number(s) ?? (.string, 0)
        case UInt8(ascii: "."):
            if let found = word(s) { return found }
            return float(s, pattern: false).map { (.float, Int64(bitPattern: $0.bitPattern)) } ?? (.string, 0)
        case UInt8(ascii: "~"), UInt8(ascii: "n"), UInt8(ascii: "N"), UInt8(ascii: "y"), UInt8(ascii: "Y"), UInt8(ascii: "t"), UInt8(ascii: "T"),
             UInt8(ascii: "f"), UInt8(ascii: "F"), UInt8(ascii: "o"), UInt8(ascii: "O"):
            return word(s) ?? (.string, 0)
        default:
            return (.string, 0)
        }
    }

    /// go-yaml's map of words.
    static func word(_ s: UnsafeRawBufferPointer) -> (YAMLDocument.Kind, Int64)? {
        func any(_ words: StaticString...) -> Bool {
            words.contains { word in word.withUTF8Buffer { $0.count == s.count && $0.elementsEqual(s) } }
        }
        switch s.count {
        case 1:
            switch s[0] {
            case UInt8(ascii: "y"), UInt8(ascii: "Y"): return (.bool, 1)
            case UInt8(ascii: "n"), UInt8(ascii: "N"): return (.bool, 0)
            case UInt8(ascii: "~"): return (.null, 0)
            default: return nil
            }
        case 2:
            if any("on", "On", "ON") { return (.bool, 1) }
            if any("no", "No", "NO") { return (.bool, 0) }
        case 3:
            if any("yes", "Yes", "YES") { return (.bool, 1) }
            if any("off", "Off", "OFF") { return (.bool, 0) }
        case 4:
            if any("true", "True", "TRUE") { return (.bool, 1) }
            if any("null", "Null", "NULL") { return (.null, 0) }
            if any(".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF") { return (.nonFinite, 0) }
        case 5:
            if any("false", "False", "FALSE") { return (.bool, 0) }
            if any("+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF") { return (.nonFinite, 0) }
        default:
            break
        }
        return nil
    }

    /// An integer (`ParseInt(s, 0, 64)`, then `ParseUint`, beyond int64 as a float as the JSON
    /// reader does) or a float matching `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
    static func number(_ s: UnsafeRawBufferPointer) -> (YAMLDocument.Kind, Int64)? {
        guard s.contains(UInt8(ascii: "_")) else { return plainNumber(s) }
        let digits = s.filter { $0 != UInt8(ascii: "_") }
        return digits.withUnsafeBytes { plainNumber($0) }
    }

    static func plainNumber(_ s: UnsafeRawBufferPointer) -> (YAMLDocument.Kind, Int64)? {
        if let (magnitude, negative) = integer(s) {
            if !negative && magnitude <= UInt64(Int64.max) { return (.integer, Int64(magnitude)) }
            if negative && magnitude <= UInt64(Int64.max) { return (.integer, -Int64(magnitude)) }
            if negative && magnitude == UInt64(Int64.max) + 1 { return (.integer, Int64.min) }
            if !negative { return (.float, Int64(bitPattern: Double(magnitude).bitPattern)) }
        }
        return float(s, pattern: true).map { (.float, Int64(bitPattern: $0.bitPattern)) }
    }

    /// `strconv.ParseUint` with base 0 (0x, 0o, 0b, a leading 0 for octal) and an optional sign.
    static func integer(_ s: UnsafeRawBufferPointer) -> (UInt64, Bool)? {
        var i = 0, negative = false
        if i < s.count, s[i] == UInt8(ascii: "+") || s[i] == UInt8(ascii: "-") {
            negative = s[i] == UInt8(ascii: "-")
            i += 1
        }
        var base: UInt64 = 10
        if i + 1 < s.count, s[i] == UInt8(ascii: "0") {
            switch s[i + 1] | 0x20 {
            case UInt8(ascii: "x"): base = 16; i += 2
            case UInt8(ascii: "o"): base = 8; i += 2
            case UInt8(ascii: "b"): base = 2; i += 2
            default: base = 8; i += 1
            }
        }
        guard i < s.count else { return nil }
        var value: UInt64 = 0
        while i < s.count {
            let c = s[i]
            i += 1
            let digit: UInt64
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt64(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt64(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt64(c - UInt8(ascii: "A") + 10)
            default: return nil
            }
            guard digit < base else { return nil }
            let (shifted, overflow) = value.multipliedReportingOverflow(by: base)
            let (sum, carry) = shifted.addingReportingOverflow(digit)
            guard !overflow, !carry else { return nil }
            value = sum
        }
        return (value, negative)
    }

    /// A finite float; with `pattern`, only text matching go-yaml's float pattern. Out of range
    /// (`1e400`) is nil: go-yaml keeps such text a string.
    static func float(_ s: UnsafeRawBufferPointer, pattern: Bool) -> Double? {
        if pattern && !matchesFloatPattern(s) { return nil }
        let text = String(decoding: s, as: UTF8.self)
        guard !text.contains(where: { $0.isLetter && $0 != "e" && $0 != "E" }), let value = Double(text), value.isFinite else { return nil }
        return value
    }

    static func matchesFloatPattern(_ s: UnsafeRawBufferPointer) -> Bool {
        var i = 0
        func digits() -> Int {
            let from = i
            while i < s.count, s[i] >= UInt8(ascii: "0"), s[i] <= UInt8(ascii: "9") { i += 1 }
            return i - from
        }
        if i < s.count, s[i] == UInt8(ascii: "+") || s[i] == UInt8(ascii: "-") { i += 1 }
        if i < s.count, s[i] == UInt8(ascii: ".") {
            i += 1
            guard digits() > 0 else { return false }
        } else {
            guard digits() > 0 else { return false }
            if i < s.count, s[i] == UInt8(ascii: ".") {
                i += 1
                _ = digits()
            }
        }
        if i < s.count, s[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            if i < s.count, s[i] == UInt8(ascii: "+") || s[i] == UInt8(ascii: "-") { i += 1 }
            guard digits() > 0 else { return false }
        }
        return i == s.count
    }
}
