import Foundation
import KubeBindings
import KubeClient
import KubeServer
import XCTest
@testable import KubeScript

/// An informer across a watch that ends and one the server refuses as too old (410): the relist
/// hands the handlers only the differences, and a delete it found is reported once, as
/// DeletedFinalStateUnknown with the last object seen. (The rest of informers and work queues:
/// Tests/Lua/informer_test.lua.)
final class InformerTests: KubeScriptTestCase {
    func testARelistAfterA410ReportsOnlyTheDifferences() throws {
        let api = APIServer()
        let server = try HTTPServer(api, port: 0)
        defer { try? server.stop() }
        try withRuntime { runtime in
            try KubeModule.install(in: runtime, defaults: ClientDefaults(configuration: ClientConfiguration(server: "http://127.0.0.1:\(server.port)")))
            _ = try runtime.state.execute("""
                cms = k8s.client():CoreV1():ConfigMaps("default")
                cms:Create { metadata = { name = "a" } }
                cms:Create { metadata = { name = "b" } }
                informer = k8s.client():Informer(cms)
                seen = {}
                informer:AddEventHandler {
                  OnAdd = function(obj, initial) seen[#seen + 1] = ("add %s%s"):format(obj.metadata.name, initial and " (list)" or "") end,
                  OnUpdate = function(_, new) seen[#seen + 1] = "update " .. new.metadata.name end,
                  OnDelete = function(obj)
                    if obj.DeletedFinalStateUnknown then
                      seen[#seen + 1] = ("delete %s (found by a relist, key %s)"):format(obj.obj.metadata.name, obj.key)
                    else
                      seen[#seen + 1] = "delete " .. obj.metadata.name
                    end
                  end,
                }
                informer:Start()
                k8s.WaitForCacheSync(informer)
                """)
            // the watch now open ends after its next event; the next one is refused as too old (410),
            // and the relist that follows first meets a 503 with Retry-After: 1, so the delete below
            // happens while nothing watches
            api.inject(Fault(.endWatch(afterEvents: 1), path: "configmaps"))
            api.inject(Fault(.expireWatch, path: "configmaps"))
            api.inject(Fault(.serviceUnavailable(retryAfter: 1), method: "GET", path: "configmaps"))
            _ = try runtime.state.execute("""
                local function waitFor(n)
                  k8s.WaitFor(function() return #seen end, function(count) return count >= n end, { timeout = 20, interval = 0.01 })
                end
                cms:Create { metadata = { name = "c" } }
                waitFor(3)
                cms:Delete("a")
                waitFor(4)
                cms:Create { metadata = { name = "d" } }
                waitFor(5)
                k8s.sleep(0.2)  -- nothing more comes
                informer:Stop()
                result = table.concat(seen, "\\n")
                """)
            XCTAssertEqual(try runtime.state.execute("return result"), [.string("""
                add a (list)
                add b (list)
                add c
                delete a (found by a relist, key default/a)
                add d
                """)])
        }
    }
}
