import KubeAPI
import XCTest
@testable import KubeServer

/// The events the simulated controllers record, worded as the real ones (v1.24): the deployment,
/// replica set and job controllers', the scheduler's (through events.k8s.io, as core/v1 shows it)
/// and the kubelet's; repeats counted; old ones expired; the Events table kubectl prints.
final class EventTests: KubeScriptTestCase {
    let server = APIServer(controllers: ControllerOptions(podStartDelay: 0, jobPodDuration: 0))

    func events() throws -> [JSONValue] {
        try server.call("GET", "/api/v1/namespaces/default/events", expect: 200)["items"]?.arrayValue ?? []
    }

    /// "reason message (component)" of every event, sorted.
    func lines() throws -> [String] {
        try events().map { event in
            let source = event[path: "source", "component"]?.stringValue ?? event["reportingComponent"]?.stringValue ?? ""
            return "\(event["reason"]?.stringValue ?? "") \(event["message"]?.stringValue ?? "") (\(source))"
        }.sorted()
    }

    func testADeploymentsLifeInEvents() throws {
        try server.call("POST", "/apis/apps/v1/namespaces/default/deployments", ControllerTests.deployment, expect: 201)
        for _ in 0..<4 { server.settle() }
        let set = try XCTUnwrap(try server.call("GET", "/apis/apps/v1/namespaces/default/replicasets", expect: 200)["items"]?[0]?[path: "metadata", "name"]?.stringValue)
        let pods = try server.call("GET", "/api/v1/namespaces/default/pods", expect: 200)["items"]?.arrayValue?.compactMap { $0[path: "metadata", "name"]?.stringValue } ?? []
        XCTAssertEqual(pods.count, 2)
        var expected = ["ScalingReplicaSet Scaled up replica set \(set) to 2 (deployment-controller)"]
        for pod in pods {
            expected += ["SuccessfulCreate Created pod: \(pod) (replicaset-controller)",
                         "Scheduled Successfully assigned default/\(pod) to kubescript-node (default-scheduler)",
                         "Pulling Pulling image \"nginx:1.25\" (kubelet)", "Pulled Successfully pulled image \"nginx:1.25\" in 0s (kubelet)",
                         "Created Created container web (kubelet)", "Started Started container web (kubelet)"]
        }
        XCTAssertEqual(try lines(), expected.sorted())

        let pulling = try XCTUnwrap(try events().first { $0["reason"] == .string("Pulling") })
        XCTAssertEqual(pulling["involvedObject"]?["fieldPath"], .string("spec.containers{web}"))
        XCTAssertEqual(pulling["source"], .object(["component": .string("kubelet"), "host": .string("kubescript-node")]))
        XCTAssertEqual(pulling["count"], .integer(1))
        let scheduled = try XCTUnwrap(try events().first { $0["reason"] == .string("Scheduled") })
        XCTAssertEqual(scheduled["firstTimestamp"], .null)
        XCTAssertNotNil(scheduled["eventTime"]?.stringValue?.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$"#, options: .regularExpression))
        XCTAssertEqual(scheduled["action"], .string("Binding"))

        // down to one and up to two again: the same "Scaled up" event counts 2
        for replicas in [1, 2] {
            try server.call("PATCH", "/apis/apps/v1/namespaces/default/deployments/web", #"{"spec":{"replicas":\#(replicas)}}"#,
                            type: "application/merge-patch+json", expect: 200)
            for _ in 0..<4 { server.settle() }
        }
        let all = try lines()
        XCTAssertTrue(all.contains("ScalingReplicaSet Scaled down replica set \(set) to 1 (deployment-controller)"), "\(all)")
        XCTAssertTrue(all.contains { $0.hasPrefix("SuccessfulDelete Deleted pod: \(set)-") }, "\(all)")
        XCTAssertTrue(all.contains("Killing Stopping container web (kubelet)"), "\(all)")
        let scaledUp = try events().filter { $0["message"] == .string("Scaled up replica set \(set) to 2") }
        XCTAssertEqual(scaledUp.count, 1)
        XCTAssertEqual(scaledUp.first?["count"], .integer(2))
    }

    func testAJobsEvents() throws {
        try server.call("POST", "/apis/batch/v1/namespaces/default/jobs", #"""
            {"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"once"},
             "spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"job","image":"busybox:1.36"}]}}}}
            """#, expect: 201)
        for _ in 0..<5 { server.settle() }
        let all = try lines()
        XCTAssertTrue(all.contains { $0.hasPrefix("SuccessfulCreate Created pod: once-") && $0.hasSuffix("(job-controller)") }, "\(all)")
        XCTAssertTrue(all.contains("Completed Job completed (job-controller)"), "\(all)")
    }

    /// An event goes once it has not been written for the TTL (each write renews it, as its
    /// lease in kube-apiserver's storage).
    func testEventsExpireAfterTheirTTL() throws {
        let server = APIServer(controllers: ControllerOptions(podStartDelay: 0, jobPodDuration: 0, eventTTL: 1))
        func event(_ name: String) throws {
            try server.call("POST", "/api/v1/namespaces/default/events", #"""
                {"apiVersion":"v1","kind":"Event","metadata":{"name":"\#(name)"},"involvedObject":{"kind":"Pod","name":"p","namespace":"default"},
                 "reason":"Test","message":"m","count":1,"type":"Normal"}
                """#, expect: 201)
        }
        try event("old")
        Thread.sleep(forTimeInterval: 2.2)  // past the one-second TTL, by the seconds timestamps have
        try event("new")
        server.settle()
        let names = try server.call("GET", "/api/v1/namespaces/default/events", expect: 200)["items"]?.arrayValue?.compactMap { $0[path: "metadata", "name"]?.stringValue }
        XCTAssertEqual(names, ["new"])
    }

    func testTheEventsTable() throws {
        try server.call("POST", "/apis/apps/v1/namespaces/default/deployments", ControllerTests.deployment, expect: 201)
        server.settle()
        let response = server.handle(APIRequest(method: "GET", path: "/api/v1/namespaces/default/events",
                                                headers: ["accept": "application/json;as=Table;v=v1;g=meta.k8s.io"]))
        let table = try JSONValue.parse(response.body)
        XCTAssertEqual(table["columnDefinitions"]?.arrayValue?.map { "\($0["name"]?.stringValue ?? "")/\($0["priority"]?.integerValue ?? 0)" },
                       ["Last Seen/0", "Type/0", "Reason/0", "Object/0", "Subobject/1", "Source/1", "Message/0", "First Seen/1", "Count/1", "Name/1"])
        let row = try XCTUnwrap(table["rows"]?.arrayValue?.first { $0["cells"]?[2] == .string("ScalingReplicaSet") })
        XCTAssertEqual(row["cells"]?[3], .string("deployment/web"))
        XCTAssertEqual(row["cells"]?[5], .string("deployment-controller"))
        XCTAssertEqual(row["cells"]?[8], .integer(1))
    }

    /// events.k8s.io/v1 is a view of the same Events: the controllers' core/v1 Events read there
    /// with its names, and what is written there (the new recorder's way) reads in core/v1.
    func testEventsK8sIoIsAViewOfTheCoreEvents() throws {
        try server.call("POST", "/apis/apps/v1/namespaces/default/deployments", ControllerTests.deployment, expect: 201)
        for _ in 0..<3 { server.settle() }
        let view = "/apis/events.k8s.io/v1/namespaces/default/events"
        let listed = try server.call("GET", view, expect: 200)
        XCTAssertEqual(listed["apiVersion"], .string("events.k8s.io/v1"))
        let scaled = try XCTUnwrap(listed["items"]?.arrayValue?.first { $0["reason"] == .string("ScalingReplicaSet") })
        XCTAssertEqual(scaled["regarding"]?["kind"], .string("Deployment"))
        XCTAssertEqual(scaled["note"]?.stringValue?.hasPrefix("Scaled up replica set web-"), true)
        XCTAssertEqual(scaled["deprecatedSource"], .object(["component": .string("deployment-controller")]))
        XCTAssertEqual(scaled["deprecatedCount"], .integer(1))
        XCTAssertEqual(scaled["eventTime"], .null)
        XCTAssertNil(scaled["message"])

        let written = try server.call("POST", view, #"""
            {"apiVersion":"events.k8s.io/v1","kind":"Event","metadata":{"name":"mine"},"eventTime":"2026-12-05T10:00:00.000000Z",
             "reportingController":"website-controller","reportingInstance":"website-controller-1","action":"Reconcile","reason":"Created",
             "regarding":{"kind":"Deployment","namespace":"default","name":"web","apiVersion":"apps/v1"},"note":"made it","type":"Normal"}
            """#, expect: 201)
        XCTAssertEqual(written["note"], .string("made it"))
        let core = try server.call("GET", "/api/v1/namespaces/default/events/mine", expect: 200)
        XCTAssertEqual(core["message"], .string("made it"))
        XCTAssertEqual(core["reportingComponent"], .string("website-controller"))
        XCTAssertEqual(core["involvedObject"]?["name"], .string("web"))

        let patched = try server.call("PATCH", view + "/mine", #"{"series":{"count":2,"lastObservedTime":"2026-12-05T10:01:00.000000Z"}}"#,
                                      type: "application/merge-patch+json", expect: 200)
        XCTAssertEqual(patched["series"]?["count"], .integer(2))
        XCTAssertEqual(try server.call("GET", "/api/v1/namespaces/default/events/mine", expect: 200)["series"]?["count"], .integer(2))

        let watched = server.handle(APIRequest(method: "GET", path: view, query: ["watch": "1", "fieldSelector": "metadata.name=mine"]))
        let event = try JSONValue.parse(Array(String(decoding: watched.body, as: UTF8.self).split(separator: "\n").first.map { Array($0.utf8) } ?? []))
        XCTAssertEqual(event[path: "object", "apiVersion"], .string("events.k8s.io/v1"))
        XCTAssertEqual(event[path: "object", "note"], .string("made it"))
        try server.call("DELETE", view + "/mine", expect: 200)
        try server.call("GET", "/api/v1/namespaces/default/events/mine", expect: 404)
    }
}
