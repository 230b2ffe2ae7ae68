import KubeAPI
import XCTest
@testable import KubeServer

/// The simulated controllers: Deployments → ReplicaSets → Pods that start on the one node,
/// StatefulSets and DaemonSets, Jobs whose Pods succeed, Services' addresses and Endpoints, and
/// what every namespace gets.
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

    /// One step at a time: with Pods that never become Ready, a rolling update goes only as far
    /// as `maxSurge` and `maxUnavailable` let it, and a Recreate first empties the old ReplicaSet.
    func testRolloutsArePacedByTheirStrategy() throws {
        let slow = APIServer(controllers: ControllerOptions(podStartDelay: 3600))
        @discardableResult func call(_ method: String, _ path: String, _ body: String? = nil, type: String? = nil, expect status: Int) throws -> JSONValue {
            try slow.call(method, path, body, type: type, expect: status)
        }
        func sets(_ deployment: String) throws -> [Int64] {
            // spec.replicas of the old ReplicaSet, then of the new one
            try call("GET", "/apis/apps/v1/namespaces/default/replicasets", expect: 200)["items"]?.arrayValue?
                .filter { $0[path: "metadata", "labels", "app"]?.stringValue == deployment }
                .sorted { ($0[path: "metadata", "annotations", "deployment.kubernetes.io/revision"]?.stringValue ?? "")
                    < ($1[path: "metadata", "annotations", "deployment.kubernetes.io/revision"]?.stringValue ?? "") }
                .compactMap { $0[path: "spec", "replicas"]?.integerValue } ?? []
        }
        func markReady(_ deployment: String) throws {
            // the kubelet is slow here: the test makes the Pods Ready itself
            for pod in try call("GET", "/api/v1/namespaces/default/pods", expect: 200)["items"]?.arrayValue ?? []
            where pod[path: "metadata", "labels", "app"]?.stringValue == deployment {
                var ready = pod
                ready["status"] = .object(["phase": .string("Running"), "conditions": .array([.object(["type": .string("Ready"), "status": .string("True")])])])
                try call("PUT", "/api/v1/namespaces/default/pods/\(pod[path: "metadata", "name"]?.stringValue ?? "")/status", ready.jsonString(), expect: 200)
            }
            slow.settle()
        }
        for (name, strategy) in [("rolling", #"{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1,"maxUnavailable":0}}"#),
                                 ("recreate", #"{"type":"Recreate"}"#)] {
            try call("POST", "/apis/apps/v1/namespaces/default/deployments", #"""
                {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"\#(name)"},
                 "spec":{"replicas":4,"strategy":\#(strategy),"selector":{"matchLabels":{"app":"\#(name)"}},
                         "template":{"metadata":{"labels":{"app":"\#(name)"}},"spec":{"containers":[{"name":"c","image":"nginx:1.25"}]}}}}
                """#, expect: 201)
            slow.settle()
            XCTAssertEqual(try sets(name), [4], "a new Deployment gets all its replicas at once")
            try markReady(name)
            try call("PATCH", "/apis/apps/v1/namespaces/default/deployments/\(name)",
                     #"{"spec":{"template":{"spec":{"containers":[{"name":"c","image":"nginx:1.26"}]}}}}"#,
                     type: "application/strategic-merge-patch+json", expect: 200)
            slow.settle()
        }
        XCTAssertEqual(try sets("rolling"), [4, 1], "one surge Pod, and no old one goes before it is available")
        XCTAssertEqual(try sets("recreate"), [0, 4], "the old Pods went at once, so the new ones came")
        try markReady("rolling")
        XCTAssertEqual(try sets("rolling"), [3, 2], "the available surge Pod let an old one go, and another new one come")
        let deployment = try call("GET", "/apis/apps/v1/namespaces/default/deployments/rolling", expect: 200)
        XCTAssertEqual(deployment[path: "status", "updatedReplicas"], .integer(2))
        XCTAssertEqual(deployment[path: "status", "conditions"]?.arrayValue?.first { $0["type"] == .string("Progressing") }?["reason"],
                       .string("ReplicaSetUpdated"))
        for _ in 0..<4 { try markReady("rolling") }
        XCTAssertEqual(try sets("rolling"), [0, 4])
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

    static func statefulSet(image: String, replicas: Int) -> String {
        #"{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"db"},"spec":{"serviceName":"db","replicas":\#(replicas),"#
            + #""selector":{"matchLabels":{"app":"db"}},"template":{"metadata":{"labels":{"app":"db"}},"#
            + #""spec":{"containers":[{"name":"db","image":"\#(image)"}]}}}}"#
    }

    func testStatefulSetPodsComeInOrderAndRollFromTheTop() throws {
        try request("POST", "/apis/apps/v1/namespaces/default/statefulsets", Self.statefulSet(image: "postgres:15", replicas: 3), expect: 201)
        server.settle()
        var pods = try items("/api/v1/namespaces/default/pods")
        XCTAssertEqual(pods.compactMap { $0[path: "metadata", "name"]?.stringValue }, ["db-0", "db-1", "db-2"])
        XCTAssertEqual(pods.map { $0[path: "spec", "hostname"] }, [.string("db-0"), .string("db-1"), .string("db-2")])
        XCTAssertEqual(pods.map { $0[path: "spec", "subdomain"] }, Array(repeating: .string("db"), count: 3))
        var set = try request("GET", "/apis/apps/v1/namespaces/default/statefulsets/db", expect: 200)
        XCTAssertEqual(set[path: "status", "readyReplicas"], .integer(3))
        XCTAssertEqual(set[path: "status", "currentReplicas"], .integer(3))
        let first = try XCTUnwrap(set[path: "status", "updateRevision"]?.stringValue)
        XCTAssertEqual(set[path: "status", "currentRevision"]?.stringValue, first)
        XCTAssertEqual(pods[0][path: "metadata", "labels", "controller-revision-hash"]?.stringValue, first)

        // a new template replaces every Pod, and the revisions meet again
        try request("PATCH", "/apis/apps/v1/namespaces/default/statefulsets/db",
                    #"{"spec":{"template":{"spec":{"containers":[{"name":"db","image":"postgres:16"}]}}}}"#,
                    type: "application/strategic-merge-patch+json", expect: 200)
        server.settle()
        pods = try items("/api/v1/namespaces/default/pods")
        XCTAssertEqual(pods.compactMap { $0[path: "spec", "containers"]?[0]?[path: "image"]?.stringValue }, ["postgres:16", "postgres:16", "postgres:16"])
        set = try request("GET", "/apis/apps/v1/namespaces/default/statefulsets/db", expect: 200)
        let second = try XCTUnwrap(set[path: "status", "updateRevision"]?.stringValue)
        XCTAssertNotEqual(second, first)
        XCTAssertEqual(set[path: "status", "currentRevision"]?.stringValue, second)
        XCTAssertEqual(set[path: "status", "updatedReplicas"], .integer(3))

        // scaled down from the highest ordinal
        try request("PATCH", "/apis/apps/v1/namespaces/default/statefulsets/db/scale", #"{"spec":{"replicas":1}}"#,
                    type: "application/merge-patch+json", expect: 200)
        server.settle()
        XCTAssertEqual(try items("/api/v1/namespaces/default/pods").compactMap { $0[path: "metadata", "name"]?.stringValue }, ["db-0"])
    }

    func testOrderedStatefulSetPodsWaitForTheOnesBefore() throws {
        let slow = APIServer(controllers: ControllerOptions(podStartDelay: 3600))
        let created = slow.handle(APIRequest(method: "POST", path: "/apis/apps/v1/namespaces/default/statefulsets",
                                             body: Array(Self.statefulSet(image: "postgres:15", replicas: 3).utf8)))
        XCTAssertEqual(created.status, 201)
        slow.settle()
        let pods = try JSONValue.parse(slow.handle(APIRequest(method: "GET", path: "/api/v1/namespaces/default/pods")).body)
        XCTAssertEqual(pods["items"]?.arrayValue?.compactMap { $0[path: "metadata", "name"]?.stringValue }, ["db-0"], "db-1 waits for db-0 to be Ready")
    }

    func testDaemonSetRunsAPodOnTheNodeItSelects() throws {
        try request("POST", "/apis/apps/v1/namespaces/default/daemonsets", #"""
            {"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"agent"},
             "spec":{"selector":{"matchLabels":{"app":"agent"}},"template":{"metadata":{"labels":{"app":"agent"}},
                     "spec":{"containers":[{"name":"agent","image":"fluent-bit:2"}]}}}}
            """#, expect: 201)
        server.settle()
        let pods = try items("/api/v1/namespaces/default/pods")
        XCTAssertEqual(pods.count, 1)
        XCTAssertEqual(pods.first?[path: "status", "phase"], .string("Running"))
        XCTAssertEqual(pods.first?[path: "metadata", "ownerReferences"]?[0]?[path: "kind"], .string("DaemonSet"))
        var set = try request("GET", "/apis/apps/v1/namespaces/default/daemonsets/agent", expect: 200)
        XCTAssertEqual(set[path: "status", "desiredNumberScheduled"], .integer(1))
        XCTAssertEqual(set[path: "status", "numberReady"], .integer(1))
        XCTAssertEqual(set[path: "status", "updatedNumberScheduled"], .integer(1))

        // a node selector no node matches: no Pod
        try request("PATCH", "/apis/apps/v1/namespaces/default/daemonsets/agent",
                    #"{"spec":{"template":{"spec":{"nodeSelector":{"disk":"ssd"}}}}}"#, type: "application/merge-patch+json", expect: 200)
        server.settle()
        XCTAssertEqual(try items("/api/v1/namespaces/default/pods").filter { $0[path: "metadata", "deletionTimestamp"] == nil }.count, 0)
        set = try request("GET", "/apis/apps/v1/namespaces/default/daemonsets/agent", expect: 200)
        XCTAssertEqual(set[path: "status", "desiredNumberScheduled"], .integer(0))
    }

    func testServicesGetAddressesAndEndpoints() throws {
        try request("POST", "/apis/apps/v1/namespaces/default/deployments", Self.deployment, expect: 201)
        let service = try request("POST", "/api/v1/namespaces/default/services", #"""
            {"apiVersion":"v1","kind":"Service","metadata":{"name":"web"},
             "spec":{"type":"NodePort","selector":{"app":"web"},"ports":[{"name":"http","port":80,"targetPort":8080}]}}
            """#, expect: 201)
        let address = try XCTUnwrap(service[path: "spec", "clusterIP"]?.stringValue)
        XCTAssertTrue(address.hasPrefix("10.9") || address.hasPrefix("10.10") || address.hasPrefix("10.11"), address)
        XCTAssertEqual(service[path: "spec", "clusterIPs"], .array([.string(address)]))
        XCTAssertEqual(service[path: "spec", "ipFamilies"], .array([.string("IPv4")]))
        XCTAssertEqual(service[path: "spec", "externalTrafficPolicy"], .string("Cluster"))
        let nodePort = try XCTUnwrap(service[path: "spec", "ports"]?[0]?[path: "nodePort"]?.integerValue)
        XCTAssertTrue((30000...32767).contains(nodePort))
        XCTAssertNil(service[path: "metadata", "managedFields"]?[0]?[path: "fieldsV1", "f:spec", "f:clusterIP"], "allocated, not owned")

        // an address already taken is refused as kube-apiserver refuses it
        let taken = try request("POST", "/api/v1/namespaces/default/services", """
            {"apiVersion":"v1","kind":"Service","metadata":{"name":"copy"},"spec":{"clusterIP":"\(address)","ports":[{"port":80}]}}
            """, expect: 422)
        XCTAssertEqual(taken["message"], .string(#"Service "copy" is invalid: spec.clusterIPs: Invalid value: []string{"\#(address)"}: failed to allocate IP \#(address): provided IP is already allocated"#))
        try request("POST", "/api/v1/namespaces/default/services", #"""
            {"apiVersion":"v1","kind":"Service","metadata":{"name":"headless"},"spec":{"clusterIP":"None","selector":{"app":"web"},"ports":[{"port":80}]}}
            """#, expect: 201)

        // a replacement that leaves the allocations out keeps them
        var replaced = service
        replaced["spec"]?["clusterIP"] = nil
        replaced["spec"]?["clusterIPs"] = nil
        replaced["spec"]?["ports"] = .array([.object(["name": .string("http"), "port": .integer(80), "targetPort": .integer(8080)])])
        let kept = try request("PUT", "/api/v1/namespaces/default/services/web", replaced.jsonString(), expect: 200)
        XCTAssertEqual(kept[path: "spec", "clusterIP"]?.stringValue, address)
        XCTAssertEqual(kept[path: "spec", "ports"]?[0]?[path: "nodePort"]?.integerValue, nodePort)

        server.settle()
        let endpoints = try request("GET", "/api/v1/namespaces/default/endpoints/web", expect: 200)
        let podIPs = try items("/api/v1/namespaces/default/pods").compactMap { $0[path: "status", "podIP"]?.stringValue }.sorted()
        XCTAssertEqual(podIPs.count, 2)
        XCTAssertEqual(endpoints[path: "subsets"]?[0]?[path: "addresses"]?.arrayValue?.compactMap { $0["ip"]?.stringValue }, podIPs)
        XCTAssertEqual(endpoints[path: "subsets"]?[0]?["addresses"]?[0]?[path: "targetRef", "kind"], .string("Pod"))
        XCTAssertEqual(endpoints[path: "subsets"]?[0]?[path: "ports"], .array([.object(["name": .string("http"), "port": .integer(8080), "protocol": .string("TCP")])]))
        server.settle()
        XCTAssertEqual(try request("GET", "/api/v1/namespaces/default/endpoints/web", expect: 200)[path: "metadata", "resourceVersion"],
                       endpoints[path: "metadata", "resourceVersion"], "nothing changed: no new version")
        try request("GET", "/api/v1/namespaces/default/endpoints/headless", expect: 200)

        // the API server's own Service
        let kubernetes = try request("GET", "/api/v1/namespaces/default/services/kubernetes", expect: 200)
        XCTAssertEqual(kubernetes[path: "spec", "clusterIP"], .string("10.96.0.1"))
        XCTAssertEqual(try request("GET", "/api/v1/namespaces/default/endpoints/kubernetes", expect: 200)[path: "subsets"]?[0]?["ports"]?[0]?["port"], .integer(6443))

        // the Service goes, its Endpoints follow
        try request("DELETE", "/api/v1/namespaces/default/services/web", expect: 200)
        server.settle()
        try request("GET", "/api/v1/namespaces/default/endpoints/web", expect: 404)
    }
}
