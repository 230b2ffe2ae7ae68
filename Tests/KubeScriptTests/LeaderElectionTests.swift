import Foundation
import XCTest

/// Two replicas of a script contending for one Lease, against `kubescript serve`: one leads; when
/// it is killed with SIGKILL (no release), the other takes over once the lease has expired by its
/// own clock, and the work the leader does once (create the ConfigMap "work") is not done twice.
final class LeaderElectionTests: KubeScriptTestCase {
    final class Replica {
        let process = Process()
        let output: URL

        init(_ identity: String, kubeconfig: String, folder: String) throws {
            output = URL(fileURLWithPath: folder + "/\(identity).out")
            FileManager.default.createFile(atPath: output.path, contents: nil)
            process.executableURL = URL(fileURLWithPath: kubescriptExecutable)
            process.arguments = ["run", "--kubeconfig", kubeconfig, fixturePath("scripts/leader.lua"), identity]
            process.standardOutput = try FileHandle(forWritingTo: output)
            process.standardError = process.standardOutput
            try process.run()
        }

        var text: String { (try? String(contentsOf: output, encoding: .utf8)) ?? "" }

        /// Waits until the output holds `line`; the time it took, or nil after `seconds`.
        func wait(for line: String, seconds: Double) -> Double? {
            let start = Date()
            while Date().timeIntervalSince(start) < seconds {
                if text.contains(line + "\n") { return Date().timeIntervalSince(start) }
                Thread.sleep(forTimeInterval: 0.02)
            }
            return nil
        }
    }

    func testTheOtherReplicaTakesOverWhenTheLeaderIsKilled() throws {
        let cluster = try ServedCluster(self)
        let folder = try temporaryFolder()
        let one = try Replica("one", kubeconfig: cluster.kubeconfig, folder: folder)
        addTeardownBlock { if one.process.isRunning { one.process.terminate() } }
        XCTAssertNotNil(one.wait(for: "created work", seconds: 20), one.text)
        let two = try Replica("two", kubeconfig: cluster.kubeconfig, folder: folder)
        addTeardownBlock { if two.process.isRunning { two.process.terminate() } }
        XCTAssertNotNil(two.wait(for: "leader is one", seconds: 20), two.text)
        Thread.sleep(forTimeInterval: 1)
        XCTAssertFalse(two.text.contains("leading two"), "two waits while one renews: \(two.text)")

        kill(one.process.processIdentifier, SIGKILL)
        // the lease (2 s) expires by two's clock, then two's next try (every 0.5 s, with jitter) takes it
        let tookOver = two.wait(for: "leading two", seconds: 20)
        XCTAssertNotNil(tookOver, two.text)
        if let tookOver { XCTAssertLessThan(tookOver, 2 + 0.6 + 1.5, "leaseDuration + retryPeriod, and a margin for a busy machine") }
        Thread.sleep(forTimeInterval: 0.5)
        XCTAssertFalse(two.text.contains("created work"), "the work was done once: \(two.text)")
    }
}
