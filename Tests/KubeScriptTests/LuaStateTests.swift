import CLua
import Foundation
import XCTest
@testable import KubeScript

/// Counts live instances, to show that userdata and function boxes are released.
final class Tracked: LuaObject {
    nonisolated(unsafe) static var live = 0
    static let luaTypeName = "test.Tracked"
    static var luaMethods: [LuaFunction] {
        [
            LuaFunction("Name") { call in
                let me = try call.object(1, as: Tracked.self)
                try call.results.append(string: me.name)
            },
        ]
    }
    let name: String
    init(_ name: String) {
        self.name = name
        Tracked.live += 1
    }
    deinit { Tracked.live -= 1 }
}

/// An error raised into Lua as a table, as API errors will be.
struct StatusError: LuaRaisable {
    let code: Int64
    let reason: String
    func writeLuaValue(to writer: inout LuaTapeWriter) throws {
        try LuaValue.object(["code": .integer(code), "reason": .string(reason)]).write(to: &writer)
    }
}

final class LuaStateTests: KubeScriptTestCase {
    func testExecuteReturnsValues() throws {
        let state = try LuaState()
        XCTAssertEqual(try state.execute("return 1, 2.5, 'x', true, nil"),
                       [.integer(1), .number(2.5), .string("x"), .boolean(true), .nil])
        XCTAssertEqual(state.top, 0)
    }

    func testSyntaxErrorNamesTheChunk() throws {
        let state = try LuaState()
        XCTAssertThrowsError(try state.load("x = = 1", chunkName: "@deploy.lua")) { error in
            XCTAssertEqual((error as? LuaError)?.message, "deploy.lua:1: unexpected symbol near '='")
        }
        XCTAssertEqual(state.top, 0)
    }

    func testRuntimeErrorHasMessageAndTraceback() throws {
        let state = try LuaState()
        let code = "local function f()\n  error('boom')\nend\nf()\n"
        XCTAssertThrowsError(try state.execute(code, chunkName: "@deploy.lua")) { error in
            let error = error as? LuaError
            XCTAssertEqual(error?.message, "deploy.lua:2: boom")
            XCTAssertTrue(error?.traceback?.hasPrefix("stack traceback:") ?? false)
            XCTAssertTrue(error?.traceback?.contains("deploy.lua:4: in main chunk") ?? false, error?.traceback ?? "")
        }
        XCTAssertEqual(state.top, 0)
    }

    func testTableErrorKeepsItsValue() throws {
        let state = try LuaState()
        XCTAssertThrowsError(try state.execute("error({ code = 409, reason = 'Conflict' })")) { error in
            let error = error as? LuaError
            XCTAssertEqual(error?.value, .object(["code": .integer(409), "reason": .string("Conflict")]))
            XCTAssertTrue(error?.message.hasPrefix("table: ") ?? false)
        }
        XCTAssertThrowsError(try state.execute("error(setmetatable({}, { __tostring = function() return 'NotFound' end }))")) { error in
            XCTAssertEqual((error as? LuaError)?.message, "NotFound")
        }
        // a __tostring that raises leaves the message at its default and nothing on the stack
        XCTAssertThrowsError(try state.execute("error(setmetatable({}, { __tostring = function() error('boom') end }))")) { error in
            XCTAssertEqual((error as? LuaError)?.message, "(error object is a table value)")
        }
        XCTAssertEqual(state.top, 0)
    }

    func testBinaryChunksAreRefused() throws {
        let state = try LuaState()
        XCTAssertThrowsError(try state.load("\u{1B}Lua", chunkName: "=bytes"))
        XCTAssertEqual(state.top, 0)
    }

    func testSwiftFunctionReceivesArgumentsAndReturnsResults() throws {
        let state = try LuaState()
        try state.push(LuaFunction("add") { call in
            try call.results.append(integer: try call.integer(1) + call.integer(2))
            try call.results.append(string: "done")
        })
        try state.setGlobal("add")
        XCTAssertEqual(try state.execute("return add(2, 3)"), [.integer(5), .string("done")])
        XCTAssertEqual(state.top, 0)
    }

