import KubeAPI
import XCTest
@testable import KubeServer

/// Server-side apply beyond the recorded transcript (05): conflicts with Update managers and
/// several fields, fields an applier stops applying, idempotent applies, dry runs.
final class ServerSideApplyTests: KubeScriptTestCase {
    let server = APIServer()
    let path = "/api/v1/namespaces/default/configmaps/settings"

    @discardableResult
    func apply(_ body: String, manager: String?, force: Bool = false, dryRun: Bool = false, expect status: Int,
               file: StaticString = #filePath, line: UInt = #line) throws -> JSONValue {
        var query: [String: String] = [:]
        if let manager { query["fieldManager"] = manager }
        if force { query["force"] = "true" }
        if dryRun { query["dryRun"] = "All" }
        let response = server.handle(APIRequest(method: "PATCH", path: path, query: query,
                                                headers: ["content-type": "application/apply-patch+yaml"], body: Array(body.utf8)))
        XCTAssertEqual(response.status, status, String(decoding: response.body, as: UTF8.self), file: file, line: line)
        return try JSONValue.parse(response.body)
    }

    func configMap(_ data: String) -> String {
        #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"settings"},"data":\#(data)}"#
    }

    func managers(_ object: JSONValue) -> [String: JSONValue] {
        var result: [String: JSONValue] = [:]
        for entry in object[path: "metadata", "managedFields"]?.arrayValue ?? [] {
            result["\(entry["manager"]?.stringValue ?? "") \(entry["operation"]?.stringValue ?? "")"] = entry["fieldsV1"]
        }
        return result
    }

