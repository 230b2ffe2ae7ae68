import Foundation
import KubeAPI
import KubeBindings
import KubeServer
import XCTest
@testable import KubeClient
@testable import KubeScript

/// Discovery against the embedded server: aggregated discovery in two requests, the disk cache,
/// kubectl's resource names, and custom resources found after the cache is refreshed.
final class DiscoveryTests: KubeScriptTestCase {
    var folder = ""
    var server: HTTPServer!
    let api = APIServer()

    override func setUpWithError() throws {
        folder = try temporaryFolder() + "/discovery"
        server = try HTTPServer(api, port: 0)
        let server = server!
        addTeardownBlock { try? server.stop() }
    }

    func client() throws -> KubeClient {
        try KubeClient(ClientConfiguration(server: "http://127.0.0.1:\(server.port)"), discoveryCache: folder)
    }

    func testAggregatedDiscoveryAndTheDiskCache() throws {
        let first = try client()
        let resources = try first.discovery.resources()
        XCTAssertEqual(first.discovery.requests, 2, "/api and /apis, aggregated")
        // the recorded v1.24's, and SelfSubjectReview, which the embedded server serves beyond it
        XCTAssertEqual(resources.count, APIResource.builtIn.count + 1)
        let deployments = try XCTUnwrap(resources.first { $0.group == "apps" && $0.name == "deployments" })
        XCTAssertEqual(deployments.shortNames, ["deploy"])
        XCTAssertEqual(deployments.subresources, [
            .init(name: "scale", group: "autoscaling", version: "v1", kind: "Scale", verbs: ["get", "patch", "update"]),
            .init(name: "status", group: "apps", version: "v1", kind: "Deployment", verbs: ["get", "patch", "update"]),
        ])
        XCTAssertEqual(try first.discovery.serverVersion()["gitVersion"], .string("v1.24.0+0"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/servergroups.json"))

        let second = try client()
        XCTAssertEqual(try second.discovery.resources(), resources, "the disk cache keeps everything, subresources too")
        XCTAssertEqual(second.discovery.requests, 0, "read from the disk cache")
        XCTAssertEqual(Discovery.cacheFolder(home: "/home/me", server: "https://10.0.0.1:6443"), "/home/me/.kube/cache/discovery/10.0.0.1_6443")
    }

    func testKubectlNamesResolve() throws {
        let discovery = try client().discovery
        for (name, expected) in [("deploy", "apps/v1 deployments"), ("po", "v1 pods"), ("deployments.apps", "apps/v1 deployments"),
                                 ("deployment", "apps/v1 deployments"), ("Deployment", "apps/v1 deployments"), ("svc", "v1 services"),
                                 ("cronjobs.v1.batch", "batch/v1 cronjobs"), ("ns", "v1 namespaces")] {
            let resource = try discovery.resolve(name)
            XCTAssertEqual("\(resource.groupVersion) \(resource.name)", expected, name)
        }
        XCTAssertThrowsError(try discovery.resolve("gizmos")) { error in
            XCTAssertEqual((error as? KubeError)?.message, #"the server doesn't have a resource type "gizmos""#)
        }
        XCTAssertEqual(try discovery.resource(apiVersion: "batch/v1", kind: "Job").name, "jobs")
    }

    func testCustomResourcesAreFoundWhenTheCacheIsRefreshed() throws {
        let client = try client()
        _ = try client.discovery.resources()
        let definitions = try client.resource(group: "apiextensions.k8s.io", version: "v1", resource: "customresourcedefinitions")
        _ = try definitions.create(try JSONValue.parse("""
            {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"widgets.example.com"},
             "spec":{"group":"example.com","scope":"Namespaced","names":{"plural":"widgets","kind":"Widget","shortNames":["wg"]},
              "versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}]}}
            """))
        let widgets = try client.resource(named: "wg")
        XCTAssertEqual(widgets.resource.kind, "Widget")
        XCTAssertEqual(widgets.namespace, "default")
        let created = try widgets.create(try JSONValue.parse(#"{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w"},"size":1}"#))
        XCTAssertEqual(created["size"], .integer(1))
        XCTAssertEqual(try client.resource(for: created).resource.name, "widgets")
    }

    /// `ServerResourcesForGroupVersion("apps/v1")` from a script lists what the recorded
    /// kube-apiserver's `/apis/apps/v1` lists: names in its order, subresources included with
    /// their kind, verbs and (for `scale`) the group and version they answer in.
    func testResourceListsAsTheRecordedServerGivesThem() throws {
        let transcript = try JSONValue.parse(String(contentsOfFile: fixturePath("k8s-transcripts/01-discovery.json"), encoding: .utf8))
        let recorded = try XCTUnwrap(transcript.arrayValue?.first { $0[path: "request", "path"] == .string("/apis/apps/v1") })
        let expected = (recorded[path: "response", "body", "resources"]?.arrayValue ?? []).map { entry in
            ["name", "namespaced", "group", "version", "kind", "verbs"].map { entry[$0].map { $0.jsonString() } ?? "-" }.joined(separator: " ")
        }
        try withRuntime { runtime in
            try KubeModule.install(in: runtime, defaults: ClientDefaults(
                configuration: ClientConfiguration(server: "http://127.0.0.1:\(server.port)")))
            let result = try runtime.state.execute("""
                local lines = {}
                for _, r in ipairs(k8s.client():Discovery():ServerResourcesForGroupVersion("apps/v1").resources) do
                  local fields = {}
                  for _, key in ipairs { "name", "namespaced", "group", "version", "kind", "verbs" } do
                    fields[#fields + 1] = r[key] == nil and "-" or k8s.json.encode(r[key])
                  end
                  lines[#lines + 1] = table.concat(fields, " ")
                end
                return table.concat(lines, "\\n")
                """)
            XCTAssertEqual(result, [.string(expected.joined(separator: "\n"))])
        }
    }

    func testClientGoShapedListsFromDiscovery() throws {
        let client = try KubeClient(ClientConfiguration(server: "http://127.0.0.1:\(server.port)"), discoveryCache: "")
        let apps = try client.discovery.serverResources(groupVersion: "apps/v1")
        let names = (apps["resources"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        XCTAssertEqual(Array(names.prefix(3)), ["controllerrevisions", "daemonsets", "daemonsets/status"])
        let scale = try XCTUnwrap(apps["resources"]?.arrayValue?.first { $0["name"] == .string("deployments/scale") })
        XCTAssertEqual(scale["group"], .string("autoscaling"))
        XCTAssertEqual(scale["kind"], .string("Scale"))
        XCTAssertThrowsError(try client.discovery.serverResources(groupVersion: "nope/v1")) { XCTAssertEqual(($0 as? KubeError)?.isNotFound, true) }

        let preferred = try client.discovery.serverPreferredResources()
        let all = preferred.flatMap { list in (list["resources"]?.arrayValue ?? []).map { (list["groupVersion"]?.stringValue ?? "") + " " + ($0["name"]?.stringValue ?? "") } }
        XCTAssertFalse(all.contains { $0.contains("/status") || $0.contains("/scale") }, "no subresources")
        XCTAssertTrue(all.contains("autoscaling/v2 horizontalpodautoscalers") || all.contains("autoscaling/v1 horizontalpodautoscalers"))
        XCTAssertEqual(all.filter { $0.hasSuffix(" horizontalpodautoscalers") }.count, 1, "once, in the preferred version")

        let groups = try client.discovery.serverGroups()
        XCTAssertEqual(groups["groups"]?[0]?["name"], .string(""))
        XCTAssertEqual(groups["groups"]?[0]?[path: "preferredVersion", "groupVersion"], .string("v1"))
        XCTAssertTrue(groups["groups"]?.arrayValue?.contains { $0["name"] == .string("apps") } ?? false)
    }
}
