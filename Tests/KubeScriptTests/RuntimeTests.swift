import Foundation
import XCTest
@testable import KubeScript

/// The runtime: `require` paths, `arg`, `k8s.log`, `k8s.sleep`, and leaks on errors.
final class RuntimeTests: KubeScriptTestCase {
    var temporary: URL!

    override func setUpWithError() throws {
        temporary = FileManager.default.temporaryDirectory.appendingPathComponent("kubescript-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: temporary)
    }

    func write(_ text: String, to relative: String) throws {
        let url = temporary.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    func testRequireSearchesTheScriptFolderThenTheOthersInOrder() throws {
        try write("return 'script folder'", to: "app/first.lua")
        try write("return 'wrong'", to: "extra/first.lua")
        try write("return 'extra'", to: "extra/second.lua")
        try write("return 'init of pkg'", to: "extra/pkg/init.lua")
        try write("return 'nested'", to: "extra/pkg/sub.lua")
        try write("""
            local k8s = require 'k8s'
            assert(k8s == _G.k8s)
            result = { require 'first', require 'second', require 'pkg', (require 'pkg.sub') }
            """, to: "app/main.lua")
        let runtime = try Runtime(searchPath: ModuleSearchPath(directories: [temporary.path + "/extra"]))
        try runtime.run(file: temporary.path + "/app/main.lua", arguments: [])
        let path = try runtime.state.execute("return package.path")
        try runtime.run(file: temporary.path + "/app/main.lua", arguments: [])
        XCTAssertEqual(try runtime.state.execute("return package.path"), path, "running again does not grow the path")
        XCTAssertEqual(try runtime.state.execute("return result"),
                       [.array([.string("script folder"), .string("extra"), .string("init of pkg"), .string("nested")])])
        XCTAssertEqual(runtime.state.top, 0)
    }

    func testStandardSearchPathOrder() throws {
        setenv("KUBESCRIPT_PATH", "/one:/two", 1)
        defer { unsetenv("KUBESCRIPT_PATH") }
        let path = ModuleSearchPath.standard(scriptDirectory: "/scripts")
        XCTAssertEqual(Array(path.directories.prefix(4)), ["/scripts", "./lib", "/one", "/two"])
        XCTAssertTrue(path.directories.contains { $0.hasSuffix("/.kubescript/lib") })
        XCTAssertFalse(path.directories.contains { $0.hasSuffix("/scripts/lib") }, "the shipped library is compiled in, not on the path")
    }

    /// A module on the search path wins over the shipped library's copy of the same name.
    func testAFileOnThePathWinsOverTheShippedLibrary() throws {
        let folder = try temporaryFolder()
        try "return { mine = true }".write(toFile: folder + "/labels.lua", atomically: true, encoding: .utf8)
        let runtime = try Runtime(searchPath: ModuleSearchPath(directories: [folder]))
        XCTAssertEqual(try runtime.state.execute("return require('labels').mine, package.loaded.rollout == nil and require('rollout') ~= nil"),
                       [.boolean(true), .boolean(true)])
    }

    func testShippedLibraryIsRequirable() throws {
        let runtime = try Runtime(searchPath: .standard())
        XCTAssertEqual(try runtime.state.execute("""
            local labels = require 'labels'
            return labels.selector{ app = 'web' },
                   labels.selector{ app = 'web', tier = { 'b', 'a' }, env = { notin = { 'dev' } }, canary = false,
                                    release = true, v = { ne = 2 } },
                   labels.selector{}, select(2, pcall(labels.selector, 'x'))
            """), [.string("app=web"), .string("app=web,!canary,env notin (dev),release,tier in (a,b),v!=2"), .string(""),
                   .string("bad argument #1 to 'selector' (table expected, got string)")])
    }

    func testArgAndVarargsAsLuaSetsThem() throws {
        try write("#!/usr/bin/env kubescript\nresult = { arg[-2], arg[-1], arg[0], arg[1], arg[2], select('#', ...), (...) }", to: "args.lua")
        let runtime = try Runtime(searchPath: ModuleSearchPath(directories: []))
        let path = temporary.path + "/args.lua"
        try runtime.run(file: path, arguments: ["--replicas", "3"])
        XCTAssertEqual(try runtime.state.execute("return result"),
                       [.array([.string("kubescript"), .string("run"), .string(path), .string("--replicas"), .string("3"),
                                .integer(2), .string("--replicas")])])
        XCTAssertEqual(runtime.state.top, 0)
    }

    func testErrorsNameTheScriptFileAndLine() throws {
        try write("local x = 1\nerror('boom')\n", to: "deploy.lua")
        let runtime = try Runtime(searchPath: ModuleSearchPath(directories: []))
        XCTAssertThrowsError(try runtime.run(file: temporary.path + "/deploy.lua", arguments: [])) { error in
            // Lua shortens long chunk names from the left ("...path/deploy.lua")
            XCTAssertTrue((error as? LuaError)?.message.hasSuffix("/deploy.lua:2: boom") ?? false)
        }
        XCTAssertEqual(runtime.state.top, 0)
    }

    func testLogLevelsFollowVerbosity() throws {
        let runtime = try Runtime(searchPath: ModuleSearchPath(directories: []))
        XCTAssertEqual(try runtime.state.execute("return k8s.log.debug ~= nil"), [.boolean(true)])
        XCTAssertFalse(runtime.log.enabled("debug"))
        XCTAssertTrue(runtime.log.enabled("info"))
        runtime.log.verbosity = 1
        XCTAssertTrue(runtime.log.enabled("debug"))
    }

    func testSleepRejectsBadDurations() throws {
        try withRuntime { rt in
            XCTAssertEqual(try lua(rt, "k8s.sleep(0.01); return 1"), [.integer(1)])
            assertLuaError(rt, "k8s.sleep(-1)", contains: "bad argument #1 to 'sleep'")
            assertLuaError(rt, "k8s.sleep('x')", contains: "number expected, got string")
        }
    }

    /// A Swift function raising from deep inside the bridge (mid-decode, mid-encode, an argument
    /// error, a table error) leaks nothing: after many rounds the Lua memory count is back where
    /// it started, no Swift box is left alive, and the state still works.
    func testErrorsFromDeepInsideTheBridgeLeakNothing() throws {
        let before = Tracked.live
        try withRuntime { rt in
            try rt.state.register(Tracked.self)
            try rt.state.push(LuaFunction("fail") { call in
                try call.results.append(object: Tracked("partial result"))  // discarded when the error is raised
                try call.results.append(function: LuaFunction("unused") { _ in })
                throw StatusError(code: 409, reason: "Conflict")
            })
            try rt.state.setGlobal("fail")
            let rounds = """
                local deep = string.rep('{"a":[1,2,{"b":"x"},', 200) .. 'oops'
                local bad = {}; local t = bad
                for i = 1, 300 do t.next = { i, "s", { k = i } }; t = t.next end
                t.f = print
                for i = 1, 50 do
                  assert(not pcall(k8s.json.decode, deep))
                  assert(not pcall(k8s.json.encode, bad))
                  assert(not pcall(k8s.yaml.encode, bad))
                  assert(not pcall(k8s.yaml.decode, "a: [1, 2"))
                  assert(not pcall(k8s.json.decode, 42))
                  local ok, err = pcall(fail); assert(err.code == 409)
                end
                """
            try lua(rt, rounds)
            rt.state.collectGarbage()
            let start = rt.state.memoryInUse
            for _ in 0..<10 {
                try lua(rt, rounds)
                rt.state.collectGarbage()
                XCTAssertEqual(rt.state.memoryInUse, start)
            }
            XCTAssertEqual(Tracked.live, before)
            XCTAssertEqual(try lua(rt, "return k8s.json.encode(k8s.json.decode('[1]'))"), [.string("[1]")])
        }
    }
}
