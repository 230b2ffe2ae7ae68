import KubeAPI
import XCTest
@testable import KubeServer

/// Deletion with finalizers and propagation policies, the garbage collector, and namespace
/// termination, as the deployment transcript (06 #7–#9) shows them.
final class DeletionTests: KubeScriptTestCase {
    let server = APIServer()

    @discardableResult
    func request(_ method: String, _ path: String, _ body: String? = nil, type: String? = nil, expect status: Int,
                 file: StaticString = #filePath, line: UInt = #line) throws -> JSONValue {
        try server.call(method, path, body, type: type, expect: status, file: file, line: line)
    }

    /// A Deployment owning a ReplicaSet owning two Pods; returns the three uids.
    @discardableResult
    func family() throws -> (deployment: String, replicaSet: String) {
        let d = try request("POST", "/apis/apps/v1/namespaces/default/deployments",
                            #"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"web","image":"nginx"}]}}}}"#,
                            expect: 201)
        let duid = d[path: "metadata", "uid"]?.stringValue ?? ""
        let rs = try request("POST", "/apis/apps/v1/namespaces/default/replicasets",
                             #"{"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"web-1","ownerReferences":[{"apiVersion":"apps/v1","kind":"Deployment","name":"web","uid":"\#(duid)","controller":true,"blockOwnerDeletion":true}]},"spec":{"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"web","image":"nginx"}]}}}}"#,
                             expect: 201)
        let rsuid = rs[path: "metadata", "uid"]?.stringValue ?? ""
        for i in 1...2 {
            try request("POST", "/api/v1/namespaces/default/pods",
                        #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-1-\#(i)","ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-1","uid":"\#(rsuid)","controller":true,"blockOwnerDeletion":true}]},"spec":{"containers":[{"name":"web","image":"nginx"}]}}"#,
                        expect: 201)
        }
        return (duid, rsuid)
    }

    var podCount: Int { (try? JSONValue.parse(server.handle(APIRequest(method: "GET", path: "/api/v1/namespaces/default/pods")).body))?["items"]?.arrayValue?.count ?? -1 }

    func testForegroundDeletionWaitsForDependents() throws {
        try family()
        let marked = try request("DELETE", "/apis/apps/v1/namespaces/default/deployments/web",
                                 #"{"apiVersion":"v1","kind":"DeleteOptions","propagationPolicy":"Foreground"}"#, expect: 200)
        XCTAssertEqual(marked["kind"], .string("Deployment"), "a marked object is returned, not a Status")
        XCTAssertEqual(marked[path: "metadata", "finalizers"], .array([.string("foregroundDeletion")]))
        XCTAssertEqual(marked[path: "metadata", "deletionGracePeriodSeconds"], .integer(0))
        XCTAssertNotNil(marked[path: "metadata", "deletionTimestamp"])
        XCTAssertEqual(marked[path: "metadata", "generation"], .integer(2), "marking bumps the generation, as recorded")
        try request("GET", "/apis/apps/v1/namespaces/default/deployments/web", expect: 200)
        XCTAssertEqual(podCount, 2)
        server.settle()
        XCTAssertEqual(podCount, 0)
        try request("GET", "/apis/apps/v1/namespaces/default/replicasets/web-1", expect: 404)
        let gone = try request("GET", "/apis/apps/v1/namespaces/default/deployments/web", expect: 404)
        XCTAssertEqual(gone["message"], .string(#"deployments.apps "web" not found"#))
    }

    func testBackgroundDeletionRemovesTheOwnerAtOnce() throws {
        try family()
        let status = try request("DELETE", "/apis/apps/v1/namespaces/default/deployments/web", expect: 200)
        XCTAssertEqual(status["kind"], .string("Status"))
        XCTAssertEqual(status["status"], .string("Success"))
        try request("GET", "/apis/apps/v1/namespaces/default/deployments/web", expect: 404)
        XCTAssertEqual(podCount, 2, "dependents go when the collector runs")
        server.settle()
        XCTAssertEqual(podCount, 0)
    }

    func testOrphanDeletionKeepsDependents() throws {
        try family()
        try request("DELETE", "/apis/apps/v1/namespaces/default/deployments/web", #"{"propagationPolicy":"Orphan"}"#, expect: 200)
        server.settle()
        try request("GET", "/apis/apps/v1/namespaces/default/deployments/web", expect: 404)
        let rs = try request("GET", "/apis/apps/v1/namespaces/default/replicasets/web-1", expect: 200)
        XCTAssertNil(rs[path: "metadata", "ownerReferences"])
        XCTAssertEqual(podCount, 2)
    }

    func testFinalizersHoldAnObjectUntilRemoved() throws {
        try request("POST", "/api/v1/namespaces/default/configmaps",
                    #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"held","finalizers":["example.com/hold"]}}"#, expect: 201)
        let marked = try request("DELETE", "/api/v1/namespaces/default/configmaps/held", expect: 200)
        XCTAssertNotNil(marked[path: "metadata", "deletionTimestamp"])
        server.settle()
        try request("GET", "/api/v1/namespaces/default/configmaps/held", expect: 200)
        try request("PATCH", "/api/v1/namespaces/default/configmaps/held", #"{"metadata":{"finalizers":null}}"#,
                    type: "application/merge-patch+json", expect: 200)
        try request("GET", "/api/v1/namespaces/default/configmaps/held", expect: 404)
    }

    func testDeletingANamespaceEmptiesIt() throws {
        try request("POST", "/api/v1/namespaces", #"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"doomed"}}"#, expect: 201)
        try request("POST", "/api/v1/namespaces/doomed/configmaps", #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}}"#, expect: 201)
        let terminating = try request("DELETE", "/api/v1/namespaces/doomed", expect: 200)
        XCTAssertEqual(terminating[path: "status", "phase"], .string("Terminating"))
        let refused = try request("POST", "/api/v1/namespaces/doomed/configmaps", #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"b"}}"#, expect: 403)
        XCTAssertEqual(refused["message"], .string(#"configmaps "b" is forbidden: unable to create new content in namespace doomed because it is being terminated"#))
        server.settle()
        try request("GET", "/api/v1/namespaces/doomed", expect: 404)
        try request("GET", "/api/v1/namespaces/doomed/configmaps/a", expect: 404)
    }

    func testBadPropagationPolicyIsInvalid() throws {
        try request("POST", "/api/v1/namespaces/default/configmaps", #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}}"#, expect: 201)
        try request("DELETE", "/api/v1/namespaces/default/configmaps/x", #"{"propagationPolicy":"Sideways"}"#, expect: 422)
    }
}
