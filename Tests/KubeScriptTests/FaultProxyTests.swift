import Foundation
import KubeServer
import XCTest

/// The client through a proxy that misbehaves (`FaultProxy`): GETs are tried again after a
/// lost connection, writes never blindly, `Retry-After` is honoured, no request is tried more
/// than 10 times, tasks' requests are in flight at once, a watch cut every 100 events resumes
/// from its last resourceVersion without losing or repeating anything, and every failure
/// reaches the script as an error value.
final class FaultProxyTests: KubeScriptTestCase {
    var server: HTTPServer!
    var proxy: FaultProxy!

    override func setUpWithError() throws {
        (server, proxy) = try FaultProxy.inFront(of: self)
    }

    /// Runs `code` with `c` (a client through the proxy), `cms` (its ConfigMaps in `default`),
    /// and `failure(fn)`, which returns the error value `fn` raises.
    func run(_ code: String, file: StaticString = #filePath, line: UInt = #line) throws {
        try runScript("""
            local c = k8s.client()
            local cms = c:CoreV1():ConfigMaps("default")
            local function failure(fn)
              local ok, err = pcall(fn)
              assert(not ok, "expected a failure")
              assert(getmetatable(err) == k8s.errors.Error, "an error value: " .. tostring(err))
              return err
            end
            \(code)
            """, server: proxy.address, file: file, line: line)
    }

    func count(_ method: String, _ path: String) -> Int { proxy.requests(method: method, path: path).count }

