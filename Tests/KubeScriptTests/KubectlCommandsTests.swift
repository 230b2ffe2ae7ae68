import Foundation
import XCTest

/// The commands people run, with both kubectls: Debian's 1.20 and PyPI's 1.37 (which sends
/// protobuf, asks for streaming lists, and has `events` and `auth whoami`). Every command gets
/// `--request-timeout=5s` (and waits their own 5 s timeout), so one that waits on something the
/// server never sends fails instead of passing late.
final class KubectlCommandsTests: KubeScriptTestCase {
    struct Step {
        let arguments: [String]
        let expect: String  // a line the output holds
        var status: Int32 = 0
        var since: Int = 20  // the oldest kubectl (minor version) that has the command
        var until: Int = 99
    }

    func run(_ kubectlPath: String, minor: Int) throws {
        let cluster = try ServedCluster(self, arguments: ["--pod-start-delay", "0.2"])
        let manifest = try cluster.file("settings.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: shop, labels: {app: shop}}\ndata: {mode: fast}\n")
        let changed = try cluster.file("changed.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: shop, labels: {app: shop}}\ndata: {mode: slow}\n")
        let steps: [Step] = [
            Step(arguments: ["create", "namespace", "shop"], expect: "namespace/shop created"),
            Step(arguments: ["-n", "shop", "create", "deployment", "web", "--image=nginx:1.25", "--replicas=2"], expect: "deployment.apps/web created"),
            Step(arguments: ["-n", "shop", "create", "configmap", "flags", "--from-literal=a=1"], expect: "configmap/flags created"),
            Step(arguments: ["-n", "shop", "create", "secret", "generic", "creds", "--from-literal=password=s3cret"], expect: "secret/creds created"),
            Step(arguments: ["-n", "shop", "create", "job", "once", "--image=busybox:1.36"], expect: "job.batch/once created"),
            Step(arguments: ["-n", "shop", "create", "service", "clusterip", "web", "--tcp=80:8080"], expect: "service/web created"),
            Step(arguments: ["-n", "shop", "rollout", "status", "deployment/web", "--timeout=5s"], expect: "deployment \"web\" successfully rolled out"),
            Step(arguments: ["-n", "shop", "wait", "--for=condition=Available", "deployment/web", "--timeout=5s"], expect: "deployment.apps/web condition met"),
            Step(arguments: ["-n", "shop", "scale", "deployment/web", "--replicas=3"], expect: "deployment.apps/web scaled"),
            Step(arguments: ["-n", "shop", "rollout", "status", "deployment/web", "--timeout=5s"], expect: "deployment \"web\" successfully rolled out"),
            Step(arguments: ["-n", "shop", "set", "image", "deployment/web", "nginx=nginx:1.26"], expect: "deployment.apps/web image updated"),
            Step(arguments: ["-n", "shop", "rollout", "status", "deployment/web", "--timeout=5s"], expect: "deployment \"web\" successfully rolled out"),
            Step(arguments: ["-n", "shop", "rollout", "history", "deployment/web"], expect: "REVISION  CHANGE-CAUSE"),
            Step(arguments: ["-n", "shop", "rollout", "undo", "deployment/web"], expect: "deployment.apps/web rolled back"),
            Step(arguments: ["-n", "shop", "rollout", "restart", "deployment/web"], expect: "deployment.apps/web restarted"),
            Step(arguments: ["-n", "shop", "rollout", "pause", "deployment/web"], expect: "deployment.apps/web paused"),
            Step(arguments: ["-n", "shop", "rollout", "resume", "deployment/web"], expect: "deployment.apps/web resumed"),
            Step(arguments: ["-n", "shop", "wait", "--for=condition=Complete", "job/once", "--timeout=5s"], expect: "job.batch/once condition met"),
            Step(arguments: ["-n", "shop", "logs", "job/once"], expect: "kubescript-node: started container once (image busybox:1.36); the embedded cluster runs no processes"),
            Step(arguments: ["-n", "shop", "get", "all"], expect: "deployment.apps/web"),
            Step(arguments: ["-n", "shop", "apply", "-f", manifest], expect: "configmap/settings created"),
            Step(arguments: ["-n", "shop", "diff", "-f", changed], expect: "+  mode: slow", status: 1),  // 1: there are differences
            Step(arguments: ["-n", "shop", "apply", "--prune", "-l", "app=shop", "-f", changed], expect: "configmap/settings configured", since: 21),
            // 1.20 prunes a fixed list of kinds that still names extensions/v1beta1 Ingress, which
            // v1.24 no longer serves (a real v1.24 server fails it the same way): name the kind
            Step(arguments: ["-n", "shop", "apply", "--prune", "-l", "app=shop", "--prune-whitelist=core/v1/ConfigMap", "-f", changed],
                 expect: "configmap/settings configured", until: 20),
            Step(arguments: ["-n", "shop", "events", "--for", "deployment/web"], expect: "ScalingReplicaSet", since: 26),
            Step(arguments: ["-n", "shop", "get", "events"], expect: "SuccessfulCreate"),
            Step(arguments: ["-n", "shop", "describe", "deployment", "web"], expect: "ScalingReplicaSet"),
            Step(arguments: ["explain", "deployment.spec.replicas"], expect: "FIELD: replicas <integer>", since: 27),
            Step(arguments: ["api-resources"], expect: "deployments                       deploy       apps/v1                                true         Deployment"),
            Step(arguments: ["get", "--raw", "/openapi/v3"], expect: #""apis/apps/v1": {"#),
            Step(arguments: ["-n", "shop", "auth", "can-i", "create", "deployments"], expect: "yes"),
            Step(arguments: ["auth", "whoami"], expect: "Username    admin", since: 28),
            Step(arguments: ["-n", "shop", "create", "serviceaccount", "robot"], expect: "serviceaccount/robot created"),
            Step(arguments: ["-n", "shop", "create", "token", "robot"], expect: "eyJ", since: 24),
            Step(arguments: ["-n", "shop", "delete", "configmap", "--all"], expect: "configmap \"flags\" deleted"),
            Step(arguments: ["-n", "shop", "delete", "deployment", "web", "--wait", "--timeout=5s"], expect: "deployment.apps \"web\" deleted"),
        ]
        for step in steps where minor >= step.since && minor <= step.until {
            let result = try runProgram(kubectlPath, ["--request-timeout=5s"] + step.arguments,
                                        environment: ["KUBECONFIG": cluster.kubeconfig, "HOME": cluster.directory.path], timeout: 30)
            let label = "kubectl 1.\(minor) \(step.arguments.joined(separator: " "))"
            XCTAssertEqual(result.status, step.status, "\(label)\n\(result.stdout)\(result.stderr)")
            XCTAssertTrue(result.stdout.contains(step.expect), "\(label): no \"\(step.expect)\" in\n\(result.stdout)\(result.stderr)")
        }
        // wait --for=delete while it goes (1.20 refuses to wait for what is already gone)
        let environment = ["KUBECONFIG": cluster.kubeconfig, "HOME": cluster.directory.path]
        let waiter = try RunningScript(["-n", "shop", "wait", "--for=delete", "job/once", "--timeout=5s"], name: "waiter",
                                       folder: try temporaryFolder(), executable: kubectlPath, environment: environment)
        addTeardownBlock { waiter.stop() }
        Thread.sleep(forTimeInterval: 0.5)
        XCTAssertEqual(try runProgram(kubectlPath, ["-n", "shop", "delete", "job", "once", "--wait=false"], environment: environment).status, 0)
        XCTAssertEqual(waiter.exitStatus(within: 10), 0, "kubectl 1.\(minor) wait --for=delete")
    }

    func testWithDebiansKubectl() throws {
        try run(try peerProgram(".build/peers/kubernetes-client/usr/bin/kubectl"), minor: 20)
    }

    func testWithTodaysKubectl() throws {
        try run(try peerProgram(".build/peers/kubectl-1.37/bin/kubectl"), minor: 37)
    }
}
