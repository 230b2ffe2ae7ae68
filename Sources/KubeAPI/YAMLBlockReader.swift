/// A fast reader for the block-style YAML that kubectl, Helm, controller-gen and go-yaml write:
/// block mappings and sequences (compact ones too), plain, single- and double-quoted scalars
/// (multi-line, folded as YAML folds them), literal block scalars (`|`, `|-`, `|+`), `[]` and
/// `{}`, comments and `---` between documents.
///
/// It reads the bytes once, with no event objects or allocations per scalar, and gives the
/// same `YAMLDocument`s libyaml's parser composes. Whatever it is not sure of — anchors and
/// aliases, tags, flow collections with content, folded scalars, tabs, carriage returns,
/// control characters, invalid UTF-8, any error — makes it give up (nil), and the caller reads
/// the whole input with libyaml (`YAMLEventReader`), which also words the errors.
@usableFromInline
struct YAMLBlockReader {
    /// Gives up: the input is outside what this reader takes.
    struct Unsupported: Error {}

    let s: UnsafeRawBufferPointer
    let n: Int
    /// The reading position, and the start of its line.
    var pos = 0
    var lineStart = 0
    /// The line `pos` is on (1-based).
    var line: Int32 = 1
    var document = YAMLDocument()
    var depth = 0
    /// Containers nest no deeper here (deeper input goes to libyaml, whose composer does not recurse).
    static let maxDepth = 256

    /// Reads the documents of `input` one by one and hands each (empty ones skipped) to `body`.
    /// Returns nil when it read them all, else where libyaml must take over: the start (byte
    /// offset and line) of the first document it could not read.
    @usableFromInline
    static func read(_ input: UnsafeRawBufferPointer,
                     _ body: (inout YAMLDocument) throws(JSONError) -> Void) throws(JSONError) -> (offset: Int, line: Int32)? {
        guard input.count < Int(Int32.max), isPlainText(input) else { return (0, 1) }
        var reader = YAMLBlockReader(s: input, n: input.count)
        while true {
            let start = (reader.pos, reader.line)
            let document: YAMLDocument?
            do {
                document = try reader.nextDocument()
            } catch {
                return start
            }
            guard var document else { return nil }
            try body(&document)
        }
    }

    /// Whether `input` holds only line feeds, printable ASCII and valid printable UTF-8 (no
    /// tabs, carriage returns, other control characters, byte order marks).
    static func isPlainText(_ input: UnsafeRawBufferPointer) -> Bool {
        var i = 0
        let n = input.count
        while i < n {
            let c = input[i]
            if c >= 0x20 && c < 0x7F || c == 0x0A {
                i += 1
                continue
            }
            guard c >= 0xC2 else { return false }
            let length = c < 0xE0 ? 2 : c < 0xF0 ? 3 : c < 0xF5 ? 4 : 0
            guard length > 0, i + length <= n else { return false }
            var scalar = UInt32(c) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
            for k in 1..<length {
                let next = input[i + k]
                guard next & 0xC0 == 0x80 else { return false }
                scalar = scalar << 6 | UInt32(next & 0x3F)
            }
            let shortest: UInt32 = length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000
            // YAML's printable set, less the byte order mark
            guard scalar >= shortest, scalar <= 0x10FFFF, scalar >= 0xA0 || scalar == 0x85,
                  !(0xD800...0xDFFF).contains(scalar), scalar != 0xFEFF, scalar != 0xFFFE, scalar != 0xFFFF else { return false }
            i += length
        }
        return true
    }

    // MARK: Lines

    func byte(_ p: Int) -> UInt8 { p < n ? s[p] : 0x0A }
    func atBreak(_ p: Int) -> Bool { p >= n || s[p] == 0x0A }
    /// A space, a line break or the end.
    func atBlank(_ p: Int) -> Bool { p >= n || s[p] == 0x20 || s[p] == 0x0A }

    func endOfLine(_ p: Int) -> Int {
        var p = p
        while p < n && s[p] != 0x0A { p += 1 }
        return p
    }

    func spaces(from p: Int) -> Int {
        var q = p
        while q < n && s[q] == 0x20 { q += 1 }
        return q - p
    }

    /// Moves to the start of the next line.
    mutating func nextLine() {
        pos = endOfLine(pos)
        if pos < n {
            pos += 1
            line += 1
        }
        lineStart = pos
    }

