import XCTest
@testable import KubeScript

/// The value bridge's YAML rules, through `k8s.yaml` as scripts use it.
final class YAMLTests: KubeScriptTestCase {
    func testScalarsResolveAsKubernetesReadsThem() throws {
        try withRuntime { rt in
            let r = try lua(rt, """
                local t = k8s.yaml.decode[[
                replicas: 3
                ratio: 0.5
                enabled: yes
                mode: 0755
                hex: 0x1F
                empty:
                tilde: ~
                quoted: "3"
                when: 2026-11-23T06:18:47Z
                ]]
                return math.type(t.replicas), t.ratio, t.enabled, t.mode, t.hex, t.empty == k8s.null,
                       t.tilde == k8s.null, t.quoted, t.when
                """)
            XCTAssertEqual(r, [.string("integer"), .number(0.5), .boolean(true), .integer(493), .integer(31),
                               .boolean(true), .boolean(true), .string("3"), .string("2026-11-23T06:18:47Z")])
        }
    }

    func testEncodeSortsKeysQuotesAmbiguousStringsAndKeepsKinds() throws {
        try withRuntime { rt in
            let r = try lua(rt, """
                return k8s.yaml.encode({ kind = "ConfigMap", apiVersion = "v1",
                  data = { a = "true", b = "123", c = "line1\\nline2\\n", d = "plain" },
                  list = k8s.array(), obj = {}, n = 1.0, z = k8s.null })
                """)
            XCTAssertEqual(r, [.string("""
                apiVersion: v1
                data:
                  a: 'true'
                  b: '123'
                  c: |
                    line1
                    line2
                  d: plain
                kind: ConfigMap
                list: []
                'n': 1.0
                obj: {}
                z: null

                """)])
        }
    }

    func testRoundTripKeepsIntegersFloatsNullsAndEmpties() throws {
        try withRuntime { rt in
            let r = try lua(rt, """
                local v = k8s.json.decode('{"a":[],"b":{},"c":null,"d":9223372036854775807,"e":2.5,"f":3.0,"g":"yes","h":[{"x":-1}]}')
                local back = k8s.yaml.decode(k8s.yaml.encode(v))
                return k8s.json.encode(back), math.type(back.f)
                """)
            XCTAssertEqual(r, [.string(#"{"a":[],"b":{},"c":null,"d":9223372036854775807,"e":2.5,"f":3.0,"g":"yes","h":[{"x":-1}]}"#),
                               .string("float")])
        }
    }

    func testMultipleDocuments() throws {
        try withRuntime { rt in
            let r = try lua(rt, """
                local text = "kind: Namespace\\n---\\nkind: Service\\n---\\n---\\nkind: Pod\\n"
                local docs = k8s.yaml.decodeAll(text)
                local ok, err = pcall(k8s.yaml.decode, text)
                local empty = k8s.yaml.decodeAll("")
                return #docs, docs[3].kind, ok, k8s.json.encode(empty), k8s.yaml.encodeAll({ {a = 1}, {b = 2} })
                """)
            XCTAssertEqual(r[0], .integer(3))
            XCTAssertEqual(r[1], .string("Pod"))
            XCTAssertEqual(r[2], .boolean(false))
            XCTAssertEqual(r[3], .string("[]"))
            XCTAssertEqual(r[4], .string("a: 1\n---\nb: 2\n"))
            assertLuaError(rt, "k8s.yaml.decode('a: 1\\n---\\nb: 2')", contains: "expected one YAML document, found more")
            assertLuaError(rt, "k8s.yaml.decode('')", contains: "expected one YAML document, found none")
        }
    }

    func testMergeKeysAndAliases() throws {
        try withRuntime { rt in
            let r = try lua(rt, """
                local t = k8s.yaml.decode("base: &b {x: 1, y: 2}\\nd:\\n  <<: *b\\n  y: 3\\nl: [*b]\\n")
                return t.d.x, t.d.y, t.l[1].y
                """)
            XCTAssertEqual(r, [.integer(1), .integer(3), .integer(2)])
        }
    }

    func testBadYAMLNamesLineAndColumn() throws {
        try withRuntime { rt in
            assertLuaError(rt, "k8s.yaml.decode('a: 1\\nb: [1, 2\\n')", contains: "invalid YAML:")
            assertLuaError(rt, "k8s.yaml.decode('a: 1\\n  b: 2\\n')", contains: "at line 2")
            assertLuaError(rt, "k8s.yaml.decode('? [1, 2]\\n: x\\n')", contains: "mapping key must be a scalar")
            assertLuaError(rt, "k8s.yaml.decode('a: 1\\na: 2\\n')", contains: "invalid YAML")
        }
    }

    func testAliasBombIsRefused() throws {
        try withRuntime { rt in
            var text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
            for i in 1..<9 {
                let previous = Character(Unicode.Scalar(UInt8(ascii: "a") + UInt8(i - 1)))
                let name = Character(Unicode.Scalar(UInt8(ascii: "a") + UInt8(i)))
                text += "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 10).joined(separator: ", ") + "]\n"
            }
            try rt.state.push(.string(text))
            try rt.state.setGlobal("bomb")
            assertLuaError(rt, "k8s.yaml.decode(bomb)", contains: "expands too much")
        }
    }

