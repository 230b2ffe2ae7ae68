import Foundation
import XCTest
@testable import KubeClient

/// Programs run to their end: output, input, environment, folder, exit statuses, a timeout, and
/// a grandchild left running that neither keeps the call waiting nor inherits descriptors.
final class ChildProcessTests: KubeScriptTestCase {
    func testOutputInputEnvironmentAndFolder() throws {
        let folder = try temporaryFolder()
        let result = try ChildProcess.run("sh", ["-c", "cat; pwd; echo \"$GREETING\"; echo oops >&2; exit 3"],
                                          environment: ["GREETING": "hello", "PATH": "/usr/bin:/bin"],
                                          directory: folder, input: Array("from stdin\n".utf8))
        XCTAssertEqual(String(decoding: result.stdout, as: UTF8.self), "from stdin\n\(folder)\nhello\n")
        XCTAssertEqual(String(decoding: result.stderr, as: UTF8.self), "oops\n")
        XCTAssertEqual(result.status, 3)
        XCTAssertFalse(result.timedOut)
    }

    func testLargeOutputsOnBothStreamsAndLargeInput() throws {
        let input = [UInt8](repeating: 0x61, count: 1_000_000)
        let result = try ChildProcess.run("/bin/sh", ["-c", "head -c 300000 /dev/zero >&2; cat"], environment: ["PATH": "/usr/bin:/bin"],
                                          input: input)
        XCTAssertEqual(result.stdout, input)
        XCTAssertEqual(result.stderr.count, 300_000)
        XCTAssertEqual(result.status, 0)
    }

    func testAGrandchildLeftRunningDoesNotKeepTheCallWaiting() throws {
        let started = Date()
        let result = try ChildProcess.run("/bin/sh", ["-c", "sleep 600 & echo $!"], environment: [:])
        let grandchild = Int32(String(decoding: result.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        defer { if grandchild > 0 { kill(grandchild, SIGKILL) } }
        XCTAssertGreaterThan(grandchild, 0)
        XCTAssertEqual(result.status, 0)
        XCTAssertLessThan(Date().timeIntervalSince(started), 60, "the call waited for the grandchild")
    }

    func testOnlyTheThreeStandardDescriptorsAreInherited() throws {
        let result = try ChildProcess.run("/bin/ls", ["/proc/self/fd"], environment: [:])
        // 0, 1, 2 and the descriptor ls opened to read the folder
        XCTAssertEqual(String(decoding: result.stdout, as: UTF8.self).split(separator: "\n").count, 4, String(decoding: result.stdout, as: UTF8.self))
    }

    func testATimeoutKillsTheProgram() throws {
        let result = try ChildProcess.run("/bin/sleep", ["30"], environment: [:], timeout: 0.3)
        XCTAssertTrue(result.timedOut)
        XCTAssertEqual(result.status, 128 + SIGKILL)
    }

    func testAMissingProgramIsAnError() {
        XCTAssertThrowsError(try ChildProcess.run("kubescript-no-such-program", [], environment: [:])) { error in
            XCTAssertEqual("\(error)", "No such file or directory")
        }
    }
}
