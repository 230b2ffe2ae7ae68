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
