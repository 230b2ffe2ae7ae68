import Foundation
import KubeAPI
import KubeServer
import XCTest
@testable import KubeClient

/// The dynamic client against the embedded server over HTTP on loopback: every operation, and
/// the errors the server really returns, through their predicates.
final class ResourceClientTests: KubeScriptTestCase {
    var server: HTTPServer!
    var api: APIServer!
    var client: KubeClient!

    override func setUpWithError() throws {
        api = APIServer()
        server = try HTTPServer(api, port: 0)
        let server = server!
        addTeardownBlock { try? server.stop() }
        client = try KubeClient(ClientConfiguration(server: "http://127.0.0.1:\(server.port)"), discoveryCache: "")
    }

    func configMap(_ name: String, labels: [String: String] = [:], data: [String: String] = ["k": "v"]) -> JSONValue {
        func object(_ pairs: [String: String]) -> JSONValue {
            var result = JSONObject()
            for (key, value) in pairs.sorted(by: { $0.key < $1.key }) { result.append(key, .string(value)) }
            return .object(result)
        }
        return .object([
            "apiVersion": .string("v1"), "kind": .string("ConfigMap"),
            "metadata": .object(["name": .string(name), "labels": object(labels)]), "data": object(data),
        ])
    }

    func testCreateGetUpdateDeleteAndTheirErrors() throws {
        let configMaps = try client.resource(group: "", version: "v1", resource: "configmaps")
        XCTAssertEqual(configMaps.namespace, "default", "the context's namespace")
        let created = try configMaps.create(configMap("settings"))
        XCTAssertEqual(created[path: "metadata", "namespace"], .string("default"))
        XCTAssertThrowsError(try configMaps.create(configMap("settings"))) { error in
            let error = error as? KubeError
            XCTAssertEqual(error?.isAlreadyExists, true)
            XCTAssertEqual(error?.statusCode, 409)
            XCTAssertEqual(error?.message, "configmaps \"settings\" already exists")
        }
        var changed = try configMaps.get("settings")
        changed["data"] = .object(["k": .string("changed")])
        let updated = try configMaps.update(changed)
        XCTAssertEqual(updated[path: "data", "k"], .string("changed"))
        XCTAssertThrowsError(try configMaps.update(changed)) { XCTAssertEqual(($0 as? KubeError)?.isConflict, true, "a stale resourceVersion") }
        XCTAssertThrowsError(try configMaps.get("nothing")) { error in
            XCTAssertEqual((error as? KubeError)?.isNotFound, true)
            XCTAssertEqual((error as? KubeError)?.isConflict, false)
        }
        XCTAssertThrowsError(try configMaps.create(configMap("Not_Valid"))) { error in
            XCTAssertEqual((error as? KubeError)?.isInvalid, true)
            XCTAssertEqual((error as? KubeError)?.status?.details?["causes"]?[0]?["field"], .string("metadata.name"))
        }
        let status = try configMaps.delete("settings")
        XCTAssertEqual(status["status"], .string("Success"))
        XCTAssertThrowsError(try configMaps.get("settings")) { XCTAssertEqual(($0 as? KubeError)?.isNotFound, true) }
    }

    func testListsPagesSelectorsAndDeleteCollection() throws {
        let configMaps = try client.resource(named: "cm")
        for i in 0..<7 { _ = try configMaps.create(configMap("cm-\(i)", labels: ["app": i % 2 == 0 ? "even" : "odd"])) }
        let page = try configMaps.list(["limit": "3"])
        XCTAssertEqual(page["items"]?.arrayValue?.count, 3)
        XCTAssertFalse(page[path: "metadata", "continue"]?.stringValue?.isEmpty ?? true)
        let all = try configMaps.listAll(pageSize: 2)
        XCTAssertEqual(all["items"]?.arrayValue?.count, 7)
        XCTAssertNil(all[path: "metadata", "continue"])
        XCTAssertEqual(try configMaps.list(["labelSelector": "app in (even)"])["items"]?.arrayValue?.count, 4)
        XCTAssertEqual(try configMaps.list(["fieldSelector": "metadata.name=cm-3"])["items"]?.arrayValue?.count, 1)
        XCTAssertThrowsError(try configMaps.list(["fieldSelector": "data.k=v"])) { XCTAssertEqual(($0 as? KubeError)?.isBadRequest, true) }
        let dry = try configMaps.deleteCollection(options: .object(["dryRun": .string("All")]), listOptions: ["labelSelector": "app=odd"])
        XCTAssertEqual(dry["items"]?.arrayValue?.count, 3)
        XCTAssertEqual(try configMaps.list()["items"]?.arrayValue?.count, 7, "a dry run deletes nothing")
        try configMaps.deleteCollection(listOptions: ["labelSelector": "app=odd"])
        XCTAssertEqual(try configMaps.list()["items"]?.arrayValue?.count, 4)
        let everywhere = try client.resource(group: "", version: "v1", resource: "configmaps").namespace(nil)
        XCTAssertNil(everywhere.namespace)
        XCTAssertEqual(try everywhere.list(["labelSelector": "app"])["items"]?.arrayValue?.count, 4)
    }