    /// YAML 1.1 base-60 numbers are strings, as go-yaml v2 reads them (and Yams' own conversion
    /// overflows on long ones).
    func testSexagesimalNumbersAreStrings() throws {
        try withRuntime { rt in
            XCTAssertEqual(try lua(rt, "return k8s.json.encode(k8s.yaml.decode('a: 1:20\\nb: 1:0:0:0:0:0:0:0:0:0:0\\nc: 999999999999999999:0\\nd: 1:30.5'))"),
                           [.string(#"{"a":"1:20","b":"1:0:0:0:0:0:0:0:0:0:0","c":"999999999999999999:0","d":"1:30.5"}"#)])
        }
    }

    func testMergeChainsAreBounded() throws {
        try withRuntime { rt in
            var text = "a0: &a0 {x: 1}\n"
            for i in 1..<40 { text += "a\(i): &a\(i) {<<: [*a\(i - 1), *a\(i - 1)]}\n" }
            try rt.state.push(.string(text))
            try rt.state.setGlobal("chain")
            assertLuaError(rt, "k8s.yaml.decode(chain)", contains: "expands too much")
        }
    }

    func testEncodeErrors() throws {
        try withRuntime { rt in
            assertLuaError(rt, "k8s.yaml.encode({f = print})", contains: "cannot encode a function value (at f)")
            assertLuaError(rt, #"k8s.yaml.encode({s = "\xff"})"#, contains: "not valid UTF-8")
            assertLuaError(rt, "k8s.yaml.encodeAll(42)", contains: "a list of documents expected")
        }
    }
}

/// What decodes also encodes: byte order marks and control characters are kept as go-yaml keeps
/// them, no value JSON cannot hold is made, and invalid UTF-8 is refused as `json.decode`
/// refuses it.
final class YAMLDecodeEncodeAgreementTests: KubeScriptTestCase {
    func testEscapesAreKept() throws {
        try withRuntime { rt in
            XCTAssertEqual(try lua(rt, #"""
                local v = k8s.yaml.decode [[
                a: "\uFEFF"
                b: "x\x01\ty"
                c: "\u0085\u2028"
                ]]
                return #v.a, v.a == "\u{FEFF}", v.b == "x\1\ty", v.c == "\u{85}\u{2028}",
                       k8s.yaml.decode(k8s.yaml.encode(v)).a == v.a, k8s.yaml.decode(k8s.yaml.encode(v)).b == v.b
                """#), [.integer(3), .boolean(true), .boolean(true), .boolean(true), .boolean(true), .boolean(true)])
        }
    }

    func testNumbersJSONCannotHoldAreRefusedOrStrings() throws {
        try withRuntime { rt in
            for text in [".inf", "-.Inf", "+.INF", ".nan", ".NaN"] {
                assertLuaError(rt, "k8s.yaml.decode('a: \(text)')", contains: "invalid YAML: \(text) at line 1 is not a number JSON can hold")
            }
            // go-yaml keeps a number out of range as text; it encodes back as the same text
            XCTAssertEqual(try lua(rt, "local v = k8s.yaml.decode('a: 1e400'); return v.a, k8s.yaml.encode(v)"),
                           [.string("1e400"), .string("a: '1e400'\n")])
            XCTAssertEqual(try lua(rt, "return k8s.yaml.decode('a: !!float 1')"), [.object(["a": .number(1)])])
        }
    }

    func testInvalidUTF8IsRefused() throws {
        try withRuntime { rt in
            assertLuaError(rt, #"k8s.yaml.decode("a: \xff\xfe")"#, contains: "invalid YAML: invalid leading UTF-8 octet")
            assertLuaError(rt, #"k8s.yaml.decode("a: 'x\xc3'")"#, contains: "invalid YAML: ")
            assertLuaError(rt, #"k8s.json.decode('"\xff"')"#, contains: "invalid UTF-8")
        }
    }

    /// go-yaml v2's words: `y` and `n` are booleans too, `08` a float, `0o17` octal.
    func testGoYAMLResolution() throws {
        try withRuntime { rt in
            XCTAssertEqual(try lua(rt, "return k8s.json.encode(k8s.yaml.decode('a: y\\nb: N\\nc: 08\\nd: 0o17\\ne: 0b11\\nf: -0x1F\\ng: 1_000\\nh: +.5e1'))"),
                           [.string(#"{"a":true,"b":false,"c":8.0,"d":15,"e":3,"f":-31,"g":1000,"h":5.0}"#)])
        }
    }

    /// Every random document that decodes also encodes, and reads back the same.
    func testWhatDecodesEncodes() throws {
        var generator = RandomYAML(seed: 42)
        try withRuntime { rt in
            var decoded = 0
            for _ in 0..<500 {
                let text = generator.document()
                try rt.state.push(.string(text))
                try rt.state.setGlobal("text")
                let result = try lua(rt, """
                    local ok, docs = pcall(k8s.yaml.decodeAll, text)
                    if not ok then return false end
                    local encoded = k8s.yaml.encodeAll(docs)
                    local fine, again = pcall(k8s.yaml.decodeAll, encoded)
                    if not fine then return "does not read back: " .. again .. "\\n" .. encoded end
                    return k8s.json.encode(again) == k8s.json.encode(docs) or "differs:\\n" .. encoded
                    """)
                if result == [.boolean(true)] { decoded += 1 } else { XCTAssertEqual(result, [.boolean(false)], text) }
            }
            XCTAssertGreaterThan(decoded, 100)
        }
    }
}
