import Foundation
import XCTest
@testable import KubeScript

/// The value bridge's JSON rules (docs/values.md), through `k8s.json` as scripts use it.
final class JSONTests: KubeScriptTestCase {
    func testNullIsASentinelThatSurvivesARoundTrip() throws {
        try withRuntime { rt in
            let r = try lua(rt, """
                local t = k8s.json.decode('{"a":null,"b":[null,1]}')
                return t.a == k8s.null, t.b[1] == k8s.null, tostring(k8s.null), k8s.json.encode(t)
                """)
            XCTAssertEqual(r, [.boolean(true), .boolean(true), .string("k8s.null"), .string(#"{"a":null,"b":[null,1]}"#)])
        }
    }

    func testEmptyObjectsAndArraysKeepTheirKind() throws {
        try withRuntime { rt in
            let r = try lua(rt, """
                local t = k8s.json.decode('{"o":{},"a":[],"n":{"x":[]}}')
                local out = k8s.json.encode(t)
                -- a decoded array stays an array even after a script empties it
                local l = k8s.json.decode('[1,2]'); table.remove(l); table.remove(l)
                return out, k8s.json.encode(l)
                """)
            XCTAssertEqual(r, [.string(#"{"a":[],"n":{"x":[]},"o":{}}"#), .string("[]")])
        }
    }

    func testMarkersAndShapeRulesForTablesAScriptBuilds() throws {
        try withRuntime { rt in
            let r = try lua(rt, """
                return k8s.json.encode({}), k8s.json.encode(k8s.array{}), k8s.json.encode(k8s.object{}),
                       k8s.json.encode({1, 2, 3}), k8s.json.encode({x = 1}), k8s.json.encode(k8s.array{ 'a' }),
                       getmetatable(k8s.array()) == getmetatable(k8s.json.decode('[]'))
                """)
            XCTAssertEqual(r, [.string("{}"), .string("[]"), .string("{}"), .string("[1,2,3]"), .string(#"{"x":1}"#),
                               .string(#"["a"]"#), .boolean(true)])
        }
    }

    func testIntegersStayIntegersAndInt64RoundTrips() throws {
        try withRuntime { rt in
            let r = try lua(rt, """
                local t = k8s.json.decode('{"replicas":3,"max":9223372036854775807,"min":-9223372036854775808,"zero":-0}')
                return math.type(t.replicas), t.max == math.maxinteger, t.min == math.mininteger,
                       math.type(t.zero), k8s.json.encode(t)
                """)
            XCTAssertEqual(r, [.string("integer"), .boolean(true), .boolean(true), .string("integer"),
                               .string(#"{"max":9223372036854775807,"min":-9223372036854775808,"replicas":3,"zero":0}"#)])
        }
    }

    func testNumbersBeyondInt64AndWithFractionsAreFloats() throws {
        try withRuntime { rt in
            let r = try lua(rt, """
                local t = k8s.json.decode('[9223372036854775808, 1.0, 1e2, 2.5E-3]')
                return math.type(t[1]), math.type(t[2]), math.type(t[3]), t[4], k8s.json.encode(t)
                """)
            XCTAssertEqual(r, [.string("float"), .string("float"), .string("float"), .number(0.0025),
                               .string("[9.223372036854776e+18,1.0,100.0,0.0025]")])
        }
    }

    func testFloatsEncodeToTextThatDecodesToTheSameFloat() throws {
        try withRuntime { rt in
            var generator = SystemRandomNumberGenerator()
            var samples: [Double] = [0.1, -0.0, 1e-320, .ulpOfOne, .greatestFiniteMagnitude, .leastNormalMagnitude, 3.0, 1e21]
            for _ in 0..<2000 { samples.append(Double(bitPattern: generator.next() & 0x7FEF_FFFF_FFFF_FFFF | (generator.next() & (1 << 63)))) }
            try rt.state.push(.array(samples.map { .number($0) }))
            try rt.state.setGlobal("samples")
            let r = try lua(rt, """
                local back = k8s.json.decode(k8s.json.encode(samples))
                for i, v in ipairs(samples) do
                  if math.type(back[i]) ~= "float" or (back[i] ~= v) or (1 / back[i] ~= 1 / v) then
                    return i, v, back[i]
                  end
                end
                return #back
                """)
            XCTAssertEqual(r, [.integer(Int64(samples.count))])
        }
    }

    func testStringsEscapesAndUnicode() throws {
        try withRuntime { rt in
            let r = try lua(rt, #"""
                local s = k8s.json.decode('"a\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\\u0001"')
                return s, k8s.json.encode(s), k8s.json.decode('"\\ud800x"'), k8s.json.encode("line\0nul")
                """#)
            XCTAssertEqual(r, [.string("a\"b\\c/d\u{8}\u{C}\n\r\té😀\u{1}"),
                               .string(#""a\"b\\c/d\b\f\n\r\té😀\u0001""#),
                               .string("\u{FFFD}x"), .string(#""line\u0000nul""#)])
        }
    }

    func testPrettyPrinting() throws {
        try withRuntime { rt in
            let r = try lua(rt, "return k8s.json.encode({a = {1, 2}, b = {}, c = k8s.array()}, { indent = 2 })")
            XCTAssertEqual(r, [.string("{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": {},\n  \"c\": []\n}")])
        }
    }

    // MARK: Encoding errors: each is a Lua error naming its place, none crashes

    func testEncodingACycleFails() throws {
        try withRuntime { rt in
            assertLuaError(rt, "local t = {a = {}}; t.a.b = t; k8s.json.encode(t)", contains: "cycle) (at a.b)")
        }
    }

    func testEncodingNaNAndInfinityFails() throws {
        try withRuntime { rt in
            assertLuaError(rt, "k8s.json.encode({x = 0/0})", contains: "cannot encode NaN (JSON has no such number) (at x)")
            assertLuaError(rt, "k8s.json.encode({1, math.huge})", contains: "cannot encode an infinite number (JSON has no such number) (at [2])")
        }
    }

    func testEncodingFunctionsAndUserdataFails() throws {
        try withRuntime { rt in
            assertLuaError(rt, "k8s.json.encode({spec = {f = print}})", contains: "cannot encode a function value (at spec.f)")
            assertLuaError(rt, "k8s.json.encode(io.stdout)", contains: "cannot encode a userdata value")
            assertLuaError(rt, "k8s.json.encode(coroutine.create(print))", contains: "cannot encode a thread value")
        }
    }

    func testEncodingNonStringKeysFails() throws {
        try withRuntime { rt in
            assertLuaError(rt, "k8s.json.encode({[true] = 1})", contains: "cannot encode a table key that is a boolean")
            assertLuaError(rt, "k8s.json.encode(k8s.object{1})", contains: "cannot encode an object key that is a number")
            assertLuaError(rt, "k8s.json.encode({1, 2, x = 3})", contains: "mixes array items and string keys")
            assertLuaError(rt, "k8s.json.encode({[1] = 1, [3] = 3})", contains: "sparse array")
            // the same message whichever key `next` gives first (the order depends on the state's hash seed)
            assertLuaError(rt, "k8s.json.encode({x = 1, [2] = 3})", contains: "mixes array items and string keys")
        }
    }

    func testEncodingInvalidUTF8Fails() throws {
        try withRuntime { rt in
            assertLuaError(rt, #"k8s.json.encode({metadata = {name = "a\xff"}})"#,
                           contains: "not valid UTF-8 (at metadata.name)")
            assertLuaError(rt, #"k8s.json.encode({["\xc0\x80"] = 1})"#, contains: "not valid UTF-8")
            assertLuaError(rt, #"k8s.json.encode("\xed\xa0\x80")"#, contains: "not valid UTF-8")  // a surrogate
        }
    }

    func testEncodingTooDeepFails() throws {
        try withRuntime { rt in
            assertLuaError(rt, "local t = {}; for i = 1, 1001 do t = {t} end; k8s.json.encode(t)",
                           contains: "nested deeper than 1000 levels")
            XCTAssertEqual(try lua(rt, "local t = {}; for i = 1, 999 do t = {t} end; return #k8s.json.encode(t)"),
                           [.integer(2000)])
        }
    }

    func testEncodingArrayHolesFails() throws {
        try withRuntime { rt in
            assertLuaError(rt, "local a = k8s.array{1, 2, 3}; a[2] = nil; k8s.json.encode(a)", contains: "hole")
        }
    }

    // MARK: Decoding errors

    func testDecodingBadJSONNamesLineAndColumn() throws {
        try withRuntime { rt in
            assertLuaError(rt, "k8s.json.decode('{\\n  \"a\": tru\\n}')", contains: "invalid JSON at line 2, column 8")
            assertLuaError(rt, "k8s.json.decode('[1, 2,]')", contains: "line 1, column 7: unexpected ']', expected a value")
            assertLuaError(rt, "k8s.json.decode('{\"a\" 1}')", contains: "expected ':'")
            assertLuaError(rt, "k8s.json.decode('\"abc')", contains: "unterminated string")
            assertLuaError(rt, "k8s.json.decode('01')", contains: "unexpected data after the JSON value")
            assertLuaError(rt, "k8s.json.decode('1e999')", contains: "number out of range")
            assertLuaError(rt, "k8s.json.decode('\"\\\\x\"')", contains: "invalid escape")
            assertLuaError(rt, "k8s.json.decode('\"a\\tb\"')", contains: "control character")
            assertLuaError(rt, "k8s.json.decode('\"\\xff\"')", contains: "invalid UTF-8")
            assertLuaError(rt, "k8s.json.decode('')", contains: "unexpected end of input")
            assertLuaError(rt, "k8s.json.decode('-')", contains: "expected a digit")
            assertLuaError(rt, "k8s.json.decode(42)", contains: "bad argument #1 to 'json.decode' (string expected, got number)")
        }
    }

    func testDecodingTooDeepFails() throws {
        try withRuntime { rt in
            assertLuaError(rt, "k8s.json.decode(string.rep('[', 1001) .. string.rep(']', 1001))",
                           contains: "nested deeper than 1000 levels")
            XCTAssertEqual(try lua(rt, "return type(k8s.json.decode(string.rep('[', 1000) .. string.rep(']', 1000)))"),
                           [.string("table")])
        }
    }

    // MARK: Large values: decoding streams through a small tape in pieces

    /// A value of far more slots than one piece, with escapes, nesting and empty containers
    /// across the piece boundaries, decodes to exactly what was encoded.
    func testLargeValuesDecodeAcrossPieces() throws {
        try withRuntime { rt in
            let r = try lua(rt, """
                local function same(a, b)
                  if type(a) ~= type(b) or math.type(a) ~= math.type(b) then return false end
                  if type(a) ~= "table" then return a == b end
                  if getmetatable(a) ~= getmetatable(b) then return false end
                  for k, v in pairs(a) do if not same(v, b[k]) then return false end end
                  for k in pairs(b) do if a[k] == nil then return false end end
                  return true
                end
                local items = k8s.array()
                for i = 1, 3000 do
                  items[i] = { name = "item-" .. i, quoted = 'say "hi"\\n' .. i, n = i, f = i + 0.5,
                               deep = k8s.array{ k8s.array{ k8s.array{ k8s.array(), {}, k8s.null } } }, list = k8s.array{ i, -i } }
                end
                local text = k8s.json.encode({ items = items })
                local back = k8s.json.decode(text)
                return #text > 200000, same(back, { items = items }), k8s.json.encode(back) == text
                """)
            XCTAssertEqual(r, [.boolean(true), .boolean(true), .boolean(true)])
        }
    }

    func testAnErrorAfterManyPiecesLeavesNothingBehind() throws {
        try withRuntime { rt in
            let r = try lua(rt, """
                local text = "[" .. string.rep('{"a":[1,2,{"b":"x\\\\n"}]},', 5000) .. "oops]"
                local ok, err = pcall(k8s.json.decode, text)
                return ok, err:match("line 1, column %d+: unexpected 'o'") ~= nil
                """)
            XCTAssertEqual(r, [.boolean(false), .boolean(true)])
        }
    }

    // MARK: Real data

    /// Every response body of the recorded transcripts: decode → encode → decode gives an equal
    /// value (integers still integers, nulls and empty objects kept), and the text means what the
    /// original meant to an independent parser (Foundation's).
    func testTranscriptBodiesRoundTrip() throws {
        let directory = fixturePath("k8s-transcripts")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".json") }.sorted()
        XCTAssertEqual(files.count, 11)
        var checked = 0
        try withRuntime { rt in
            for file in files {
                let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + file))
                guard let exchanges = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
                    return XCTFail("\(file) is not a list of exchanges")
                }
                for exchange in exchanges {
                    guard let response = exchange["response"] as? [String: Any], let body = response["body"],
                          body is [String: Any] else { continue }
                    let text = String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self)
                    try rt.state.push(.string(text))
                    try rt.state.setGlobal("text")
                    let r = try lua(rt, "local v = k8s.json.decode(text); local out = k8s.json.encode(v); return v, k8s.json.decode(out), out")
                    XCTAssertEqual(r[0], r[1], file)
                    let reparsed = try JSONSerialization.jsonObject(with: Data((r[2].stringValue ?? "").utf8))
                    XCTAssertEqual(reparsed as? NSDictionary, body as? NSDictionary, file)
                    checked += 1
                }
            }
        }
        XCTAssertGreaterThan(checked, 60)
    }

    func testPodListKeepsIntegersNullsAndEmptyObjects() throws {
        try withRuntime { rt in
            let path = fixturePath("k8s-transcripts/06-deployment-lifecycle.json")
            let r = try lua(rt, """
                local f = assert(io.open('\(path)')); local exchanges = k8s.json.decode(f:read('a')); f:close()
                local list = exchanges[7].response.body
                assert(list.kind == 'PodList')
                local again = k8s.json.decode(k8s.json.encode(list))
                local pod = again.items[1]
                return #again.items, math.type(pod.spec.terminationGracePeriodSeconds),
                       pod.metadata.creationTimestamp ~= nil, k8s.json.encode(pod.spec.securityContext),
                       getmetatable(again.items) == getmetatable(k8s.array())
                """)
            XCTAssertEqual(r, [.integer(2), .string("integer"), .boolean(true), .string("{}"), .boolean(true)])
        }
    }
}