    /// `---` or `...` at the start of the line at `p`.
    func isDocumentMarker(_ p: Int) -> Bool {
        guard p + 2 < n else { return false }
        let c = s[p]
        return (c == UInt8(ascii: "-") || c == UInt8(ascii: ".")) && s[p + 1] == c && s[p + 2] == c && atBlank(p + 3)
    }

    /// From a line start: skips blank and comment lines and returns the indentation of the next
    /// line with content, or nil at the end of the input or a document marker.
    mutating func nextContent() -> Int? {
        while pos < n {
            let indent = spaces(from: pos)
            let q = pos + indent
            if q < n && s[q] != 0x0A && s[q] != UInt8(ascii: "#") {
                return indent == 0 && isDocumentMarker(q) ? nil : indent
            }
            nextLine()
        }
        return nil
    }

    /// After a value on the current line: only spaces and a comment may follow.
    mutating func finishLine(at p: Int) throws(Unsupported) {
        let q = p + spaces(from: p)
        guard atBreak(q) || (s[q] == UInt8(ascii: "#") && q > p) else { throw Unsupported() }
        pos = q
        nextLine()
    }

    // MARK: Documents

    /// The next document with content, or nil at the end of the input.
    mutating func nextDocument() throws(Unsupported) -> YAMLDocument? {
        while true {
            guard let indent = nextContent() else {
                guard pos < n else { return nil }
                // a document marker: `---` alone (or with a comment) starts the next document
                guard s[pos] == UInt8(ascii: "-") else { throw Unsupported() }
                try finishLine(at: pos + 3)
                continue
            }
            let first = pos + indent
            if indent == 0 && s[first] == UInt8(ascii: "%") { throw Unsupported() }  // directives
            document = YAMLDocument()
            depth = 0
            try block(at: first, parentIndent: -1)
            guard nextContent() == nil else { throw Unsupported() }  // more after the top node
            if pos < n && s[pos] == UInt8(ascii: ".") { throw Unsupported() }  // `...`: libyaml reads from this document on
            return document
        }
    }

    /// A node that starts a line (at `p`, its indentation past `parentIndent`).
    mutating func block(at p: Int, parentIndent: Int) throws(Unsupported) {
        let column = p - lineStart
        if isSequenceEntry(p) {
            try sequence(column: column)
        } else if isMappingEntry(p) {
            try mapping(firstKey: p, column: column)
        } else {
            try value(at: p, parentIndent: parentIndent, compactMapping: false)
        }
    }

    /// A node after `key:` or `- ` on the same line (at `p`, or on the next lines when the
    /// line ends there). A sequence may sit at the mapping's own indentation (`sequenceAt`).
    mutating func inlineValue(at p: Int, parentIndent: Int, sequenceAt: Int?, line keyLine: Int32) throws(Unsupported) {
        guard atBreak(p) || s[p] == UInt8(ascii: "#") else {
            return try value(at: p, parentIndent: parentIndent, compactMapping: sequenceAt == nil)
        }
        pos = p
        nextLine()
        if let indent = nextContent() {
            let first = pos + indent
            if indent > parentIndent {
                return try block(at: first, parentIndent: parentIndent)
            }
            if indent == sequenceAt && isSequenceEntry(first) {
                return try sequence(column: indent)
            }
        }
        append(.null, line: keyLine)
    }

    /// A node starting at `p` that is not a block collection on its own line: a scalar, `[]`,
    /// `{}`, or (in a sequence entry) a compact mapping.
    mutating func value(at p: Int, parentIndent: Int, compactMapping: Bool) throws(Unsupported) {
        switch s[p] {
        case UInt8(ascii: "|"):
            try literal(at: p, parentIndent: parentIndent)
        case UInt8(ascii: "'"), UInt8(ascii: "\""):
            if isMappingEntry(p) {
                guard compactMapping else { throw Unsupported() }
                return try mapping(firstKey: p, column: p - lineStart)
            }
            let end = try quoted(at: p, parentIndent: parentIndent, key: false)
            try finishLine(at: end)
        case UInt8(ascii: "["), UInt8(ascii: "{"):
            try finishLine(at: try flow(at: p))
        default:
            guard startsPlain(p) else { throw Unsupported() }
            if isMappingEntry(p) {
                guard compactMapping else { throw Unsupported() }
                return try mapping(firstKey: p, column: p - lineStart)
            }
            if isSequenceEntry(p) { throw Unsupported() }  // `- - a`
            try plain(at: p, parentIndent: parentIndent)
        }
    }

    /// `- ` or `-` at the end of a line.
    func isSequenceEntry(_ p: Int) -> Bool { s[p] == UInt8(ascii: "-") && atBlank(p + 1) }

