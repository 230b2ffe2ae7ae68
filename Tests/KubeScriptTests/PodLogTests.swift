import KubeAPI
import XCTest
@testable import KubeServer

/// `pods/log` from the simulated kubelet, with kube-apiserver's options and 400s; and the
/// subresources the server does not serve, which are 404s, never the object.
final class PodLogTests: KubeScriptTestCase {
    let server = APIServer(controllers: ControllerOptions(podStartDelay: 0, jobPodDuration: 0))
    let pods = "/api/v1/namespaces/default/pods"

    func pod(_ name: String, containers: [String]) throws {
        let list = containers.map { #"{"name":"\#($0)","image":"busybox:1.36"}"# }.joined(separator: ",")
        try server.call("POST", pods, #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"\#(name)"},"spec":{"containers":[\#(list)]}}"#,
                        expect: 201)
        server.settle()
    }

    func log(_ name: String, _ query: [String: String] = [:], expect status: Int = 200, file: StaticString = #filePath,
             line: UInt = #line) -> String {
        let response = server.handle(APIRequest(method: "GET", path: "\(pods)/\(name)/log", query: query))
        XCTAssertEqual(response.status, status, String(decoding: response.body, as: UTF8.self), file: file, line: line)
        if status != 200 { return (try? JSONValue.parse(response.body))?["message"]?.stringValue ?? "" }
        XCTAssertEqual(response.headers.first { $0.0 == "content-type" }?.1, "text/plain", file: file, line: line)
        return String(decoding: response.body, as: UTF8.self)
    }

    func testAContainersLogAndItsOptions() throws {
        try pod("two", containers: ["a", "b"])
        XCTAssertEqual(log("two", ["container": "a"]),
                       "kubescript-node: started container a (image busybox:1.36); the embedded cluster runs no processes\n")
        let stamped = log("two", ["container": "b", "timestamps": "true"])
        XCTAssertNotNil(stamped.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000000000Z kubescript-node: started container b "#,
                                      options: .regularExpression), stamped)
        XCTAssertEqual(log("two", ["container": "a", "tailLines": "0"]), "")
        XCTAssertEqual(log("two", ["container": "a", "limitBytes": "10"]), "kubescript")
        XCTAssertEqual(log("two", ["container": "a", "sinceSeconds": "3600"]), log("two", ["container": "a"]))
        XCTAssertEqual(log("two", ["container": "a", "sinceTime": "2999-01-01T00:00:00Z"]), "")

        XCTAssertEqual(log("two", expect: 400), "a container name must be specified for pod two, choose one of: [a b]")
        XCTAssertEqual(log("two", ["container": "c"], expect: 400), "container c is not valid for pod two")
        XCTAssertEqual(log("two", ["container": "a", "previous": "true"], expect: 400),
                       #"previous terminated container "a" in pod "two" not found"#)
        XCTAssertEqual(log("none", expect: 404), #"pods "none" not found"#)
    }

    func testAContainerNotStartedAndOneThatExited() throws {
        let slow = APIServer(controllers: ControllerOptions(podStartDelay: 3600, jobPodDuration: 0))
        try slow.call("POST", pods, #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"x"}]}}"#,
                      expect: 201)
        slow.settle()
        let waiting = slow.handle(APIRequest(method: "GET", path: "\(pods)/p/log"))
        XCTAssertEqual(waiting.status, 400)
        XCTAssertEqual((try? JSONValue.parse(waiting.body))?["message"]?.stringValue,
                       #"container "c" in pod "p" is waiting to start: ContainerCreating"#)

        try server.call("POST", "/apis/batch/v1/namespaces/default/jobs", #"""
            {"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"once"},
             "spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"job","image":"busybox:1.36"}]}}}}
            """#, expect: 201)
        for _ in 0..<5 { server.settle() }
        let listed = server.handle(APIRequest(method: "GET", path: pods, query: ["labelSelector": "job-name=once"]))
        let jobPods = (try JSONValue.parse(listed.body))["items"]?.arrayValue ?? []
        let name = try XCTUnwrap(jobPods.first?[path: "metadata", "name"]?.stringValue)
        XCTAssertEqual(log(name).split(separator: "\n").last, "kubescript-node: container job exited with code 0")
    }

    func testSubresourcesTheServerDoesNotServeAreNotFound() throws {
        try pod("one", containers: ["a"])
        for subresource in ["exec", "attach", "portforward", "proxy", "bogus"] {
            let response = server.handle(APIRequest(method: "GET", path: "\(pods)/one/\(subresource)"))
            XCTAssertEqual(response.status, 404, subresource)
            XCTAssertEqual((try? JSONValue.parse(response.body))?["message"]?.stringValue, "the server could not find the requested resource")
        }
        XCTAssertEqual(try server.call("GET", "\(pods)/one/status", expect: 200)["kind"], .string("Pod"))
    }
}
