import XCTest

/// Tasks as `kubescript run` and `-e` end: a failed task nobody waited for fails the script
/// (exit 1, its error on stderr); tasks still running when the main chunk returns end with it.
/// Everything else about tasks is tested in Lua (Tests/Lua/tasks_test.lua).
final class TaskTests: KubeScriptTestCase {
    func testAFailedTaskNobodyWaitedForFailsTheScript() throws {
        let result = try runProgram(kubescriptExecutable, ["run", "--in-memory", fixturePath("scripts/unwaited-failure.lua")], timeout: 60)
        XCTAssertEqual(result.status, 1, result.stdout + result.stderr)
        XCTAssertEqual(result.stdout, "main chunk done\n")
        XCTAssertTrue(result.stderr.contains("the task's own failure"), result.stderr)
        XCTAssertTrue(result.stderr.contains("unwaited-failure.lua:3"), "where the task failed: \(result.stderr)")

        let inline = try runProgram(kubescriptExecutable, ["-e", #"k8s.go(function() error("from -e") end) k8s.sleep(0.01)"#], timeout: 60)
        XCTAssertEqual(inline.status, 1, inline.stderr)
        XCTAssertTrue(inline.stderr.contains("from -e"), inline.stderr)
    }

    func testTasksStillRunningEndWithTheMainChunk() throws {
        let result = try runProgram(kubescriptExecutable, ["run", "--in-memory", fixturePath("scripts/unfinished-tasks.lua")], timeout: 60)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, "3\n")
        XCTAssertFalse(result.stderr.contains("never seen"), result.stderr)
    }
}
