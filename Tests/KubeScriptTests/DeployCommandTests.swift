import Foundation
import XCTest
@testable import kubescript

/// `kubescript apply` and `kubescript diff` as a CI pipeline runs them, against `kubescript serve`.
final class DeployCommandTests: KubeScriptTestCase {
    var cluster: ServedCluster!

    func kubescript(_ arguments: [String]) throws -> ProgramResult {
        try runProgram(kubescriptExecutable, arguments + ["--kubeconfig", cluster.kubeconfig], environment: ["HOME": cluster.directory.path],
                       timeout: 120)
    }

    static let deployment = """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web}
        spec:
          replicas: 2
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec: {containers: [{name: web, image: "nginx:1.25"}]}

        """
    static let configMap = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {a: \"1\"}\n"

    func testApplyAsASetWaitsThenPrunesWhatLeftIt() throws {
        cluster = try ServedCluster(self, arguments: ["--pod-start-delay", "0.2"])
        let folder = try temporaryFolder()
        try Self.deployment.write(toFile: folder + "/1-app.yaml", atomically: true, encoding: .utf8)
        try Self.configMap.write(toFile: folder + "/2-settings.yaml", atomically: true, encoding: .utf8)
        try "not a manifest".write(toFile: folder + "/README.md", atomically: true, encoding: .utf8)
        let first = try kubescript(["apply", "--applyset", "release", "--prune", "--wait", "--timeout", "1m", folder])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stdout.hasPrefix("deployment.apps/web serverside-applied\nconfigmap/settings serverside-applied\n"), first.stdout)
        XCTAssertTrue(first.stdout.contains("Deployment/web: Current: Deployment is available. Replicas: 2\n"), first.stdout)
        XCTAssertTrue(first.stdout.hasSuffix("all 2 objects are Current\n"), first.stdout)

        try FileManager.default.removeItem(atPath: folder + "/2-settings.yaml")
        let second = try kubescript(["apply", "--applyset", "release", "--prune", folder])
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertEqual(second.stdout, "deployment.apps/web serverside-applied\nconfigmap/settings pruned\n")

        let same = try kubescript(["diff", "--applyset", "release", folder])
        XCTAssertEqual(same.status, 0, same.stdout + same.stderr)
        XCTAssertEqual(same.stdout, "")
        try Self.deployment.replacingOccurrences(of: "replicas: 2", with: "replicas: 5").write(toFile: folder + "/1-app.yaml", atomically: true, encoding: .utf8)
        let changed = try kubescript(["diff", "--applyset", "release", folder])
        XCTAssertEqual(changed.status, 1, changed.stderr)
        XCTAssertTrue(changed.stdout.contains("\n-  replicas: 2\n+  replicas: 5\n"), changed.stdout)
        let broken = try kubescript(["diff", folder + "/missing.yaml"])
        XCTAssertEqual(broken.status, 2, broken.stdout + broken.stderr)
    }

    func testWaitEndsWithWhatIsNotReadyWhenPodsNeverStart() throws {
        cluster = try ServedCluster(self, arguments: ["--pod-start-delay", "1000"])
        let file = try cluster.file("app.yaml", Self.deployment)
        let result = try kubescript(["apply", "--wait", "--timeout", "1s", file])
        XCTAssertEqual(result.status, 1, result.stdout)
        XCTAssertTrue(result.stderr.contains("timed out after 1s waiting for 1 of 1 objects to be Current: Deployment default/web: InProgress: "),
                      result.stderr)
    }

    func testACRDAndItsCustomResourcesInOneApply() throws {
        cluster = try ServedCluster(self)
        let file = try cluster.file("widgets.yaml", """
            apiVersion: example.com/v1
            kind: Widget
            metadata: {name: w1}
            spec: {size: 2}
            ---
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata: {name: widgets.example.com}
            spec:
              group: example.com
              names: {plural: widgets, singular: widget, kind: Widget}
              scope: Namespaced
              versions:
              - name: v1
                served: true
                storage: true
                schema:
                  openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}

            """)
        let result = try kubescript(["apply", "--wait", "--timeout", "30s", file])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.hasPrefix("customresourcedefinition.apiextensions.k8s.io/widgets.example.com serverside-applied\nwidget.example.com/w1 serverside-applied\n"),
                      result.stdout)
    }

    /// On a terminal (tmux), --wait redraws one table in place instead of printing a line per change.
    func testOnATerminalTheWaitIsATableRedrawnInPlace() throws {
        _ = try peerProgram("/usr/bin/tmux")
        let folder = try temporaryFolder()
        try (Self.deployment + "---\n" + Self.configMap).write(toFile: folder + "/app.yaml", atomically: true, encoding: .utf8)
        let session = "kubescript-apply-\(UUID().uuidString.prefix(8))"
        func tmux(_ arguments: [String]) throws -> ProgramResult { try runProgram("/usr/bin/tmux", ["-L", session] + arguments) }
        let started = try tmux(["new-session", "-d", "-s", session, "-x", "160", "-y", "40",
                                "env HOME=\(folder) KUBECONFIG= TERM=xterm \(kubescriptExecutable) apply --in-memory --wait \(folder)/app.yaml; sleep 30"])
        XCTAssertEqual(started.status, 0, started.stderr)
        addTeardownBlock { _ = try? tmux(["kill-server"]) }
        var screen = ""
        let deadline = Date().addingTimeInterval(30)
        while !screen.contains("all 2 objects are Current") && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.1)
            screen = (try? tmux(["capture-pane", "-p", "-J", "-t", session, "-S", "-100"]).stdout) ?? ""
        }
        XCTAssertTrue(screen.contains("all 2 objects are Current"), screen)
        XCTAssertNotNil(screen.range(of: #"Deployment/web +Current +Deployment is available\. Replicas: 2"#, options: .regularExpression), screen)
        XCTAssertNotNil(screen.range(of: #"ConfigMap/settings +Current +Resource is always ready"#, options: .regularExpression), screen)
        XCTAssertEqual(screen.components(separatedBy: "Deployment/web").count - 1, 1, "one row, redrawn in place:\n\(screen)")
        XCTAssertFalse(screen.contains("Deployment/web: "), "no line per change on a terminal:\n\(screen)")
    }

    func testDurationsAreKubectls() throws {
        XCTAssertEqual(try KubectlDuration.seconds("1h30m"), 5400)
        XCTAssertEqual(try KubectlDuration.seconds("90s"), 90)
        XCTAssertEqual(try KubectlDuration.seconds("250ms"), 0.25)
        XCTAssertEqual(try KubectlDuration.seconds("1.5m"), 90)
        XCTAssertThrowsError(try KubectlDuration.seconds("5 minutes"))
        XCTAssertThrowsError(try KubectlDuration.seconds(""))
    }
}