    func testConflictsNameEveryFieldAndManager() throws {
        try apply(configMap(#"{"a":"1","b":"2"}"#), manager: "alice", expect: 201)
        try server.call("PUT", path, configMap(#"{"a":"1","b":"2","c":"3"}"#), expect: 200)  // an Update by "unknown"
        let status = try apply(configMap(#"{"a":"x","b":"y","c":"z"}"#), manager: "bob", expect: 409)
        let message = try XCTUnwrap(status["message"]?.stringValue)
        XCTAssertTrue(message.hasPrefix("Apply failed with 3 conflicts: conflicts with \"alice\":\n- .data.a\n- .data.b\nconflicts with \"unknown\" using v1 at "),
                      message)
        XCTAssertTrue(message.hasSuffix(":\n- .data.c"), message)
        XCTAssertEqual(status[path: "details", "causes"]?.arrayValue?.map { $0["field"]?.stringValue ?? "" }, [".data.a", ".data.b", ".data.c"])
        XCTAssertEqual(status["reason"], .string("Conflict"))
    }

    func testForceTakesFieldsOverAndSharedValuesStayShared() throws {
        try apply(configMap(#"{"a":"1","b":"2"}"#), manager: "alice", expect: 201)
        let taken = try apply(configMap(#"{"a":"1","b":"changed"}"#), manager: "bob", force: true, expect: 200)
        XCTAssertEqual(taken["data"], .object(["a": .string("1"), "b": .string("changed")]))
        let owners = managers(taken)
        XCTAssertEqual(owners["alice Apply"], try JSONValue.parse(#"{"f:data":{"f:a":{}}}"#), "alice keeps the field both set alike")
        XCTAssertEqual(owners["bob Apply"], try JSONValue.parse(#"{"f:data":{"f:a":{},"f:b":{}}}"#))
    }

    func testFieldsNoLongerAppliedAreRemovedUnlessSomeoneElseOwnsThem() throws {
        try apply(configMap(#"{"a":"1","b":"2","c":"3"}"#), manager: "alice", expect: 201)
        try apply(configMap(#"{"c":"3"}"#), manager: "bob", expect: 200)
        let object = try apply(configMap(#"{"a":"1"}"#), manager: "alice", expect: 200)
        XCTAssertEqual(object["data"], .object(["a": .string("1"), "c": .string("3")]), "b goes; c stays, bob owns it")
    }

    func testTheSameApplyTwiceWritesNothing() throws {
        let first = try apply(configMap(#"{"a":"1"}"#), manager: "alice", expect: 201)
        let second = try apply(configMap(#"{"a":"1"}"#), manager: "alice", expect: 200)
        XCTAssertEqual(second[path: "metadata", "resourceVersion"], first[path: "metadata", "resourceVersion"])
    }

    func testDryRunAndMissingManager() throws {
        try apply(configMap(#"{"a":"1"}"#), manager: "alice", dryRun: true, expect: 201)
        try server.call("GET", path, expect: 404)
        let status = try apply(configMap(#"{"a":"1"}"#), manager: nil, expect: 422)
        XCTAssertEqual(status[path: "details", "kind"], .string("PatchOptions"))
    }

    /// YAML bodies, as `curl --data-binary @file.yaml` sends them: an apply and a create.
    func testYAMLBodies() throws {
        let object = try apply("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: fast\n", manager: "curl", expect: 201)
        XCTAssertEqual(object["data"], .object(["mode": .string("fast")]))
        let response = server.handle(APIRequest(method: "POST", path: "/api/v1/namespaces/default/configmaps", headers: ["content-type": "application/yaml"],
                                                body: Array("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other}\ndata: {mode: 'slow'}\n".utf8)))
        XCTAssertEqual(response.status, 201)
        XCTAssertEqual(try JSONValue.parse(response.body)["data"], .object(["mode": .string("slow")]))
        let broken = server.handle(APIRequest(method: "POST", path: "/api/v1/namespaces/default/configmaps", headers: ["content-type": "application/yaml"],
                                              body: Array("metadata: [".utf8)))
        XCTAssertEqual(broken.status, 400)
    }

    func testKeyedListsMergeByKey() throws {
        let deployment = "/apis/apps/v1/namespaces/default/deployments/web"
        func body(_ containers: String) -> [UInt8] {
            Array(#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":\#(containers)}}}}"#.utf8)
        }
        let headers = ["content-type": "application/apply-patch+yaml"]
        XCTAssertEqual(server.handle(APIRequest(method: "PATCH", path: deployment, query: ["fieldManager": "app"], headers: headers,
                                                body: body(#"[{"name":"web","image":"nginx"}]"#))).status, 201)
        let sidecar = server.handle(APIRequest(method: "PATCH", path: deployment, query: ["fieldManager": "mesh"], headers: headers,
                                               body: body(#"[{"name":"proxy","image":"envoy"}]"#)))
        XCTAssertEqual(sidecar.status, 200, String(decoding: sidecar.body, as: UTF8.self))
        let containers = try JSONValue.parse(sidecar.body)[path: "spec", "template", "spec", "containers"]?.arrayValue ?? []
        XCTAssertEqual(containers.compactMap { $0["name"]?.stringValue }, ["web", "proxy"])
    }

    func testCustomResourcesApplyToo() throws {
        try server.call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", """
            {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"widgets.example.com"},
             "spec":{"group":"example.com","scope":"Namespaced","names":{"plural":"widgets","kind":"Widget"},
              "versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object","properties":{"spec":{"type":"object","properties":{"size":{"type":"integer"}}}}}}}]}}
            """, expect: 201)
        server.settle()
        let response = server.handle(APIRequest(method: "PATCH", path: "/apis/example.com/v1/namespaces/default/widgets/w",
                                                query: ["fieldManager": "me"], headers: ["content-type": "application/apply-patch+yaml"],
                                                body: Array(#"{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w"},"spec":{"size":2,"junk":1}}"#.utf8)))
        XCTAssertEqual(response.status, 201)
        let object = try JSONValue.parse(response.body)
        XCTAssertEqual(object["spec"], .object(["size": .integer(2)]))
        XCTAssertEqual(managers(object)["me Apply"], try JSONValue.parse(#"{"f:spec":{"f:size":{}}}"#))
    }
}
