import KubeAPI
import XCTest

/// The YAML reader shared by kubeconfigs, request bodies and `k8s.yaml`: values as go-yaml v2
/// reads them, documents, merges and its limits.
final class YAMLReaderTests: KubeScriptTestCase {
    func testScalarsResolveAsKubernetesReadsThem() throws {
        let value = try YAMLReader.value("""
            a: yes
            b: 0755
            c: 0x1F
            d: 1:20
            e: 2026-12-01T07:00:00Z
            f: ~
            g:
            h: "quoted: yes"
            i: 1.5
            """)
        XCTAssertEqual(value, .object([
            "a": .bool(true), "b": .integer(493), "c": .integer(31), "d": .string("1:20"), "e": .string("2026-12-01T07:00:00Z"),
            "f": .null, "g": .null, "h": .string("quoted: yes"), "i": .number(1.5),
        ]))
    }

    func testDocumentsMergesAndOrder() throws {
        let documents = try YAMLReader.values("""
            base: &base {z: 1, y: 2}
            derived:
              <<: *base
              y: 3
            ---
            ---
            - second
            """)
        XCTAssertEqual(documents.count, 2, "empty documents are skipped")
        XCTAssertEqual(documents[0][path: "derived"], .object(["y": .integer(3), "z": .integer(1)]))
        XCTAssertEqual(documents[0][path: "derived"]?.objectValue?.map(\.key), ["y", "z"], "explicit keys first, then merged ones")
        XCTAssertEqual(documents[1], .array([.string("second")]))
    }

    func testErrorsAndLimits() {
        XCTAssertThrowsError(try YAMLReader.value("a: [1, 2")) { error in
            XCTAssertTrue(String(describing: error).hasPrefix("invalid YAML: "), String(describing: error))
        }
        XCTAssertThrowsError(try YAMLReader.value("a: 1\n---\nb: 2")) { error in
            XCTAssertEqual(String(describing: error), "expected one YAML document, found more")
        }
        let bomb = (1...12).reduce("a0: &a0 [x, x]\n") { text, i in text + "a\(i): &a\(i) [*a\(i - 1), *a\(i - 1), *a\(i - 1), *a\(i - 1)]\n" }
        XCTAssertThrowsError(try YAMLReader.value(bomb)) { error in
            XCTAssertTrue(String(describing: error).contains("expands too much"), String(describing: error))
        }
    }
}
