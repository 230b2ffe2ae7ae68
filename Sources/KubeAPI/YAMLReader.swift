/// YAML text → values, read as Kubernetes reads YAML (go-yaml v2, YAML 1.1): `true`/`yes`/`on`
/// are booleans, `0x1F` and `0755` integers, `~` and empty values null, timestamps and base-60
/// numbers (`1:20`) stay strings; mapping keys become strings and `<<` merge keys are applied;
/// a key given twice is an error. What no JSON value holds (`.inf`, `.nan`) is refused, as
/// kubectl refuses it, so that whatever decodes also encodes. The values go to a `JSONSink`, as
/// the JSON parser's do, so the same reader builds `JSONValue`s (kubeconfigs, request bodies)
/// and Lua tables.
///
/// Input is read as bytes: invalid UTF-8 is refused, and escapes (`"\uFEFF"`) are kept. The
/// block style that tools write is read by `YAMLBlockReader`, in one pass over the bytes;
/// anything else by libyaml's event parser (`YAMLEventReader`), which reads all YAML allows.
public enum YAMLReader {
    /// Reads the documents of `input` into `sink`, one top-level value each, and returns how
    /// many; with `single`, exactly one must be there. Empty documents are skipped. Containers
    /// nest no deeper than `maxDepth`; aliases may not expand the text more than 64 times.
    @inlinable @discardableResult
    public static func read<Sink: JSONSink>(_ input: UnsafeRawBufferPointer, into sink: inout Sink, single: Bool,
                                            maxDepth: Int = 1000) throws(JSONError) -> Int {
        try read(input, into: &sink, single: single, maxDepth: maxDepth, blockReader: true)
    }

    /// Reads with libyaml alone unless `blockReader` (tests compare the two).
    @inlinable
    static func read<Sink: JSONSink>(_ input: UnsafeRawBufferPointer, into sink: inout Sink, single: Bool, maxDepth: Int,
                                     blockReader: Bool) throws(JSONError) -> Int {
        var documents = 0
        var budget = 64 * input.count + 100_000
        func write(_ document: inout YAMLDocument) throws(JSONError) {
            guard let root = document.nodes.first, !(root.kind == .null && root.length == 0 && document.nodes.count == 1) else { return }
            documents += 1
            if single && documents > 1 { throw JSONError("expected one YAML document, found more") }
            var writer = Writer(document: document, input: input, maxDepth: maxDepth, budget: budget)
            _ = try writer.write(0, to: &sink, depth: 0)
            budget = writer.budget
        }
        // the block reader goes as far as it can; libyaml reads the rest
        let rest = blockReader ? try YAMLBlockReader.read(input, write) : (0, 1)
        if let (offset, line) = rest {
            try YAMLEventReader.read(UnsafeRawBufferPointer(rebasing: input[offset...]), firstByte: offset, firstLine: line, write)
        }
        if single && documents == 0 { throw JSONError("expected one YAML document, found none") }
        return documents
    }

    /// Reads the documents of `text`.
    @discardableResult
    public static func read<Sink: JSONSink>(_ text: String, into sink: inout Sink, single: Bool, maxDepth: Int = 1000) throws(JSONError) -> Int {
        var text = text
        let result: Result<Int, JSONError> = text.withUTF8 { buffer in
            Result { () throws(JSONError) in try read(UnsafeRawBufferPointer(buffer), into: &sink, single: single, maxDepth: maxDepth) }
        }
        return try result.get()
    }

    /// Whether `text`, written as a plain scalar, reads back as that string (and not as a
    /// boolean, number or null, by go-yaml v2's rules): writers quote it otherwise.
    public static func readsAsString(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { YAMLResolver.resolve(UnsafeRawBufferPointer($0)).0 == .string }
    }

    /// The documents of `text` as values.
    public static func values(_ text: String) throws(JSONError) -> [JSONValue] {
        var builder = JSONValueBuilder()
        try read(text, into: &builder, single: false)
        return builder.results
    }

    /// The one document of `text` as a value.
    public static func value(_ text: String) throws(JSONError) -> JSONValue {
        var builder = JSONValueBuilder()
        try read(text, into: &builder, single: true)
        return builder.results.first ?? .null
    }

    /// Writes a document's nodes to a sink (inlinable, so that it is specialized for each sink).
    @usableFromInline
    struct Writer {
        @usableFromInline let document: YAMLDocument
        @usableFromInline let input: UnsafeRawBufferPointer
        @usableFromInline let maxDepth: Int
        @usableFromInline var budget: Int

        @inlinable
        init(document: YAMLDocument, input: UnsafeRawBufferPointer, maxDepth: Int, budget: Int) {
            self.document = document
            self.input = input
            self.maxDepth = maxDepth
            self.budget = budget
        }

        /// The text of scalar node `node`.
        @inlinable
        func text<R>(_ node: YAMLDocument.Node, _ body: (UnsafeRawBufferPointer) throws(JSONError) -> R) throws(JSONError) -> R {
            let start = Int(node.start), count = Int(node.length)
            if node.inInput { return try body(UnsafeRawBufferPointer(rebasing: input[start..<(start + count)])) }
            let result: Result<R, JSONError> = document.text.withUnsafeBytes { bytes in
                Result { () throws(JSONError) in try body(UnsafeRawBufferPointer(rebasing: bytes[start..<(start + count)])) }
            }
            return try result.get()
        }

