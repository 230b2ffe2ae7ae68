import Foundation
import KubeAPI
import KubeBindings
import KubeClient
import KubeServer
import XCTest
@testable import KubeScript

/// The `k8s` client module where a test needs a server or options of its own: dry runs,
/// authentication, injected faults, the client's options. (Each function of the module against a
/// fresh cluster is Tests/Lua/client_test.lua, run by `kubescript test`.) The Lua chunks assert;
/// the stack is checked balanced after each.
final class KubeModuleTests: KubeScriptTestCase {
    var server: HTTPServer!

    override func setUpWithError() throws {
        server = try HTTPServer(APIServer(controllers: ControllerOptions(podStartDelay: 0.1, jobPodDuration: 0.1)), port: 0)
        let server = server!
        addTeardownBlock { try? server.stop() }
    }

    /// Runs `code` with the client module installed, the embedded cluster as the default.
    func run(_ code: String, dryRun: Bool = false, file: StaticString = #filePath, line: UInt = #line) throws {
        try runScript(code, server: "http://127.0.0.1:\(server.port)", dryRun: dryRun, file: file, line: line)
    }

    func testDryRunWritesNothing() throws {
        try run(#"""
            local c = k8s.client()
            local cms = c:CoreV1():ConfigMaps("default")
            local created = cms:Create { apiVersion = "v1", kind = "ConfigMap", metadata = { name = "dry" } }
            assert(created.metadata.name == "dry")
            local ok, err = pcall(cms.Get, cms, "dry")
            assert(not ok and k8s.errors.IsNotFound(err), "a dry run persists nothing")
            """#, dryRun: true)
    }

    /// The predicates the other tests do not reach, with what the server really answers:
    /// Unauthorized (a wrong token), Forbidden (anonymous), BadRequest (an unknown field
    /// selector), TooManyRequests (429 after ten tries), MethodNotSupported.
    func testTheRemainingErrorPredicates() throws {
        let api = APIServer(authentication: .administrator(token: "right"))
        let guarded = try HTTPServer(api, port: 0)
        defer { try? guarded.stop() }
        for (token, expectation) in [("wrong", "IsUnauthorized"), (nil, "IsForbidden")] {
            var configuration = ClientConfiguration(server: "http://127.0.0.1:\(guarded.port)")
            if let token { configuration.credentials = .token(token) }
            try withRuntime { runtime in
                try KubeModule.install(in: runtime, defaults: ClientDefaults(configuration: configuration))
                XCTAssertNoThrow(try runtime.execute("""
                    local ok, err = pcall(function() return k8s.client():CoreV1():Pods():List() end)
                    assert(not ok and k8s.errors.\(expectation)(err), tostring(err))
                    assert(not k8s.errors.IsNotFound(err))
                    """))
            }
        }
        var admin = ClientConfiguration(server: "http://127.0.0.1:\(guarded.port)")
        admin.credentials = .token("right")
        api.inject(Fault(.tooManyRequests(retryAfter: 0), method: "GET", path: "/secrets", count: 10))
        try withRuntime { runtime in
            try KubeModule.install(in: runtime, defaults: ClientDefaults(configuration: admin))
            XCTAssertNoThrow(try runtime.execute("""
                local c = k8s.client()
                local ok, err = pcall(function() return c:CoreV1():Pods():List { fieldSelector = "spec.color=blue" } end)
                assert(not ok and k8s.errors.IsBadRequest(err), tostring(err))
                ok, err = pcall(function() return c:CoreV1():Secrets():List() end)
                assert(not ok and k8s.errors.IsTooManyRequests(err) and err.code == 429, tostring(err))
                local result = c:RESTClient{ version = "v1" }:Verb("PUT"):Resource("namespaces"):Body({}):Do()
                assert(k8s.errors.IsMethodNotSupported(result:Error()), tostring(result:Error()))
                """))
        }
    }

    func testClientOptionsAreChecked() throws {
        try withRuntime { runtime in
            try KubeModule.install(in: runtime, defaults: ClientDefaults(configuration: ClientConfiguration(server: "http://127.0.0.1:\(server.port)")))
            assertLuaError(runtime, "k8s.client { timeout = -1 }", contains: "timeout must be a number of seconds ≥ 0")
            assertLuaError(runtime, "k8s.client { kubeconfig = '/nonexistent/config' }", contains: "kubeconfig /nonexistent/config: no such file")
            assertLuaError(runtime, "k8s.client { qps = 'fast' }", contains: "qps must be a number")
            assertLuaError(runtime, "k8s.client(5)", contains: "table expected")
            assertLuaError(runtime, "k8s.client { http2 = 'yes' }", contains: "http2 must be a boolean")
            XCTAssertNoThrow(try runtime.execute("assert(k8s.client { namespace = 'other', qps = 50, burst = 100, timeout = 30 }:Namespace() == 'other')"))
            // over plain HTTP, http2 changes nothing: the server is asked in HTTP/1.1 still
            XCTAssertNoThrow(try runtime.execute("assert(k8s.client { http2 = true }:CoreV1():Namespaces():List().kind == 'NamespaceList')"))
        }
    }
}
