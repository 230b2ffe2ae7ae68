import Foundation
import KubeAPI
import XCTest
@testable import KubeClient

/// Every failure the recorded kube-apiserver answered (the transcripts), decoded as the client
/// decodes it: the Status kept whole, and exactly the predicate of its reason true.
final class KubeErrorTests: KubeScriptTestCase {
    static let predicates: [(String, @Sendable (KubeError) -> Bool)] = [
        ("NotFound", \.isNotFound), ("AlreadyExists", \.isAlreadyExists), ("Conflict", \.isConflict), ("Invalid", \.isInvalid),
        ("BadRequest", \.isBadRequest), ("Unauthorized", \.isUnauthorized), ("Forbidden", \.isForbidden),
        ("Expired", \.isExpired), ("MethodNotAllowed", \.isMethodNotSupported), ("TooManyRequests", \.isTooManyRequests),
    ]

    func testTheRecordedFailuresDecodeToTheirPredicates() throws {
        let folder = fixturePath("k8s-transcripts")
        var seen: [String: Int] = [:]
        for file in try FileManager.default.contentsOfDirectory(atPath: folder).sorted() where file.hasSuffix(".json") {
            let exchanges = try JSONValue.parse([UInt8](try Data(contentsOf: URL(fileURLWithPath: folder + "/" + file)))).arrayValue ?? []
            for (index, exchange) in exchanges.enumerated() {
                guard let code = exchange[path: "response", "status"]?.integerValue, code >= 400 else { continue }
                let body = exchange[path: "response", "body"].map { $0.serialized() } ?? []
                let error = KubeError.status(code: Int(code), body: body)
                let label = "\(file) #\(index)"
                XCTAssertEqual(error.statusCode, Int(code), label)
                XCTAssertEqual(error.status?.message, exchange[path: "response", "body", "message"]?.stringValue, label)
                XCTAssertEqual(error.status?.details, exchange[path: "response", "body", "details"], label)
                let reason = try XCTUnwrap(error.reason, label)
                seen[reason, default: 0] += 1
                for (name, predicate) in Self.predicates {
                    XCTAssertEqual(predicate(error), name == reason, "\(label): \(reason) vs Is\(name)")
                }
            }
        }
        XCTAssertEqual(Set(seen.keys), ["NotFound", "AlreadyExists", "Conflict", "Invalid", "BadRequest", "Unauthorized", "Forbidden", "MethodNotAllowed"], "\(seen)")
    }

    func testAnswersWithoutAStatusAreNamedByTheirCode() {
        let gateway = KubeError.status(code: 504, body: Array("<html>gateway</html>".utf8))
        XCTAssertTrue(gateway.isTimeout)
        XCTAssertEqual(gateway.message, "the server was unable to return a response in the time allotted, but may still be processing the request")
        XCTAssertTrue(KubeError.status(code: 410, body: []).isGone)
        XCTAssertFalse(KubeError.transport("connection refused").isNotFound)
        XCTAssertTrue(KubeError.transport("connection refused").isTransport)
    }
}