    /// Whether a plain scalar may start at `p` (not an indicator).
    func startsPlain(_ p: Int) -> Bool {
        switch s[p] {
        case UInt8(ascii: "-"), UInt8(ascii: "?"), UInt8(ascii: ":"):
            return !atBlank(p + 1)
        case UInt8(ascii: ","), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "#"),
             UInt8(ascii: "&"), UInt8(ascii: "*"), UInt8(ascii: "!"), UInt8(ascii: "|"), UInt8(ascii: ">"), UInt8(ascii: "'"),
             UInt8(ascii: "\""), UInt8(ascii: "%"), UInt8(ascii: "@"), UInt8(ascii: "`"):
            return false
        default:
            return true
        }
    }

    /// Whether the line at `p` is a mapping entry: a plain or one-line quoted key, then `:` and
    /// a space or the end of the line.
    func isMappingEntry(_ p: Int) -> Bool {
        let c = s[p]
        if c == UInt8(ascii: "'") || c == UInt8(ascii: "\"") {
            var q = p + 1
            while q < n && s[q] != 0x0A {
                if s[q] == UInt8(ascii: "\\") && c == UInt8(ascii: "\"") {
                    q += 2
                    continue
                }
                if s[q] == c {
                    if c == UInt8(ascii: "'") && byte(q + 1) == c {
                        q += 2
                        continue
                    }
                    let colon = q + 1 + spaces(from: q + 1)
                    return byte(colon) == UInt8(ascii: ":") && atBlank(colon + 1)
                }
                q += 1
            }
            return false
        }
        guard startsPlain(p) else { return false }
        var q = p
        while q < n && s[q] != 0x0A {
            if s[q] == UInt8(ascii: ":") && atBlank(q + 1) { return true }
            if s[q] == UInt8(ascii: "#") && s[q - 1] == 0x20 { return false }
            q += 1
        }
        return false
    }

    // MARK: Collections

    mutating func enter() throws(Unsupported) {
        depth += 1
        guard depth <= Self.maxDepth else { throw Unsupported() }
    }

    /// Entries `- ` at `column`, from the current line.
    mutating func sequence(column: Int) throws(Unsupported) {
        try enter()
        let index = begin(.sequence)
        var count = 0
        while true {
            let dash = lineStart + column
            let itemLine = line
            try inlineValue(at: dash + 1 + spaces(from: dash + 1), parentIndent: column, sequenceAt: nil, line: itemLine)
            count += 1
            guard let indent = nextContent() else { break }
            if indent > column { throw Unsupported() }
            guard indent == column, isSequenceEntry(pos + indent) else { break }
        }
        end(index, count: count)
        depth -= 1
    }

    /// Entries `key: value` at `column`, the first at `firstKey` (which may follow `- `).
    mutating func mapping(firstKey: Int, column: Int) throws(Unsupported) {
        try enter()
        let index = begin(.mapping)
        var count = 0
        var p = firstKey
        while true {
            let keyLine = line
            let afterColon = try key(at: p)
            try inlineValue(at: afterColon + spaces(from: afterColon), parentIndent: column, sequenceAt: column, line: keyLine)
            count += 1
            guard let indent = nextContent(), indent >= column else { break }
            guard indent == column, isMappingEntry(pos + indent) else { throw Unsupported() }
            p = pos + indent
        }
        end(index, count: count)
        depth -= 1
    }

    /// A mapping key at `p`; returns the position after its `:`.
    mutating func key(at p: Int) throws(Unsupported) -> Int {
        if s[p] == UInt8(ascii: "'") || s[p] == UInt8(ascii: "\"") {
            let end = try quoted(at: p, parentIndent: -1, key: true)
            let colon = end + spaces(from: end)
            return colon + 1
        }
        var q = p
        while !(s[q] == UInt8(ascii: ":") && atBlank(q + 1)) {
            q += 1
            guard q < n else { throw Unsupported() }
        }
        var last = q
        while last > p && s[last - 1] == 0x20 { last -= 1 }
        guard last - p <= 1024 else { throw Unsupported() }  // libyaml's limit for simple keys
        let merge = last - p == 2 && s[p] == UInt8(ascii: "<") && s[p + 1] == UInt8(ascii: "<")
        appendText(merge ? .merge : .string, from: p, to: last)
        return q + 1
    }

    // MARK: Scalars

    /// A plain scalar from `p`, with the lines that continue it (indented past `parentIndent`),
    /// folded: one line break becomes a space, each further one a line feed.
    mutating func plain(at p: Int, parentIndent: Int) throws(Unsupported) {
        let scalarLine = line
        let firstEnd = plainLineEnd(from: p)
        var end = firstEnd
        pos = end
        let commented = !atBreak(end + spaces(from: end))
        var folded: [UInt8]? = nil
        nextLine()
        while !commented {
            // blank lines, then a continuation line more indented than the parent
            var breaks = 0
            let mark = (pos, lineStart, line)
            while pos < n && atBreak(pos + spaces(from: pos)) {
                breaks += 1
                nextLine()
            }
            let indent = spaces(from: pos)
            let q = pos + indent
            guard pos < n, indent > parentIndent, s[q] != UInt8(ascii: "#"), !(indent == 0 && isDocumentMarker(q)) else {
                (pos, lineStart, line) = mark
                break
            }
            if isSequenceEntry(q) || isMappingEntry(q) { throw Unsupported() }
            let lineEnd = plainLineEnd(from: q)
            guard atBreak(lineEnd + spaces(from: lineEnd)) else { throw Unsupported() }  // a comment after a continuation
            if folded == nil { folded = Array(s[p..<end]) }
            if breaks == 0 { folded?.append(0x20) } else { folded?.append(contentsOf: repeatElement(0x0A, count: breaks)) }
            folded?.append(contentsOf: s[q..<lineEnd])
            end = lineEnd
            pos = lineEnd
            nextLine()
        }
        if let folded {
            let start = document.text.count
            document.text.append(contentsOf: folded)
            let (kind, value) = document.text.withUnsafeBytes { YAMLResolver.resolve(UnsafeRawBufferPointer(rebasing: $0[start...])) }
            append(YAMLDocument.Node(kind: kind, inInput: false, line: scalarLine, start: Int32(start), length: Int32(folded.count), value: value))
        } else {
            let text = UnsafeRawBufferPointer(rebasing: s[p..<firstEnd])
            let (kind, value) = YAMLResolver.resolve(text)
            append(YAMLDocument.Node(kind: kind, inInput: true, line: scalarLine, start: Int32(p), length: Int32(text.count), value: value))
        }
    }

    /// Where a plain scalar's text ends on its line: before ` #`, trailing spaces dropped.
    /// A `: ` inside is refused (only a key may hold one).
    func plainLineEnd(from p: Int) -> Int {
        var q = p
        while q < n && s[q] != 0x0A {
            if s[q] == UInt8(ascii: "#") && s[q - 1] == 0x20 { break }
            q += 1
        }
        while q > p && s[q - 1] == 0x20 { q -= 1 }
        return q
    }

    /// A flow collection (`[...]` or `{...}`) on one line at `p`: plain and one-line quoted
    /// scalars, nested collections, mappings of `key: value` pairs. Returns the position after it.
    mutating func flow(at p: Int) throws(Unsupported) -> Int {
        try enter()
        let mapping = s[p] == UInt8(ascii: "{")
        let close = mapping ? UInt8(ascii: "}") : UInt8(ascii: "]")
        let index = begin(mapping ? .mapping : .sequence)
        var count = 0
        var q = p + 1
        while true {
            q += spaces(from: q)
            guard q < n, s[q] != 0x0A else { throw Unsupported() }  // over more than one line
            if s[q] == close { break }
            if count > 0 {
                guard s[q] == UInt8(ascii: ",") else { throw Unsupported() }
                q += 1
                q += spaces(from: q)
                if byte(q) == close { break }  // a trailing comma
            }
            if mapping {
                q = try flowNode(at: q, key: true)
                q += spaces(from: q)
                guard byte(q) == UInt8(ascii: ":"), byte(q + 1) == 0x20 else { throw Unsupported() }
                q += 2 + spaces(from: q + 2)
                guard byte(q) != UInt8(ascii: ","), byte(q) != close else { throw Unsupported() }  // no value
            }
            q = try flowNode(at: q, key: false)
            count += 1
        }
        end(index, count: count)
        depth -= 1
        return q + 1
    }

    /// A node inside a flow collection at `p`; returns the position after it.
    mutating func flowNode(at p: Int, key: Bool) throws(Unsupported) -> Int {
        switch byte(p) {
        case UInt8(ascii: "["), UInt8(ascii: "{"):
            guard !key else { throw Unsupported() }
            return try flow(at: p)
        case UInt8(ascii: "'"), UInt8(ascii: "\""):
            return try quoted(at: p, parentIndent: -1, key: true)  // on one line, as a key
        default:
            guard startsPlain(p) else { throw Unsupported() }
            var q = p
            while q < n {
                let c = s[q]
                if c == 0x0A || c == UInt8(ascii: ",") || c == UInt8(ascii: "[") || c == UInt8(ascii: "]") || c == UInt8(ascii: "{")
                    || c == UInt8(ascii: "}") || c == UInt8(ascii: "?") { break }
                if c == UInt8(ascii: ":") {
                    guard atBlank(q + 1) else { throw Unsupported() }  // `a:b` and `a:,` read differently by YAML versions
                    break
                }
                if c == UInt8(ascii: "#") && s[q - 1] == 0x20 { throw Unsupported() }
                q += 1
            }
            var last = q
            while last > p && s[last - 1] == 0x20 { last -= 1 }
            if key {
                let merge = last - p == 2 && s[p] == UInt8(ascii: "<") && s[p + 1] == UInt8(ascii: "<")
                appendText(merge ? .merge : .string, from: p, to: last)
            } else {
                if byte(q) == UInt8(ascii: ":") { throw Unsupported() }  // a pair inside a sequence
                let text = UnsafeRawBufferPointer(rebasing: s[p..<last])
                let (kind, value) = YAMLResolver.resolve(text)
                append(YAMLDocument.Node(kind: kind, inInput: true, line: line, start: Int32(p), length: Int32(last - p), value: value))
            }
            return q
        }
    }

    /// A single- or double-quoted scalar at `p`; returns the position after its closing quote.
    /// Line breaks fold as in plain scalars; a key must fit on one line.
    mutating func quoted(at p: Int, parentIndent: Int, key: Bool) throws(Unsupported) -> Int {
        let quote = s[p]
        let double = quote == UInt8(ascii: "\"")
        let scalarLine = line
        var text: [UInt8] = []
        var simple = true  // no escape, no fold: the input's own bytes
        var kept = 0  // text up to here is not trailing white space to drop at a fold
        var q = p + 1
        while true {
            guard q < n else { throw Unsupported() }
            let c = s[q]
            if c == quote {
                if !double && byte(q + 1) == quote {
                    simple = false
                    text.append(quote)
                    kept = text.count
                    q += 2
                    continue
                }
                break
            }
            if double && c == UInt8(ascii: "\\") {
                simple = false
                q += 1
                guard q < n else { throw Unsupported() }
                if s[q] == 0x0A { throw Unsupported() }  // an escaped line break
                try escape(at: &q, into: &text)
                kept = text.count
                continue
            }
            if c == 0x0A {
                guard !key else { throw Unsupported() }
                simple = false
                text.removeSubrange(kept...)
                pos = q
                var breaks = 0
                repeat {
                    nextLine()
                    breaks += 1
                } while pos < n && atBreak(pos + spaces(from: pos))
                let indent = spaces(from: pos)
                guard pos < n, indent > parentIndent, !(indent == 0 && isDocumentMarker(pos)) else { throw Unsupported() }
                if breaks == 1 { text.append(0x20) } else { text.append(contentsOf: repeatElement(0x0A, count: breaks - 1)) }
                kept = text.count
                q = pos + indent
                continue
            }
            text.append(c)
            if c != 0x20 { kept = text.count }
            q += 1
        }
        if simple {
            appendText(.string, from: p + 1, to: q, line: scalarLine)
        } else {
            let start = document.text.count
            document.text.append(contentsOf: text)
            append(YAMLDocument.Node(kind: .string, inInput: false, line: scalarLine, start: Int32(start), length: Int32(text.count), value: 0))
        }
        return q + 1
    }

    /// A double-quoted scalar's escape after `\` at `q`: appended as UTF-8, `q` moved past it.
    func escape(at q: inout Int, into text: inout [UInt8]) throws(Unsupported) {
        let c = s[q]
        q += 1
        var hexDigits = 0
        switch c {
        case UInt8(ascii: "0"): text.append(0x00)
        case UInt8(ascii: "a"): text.append(0x07)
        case UInt8(ascii: "b"): text.append(0x08)
        case UInt8(ascii: "t"): text.append(0x09)
        case UInt8(ascii: "n"): text.append(0x0A)
        case UInt8(ascii: "v"): text.append(0x0B)
        case UInt8(ascii: "f"): text.append(0x0C)
        case UInt8(ascii: "r"): text.append(0x0D)
        case UInt8(ascii: "e"): text.append(0x1B)
        case 0x20, UInt8(ascii: "\""), UInt8(ascii: "/"), UInt8(ascii: "\\"): text.append(c)
        case UInt8(ascii: "N"): text.append(contentsOf: [0xC2, 0x85])
        case UInt8(ascii: "_"): text.append(contentsOf: [0xC2, 0xA0])
        case UInt8(ascii: "L"): text.append(contentsOf: [0xE2, 0x80, 0xA8])
        case UInt8(ascii: "P"): text.append(contentsOf: [0xE2, 0x80, 0xA9])
        case UInt8(ascii: "x"): hexDigits = 2
        case UInt8(ascii: "u"): hexDigits = 4
        case UInt8(ascii: "U"): hexDigits = 8
        default: throw Unsupported()
        }
        guard hexDigits > 0 else { return }
        var value: UInt32 = 0
        for _ in 0..<hexDigits {
            guard q < n, let digit = Self.hexValue(s[q]) else { throw Unsupported() }
            value = value << 4 | digit
            q += 1
        }
        guard let scalar = Unicode.Scalar(value) else { throw Unsupported() }  // surrogates, past U+10FFFF
        text.append(contentsOf: UTF8.encode(scalar).map(Array.init) ?? [])
    }

    static func hexValue(_ c: UInt8) -> UInt32? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(c - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(c - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(c - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    /// A literal block scalar (`|`, `|-`, `|+`) whose header is at `p`; its lines are indented
    /// as its first line with content, which must be past `parentIndent`.
    mutating func literal(at p: Int, parentIndent: Int) throws(Unsupported) {
        let scalarLine = line
        var q = p + 1
        var chomp: UInt8 = 0
        if q < n && (s[q] == UInt8(ascii: "-") || s[q] == UInt8(ascii: "+")) {
            chomp = s[q]
            q += 1
        }
        guard atBlank(q) else { throw Unsupported() }  // an indentation indicator, or more
        try finishLine(at: q)
        // leading empty lines, and the indentation of the first line with content
        var leadingSpaces = 0
        var probe = pos
        while probe < n {
            let indent = spaces(from: probe)
            guard atBreak(probe + indent) else { break }
            leadingSpaces = max(leadingSpaces, indent)
            probe = probe + indent + 1
        }
        let firstIndent = probe < n ? spaces(from: probe) : 0
        let indent = max(firstIndent, parentIndent + 1, 1)
        guard leadingSpaces <= indent else { throw Unsupported() }
        var text: [UInt8] = []
        var pending = 0  // line breaks not yet written
        var content = false
        while pos < n {
            let spaces = spaces(from: pos)
            let lineEnd = endOfLine(pos)
            if pos + spaces == lineEnd && spaces <= indent {
                pending += lineEnd < n ? 1 : 0
            } else if spaces >= indent {
                text.append(contentsOf: repeatElement(0x0A, count: pending))
                text.append(contentsOf: s[(pos + indent)..<lineEnd])
                pending = lineEnd < n ? 1 : 0
                content = true
            } else {
                break
            }
            pos = lineEnd
            nextLine()
        }
        switch chomp {
        case UInt8(ascii: "-"): break
        case UInt8(ascii: "+"): text.append(contentsOf: repeatElement(0x0A, count: pending))
        default: if content && pending > 0 { text.append(0x0A) }
        }
        let start = document.text.count
        document.text.append(contentsOf: text)
        append(YAMLDocument.Node(kind: .string, inInput: false, line: scalarLine, start: Int32(start), length: Int32(text.count), value: 0))
    }

    // MARK: Nodes

    mutating func append(_ node: YAMLDocument.Node) {
        document.nodes.append(node)
    }

    mutating func append(_ kind: YAMLDocument.Kind, line: Int32) {
        append(YAMLDocument.Node(kind: kind, inInput: true, line: line, start: 0, length: 0, value: 0))
    }

    mutating func appendText(_ kind: YAMLDocument.Kind, from start: Int, to end: Int, line: Int32? = nil) {
        append(YAMLDocument.Node(kind: kind, inInput: true, line: line ?? self.line, start: Int32(start), length: Int32(end - start), value: 0))
    }

    mutating func begin(_ kind: YAMLDocument.Kind) -> Int {
        append(kind, line: line)
        return document.nodes.count - 1
    }

    mutating func end(_ index: Int, count: Int) {
        document.nodes[index].start = Int32(document.nodes.count)
        document.nodes[index].length = Int32(count)
    }
}
