import Foundation
import KubeAPI
import XCTest

/// `JSONValue`: the pure-Swift JSON the client and the embedded server use.
final class JSONValueTests: KubeScriptTestCase {
    func testParseKeepsKindsAndOrder() throws {
        let v = try JSONValue.parse(#"{"kind":"ConfigMap","apiVersion":"v1","n":3,"f":3.0,"x":null,"a":[],"o":{},"s":"\u00e9\n"}"#)
        XCTAssertEqual(v["n"], .integer(3))
        XCTAssertEqual(v["f"], .number(3.0))
        XCTAssertEqual(v["x"], .null)
        XCTAssertEqual(v["a"], .array([]))
        XCTAssertEqual(v["o"], .object([:]))
        XCTAssertEqual(v["s"], .string("é\n"))
        XCTAssertEqual(v.objectValue.map { Array($0.map(\.key)) }, ["kind", "apiVersion", "n", "f", "x", "a", "o", "s"])
        XCTAssertEqual(v.jsonString(), #"{"kind":"ConfigMap","apiVersion":"v1","n":3,"f":3.0,"x":null,"a":[],"o":{},"s":"é\n"}"#)
        XCTAssertEqual(v.jsonString(sortedKeys: true), #"{"a":[],"apiVersion":"v1","f":3.0,"kind":"ConfigMap","n":3,"o":{},"s":"é\n","x":null}"#)
    }

    func testEqualityIgnoresMemberOrder() throws {
        XCTAssertEqual(try JSONValue.parse(#"{"a":1,"b":[1,{"c":2,"d":3}]}"#), try JSONValue.parse(#"{"b":[1,{"d":3,"c":2}],"a":1}"#))
        XCTAssertNotEqual(try JSONValue.parse(#"{"a":1}"#), try JSONValue.parse(#"{"a":1.0}"#))
        XCTAssertNotEqual(try JSONValue.parse(#"[1,2]"#), try JSONValue.parse(#"[2,1]"#))
    }

    func testEditingAnObject() throws {
        var v = try JSONValue.parse(#"{"metadata":{"name":"a"},"data":{"k":"v"}}"#)
        v["data"] = nil
        v["spec"] = .object(["replicas": .integer(2)])
        XCTAssertEqual(v.jsonString(), #"{"metadata":{"name":"a"},"spec":{"replicas":2}}"#)
        XCTAssertEqual(v[path: "metadata", "name"], .string("a"))
        XCTAssertNil(v[path: "metadata", "missing", "deeper"])
    }

    func testDuplicateKeysKeepTheLast() throws {
        let v = try JSONValue.parse(#"{"a":1,"a":2}"#)
        XCTAssertEqual(v.jsonString(), #"{"a":2}"#)
    }

    func testErrorsNameLineAndColumn() {
        XCTAssertThrowsError(try JSONValue.parse("{\n  \"a\": ]\n}")) { error in
            XCTAssertEqual((error as? JSONError)?.description, "invalid JSON at line 2, column 8: unexpected ']', expected a value")
        }
        XCTAssertThrowsError(try JSONValue.parse("{not json")) { error in
            XCTAssertEqual((error as? JSONError)?.description, "invalid JSON at line 1, column 2: unexpected 'n', expected a string key")
        }
        XCTAssertThrowsError(try JSONValue.parse(""))
        XCTAssertThrowsError(try JSONValue.parse([0x22, 0xFF, 0x22]))
    }

    /// Every response body of the transcripts parses, serializes and parses back to an equal value,
    /// and means to Foundation's parser what the original meant.
    func testTranscriptBodiesRoundTrip() throws {
        let directory = fixturePath("k8s-transcripts")
        var checked = 0
        for file in try FileManager.default.contentsOfDirectory(atPath: directory) where file.hasSuffix(".json") {
            let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + file))
            let exchanges = try JSONValue.parse([UInt8](data))
            let independent = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] ?? []
            for (exchange, original) in zip(exchanges.arrayValue ?? [], independent) {
                guard let body = exchange[path: "response", "body"], case .object = body else { continue }
                let text = body.serialized()
                XCTAssertEqual(try JSONValue.parse(text), body, file)
                let ours = try JSONSerialization.jsonObject(with: Data(text)) as? NSDictionary
                let theirs = (original["response"] as? [String: Any])?["body"] as? NSDictionary
                XCTAssertEqual(ours, theirs, file)
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 60)
    }
}
