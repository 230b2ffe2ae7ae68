import Foundation
import KubeAPI
import KubeBindings
import KubeClient
import KubeServer
import XCTest
@testable import KubeScript

/// What is made from a client keeps that client alive: a watch started from a client nothing
/// else holds runs to its end with the garbage collector forced at every event, and so do
/// resource clients, requests, discovery and iterators that outlive the client they came from.
final class ClientLifetimeTests: KubeScriptTestCase {
    var api: APIServer!
    var server: HTTPServer!
    static let count = 3_000

    override func setUpWithError() throws {
        api = APIServer()
        server = try HTTPServer(api, port: 0)
        let server = server!
        addTeardownBlock { try? server.stop() }
        for i in 0..<Self.count {
            try api.call("POST", "/api/v1/namespaces/default/configmaps",
                         #"{"metadata":{"name":"cm-\#(i)"},"data":{"i":"\#(i)"}}"#, expect: 201)
        }
    }

    var address: String { "http://127.0.0.1:\(server.port)" }

    func testWatchFromATemporaryClientSeesEveryEvent() throws {
        try runScript("""
            local n = 0
            for ev in k8s.client():CoreV1():ConfigMaps("default"):Watch { timeoutSeconds = 1 } do
              collectgarbage()
              n = n + 1
            end
            assert(n == \(Self.count), "events seen: " .. n)
            """, server: address)
    }

    func testObjectsThatOutliveTheirClient() throws {
        try runScript("""
            local cms = k8s.client():CoreV1():ConfigMaps("default")
            local request = k8s.client():RESTClient():Get():Namespace("default"):Resource("configmaps"):Param("limit", 5)
            local discovery = k8s.client():Discovery()
            local dynamic = k8s.client():Resource(k8s.GroupVersionResource("", "v1", "configmaps")):Namespace("default")
            local events = k8s.client():CoreV1():ConfigMaps("default"):Watch { timeoutSeconds = 1 }
            collectgarbage(); collectgarbage()
            assert(#cms:ListAll().items == \(Self.count))
            assert(#request:Do():Into().items == 5)
            assert(#discovery:ServerGroups().groups > 0)
            assert(dynamic:Get("cm-7").data.i == "7")
            local n = 0
            for _ in events do n = n + 1; if n % 500 == 0 then collectgarbage() end end
            assert(n == \(Self.count), "events seen: " .. n)
            """, server: address)
    }

    /// A watch loop that ends early — `break`, an error, a `return` — closes its watch at once:
    /// the server's count of open watches is back to zero.
    func testLeavingAWatchLoopClosesTheWatch() throws {
        try withRuntime { runtime in
            try KubeModule.install(in: runtime, defaults: ClientDefaults(configuration: ClientConfiguration(server: address)))
            let api = api!
            try runtime.state.push(LuaFunction("openWatches") { call in try call.results.append(integer: Int64(api.openWatches)) })
            try runtime.state.setGlobal("openWatches")
            try runtime.execute("""
                local cms = k8s.client():CoreV1():ConfigMaps("default")
                local function closed()  -- the client's end of the connection reaches the server
                  for _ = 1, 100 do if openWatches() == 0 then return true end k8s.sleep(0.01) end
                  return false
                end
                for _ in cms:Watch {} do assert(openWatches() == 1); break end
                assert(closed(), "still open after break")
                assert(not pcall(function() for _ in cms:Watch {} do error("stop") end end))
                assert(closed(), "still open after an error")
                local function first() for ev in cms:Watch {} do return ev end end
                assert(first().type == "ADDED")
                assert(closed(), "still open after return")
                """)
        }
    }

    /// A stream its reader lets go of while events still arrive may be freed on the client's
    /// event loop, with the last reference to its transport: the transport's shutdown must not
    /// block there (AsyncHTTPClient stops the process when it is asked to).
    func testAStreamFreedWhileItsEventsArrive() throws {
        for _ in 0..<40 {
            var stream: WatchStream? = try KubeClient(ClientConfiguration(server: address), discoveryCache: "")
                .resource(group: "", version: "v1", resource: "configmaps", namespace: "default")
                .watch(["timeoutSeconds": "5"])
            XCTAssertNotNil(try stream?.next(timeout: 5))
            stream = nil
        }
        let list = try KubeClient(ClientConfiguration(server: address), discoveryCache: "")
            .resource(group: "", version: "v1", resource: "configmaps", namespace: "default").list(["limit": "1"])
        XCTAssertEqual(list["items"]?.arrayValue?.count, 1)
    }

    /// In Swift too: a stream keeps its transport, though the client is gone.
    func testStreamOutlivesItsClient() throws {
        let stream = try KubeClient(ClientConfiguration(server: address), discoveryCache: "")
            .resource(group: "", version: "v1", resource: "configmaps", namespace: "default")
            .watch(["timeoutSeconds": "1"])
        var events = 0
        while try stream.next(timeout: 10) != nil { events += 1 }
        XCTAssertEqual(events, Self.count)
    }
}
