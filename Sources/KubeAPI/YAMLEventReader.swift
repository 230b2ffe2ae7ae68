import CYaml

/// The complete YAML 1.1 reader: libyaml's event parser (the copy Yams bundles) composing
/// `YAMLDocument`s — flow collections, anchors and aliases, tags, complex keys, every scalar
/// style. Input is read as bytes: invalid UTF-8 and unescaped control characters are refused
/// as go-yaml refuses them, and escapes such as `\uFEFF` are kept.
@usableFromInline
enum YAMLEventReader {
    /// Reads the documents of `input` and hands each to `body` as it ends. `input` may be the
    /// rest of a larger text, from its byte `firstByte` and line `firstLine` on: lines and
    /// offsets in nodes and messages count from the whole text's start.
    @usableFromInline
    static func read(_ input: UnsafeRawBufferPointer, firstByte: Int = 0, firstLine: Int32 = 1,
                     _ body: (inout YAMLDocument) throws(JSONError) -> Void) throws(JSONError) {
        let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
        defer { parser.deallocate() }
        guard yaml_parser_initialize(parser) != 0 else { throw JSONError("invalid YAML: out of memory") }
        defer { yaml_parser_delete(parser) }
        let empty: [UInt8] = [0]
        empty.withUnsafeBufferPointer { fallback in
            let base = input.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? fallback.baseAddress
            yaml_parser_set_input_string(parser, base, input.count)
        }
        var composer = Composer(lineOffset: Int(firstLine) - 1)
        var event = yaml_event_t()
        while true {
            guard yaml_parser_parse(parser, &event) != 0 else { throw failure(parser.pointee, firstByte: firstByte, firstLine: Int(firstLine)) }
            let ended: Bool
            do {
                ended = try composer.take(&event, body)
            } catch {
                yaml_event_delete(&event)
                throw error
            }
            yaml_event_delete(&event)
            if ended { return }
        }
    }

    /// libyaml's problem, with its line and column (1-based).
    static func failure(_ parser: yaml_parser_t, firstByte: Int, firstLine: Int) -> JSONError {
        let problem = parser.problem.map { String(cString: $0) } ?? "unknown problem"
        if parser.error == YAML_READER_ERROR { return JSONError("invalid YAML: \(problem) at byte \(parser.problem_offset + firstByte + 1)") }
        let mark = parser.problem_mark
        return JSONError("invalid YAML: \(problem) at line \(mark.line + firstLine), column \(mark.column + 1)")
    }

    /// Builds documents from events.
    struct Composer {
        /// Lines before the text being read.
        let lineOffset: Int
        var document = YAMLDocument()
        var anchors: [String: Int] = [:]
        /// Open containers: their node's index, how many children so far, and whether a mapping.
        var open: [(index: Int, children: Int, mapping: Bool)] = []

        /// Takes one event; true at the end of the stream.
        mutating func take(_ event: inout yaml_event_t, _ body: (inout YAMLDocument) throws(JSONError) -> Void) throws(JSONError) -> Bool {
            let line = Int32(clamping: Int(event.start_mark.line) + 1 + lineOffset)
            switch event.type {
            case YAML_STREAM_END_EVENT:
                return true
            case YAML_DOCUMENT_START_EVENT:
                document = YAMLDocument()
                anchors = [:]
            case YAML_DOCUMENT_END_EVENT:
                try body(&document)
            case YAML_SCALAR_EVENT:
                let scalar = event.data.scalar
                let bytes = UnsafeRawBufferPointer(start: scalar.value, count: scalar.length)
                anchor(scalar.anchor)
                try add(scalar: bytes, plain: scalar.style == YAML_PLAIN_SCALAR_STYLE, tag: scalar.tag.map { String(cString: $0) }, line: line)
            case YAML_SEQUENCE_START_EVENT:
                anchor(event.data.sequence_start.anchor)
                try begin(.sequence, line: line)
            case YAML_MAPPING_START_EVENT:
                anchor(event.data.mapping_start.anchor)
                try begin(.mapping, line: line)
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                guard let (index, children, mapping) = open.popLast() else { throw JSONError("invalid YAML: unbalanced collections") }
                document.nodes[index].start = Int32(clamping: document.nodes.count)
                document.nodes[index].length = Int32(clamping: mapping ? children / 2 : children)
            case YAML_ALIAS_EVENT:
                let name = event.data.alias.anchor.map { String(cString: $0) } ?? ""
                guard let target = anchors[name] else { throw JSONError("invalid YAML: unknown anchor '\(name)' referenced at line \(line)") }
                try append(YAMLDocument.Node(kind: .alias, inInput: false, line: line, start: 0, length: 0, value: Int64(target)))
            default:
                break
            }
            return false
        }

        mutating func anchor(_ name: UnsafeMutablePointer<yaml_char_t>?) {
            guard let name else { return }
            anchors[String(cString: name)] = document.nodes.count
        }

        /// Whether the next node is a mapping's key.
        var atKey: Bool {
            guard let last = open.last else { return false }
            return last.mapping && last.children % 2 == 0
        }

        mutating func append(_ node: YAMLDocument.Node) throws(JSONError) {
            guard document.nodes.count < Int32.max else { throw JSONError("invalid YAML: too many nodes") }
            if !open.isEmpty { open[open.count - 1].children += 1 }
            document.nodes.append(node)
        }

        mutating func begin(_ kind: YAMLDocument.Kind, line: Int32) throws(JSONError) {
            let index = document.nodes.count
            try append(YAMLDocument.Node(kind: kind, inInput: false, line: line, start: 0, length: 0, value: 0))
            open.append((index, 0, kind == .mapping))
        }

        mutating func add(scalar bytes: UnsafeRawBufferPointer, plain: Bool, tag: String?, line: Int32) throws(JSONError) {
            guard document.text.count + bytes.count < Int32.max else { throw JSONError("invalid YAML: the document is too large") }
            let start = Int32(document.text.count)
            document.text.append(contentsOf: bytes)
            var kind = YAMLDocument.Kind.string, value: Int64 = 0
            if atKey {
                let merge = tag == "tag:yaml.org,2002:merge" || (tag == nil && plain && bytes.elementsEqual("<<".utf8))
                kind = merge ? .merge : .string
            } else {
                (kind, value) = Self.resolve(bytes, plain: plain, tag: tag)
            }
            try append(YAMLDocument.Node(kind: kind, inInput: false, line: line, start: start, length: Int32(bytes.count), value: value))
        }

        /// A value scalar's kind: plain ones resolved, quoted ones strings, explicit tags obeyed
        /// where the text allows (`!!int "3"`), else strings.
        static func resolve(_ bytes: UnsafeRawBufferPointer, plain: Bool, tag: String?) -> (YAMLDocument.Kind, Int64) {
            guard let tag else { return plain ? YAMLResolver.resolve(bytes) : (.string, 0) }
            let resolved = YAMLResolver.resolve(bytes)
            switch tag {
            case "tag:yaml.org,2002:null": return resolved.0 == .null ? resolved : (.string, 0)
            case "tag:yaml.org,2002:bool": return resolved.0 == .bool ? resolved : (.string, 0)
            case "tag:yaml.org,2002:int": return resolved.0 == .integer ? resolved : (.string, 0)
            case "tag:yaml.org,2002:float":
                switch resolved.0 {
                case .float, .nonFinite: return resolved
                case .integer: return (.float, Int64(bitPattern: Double(resolved.1).bitPattern))
                default: return (.string, 0)
                }
            default: return (.string, 0)
            }
        }
    }
}
