import Foundation
import KubeAPI
import XCTest
@testable import KubeServer

/// `serve --data FILE`: the cluster kept in SQLite between runs.
final class ClusterFileTests: KubeScriptTestCase {
    var path = ""

    override func setUpWithError() throws {
        path = try temporaryFolder() + "/cluster.db"
    }

    func testAClusterCarriesOnWhereTheLastRunStopped() throws {
        let first = APIServer()
        try first.keep(inFile: path)
        try first.call("POST", "/api/v1/namespaces", #"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"shop"}}"#, expect: 201)
        for name in ["a", "b", "c"] {
            try first.call("POST", "/api/v1/namespaces/shop/configmaps",
                           #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"\#(name)"},"data":{"k":"\#(name)"}}"#, expect: 201)
        }
        try first.call("DELETE", "/api/v1/namespaces/shop/configmaps/b", expect: 200)
        try first.call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", """
            {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"widgets.example.com"},
             "spec":{"group":"example.com","scope":"Namespaced","names":{"plural":"widgets","kind":"Widget"},
              "versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}]}}
            """, expect: 201)
        first.settle()
        try first.call("POST", "/apis/example.com/v1/namespaces/shop/widgets",
                       #"{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w"},"size":3}"#, expect: 201)
        let last = try first.call("GET", "/api/v1/namespaces/shop/configmaps", expect: 200)[path: "metadata", "resourceVersion"]?.stringValue

        let second = APIServer()
        try second.keep(inFile: path)
        let list = try second.call("GET", "/api/v1/namespaces/shop/configmaps", expect: 200)
        XCTAssertEqual(list["items"]?.arrayValue?.compactMap { $0[path: "metadata", "name"]?.stringValue }, ["a", "c"])
        XCTAssertEqual(list[path: "metadata", "resourceVersion"]?.stringValue, last, "the revision goes on")
        XCTAssertEqual(try second.call("GET", "/apis/example.com/v1/namespaces/shop/widgets/w", expect: 200)["size"], .integer(3))
        let namespaces = try second.call("GET", "/api/v1/namespaces", expect: 200)["items"]?.arrayValue?.compactMap { $0[path: "metadata", "name"]?.stringValue }
        XCTAssertEqual(namespaces, ["default", "kube-node-lease", "kube-public", "kube-system", "shop"])
        let created = try second.call("POST", "/api/v1/namespaces/shop/configmaps",
                                      #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"d"}}"#, expect: 201)
        XCTAssertGreaterThan(Int(created[path: "metadata", "resourceVersion"]?.stringValue ?? "") ?? 0, Int(last ?? "") ?? .max)
    }

    func testAFileThatIsNotADatabaseIsReported() throws {
        try Data("not a database, just text".utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try APIServer().keep(inFile: path)) { error in
            XCTAssertTrue(String(describing: error).hasPrefix("cannot use the data file \(path): "), String(describing: error))
        }
    }
}