    func testArgumentErrorsNameTheFunctionAndTheCaller() throws {
        let state = try LuaState()
        try state.push(LuaFunction("add") { call in
            try call.results.append(integer: try call.integer(1) + call.integer(2))
        })
        try state.setGlobal("add")
        XCTAssertThrowsError(try state.execute("\nreturn add(1, 'x')", chunkName: "@deploy.lua")) { error in
            XCTAssertEqual((error as? LuaError)?.message, "deploy.lua:2: bad argument #2 to 'add' (number expected, got string)")
        }
        XCTAssertThrowsError(try state.execute("return add(1, 1.5)")) { error in
            XCTAssertTrue((error as? LuaError)?.message.contains("number has no integer representation") ?? false)
        }
        XCTAssertEqual(state.top, 0)
    }

    func testSwiftErrorRaisedAsTable() throws {
        let state = try LuaState()
        try state.push(LuaFunction("get") { _ in throw StatusError(code: 404, reason: "NotFound") })
        try state.setGlobal("get")
        let result = try state.execute("local ok, err = pcall(get); return ok, type(err), err.code, err.reason")
        XCTAssertEqual(result, [.boolean(false), .string("table"), .integer(404), .string("NotFound")])
        XCTAssertEqual(state.top, 0)
    }

    func testUserdataOwnsItsSwiftObjectAndReleasesItInGC() throws {
        let before = Tracked.live
        let state = try LuaState()
        try state.push(object: Tracked("demo"))
        try state.setGlobal("obj")
        XCTAssertEqual(Tracked.live, before + 1)
        XCTAssertEqual(try state.execute("return obj:Name(), tostring(obj):match('^test.Tracked')"),
                       [.string("demo"), .string("test.Tracked")])
        XCTAssertThrowsError(try state.execute("return obj.Name(42)")) { error in
            XCTAssertTrue((error as? LuaError)?.message.contains("bad argument #1 to 'Name' (test.Tracked expected, got number)") ?? false)
        }
        _ = try state.execute("obj = nil")
        state.collectGarbage()
        XCTAssertEqual(Tracked.live, before)
        XCTAssertEqual(state.top, 0)
    }

    func testClosingTheStateReleasesWhatLuaHeld() throws {
        let before = Tracked.live
        do {
            let state = try LuaState()
            try state.push(object: Tracked("kept"))
            try state.setGlobal("obj")
            XCTAssertEqual(Tracked.live, before + 1)
        }
        XCTAssertEqual(Tracked.live, before)
    }

    /// A push that fails part-way releases the Swift boxes it had not handed to Lua, and only those.
    func testFailedPushReleasesEachBoxOnce() throws {
        let before = Tracked.live
        let state = try LuaState()
        let kept = Tracked("kept by the function"), dropped = Tracked("never pushed")
        try state.withTape { tape throws(LuaError) in
            let writer = LuaTapeWriter(tape)
            try writer.beginArray()
            try writer.append(function: LuaFunction("f") { _ in _ = kept })
            try writer.append(object: dropped)  // its type is not registered: the push fails here
            try writer.end()
            XCTAssertThrowsError(try state.push(tape: tape))
        }
        XCTAssertEqual(state.top, 0)
        state.collectGarbage()
        XCTAssertEqual(Tracked.live, before + 2)  // the test still holds both
        _ = (kept, dropped)
    }

