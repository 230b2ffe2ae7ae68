import KubeAPI
import XCTest
@testable import KubeServer

/// The simulated controllers: Deployments → ReplicaSets → Pods that start on the one node,
/// Jobs whose Pods succeed, and what every namespace gets.
final class ControllerTests: KubeScriptTestCase {
    let server = APIServer(controllers: ControllerOptions(podStartDelay: 0, jobPodDuration: 0))

    @discardableResult
    func request(_ method: String, _ path: String, _ body: String? = nil, type: String? = nil, expect status: Int,
                 file: StaticString = #filePath, line: UInt = #line) throws -> JSONValue {
        try server.call(method, path, body, type: type, expect: status, file: file, line: line)
    }

    func items(_ path: String) throws -> [JSONValue] { try request("GET", path, expect: 200)["items"]?.arrayValue ?? [] }

    static let deployment = #"""
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},
         "spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},
                 "template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"web","image":"nginx:1.25"}]}}}}
        """#

    func testNamespacesGetTheirServiceAccountAndRootCA() throws {
        try request("POST", "/api/v1/namespaces", #"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"team"}}"#, expect: 201)
        server.settle()
        try request("GET", "/api/v1/namespaces/team/serviceaccounts/default", expect: 200)
        let ca = try request("GET", "/api/v1/namespaces/team/configmaps/kube-root-ca.crt", expect: 200)
        XCTAssertNotNil(ca[path: "data", "ca.crt"])
        XCTAssertEqual(try request("GET", "/api/v1/nodes", expect: 200)["items"]?.arrayValue?.count, 1)
    }

    func testDeploymentRollsOutAndScales() throws {
        try request("POST", "/apis/apps/v1/namespaces/default/deployments", Self.deployment, expect: 201)
        server.settle()
        let sets = try items("/apis/apps/v1/namespaces/default/replicasets")
        XCTAssertEqual(sets.count, 1)
        let set = try XCTUnwrap(sets.first)
        let hash = try XCTUnwrap(set[path: "metadata", "labels", "pod-template-hash"]?.stringValue)
        XCTAssertEqual(set[path: "metadata", "name"], .string("web-\(hash)"))
        XCTAssertTrue((1...10).contains(hash.count), hash)  // the digits of a 32-bit hash, spelled safely
        XCTAssertEqual(set[path: "metadata", "annotations", "deployment.kubernetes.io/revision"], .string("1"))
        XCTAssertEqual(set[path: "status", "readyReplicas"], .integer(2))
        let pods = try items("/api/v1/namespaces/default/pods")
        XCTAssertEqual(pods.count, 2)
        for pod in pods {
            XCTAssertEqual(pod[path: "status", "phase"], .string("Running"))
            XCTAssertEqual(pod[path: "spec", "nodeName"], .string("kubescript-node"))
            XCTAssertTrue(pod[path: "metadata", "name"]?.stringValue?.hasPrefix("web-\(hash)-") ?? false)
            XCTAssertEqual(pod[path: "metadata", "ownerReferences"]?[0]?["kind"], .string("ReplicaSet"))
        }
        var deployment = try request("GET", "/apis/apps/v1/namespaces/default/deployments/web", expect: 200)
        XCTAssertEqual(deployment["status"]?["replicas"], .integer(2))
        XCTAssertEqual(deployment["status"]?["updatedReplicas"], .integer(2))
        XCTAssertEqual(deployment["status"]?["readyReplicas"], .integer(2))
        XCTAssertEqual(deployment["status"]?["availableReplicas"], .integer(2))
        XCTAssertEqual(deployment["status"]?["observedGeneration"], .integer(1))
        let conditions = deployment[path: "status", "conditions"]?.arrayValue ?? []
        XCTAssertEqual(conditions.first { $0["type"] == .string("Available") }?["status"], .string("True"))
        XCTAssertEqual(conditions.first { $0["type"] == .string("Progressing") }?["reason"], .string("NewReplicaSetAvailable"))

        // Scale through /scale.
        var scale = try request("GET", "/apis/apps/v1/namespaces/default/deployments/web/scale", expect: 200)
        scale["spec"] = .object(["replicas": .integer(3)])
        try request("PUT", "/apis/apps/v1/namespaces/default/deployments/web/scale", scale.jsonString(), expect: 200)
        server.settle()
        XCTAssertEqual(try items("/api/v1/namespaces/default/pods").count, 3)
        deployment = try request("GET", "/apis/apps/v1/namespaces/default/deployments/web", expect: 200)
        XCTAssertEqual(deployment["status"]?["availableReplicas"], .integer(3))
        XCTAssertEqual(deployment["status"]?["observedGeneration"], .integer(2))

        // A new template: a second ReplicaSet takes over.
        try request("PATCH", "/apis/apps/v1/namespaces/default/deployments/web",
                    #"{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:1.26"}]}}}}"#,
                    type: "application/strategic-merge-patch+json", expect: 200)
        server.settle()
        let rollout = try items("/apis/apps/v1/namespaces/default/replicasets")
        XCTAssertEqual(rollout.count, 2)
        let newest = try XCTUnwrap(rollout.first { $0[path: "metadata", "labels", "pod-template-hash"]?.stringValue != hash })
        XCTAssertEqual(newest[path: "metadata", "annotations", "deployment.kubernetes.io/revision"], .string("2"))
        XCTAssertEqual(newest[path: "spec", "replicas"], .integer(3))
        XCTAssertEqual(rollout.first { $0[path: "metadata", "labels", "pod-template-hash"]?.stringValue == hash }?[path: "spec", "replicas"], .integer(0))
        let images = try items("/api/v1/namespaces/default/pods").compactMap { $0[path: "spec", "containers"]?[0]?["image"]?.stringValue }
        XCTAssertEqual(images, ["nginx:1.26", "nginx:1.26", "nginx:1.26"])
        deployment = try request("GET", "/apis/apps/v1/namespaces/default/deployments/web", expect: 200)
        XCTAssertEqual(deployment[path: "metadata", "annotations", "deployment.kubernetes.io/revision"], .string("2"))

        // Deleting it takes everything it owns.
        try request("DELETE", "/apis/apps/v1/namespaces/default/deployments/web", expect: 200)
        server.settle()
        XCTAssertEqual(try items("/apis/apps/v1/namespaces/default/replicasets").count, 0)
        XCTAssertEqual(try items("/api/v1/namespaces/default/pods").count, 0)
    }

    func testPodsStartAfterTheirDelay() throws {
        let slow = APIServer(controllers: ControllerOptions(podStartDelay: 3600))
        let created = slow.handle(APIRequest(method: "POST", path: "/api/v1/namespaces/default/pods", body: Array(
            #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"busybox"}]}}"#.utf8)))
        XCTAssertEqual(created.status, 201)
        slow.settle()
        let pod = try JSONValue.parse(slow.handle(APIRequest(method: "GET", path: "/api/v1/namespaces/default/pods/p")).body)
        XCTAssertEqual(pod[path: "status", "phase"], .string("Pending"), "not before the delay")
        XCTAssertEqual(pod[path: "spec", "nodeName"], .string("kubescript-node"), "but scheduled")
    }

    func testJobsComplete() throws {
        try request("POST", "/apis/batch/v1/namespaces/default/jobs", #"""
            {"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"once"},
             "spec":{"completions":2,"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"busybox"}]}}}}
            """#, expect: 201)
        let job = try request("GET", "/apis/batch/v1/namespaces/default/jobs/once", expect: 200)
        let uid = try XCTUnwrap(job[path: "metadata", "uid"]?.stringValue)
        XCTAssertEqual(job[path: "spec", "selector", "matchLabels", "controller-uid"], .string(uid))
        server.settle()
        let done = try request("GET", "/apis/batch/v1/namespaces/default/jobs/once", expect: 200)
        XCTAssertEqual(done[path: "status", "succeeded"], .integer(2))
        XCTAssertEqual(done[path: "status", "conditions"]?[0]?["type"], .string("Complete"))
        let phases = try items("/api/v1/namespaces/default/pods").compactMap { $0[path: "status", "phase"]?.stringValue }
        XCTAssertEqual(phases, ["Succeeded", "Succeeded"])
    }
}