    func testPatchesApplyAndDryRun() throws {
        let configMaps = try client.resource(named: "configmaps")
        _ = try configMaps.create(configMap("p", data: ["a": "1"]))
        XCTAssertEqual(try configMaps.patch("p", .merge, .object(["data": .object(["b": .string("2")])]))["data"],
                       .object(["a": .string("1"), "b": .string("2")]))
        let jsonPatch = try JSONValue.parse(#"[{"op":"test","path":"/data/a","value":"1"},{"op":"remove","path":"/data/a"}]"#)
        XCTAssertEqual(try configMaps.patch("p", .json, jsonPatch)["data"], .object(["b": .string("2")]))
        XCTAssertThrowsError(try configMaps.patch("p", .json, jsonPatch)) { XCTAssertEqual(($0 as? KubeError)?.isInvalid, true, "a failed test") }
        let dry = try configMaps.patch("p", .merge, .object(["data": .object(["c": .string("3")])]), options: ["dryRun": "All"])
        XCTAssertEqual(dry[path: "data", "c"], .string("3"))
        XCTAssertNil(try configMaps.get("p")[path: "data", "c"])

        let deployments = try client.resource(group: "apps", version: "v1", resource: "deployments")
        let deployment = try JSONValue.parse(#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"web","image":"nginx"}]}}}}"#)
        _ = try deployments.apply(deployment, fieldManager: "alice")
        var other = deployment
        other["spec"]?["replicas"] = .integer(5)
        XCTAssertThrowsError(try deployments.apply(other, fieldManager: "bob")) { error in
            XCTAssertEqual((error as? KubeError)?.isConflict, true)
            XCTAssertEqual((error as? KubeError)?.message, "Apply failed with 1 conflict: conflict with \"alice\": .spec.replicas")
        }
        XCTAssertEqual(try deployments.apply(other, fieldManager: "bob", force: true)[path: "spec", "replicas"], .integer(5))
        let strategic = try JSONValue.parse(#"{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"envoy"}]}}}}"#)
        let patched = try deployments.patch("web", .strategic, strategic)
        XCTAssertEqual(patched[path: "spec", "template", "spec", "containers"]?.arrayValue?.count, 2)

        XCTAssertEqual(try deployments.getScale("web")[path: "spec", "replicas"], .integer(5))
        var scale = try deployments.getScale("web")
        scale["spec"] = .object(["replicas": .integer(1)])
        XCTAssertEqual(try deployments.updateScale("web", scale)[path: "spec", "replicas"], .integer(1))
        var withStatus = try deployments.get("web")
        withStatus["status"] = .object(["observedGeneration": .integer(9)])
        XCTAssertEqual(try deployments.updateStatus(withStatus)[path: "status", "observedGeneration"], .integer(9))

        let marked = try deployments.delete("web", options: .object(["propagationPolicy": .string("Foreground")]))
        XCTAssertEqual(marked["kind"], .string("Deployment"), "marked for foreground deletion, not yet gone")
        XCTAssertThrowsError(try deployments.delete("web", options: .object(["propagationPolicy": .string("Sideways")]))) {
            XCTAssertEqual(($0 as? KubeError)?.isInvalid, true)
        }
    }

    func testAConfigurationOfDryRunsChangesNothing() throws {
        let configMaps = try client.resource(named: "configmaps")
        _ = try configMaps.create(configMap("kept"))
        var configuration = client.configuration
        configuration.dryRun = true
        let dry = try KubeClient(configuration, discoveryCache: "").resource(named: "configmaps")
        XCTAssertEqual(try dry.create(configMap("new"))[path: "metadata", "name"], .string("new"))
        XCTAssertEqual(try dry.patch("kept", .merge, .object(["data": .object(["k": .string("changed")])]))[path: "data", "k"], .string("changed"))
        XCTAssertEqual(try dry.apply(configMap("applied"), fieldManager: "t")[path: "metadata", "name"], .string("applied"))
        _ = try dry.delete("kept")
        _ = try dry.deleteCollection()
        XCTAssertThrowsError(try configMaps.get("new")) { XCTAssertEqual(($0 as? KubeError)?.isNotFound, true) }
        XCTAssertThrowsError(try configMaps.get("applied")) { XCTAssertEqual(($0 as? KubeError)?.isNotFound, true) }
        XCTAssertEqual(try configMaps.get("kept")[path: "data", "k"], .string("v"), "neither patched nor deleted")
    }

    func testNamesThatAreNotPathSegmentsAreRefusedBeforeSending() throws {
        let configMaps = try client.resource(named: "configmaps")
        for name in ["..", ".", "a/b", "a%2Fb", ""] {
            XCTAssertThrowsError(try configMaps.get(name), name) { XCTAssertEqual(($0 as? KubeError)?.isConfiguration, true, name) }
        }
    }

    func testWatchDeliversEventsAsTheyHappen() throws {
        let configMaps = try client.resource(named: "configmaps")
        let start = try configMaps.list()[path: "metadata", "resourceVersion"]?.stringValue ?? ""
        let watch = try configMaps.watch(["resourceVersion": start, "allowWatchBookmarks": "true", "timeoutSeconds": "2"])
        _ = try configMaps.create(configMap("w"))
        let added = try watch.next(timeout: 10)
        XCTAssertEqual(added?.type, "ADDED")
        XCTAssertEqual(added?.object[path: "metadata", "name"], .string("w"))
        _ = try configMaps.delete("w")
        XCTAssertEqual(try watch.next(timeout: 10)?.type, "DELETED")
        XCTAssertEqual(try watch.next(timeout: 10)?.type, "BOOKMARK", "the server ends the watch at its timeout")
        XCTAssertNil(try watch.next(timeout: 10))
        XCTAssertNil(try watch.next(timeout: 10), "an ended watch stays ended")

        let expired = try configMaps.watch(["resourceVersion": "1"])
        let error = try expired.next(timeout: 10)
        XCTAssertEqual(error?.type, "ERROR")
        XCTAssertEqual(error?.object["reason"], .string("Expired"))
        XCTAssertNil(try expired.next(timeout: 10))

        let stopped = try configMaps.watch()
        XCTAssertNil(try stopped.next(stop: { true }), "a stopped wait ends the watch")
    }
}
