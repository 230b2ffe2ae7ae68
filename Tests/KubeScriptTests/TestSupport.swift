import KubeAPI
import KubeServer
import XCTest
@testable import KubeScript

/// The repository's root, found from this file.
let repositoryRoot: String = {
    var path = #filePath
    for _ in 0..<3 { path = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)]) }
    return path
}()

/// A fixture's path under Tests/Fixtures.
func fixturePath(_ name: String) -> String { repositoryRoot + "/Tests/Fixtures/" + name }

extension XCTestCase {
    /// Runs `body` with a fresh runtime and checks that it leaves the Lua stack as it found it.
    func withRuntime(file: StaticString = #filePath, line: UInt = #line, _ body: (Runtime) throws -> Void) rethrows {
        let runtime = try! Runtime(searchPath: ModuleSearchPath(directories: []))
        let top = runtime.state.top
        try body(runtime)
        XCTAssertEqual(runtime.state.top, top, "the Lua stack is not balanced", file: file, line: line)
    }

    /// Runs Lua code and returns its results as data.
    @discardableResult
    func lua(_ runtime: Runtime, _ code: String) throws -> [LuaValue] {
        try runtime.state.execute(code)
    }

    /// Asserts that the Lua code raises an error whose message contains `fragment`.
    func assertLuaError(_ runtime: Runtime, _ code: String, contains fragment: String,
                        file: StaticString = #filePath, line: UInt = #line) {
        do {
            _ = try runtime.state.execute(code)
            XCTFail("expected an error containing \"\(fragment)\"", file: file, line: line)
        } catch {
            XCTAssertTrue(error.message.contains(fragment), "\"\(error.message)\" does not contain \"\(fragment)\"",
                          file: file, line: line)
        }
    }
}

extension APIServer {
    /// Sends a request with a JSON (or patch) body, checks its status, and returns the body.
    @discardableResult
    func call(_ method: String, _ path: String, _ body: String? = nil, type: String? = nil, expect status: Int,
              file: StaticString = #filePath, line: UInt = #line) throws -> JSONValue {
        let response = handle(APIRequest(method: method, path: path, headers: type.map { ["content-type": $0] } ?? [:],
                                         body: Array((body ?? "").utf8)))
        XCTAssertEqual(response.status, status, String(decoding: response.body, as: UTF8.self), file: file, line: line)
        return (try? JSONValue.parse(response.body)) ?? .null
    }
}
