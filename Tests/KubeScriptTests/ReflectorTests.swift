import Foundation
import KubeAPI
import KubeServer
import XCTest
@testable import KubeClient

/// The resilient watch: list then watch, resumed after the server ends a watch, listed again
/// after 410 Expired, with every change reported exactly once.
final class ReflectorTests: KubeScriptTestCase {
    func testNoChangeIsLostOrRepeatedAcrossEndsAndExpiry() throws {
        let api = APIServer()
        let server = try HTTPServer(api, port: 0)
        defer { try? server.stop() }
        let client = try KubeClient(ClientConfiguration(server: "http://127.0.0.1:\(server.port)"), discoveryCache: "")
        let configMaps = try client.resource(named: "configmaps")
        func create(_ name: String) throws {
            _ = try configMaps.create(.object(["apiVersion": .string("v1"), "kind": .string("ConfigMap"),
                                               "metadata": .object(["name": .string(name), "labels": .object(["watched": .string("yes")])])]))
        }
        try create("a")
        try create("unwatched-but-labelled-no")
        _ = try configMaps.patch("unwatched-but-labelled-no", .merge, .object(["metadata": .object(["labels": .object(["watched": .null])])]))
        api.inject(Fault(.endWatch(afterEvents: 1), path: "configmaps"))  // the first watch ends after one event
        api.inject(Fault(.expireWatch, path: "configmaps"))  // the second is too old
        let reflector = Reflector(configMaps, options: ["labelSelector": "watched=yes"])
        func next() throws -> String {
            let deadline = Date().addingTimeInterval(20)  // a missing event fails the test instead of hanging it
            let event = try XCTUnwrap(try reflector.next(stop: { Date() > deadline }), "no event within 20 seconds")
            return "\(event.type) \(event.object[path: "metadata", "name"]?.stringValue ?? "?")"
        }
        XCTAssertEqual(try next(), "ADDED a", "from the list")
        try create("b")
        XCTAssertEqual(try next(), "ADDED b", "from the first watch, which then ends")
        try create("c")
        _ = try configMaps.delete("a")
        var afterExpiry = [try next(), try next()]
        afterExpiry.sort()
        XCTAssertEqual(afterExpiry, ["ADDED c", "DELETED a"], "the differences the second list shows")
        try create("d")
        XCTAssertEqual(try next(), "ADDED d")
        XCTAssertEqual(reflector.lists, 2)
        XCTAssertEqual(reflector.watches, 3)
        XCTAssertNil(try reflector.next(stop: { true }))
    }
}
