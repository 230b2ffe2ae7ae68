import Foundation
import XCTest

/// Two replicas of a script contending for one Lease, against `kubescript serve`: one leads; when
/// it is killed with SIGKILL (no release), the other takes over once the lease has expired by its
/// own clock, and the work the leader does once (create the ConfigMap "work") is not done twice.
/// Stopped with SIGTERM, the leader releases the lease instead.
final class LeaderElectionTests: KubeScriptTestCase {
    func replica(_ identity: String, _ cluster: ServedCluster, _ folder: String) throws -> RunningScript {
        let replica = try RunningScript(["run", "--kubeconfig", cluster.kubeconfig, fixturePath("scripts/leader.lua"), identity],
                                        name: identity, folder: folder)
        addTeardownBlock { replica.stop() }
        return replica
    }

    /// Replica one leading (its work done), and two waiting for it.
    func leaderAndFollower() throws -> (one: RunningScript, two: RunningScript) {
        let cluster = try ServedCluster(self)
        let folder = try temporaryFolder()
        let one = try replica("one", cluster, folder)
        XCTAssertNotNil(one.wait(for: "created work", seconds: 20), one.text)
        let two = try replica("two", cluster, folder)
        XCTAssertNotNil(two.wait(for: "leader is one", seconds: 20), two.text)
        return (one, two)
    }

    func testTheOtherReplicaTakesOverWhenTheLeaderIsKilled() throws {
        let (one, two) = try leaderAndFollower()
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

    /// SIGTERM to the leader: its work stops, it releases the Lease and exits 0, and the other
    /// replica leads at its next try instead of waiting for the lease to expire.
    func testTheLeaderReleasesTheLeaseOnSIGTERM() throws {
        let (one, two) = try leaderAndFollower()

        kill(one.process.processIdentifier, SIGTERM)
        XCTAssertEqual(one.exitStatus(within: 10), 0, one.text)
        XCTAssertTrue(one.text.contains("stopped leading one\n"), one.text)
        let tookOver = two.wait(for: "leading two", seconds: 20)
        XCTAssertNotNil(tookOver, two.text)
        // released: two's next try (every 0.5 s, with jitter) takes it, well before 2 s expire
        if let tookOver { XCTAssertLessThan(tookOver, 1.9, two.text) }
        XCTAssertFalse(two.text.contains("created work"), "the work was done once: \(two.text)")
    }
}
