import Foundation
import XCTest
@testable import KubeScript

/// The value bridge's JSON rules that only Swift can check: the Lua stack left balanced after a
/// failed decode, and every recorded body against Foundation's parser. The rules scripts see are
/// tested in Tests/Lua/json_test.lua.
final class JSONTests: KubeScriptTestCase {
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
        XCTAssertEqual(files.count, 12)
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

}