        /// Writes node `index` (following aliases) and returns the index after it.
        @inlinable
        mutating func write<Sink: JSONSink>(_ index: Int, to sink: inout Sink, depth: Int) throws(JSONError) -> Int {
            guard depth < maxDepth else { throw JSONError("invalid YAML: nested deeper than \(maxDepth) levels") }
            budget -= 1
            guard budget > 0 else { throw JSONError("invalid YAML: the document expands too much (aliases)") }
            try sink.willRead()
            let node = document.nodes[index]
            switch node.kind {
            case .null: try sink.null()
            case .bool: try sink.bool(node.value != 0)
            case .integer: try sink.integer(node.value)
            case .float: try sink.number(Double(bitPattern: UInt64(bitPattern: node.value)))
            case .string, .merge: try text(node) { (bytes) throws(JSONError) in try sink.string(bytes, borrowed: false) }
            case .nonFinite:
                let shown = try text(node) { String(decoding: $0, as: UTF8.self) }
                throw JSONError("invalid YAML: \(shown) at line \(node.line) is not a number JSON can hold")
            case .alias:
                _ = try write(Int(node.value), to: &sink, depth: depth)
            case .sequence:
                try sink.beginArray()
                var child = index + 1
                for _ in 0..<node.length { child = try write(child, to: &sink, depth: depth + 1) }
                try sink.endArray(count: Int(node.length))
            case .mapping:
                let pairs = try self.pairs(of: index, depth: depth)
                try sink.beginObject()
                for (key, value) in pairs {
                    try sink.willRead()
                    try text(document.nodes[key]) { (bytes) throws(JSONError) in try sink.string(bytes, borrowed: false) }
                    _ = try write(value, to: &sink, depth: depth + 1)
                }
                try sink.endObject(count: pairs.count)
            }
            return document.next(after: index)
        }

        /// The node a node stands for (an alias's target).
        @inlinable
        func target(_ index: Int) -> Int {
            var index = index
            while document.nodes[index].kind == .alias { index = Int(document.nodes[index].value) }
            return index
        }

        /// A mapping's (key, value) node indexes with `<<` merge keys applied: explicit keys win
        /// over merged ones, and earlier merged mappings over later ones. A key given twice is an
        /// error. Merging counts against the same budget as values, and nests no deeper.
        @inlinable
        mutating func pairs(of mapping: Int, depth: Int) throws(JSONError) -> [(Int, Int)] {
            guard depth < maxDepth else { throw JSONError("invalid YAML: merges nested deeper than \(maxDepth) levels") }
            let node = document.nodes[mapping]
            budget -= Int(node.length)
            guard budget > 0 else { throw JSONError("invalid YAML: the document expands too much (aliases)") }
            var explicit: [(Int, Int)] = []
            explicit.reserveCapacity(Int(node.length))
            var merges: [Int] = []
            var child = mapping + 1
            for _ in 0..<node.length {
                let key = target(child)
                let value = document.next(after: child)
                child = document.next(after: value)
                switch document.nodes[key].kind {
                case .merge:
                    let merged = target(value)
                    switch document.nodes[merged].kind {
                    case .mapping: merges.append(merged)
                    case .sequence:
                        var item = merged + 1
                        for _ in 0..<document.nodes[merged].length {
                            let source = target(item)
                            guard document.nodes[source].kind == .mapping else { throw JSONError("invalid YAML: '<<' takes mappings") }
                            merges.append(source)
                            item = document.next(after: item)
                        }
                    default: throw JSONError("invalid YAML: '<<' takes mappings")
                    }
                case .sequence, .mapping:
                    throw JSONError("invalid YAML: a mapping key must be a scalar (line \(document.nodes[key].line))")
                default:
                    explicit.append((key, value))
                }
            }
            try checkUnique(explicit)
            guard !merges.isEmpty else { return explicit }
            var seen = Set<[UInt8]>()
            for (key, _) in explicit { seen.insert(try text(document.nodes[key]) { Array($0) }) }
            for source in merges {
                for (key, value) in try pairs(of: source, depth: depth + 1) {
                    let name = try text(document.nodes[key]) { Array($0) }
                    if seen.insert(name).inserted { explicit.append((key, value)) }
                }
            }
            return explicit
        }

        /// go-yaml's "key already set in map".
        @inlinable
        func checkUnique(_ pairs: [(Int, Int)]) throws(JSONError) {
            guard pairs.count > 1 else { return }
            func equal(_ a: Int, _ b: Int) throws(JSONError) -> Bool {
                let (x, y) = (document.nodes[a], document.nodes[b])
                guard x.length == y.length else { return false }
                return try text(x) { (first) throws(JSONError) in try text(y) { first.elementsEqual($0) } }
            }
            if pairs.count <= 8 {
                for i in 1..<pairs.count {
                    for j in 0..<i where try equal(pairs[i].0, pairs[j].0) { throw duplicate(pairs[i].0) }
                }
                return
            }
            var seen = Set<[UInt8]>()
            for (key, _) in pairs where !seen.insert(try text(document.nodes[key]) { Array($0) }).inserted { throw duplicate(key) }
        }

        @inlinable
        func duplicate(_ key: Int) -> JSONError {
            let node = document.nodes[key]
            let name = (try? text(node) { String(decoding: $0, as: UTF8.self) }) ?? ""
            return JSONError("invalid YAML: line \(node.line): key \"\(name)\" already set in map")
        }
    }
}