    func testGetsAreTriedAgainAfterALostConnection() throws {
        try run(#"cms:Create { metadata = { name = "x" } }"#)
        proxy.inject(.drop, method: "GET", path: "/configmaps/x")
        proxy.inject(.cutResponse(afterBytes: 10), method: "GET", path: "/configmaps/x")
        try run(#"assert(cms:Get("x").metadata.name == "x")"#)
        XCTAssertEqual(count("GET", "/configmaps/x"), 3, "dropped, cut, answered")
    }

    func testWritesAreNeverTriedBlindly() throws {
        proxy.inject(.cutResponse(afterBytes: 10), method: "POST", path: "/configmaps")
        proxy.inject(.drop, method: "PUT", path: "/configmaps/once")
        proxy.inject(.drop, method: "PATCH", path: "/configmaps/once")
        proxy.inject(.drop, method: "DELETE", path: "/configmaps/once")
        try run("""
            local err = failure(function() cms:Create { metadata = { name = "once" } } end)
            assert(err.code == 0 and err.message:find("POST", 1, true), tostring(err))
            local made = cms:Get("once")  -- the server did the work; the answer was lost
            failure(function() cms:Update(made) end)
            failure(function() cms:Patch("once", "merge", { data = { a = "b" } }) end)
            failure(function() cms:Delete("once") end)
            assert(cms:Get("once").data == nil)
            """)
        for method in ["POST", "PUT", "PATCH", "DELETE"] { XCTAssertEqual(count(method, "/configmaps"), 1, method) }
    }

    func testRetryAfterIsHonoured() throws {
        try run(#"cms:Create { metadata = { name = "x" } }"#)
        proxy.inject(.status(code: 429, retryAfter: 1), path: "/configmaps/x", count: 2)
        proxy.inject(.status(code: 503, retryAfter: 1), method: "POST", path: "/configmaps")
        let started = Date()
        try run("""
            assert(cms:Get("x").metadata.name == "x")
            assert(cms:Create { metadata = { name = "y" } }.metadata.name == "y")  -- a write the server refused is sent again
            """)
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(started), 3, "three waits of a second")
        XCTAssertEqual(count("GET", "/configmaps/x"), 3)
        XCTAssertEqual(count("POST", "/configmaps"), 3, "x, then y twice")
    }

    func testNoRequestIsTriedMoreThanTenTimes() throws {
        proxy.inject(.status(code: 503, retryAfter: 0), path: "/configmaps/x", count: .max)
        proxy.inject(.status(code: 500, retryAfter: nil), path: "/configmaps/y", count: .max)
        try run("""
            assert(k8s.errors.IsServiceUnavailable(failure(function() cms:Get("x") end)))
            assert(k8s.errors.IsInternalError(failure(function() cms:Get("y") end)))
            """)
        XCTAssertEqual(count("GET", "/configmaps/x"), 10)
        XCTAssertEqual(count("GET", "/configmaps/y"), 1, "no Retry-After: no retry")
    }

    func testDelays() throws {
        try run(#"cms:Create { metadata = { name = "x" } }"#)
        proxy.inject(.delay(seconds: 0.2), path: "/configmaps/x")
        proxy.inject(.delay(seconds: 5), path: "/configmaps/x")
        try run("""
            assert(cms:Get("x").metadata.name == "x")  -- slow, within the timeout
            local impatient = k8s.client { timeout = 0.5 }:CoreV1():ConfigMaps("default")
            local err = failure(function() impatient:Get("x") end)
            assert(err.message:find("timed out", 1, true), tostring(err))
            """)
        XCTAssertEqual(count("GET", "/configmaps/x"), 2, "a timed-out request is not sent again")
    }

    /// Tasks' requests are in flight at once, however many cores there are: 16 tasks' GETs
    /// pass a barrier that lets requests through only when 16 are waiting at it. (Sent from a
    /// worker thread each, they were once held to one per core by the dispatch pool.)
    func testSixteenTasksHaveSixteenRequestsInFlight() throws {
        try run(#"cms:Create { metadata = { name = "x" } }"#)
        proxy.inject(.gather(16), method: "GET", path: "/configmaps/x", count: 16)
        try run("""
            local ids = {}
            for i = 1, 16 do ids[i] = i end
            local names = k8s.timeout(10, k8s.map, ids, function() return cms:Get("x").metadata.name end, { workers = 16 })
            assert(#names == 16 and names[16] == "x")
            """)
        XCTAssertEqual(count("GET", "/configmaps/x"), 16)
    }

    /// A watch cut every 100 events, resumed each time from the last resourceVersion it saw,
    /// sees exactly what an uncut watch from the same start sees.
    func testCutWatchesResumeWithoutLossOrDuplicates() throws {
        proxy.inject(.cutWatch(afterEvents: 100), path: "watch=true", count: .max)
        try run("""
            local direct = k8s.client { server = "http://127.0.0.1:\(server.port)" }:CoreV1():ConfigMaps("default")
            local start = cms:List().metadata.resourceVersion
            for i = 1, 400 do cms:Create { metadata = { name = "cm-" .. i } } end
            for i = 1, 300 do cms:Patch("cm-" .. i, "merge", { data = { step = tostring(i) } }) end
            for i = 101, 400 do cms:Delete("cm-" .. i) end
            local function describe(ev) return ev.type .. " " .. ev.object.metadata.name .. " " .. ev.object.metadata.resourceVersion end
            local expected = {}
            for ev in direct:Watch { resourceVersion = start, timeoutSeconds = 1 } do expected[#expected + 1] = describe(ev) end
            assert(#expected == 1000, "the uncut watch saw " .. #expected)

            local seen, rv, cuts = {}, start, 0
            while #seen < #expected do
              local ok, err = pcall(function()
                for ev in cms:Watch { resourceVersion = rv, timeoutSeconds = 5 } do
                  seen[#seen + 1] = describe(ev)
                  rv = ev.object.metadata.resourceVersion
                  if #seen == #expected then return end
                end
              end)
              if #seen < #expected then
                assert(not ok, "a cut watch ended quietly after " .. #seen .. " events")
                assert(getmetatable(err) == k8s.errors.Error, tostring(err))
                cuts = cuts + 1
                assert(cuts < 20, "too many cuts")
              end
            end
            assert(cuts == 9, "cuts: " .. cuts)
            for i, line in ipairs(expected) do assert(seen[i] == line, i .. ": " .. tostring(seen[i]) .. " ~= " .. line) end
            assert(#seen == #expected)
            """)
    }
}