    /// A Swift function called from a coroutine reads and pushes on the coroutine's stack.
    func testSwiftFunctionsCalledFromCoroutines() throws {
        let runtime = try Runtime(searchPath: ModuleSearchPath(directories: []))
        XCTAssertEqual(try runtime.state.execute("""
            local a = coroutine.wrap(function() return k8s.json.decode('[1]') end)()
            local b = coroutine.wrap(function()
              local x = k8s.json.decode('[1]'); local y = k8s.json.decode('{"x":2}')
              coroutine.yield(k8s.json.encode({ x, y }))
            end)()
            local c = coroutine.wrap(function(v) return k8s.yaml.encode(v) end)({ k = 1 })
            return a[1], b, c
            """), [.integer(1), .string(#"[[1],{"x":2}]"#), .string("k: 1\n")])
        XCTAssertEqual(runtime.state.top, 0)
    }

    /// Scripts cannot reach the boxes' __gc or make a function's box anything else: other
    /// userdata are refused, not treated as Swift objects.
    func testForgedBoxesAreRefused() throws {
        let runtime = try Runtime(searchPath: ModuleSearchPath(directories: []))
        try runtime.state.push(object: Tracked("held"))
        try runtime.state.setGlobal("obj")
        XCTAssertEqual(try runtime.state.execute("""
            local _, u = debug.getupvalue(k8s.sleep, 1)
            local hidden = getmetatable(u)
            local gc = debug.getmetatable(u).__gc
            gc(io.stdout); gc(k8s.null); gc(42)
            debug.getmetatable(obj).__gc(io.stdout)
            debug.setupvalue(k8s.sleep, 1, io.stdout)
            local ok, err = pcall(k8s.sleep, 0)
            return hidden, getmetatable(obj), ok, err, obj:Name()
            """), [.string("kubescript.function"), .string("test.Tracked"), .boolean(false),
                   .string("a kubescript function whose Swift side is gone"), .string("held")])
        XCTAssertEqual(runtime.state.top, 0)
    }

    func testBytecodeIsRefusedEverywhere() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kubescript-bc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let runtime = try Runtime(searchPath: ModuleSearchPath(directories: [directory.path]))
        let r = try runtime.state.execute("""
            local f = assert(io.open('\(directory.path)/evil.lua', 'wb'))
            f:write(string.dump(function() return 1 end)); f:close()
            local ok1, e1 = pcall(require, 'evil')
            local ok2, e2 = pcall(dofile, '\(directory.path)/evil.lua')
            local ok3, e3 = load(string.dump(function() end), 'x', 'b')
            return ok1, e1:find('binary chunk', 1, true) ~= nil, ok2, ok3, e3:find('binary chunk', 1, true) ~= nil
            """)
        XCTAssertEqual(r, [.boolean(false), .boolean(true), .boolean(false), .nil, .boolean(true)])
    }

    func testRegistryReferencesKeepValuesAlive() throws {
        let state = try LuaState()
        try state.push(.object(["x": .integer(1)]))
        let ref = try state.ref()
        XCTAssertEqual(state.top, 0)
        state.collectGarbage()
        try ref.push()
        XCTAssertEqual(try state.value(at: -1), .object(["x": .integer(1)]))
        state.pop()
        XCTAssertEqual(state.top, 0)
    }

    func testReferenceOutlivingItsStateThrows() throws {
        var state: LuaState? = try LuaState()
        try state?.push(.integer(1))
        let ref = try state?.ref()
        state = nil
        XCTAssertThrowsError(try ref?.push())
    }

    func testValuesRoundTripThroughTheStack() throws {
        let state = try LuaState()
        let value = LuaValue.object([
            "a": .array([.integer(1), .number(2.5), .null, .boolean(false)]),
            "b": .object([:]), "c": .array([]), "d": .string("é"),
        ])
        try state.push(value)
        XCTAssertEqual(try state.value(at: -1), value)
        state.pop()
        XCTAssertEqual(state.top, 0)
    }

    func testInterruptHookRaisesInsideLua() throws {
        let runtime = try Runtime(searchPath: ModuleSearchPath(directories: []))
        try runtime.state.push(LuaFunction("interrupt") { call in
            var signals = sigset_t()
            sigemptyset(&signals)
            sigaddset(&signals, SIGINT)
            pthread_sigmask(SIG_UNBLOCK, &signals, nil)  // whatever mask the test run inherited
            raise(SIGINT)  // the handler only sets a hook; the hook raises at the next instruction
        })
        try runtime.state.setGlobal("interrupt")
        // a loop that ends (in seconds) if the hook never fires, so that the test fails rather than hangs
        XCTAssertThrowsError(try runtime.execute("interrupt(); for _ = 1, 3e8 do end")) { error in
            XCTAssertTrue((error as? LuaError)?.message.contains("interrupted!") ?? false)
        }
        XCTAssertEqual(try runtime.state.execute("return 1 + 1"), [.integer(2)])
        XCTAssertEqual(runtime.state.top, 0)
    }
}
