import XCTest
@testable import KubeScript

// The value bridge's YAML rules as scripts see them are tested in Tests/Lua/yaml_test.lua.

/// What decodes also encodes: byte order marks and control characters are kept as go-yaml keeps
/// them, no value JSON cannot hold is made, and invalid UTF-8 is refused as `json.decode`
/// refuses it.
final class YAMLDecodeEncodeAgreementTests: KubeScriptTestCase {
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
