import Foundation
import XCTest
@testable import KubeAPI

/// The fast block reader against libyaml: on every input it takes it must give exactly what
/// libyaml's composer gives, and it must never take an input libyaml refuses. Inputs: tricky
/// cases written by hand, the repository's YAML files, and thousands of random documents
/// (valid and not) from a seeded generator. It must also take what tools write.
final class YAMLBlockReaderTests: KubeScriptTestCase {
    /// The reading of `text` with the block reader first (and whether it read all of it), and
    /// libyaml's alone.
    func readings(_ text: String) -> (taken: Bool, combined: Result<[JSONValue], JSONError>, reference: Result<[JSONValue], JSONError>) {
        var text = text
        return text.withUTF8 { utf8 in
            let input = UnsafeRawBufferPointer(utf8)
            func read(_ block: Bool) -> Result<[JSONValue], JSONError> {
                var builder = JSONValueBuilder()
                return Result { () throws(JSONError) in
                    _ = try YAMLReader.read(input, into: &builder, single: false, maxDepth: 1000, blockReader: block)
                    return builder.results
                }
            }
            var taken: Bool
            do {
                taken = try YAMLBlockReader.read(input) { _ in } == nil
            } catch {
                taken = false
            }
            return (taken, read(true), read(false))
        }
    }

    /// Checks one input; returns whether the block reader read all of it.
    @discardableResult
    func check(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> Bool {
        let (taken, combined, reference) = readings(text)
        switch (combined, reference) {
        case (.success(let fast), .success(let expected)):
            XCTAssertEqual(fast, expected, "different readings of:\n\(text)", file: file, line: line)
        case (.success, .failure(let error)):
            XCTFail("read, but libyaml refuses it (\(error)):\n\(text)", file: file, line: line)
        case (.failure(let error), .failure(let expected)):
            XCTAssertEqual(String(describing: error), String(describing: expected), "different errors for:\n\(text)", file: file, line: line)
        case (.failure(let error), .success):
            XCTFail("fails (\(error)) where libyaml's reading succeeds:\n\(text)", file: file, line: line)
        }
        return taken
    }

    /// The block reader reads the documents it can; libyaml takes over at the first it cannot,
    /// and its lines count from the start of the whole text.
    func testLibyamlTakesOverWhereTheBlockReaderStops() throws {
        let mixed = "a: 1\n---\nb: &x 2\nc: *x\n---\nd: 3\n"
        XCTAssertFalse(check(mixed))
        XCTAssertEqual(try YAMLReader.values(mixed), [.object(["a": .integer(1)]), .object(["b": .integer(2), "c": .integer(2)]),
                                                       .object(["d": .integer(3)])])
        XCTAssertThrowsError(try YAMLReader.values("a: 1\n---\nb: 2\n---\nc: [1, 2\n")) { error in
            XCTAssertTrue(String(describing: error).contains("at line 6"), String(describing: error))
        }
        XCTAssertThrowsError(try YAMLReader.values("a: 1\n---\nb: \"\u{01}\"\n")) { error in
            XCTAssertTrue(String(describing: error).contains("at byte 14"), String(describing: error))
        }
    }

    func testHandWrittenCases() {
        let taken = [
            "a: 1\nb: yes\nc: ~\nd:\ne: 0755\nf: 08\ng: 1_000\nh: -0x1F\ni: .5\nj: 1e3\nk: 1:20\nl: 2026-01-01\nm: y\nn: 1e400\n",
            "key:\n- a\n- b\nother:\n  - c\n  -   d\n",
            "- name: web\n  image: nginx\n  ports:\n  - containerPort: 80\n- name: side\n",
            "a: plain text\n  continued here\n\n  after a blank\n\n\n  two blanks\nb: x\n",
            "a: 'single ''quoted'' text\n  folded   \n\n  kept'\nb: \"double \\\"q\\\" \\t\\n\\u00e9\\x41\\U0001F600 \\N\\_\"\n",
            "a: \"folded\n   line  \n  \\  escaped space\"\n",
            "a: |\n  line 1\n   indented\n\n  line 3\nb: |-\n  stripped\n\n\nc: |+\n  kept\n\n\nd: x\n",
            "a: |\n    four\n  \n     more\n",
            "list:\n- |\n  literal in a list\n- |-\n    deeper\n",
            "empty: []\nobj: {}\n\"quoted key\": 1\n'single key': 2\n<<: {}\n",
            "# comment\n---\na: 1 # trailing\n# between\nb: 2\n---\n---\n- x\n",
            "top level plain\n  continued\n",
            "a:\n  b:\n    c:\n      - d: 1\n        e: 2\n      - f\n",
            "url: http://example.com/a#b\nhash: a#b\nrule: self.x == 'y'\nexpr: '[a]'\n",
            "a: \"\\0\\a\\b\\v\\f\\r\\e\\/\\\\ \\L\\P\"\n",
            "a: b: c\n", "a: - b\n", "- - a\n", "a: 1\n  b: 2\n", "a:\n  - b\n c: 1\n", "a: 'unterminated\n",
            "a: |2\n  x\n", "a: >\n  folded\n", "a: &x 1\nb: *x\n", "a: !!str 1\n", "a: [1, 2]\n", "? a\n: b\n",
            "a: 1\na: 2\n", "a:\tb\n", "a: b\r\n", "\u{FEFF}a: 1\n", "a: \"\\uD800\"\n", "%YAML 1.1\n---\na: 1\n",
            "a: |\n   x\n  y\n", "a: |\n\n   \n  x\n", "- a\n -b\n", "a: x\n- b\n", "a:\n- b\n- c\nd: e\n",
        ]
        var accepted = 0
        for text in taken where check(text) { accepted += 1 }
        XCTAssertGreaterThan(accepted, 15, "the block reader takes the everyday cases")
        for everyday in taken.prefix(15) { XCTAssertTrue(readings(everyday).taken, "not taken:\n\(everyday)") }
    }

    func testTheRepositorysYAMLFiles() throws {
        var files = 0
        let enumerator = FileManager.default.enumerator(atPath: repositoryRoot)
        while let path = enumerator?.nextObject() as? String {
            if path.hasPrefix(".build") || path.hasPrefix(".git") { enumerator?.skipDescendants(); continue }
            guard path.hasSuffix(".yaml") || path.hasSuffix(".yml") else { continue }
            let text = try String(contentsOfFile: repositoryRoot + "/" + path, encoding: .utf8)
            XCTAssertTrue(check(text), "the block reader takes \(path)")
            files += 1
        }
        XCTAssertGreaterThan(files, 3)
    }

    func testRandomDocuments() {
        var generator = RandomYAML(seed: 0x5EED)
        var taken = 0
        for _ in 0..<3_000 {
            let text = generator.document()
            if check(text) { taken += 1 }
        }
        XCTAssertGreaterThan(taken, 600, "the generator reaches the block reader")
    }
}

/// Random YAML in the block style, with the features and mistakes people make: odd indentation,
/// tricky scalars, quotes, folds, literal blocks, comments, blank lines.
struct RandomYAML {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }

    static let plains = ["a", "yes", "No", "on", "y", "~", "null", "0755", "08", "0x1F", "-12", "+3", "1_000", "1e3", ".5", "-.inf", "1:20",
                         "2026-11-23T06:18:47Z", "text with spaces", "a#b", "http://x.io/a", "é ü", "1.5e-3", "9223372036854775808",
                         "-9223372036854775809", "0b101", "0o17", "<<", "a:b", "-x", "?x", ":x", "[x", "x]", "a,b", "'q", "\"q", "&a", "*a",
                         "!t", "%p", "@x", "`x", "|x", "-", "?", "true", "FALSE", "0", "-0", "1e400", ".", "..."]
    static let keys = ["name", "a", "b", "key with space", "<<", "x:y", "'quoted'", "\"dq\"", "k#", "1", "yes", "~", "-k", "?k", "a b c"]

    mutating func indent(_ n: Int) -> String { String(repeating: " ", count: max(0, n)) }

    mutating func scalar(_ column: Int) -> String {
        switch below(10) {
        case 0, 1, 2, 3: return pick(Self.plains) + (chance(10) ? " # note" : "") + (chance(5) ? "  " : "")
        case 4:
            var s = pick(Self.plains)
            for _ in 0..<(1 + below(3)) { s += "\n" + (chance(30) ? "\n" : "") + indent(column + below(4) - 1) + pick(Self.plains) }
            return s
        case 5: return "'" + pick(["it''s", "a: b", "#x", "", " lead", "trail  "]) + (chance(30) ? "\n" + indent(column + below(3)) + "more'" : "'")
        case 6:
            let escapes = ["\\n", "\\t", "\\\"", "\\\\", "\\u00e9", "\\x41", "\\N", "\\ ", "\\/", "\\q", "\\uD800", "x", " y "]
            var s = "\""
            for _ in 0..<below(4) { s += pick(escapes) }
            if chance(25) { s += "\n" + (chance(30) ? "\n" : "") + indent(column + below(3)) + "next" }
            return s + "\""
        case 7:
            var s = pick(["|", "|-", "|+", "|2", ">"]) + (chance(10) ? " # c" : "") + "\n"
            let inner = column + 1 + below(3)
            for _ in 0..<(1 + below(4)) {
                s += chance(20) ? indent(below(inner + 2)) + "\n" : indent(inner + (chance(15) ? below(3) - 1 : 0)) + pick(Self.plains) + "\n"
            }
            return String(s.dropLast())
        case 8: return pick(["[]", "{}", "[a]", "{a: 1}", "[ ]"])
        default: return ""
        }
    }

    mutating func node(_ column: Int, depth: Int) -> String {
        let kind = depth > 3 ? 2 : below(3)
        switch kind {
        case 0:
            var lines: [String] = []
            for _ in 0..<(1 + below(4)) {
                let c = column + (chance(8) ? below(3) - 1 : 0)
                let key = pick(Self.keys)
                if chance(45) {
                    let childColumn = chance(40) ? c : c + 1 + below(3)
                    let child = node(childColumn, depth: depth + 1)
                    lines.append(indent(c) + key + ":" + (chance(10) ? " # c" : "") + "\n" + child)
                } else {
                    lines.append(indent(c) + key + ": " + scalar(c))
                }
                if chance(10) { lines.append(chance(50) ? "" : indent(below(4)) + "# comment") }
            }
            return lines.joined(separator: "\n")
        case 1:
            var lines: [String] = []
            for _ in 0..<(1 + below(4)) {
                let c = column + (chance(8) ? below(3) - 1 : 0)
                let gap = chance(80) ? " " : "   "
                if chance(35) {
                    let inner = node(c + 1 + gap.count, depth: depth + 1)
                    let trimmed = inner.drop(while: { $0 == " " })
                    lines.append(indent(c) + "-" + gap + trimmed)
                } else {
                    lines.append(indent(c) + "-" + gap + scalar(c))
                }
            }
            return lines.joined(separator: "\n")
        default:
            return indent(column) + scalar(column)
        }
    }

    mutating func document() -> String {
        var text = chance(20) ? "---\n" : ""
        text += node(0, depth: 0) + "\n"
        if chance(15) { text += "---\n" + node(0, depth: 1) + "\n" }
        if chance(10) { text += "# end" }
        return text
    }
}
