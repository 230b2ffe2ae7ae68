import Foundation
import XCTest

/// Every script in scripts/examples, run as a user runs it: `kubescript run --in-memory`.
final class ExampleScriptTests: KubeScriptTestCase {
    func example(_ name: String, _ arguments: [String] = [], options: [String] = ["--in-memory"]) throws -> ProgramResult {
        let home = try temporaryFolder()
        let result = try runProgram(kubescriptExecutable, ["run"] + options + [repositoryRoot + "/scripts/examples/\(name).lua"] + arguments,
                                    environment: ["HOME": home, "KUBECONFIG": ""], timeout: 120)
        XCTAssertEqual(result.status, 0, "\(name): \(result.stderr)")
        return result
    }

    func testDemo() throws {
        let out = try example("demo", ["web", "3"]).stdout
        XCTAssertTrue(out.hasPrefix("applied namespace/demo\napplied service/web\napplied deployment/web\nweb is available: 1/1 ready\nscaled web to 3: 3 ready\n"), out)
        XCTAssertEqual(out.components(separatedBy: " Running ").count - 1, 3, out)
        XCTAssertTrue(out.hasSuffix("deleted namespace demo\n"), out)
    }

    func testListingPodsThreeWays() throws {
        XCTAssertEqual(try example("list-pods-rest").stdout, "0 pods in kube-system (HTTP 200)\n")
        XCTAssertEqual(try example("list-pods-clientset").stdout, "There are 0 pods in the cluster\nPod example-xxxxx in namespace default not found\n")
        XCTAssertEqual(try example("list-pods-dynamic", ["v1", "namespaces"]).stdout,
                       "NamespaceList: 4\n\tdefault\n\tkube-node-lease\n\tkube-public\n\tkube-system\n")
    }

    func testTasksFanOutTwoWatchesAndSeveralClusters() throws {
        let counts = try example("fan-out", ["2"]).stdout.split(separator: "\n").map { $0.split(separator: " ").first.map(String.init) ?? "" }
        XCTAssertEqual(counts, ["default", "kube-node-lease", "kube-public", "kube-system"], "every namespace, in order")
        let lines = try example("two-watches", ["2"]).stdout.split(separator: "\n")
        XCTAssertEqual(Set(lines.filter { $0.hasPrefix("pod ") }.compactMap { $0.split(separator: " ").last }).count, 2, lines.joined(separator: "\n"))
        XCTAssertTrue(lines.contains { $0.hasPrefix("replicaset ADDED") }, lines.joined(separator: "\n"))
        XCTAssertTrue(try example("check-contexts", ["nginx:1.25"]).stdout.hasSuffix(": 0 container(s) not on nginx:1.25\n"))
    }

    func testThePipelineDiffsAppliesAndWaits() throws {
        let out = try example("pipeline", [], options: ["--in-memory"]).stdout
        XCTAssertTrue(out.hasPrefix("3 object(s) would change\n--- live/apps.v1.Deployment.default.shop\n"), out)
        XCTAssertTrue(out.contains("\nDeployment shop           Current    Deployment is available. Replicas: 2\n"), out)
        XCTAssertTrue(out.hasSuffix(" objects Current, apply set applyset-deGdy9cO9XA_cS6jkZBQNNHCB9v4eVtcTMJd6JKtoOg-v1\n"), out)
    }

    /// The operator's manifests as its deploy script applies them (the CRD, namespace, account and
    /// RBAC, the script as a ConfigMap, the Deployment with probes): the embedded cluster takes
    /// them and runs the Deployment's two replicas.
    func testTheOperatorDeploysItself() throws {
        XCTAssertEqual(try example("operator/deploy", ["registry.example/kubescript:dev"]).stdout,
                       "website-operator: 10 objects applied and Current, image registry.example/kubescript:dev\n")
    }

    func testDiscovery() throws {
        let out = try example("discovery").stdout
        XCTAssertTrue(out.hasPrefix("server v1.24.0+0\n"), out)
        XCTAssertNotNil(out.range(of: #"\napps/v1 +deployments +namespaced\n"#, options: .regularExpression), out)
        XCTAssertNotNil(out.range(of: #"\nv1 +nodes +cluster\n"#, options: .regularExpression), out)
    }

    func testDeploymentLifecycleTypedAndDynamic() throws {
        XCTAssertEqual(try example("deployment-typed").stdout, """
            Creating deployment...
            Created deployment "demo-deployment".
            Updating deployment...
            Updated deployment...
            Listing deployments in namespace "default":
             * demo-deployment (1 replicas)
            Deleting deployment...
            Deleted deployment.

            """)
        XCTAssertEqual(try example("deployment-dynamic").stdout, """
            Created deployment "demo-deployment".
            Updated deployment...
             * demo-deployment (1 replicas, image nginx:1.13)
            Deleted deployment.

            """)
    }

    func testServerSideApply() throws {
        XCTAssertEqual(try example("server-side-apply").stdout, """
            applied by platform: replicas 2
            autoscaler without force:\tfalse\tApply failed with 1 conflict: conflict with "platform": .spec.replicas
            autoscaler with force: replicas 5
              autoscaler (Apply) owns spec: replicas, selector, template
              platform (Apply) owns spec: selector, template

            """)
    }

    func testWatchingPodsWhileADeploymentScales() throws {
        let out = try example("watch-pods", ["2"]).stdout
        XCTAssertTrue(out.hasSuffix("2 pods running\n"), out)
        XCTAssertEqual(out.components(separatedBy: "ADDED\twatched-").count - 1, 2, out)
    }

    func testCustomResources() throws {
        XCTAssertEqual(try example("crd").stdout, """
            CRD established: backups.stable.example.com
            invalid backup refused:\ttrue\tBackup.stable.example.com "broken" is invalid: [spec.schedule: Required value, spec.keep: Invalid value: 0: spec.keep in body should be greater than or equal to 1]
            nightly: every "0 2 * * *", keep 7, last run 2026-12-01T02:00:00Z
            CRD deleted

            """)
    }

    /// `--dry-run` says so and changes nothing; `-v 6` logs each request without credentials.
    func testDryRunAndRequestLogs() throws {
        let code = """
            local deps = k8s.client():AppsV1():Deployments()
            deps:Create { apiVersion = "apps/v1", kind = "Deployment", metadata = { name = "dry" },
              spec = { selector = { matchLabels = { a = "b" } }, template = { metadata = { labels = { a = "b" } },
                       spec = { containers = { { name = "c", image = "nginx" } } } } } }
            print(#deps:List().items)
            """
        let result = try runProgram(kubescriptExecutable, ["--in-memory", "--dry-run", "-v", "6", "-e", code], environment: ["KUBECONFIG": ""])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, "0\n", "nothing was created")
        XCTAssertTrue(result.stderr.hasPrefix("kubescript: --dry-run: every write is sent with dryRun=All; nothing is changed\n"), result.stderr)
        XCTAssertNotNil(result.stderr.range(of: #"POST http://127\.0\.0\.1:[0-9]+/apis/apps/v1/namespaces/default/deployments\?dryRun=All 201 in [0-9]+ ms"#,
                                            options: .regularExpression), result.stderr)
        XCTAssertFalse(result.stderr.contains("Authorization"), result.stderr)
    }
}
