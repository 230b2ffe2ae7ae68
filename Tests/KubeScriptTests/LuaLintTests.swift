import Foundation
import XCTest

/// Every `.lua` file of the project compiles (`luac5.4 -p`) and passes `luacheck` with the
/// repository's `.luacheckrc`, and no Lua is left in Swift string literals: the binary's Lua
/// comes from `.lua` files through the EmbedLua build plugin.
final class LuaLintTests: KubeScriptTestCase {
    /// The project's Lua files, from git (so that nothing built or copied is checked).
    func luaFiles() throws -> [String] {
        let listed = try runProgram("/usr/bin/git", ["-C", repositoryRoot, "ls-files", "--cached", "--others", "--exclude-standard", "*.lua"])
        XCTAssertEqual(listed.status, 0, listed.stderr)
        return listed.stdout.split(separator: "\n").map(String.init)
    }

    func testEveryLuaFileCompilesAndPassesLuacheck() throws {
        let files = try luaFiles()
        XCTAssertTrue(files.contains("Sources/KubeBindings/Lua/client.lua"), "\(files)")
        let luac = try peerProgram("/usr/bin/luac5.4")
        for file in files {
            let compiled = try runProgram(luac, ["-p", file], directory: repositoryRoot)
            XCTAssertEqual(compiled.status, 0, "\(file): \(compiled.stderr)")
        }
        let luacheck = try peerProgram("/usr/bin/luacheck")
        let checked = try runProgram(luacheck, ["--no-color", "--formatter", "plain"] + files, directory: repositoryRoot)
        XCTAssertEqual(checked.status, 0, checked.stdout + checked.stderr)
    }

    func testNoLuaInSwiftStrings() throws {
        let found = try runProgram("/usr/bin/git", ["-C", repositoryRoot, "grep", "-n", "#\"\"\"", "--", "Sources"])
        XCTAssertEqual(found.stdout, "", "raw string literals in Sources (Lua belongs in .lua files)")
    }
}
