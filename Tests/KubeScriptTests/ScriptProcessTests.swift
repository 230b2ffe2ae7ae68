import Foundation
import KubeClient
import XCTest

/// `kubescript run` as a process in a Pod: `--health-addr` and `--metrics-addr` serve
/// `/healthz`, `/readyz` and `/metrics` with controller-runtime's and client-go's metric names;
/// SIGTERM stops a controller's intake, lets the reconcile under way finish and exits 0; the
/// grace period ends a shutdown that takes too long; a script with no shutdown handler is
/// interrupted at once. The real binary, against `kubescript serve`.
final class ScriptProcessTests: KubeScriptTestCase {
    func start(_ options: [String], _ seconds: String, _ cluster: ServedCluster) throws -> RunningScript {
        let script = try RunningScript(["run", "--kubeconfig", cluster.kubeconfig] + options + [fixturePath("scripts/slow-controller.lua"), seconds],
                                       name: "controller", folder: try temporaryFolder())
        addTeardownBlock { script.stop() }
        return script
    }

    /// The address a "serving PATHS on ADDRESS" line names.
    func address(serving paths: String, in script: RunningScript) throws -> String {
        script.wait(for: "serving \(paths) on ", line: false, seconds: 20)
        let text = script.text
        guard let range = text.range(of: "serving \(paths) on "),
              let end = text[range.upperBound...].firstIndex(of: "\n") else {
            struct NoAddress: Error {}
            XCTFail("no \(paths) address in: \(text)")
            throw NoAddress()
        }
        return "http://" + text[range.upperBound..<end]
    }

    func get(_ base: String, _ path: String) throws -> (status: Int, body: String) {
        let response = try Transport(ClientConfiguration(server: base)).send(RESTRequest(verb: "GET").absolutePath(path))
        return (response.status, String(decoding: response.body, as: UTF8.self))
    }

    func testEndpointsServeProbesAndMetrics() throws {
        let cluster = try ServedCluster(self)
        let script = try start(["--health-addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0"], "0", cluster)
        let probes = try address(serving: "/healthz, /readyz", in: script)
        let metrics = try address(serving: "/metrics", in: script)
        XCTAssertNotNil(script.wait(for: "reconciled c", seconds: 20), script.text)

        XCTAssertEqual(try get(probes, "/healthz").status, 200)
        XCTAssertEqual(try get(probes, "/readyz").status, 200, "ready once the informer synced")
        XCTAssertEqual(try get(probes, "/metrics").status, 404, "metrics have their own address")
        XCTAssertEqual(try get(metrics, "/readyz").status, 404)
        let (status, body) = try get(metrics, "/metrics")
        XCTAssertEqual(status, 200)
        let host = cluster.address.replacingOccurrences(of: "http://", with: "")
        // a, b and c, and kube-root-ca.crt once the served cluster's controller has made it
        func value(_ series: String) -> Double? {
            body.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
        }
        for series in [#"controller_runtime_reconcile_total{controller="slow",result="success"}"#,
                       #"controller_runtime_reconcile_time_seconds_count{controller="slow"}"#, #"workqueue_adds_total{name="slow"}"#] {
            XCTAssertGreaterThanOrEqual(value(series) ?? 0, 3, "\(series) in:\n\(body)")
        }
        XCTAssertEqual(value(#"controller_runtime_max_concurrent_reconciles{controller="slow"}"#), 1, body)
        XCTAssertEqual(value(#"workqueue_depth{name="slow"}"#), 0, body)
        XCTAssertEqual(value(#"rest_client_requests_total{code="201",method="POST",host="\#(host)"}"#), 3, "the three creates:\n\(body)")
        XCTAssertTrue(body.contains("# TYPE controller_runtime_reconcile_time_seconds histogram"), body)
    }

    func testSIGTERMLetsTheReconcileUnderWayFinish() throws {
        let cluster = try ServedCluster(self)
        let script = try start(["--health-addr", "127.0.0.1:0"], "1", cluster)
        let probes = try address(serving: "/healthz, /readyz", in: script)
        XCTAssertNotNil(script.wait(for: "reconciling a", seconds: 20), script.text)
        kill(script.process.processIdentifier, SIGTERM)
        XCTAssertNotNil(script.wait(for: "SIGTERM: shutting down (grace period 30s)", line: false, seconds: 5), script.text)
        XCTAssertEqual(try get(probes, "/readyz").status, 503, "not ready while shutting down")
        XCTAssertEqual(script.exitStatus(within: 10), 0, script.text)
        let text = script.text
        XCTAssertTrue(text.contains("reconciled a\nstopped\n"), "the reconcile under way finished, then the controller stopped:\n\(text)")
        XCTAssertFalse(text.contains("reconciling b"), "no new request was taken:\n\(text)")
    }

    func testTheGracePeriodEndsAShutdownThatTakesTooLong() throws {
        let cluster = try ServedCluster(self)
        let script = try start(["--grace-period", "0.5"], "30", cluster)
        XCTAssertNotNil(script.wait(for: "reconciling a", seconds: 20), script.text)
        kill(script.process.processIdentifier, SIGTERM)
        XCTAssertEqual(script.exitStatus(within: 10), 1, script.text)
        XCTAssertTrue(script.text.contains("the grace period of 0.5s is over: interrupting the script"), script.text)
        XCTAssertTrue(script.text.contains("interrupted!"), script.text)
        XCTAssertFalse(script.text.contains("reconciled a"), script.text)
    }

    /// (Without endpoints, such a script has SIGTERM's default action.)
    func testAScriptWithNoShutdownHandlerIsInterrupted() throws {
        let script = try RunningScript(["--health-addr", "127.0.0.1:0", "-e", "print('sleeping'); io.stdout:flush(); k8s.sleep(30)"], name: "sleep",
                                       folder: try temporaryFolder())
        addTeardownBlock { script.stop() }
        XCTAssertNotNil(script.wait(for: "sleeping", seconds: 20), script.text)
        // the service group installs its SIGTERM handler on Swift's concurrency pool, moments after
        // the script starts; a SIGTERM before that has the default action (docs/cli.md)
        Thread.sleep(forTimeInterval: 0.5)
        kill(script.process.processIdentifier, SIGTERM)
        XCTAssertEqual(script.exitStatus(within: 10), 1, script.text)
        XCTAssertTrue(script.text.contains("SIGTERM: interrupting the script (it has no shutdown handler)"), script.text)
        XCTAssertTrue(script.text.contains("interrupted!"), script.text)
    }

    /// With metrics recorded, a series whose name is taken by another kind or other labels is a
    /// Lua error (swift-prometheus would abort the process).
    func testAMetricOfTheWrongShapeIsAnError() throws {
        let script = try RunningScript(["--metrics-addr", "127.0.0.1:0", "-e", """
            k8s.metrics.counter("jobs_total", { kind = "a" }):inc(1e300)
            print(pcall(k8s.metrics.gauge, "jobs_total", { kind = "a" }))
            print(pcall(k8s.metrics.counter, "jobs_total"))
            print(pcall(k8s.metrics.gauge, "rest_client_requests_total"))
            """], name: "metrics", folder: try temporaryFolder())
        addTeardownBlock { script.stop() }
        XCTAssertEqual(script.exitStatus(within: 20), 0, script.text)
        XCTAssertTrue(script.text.contains("false\t(command line):2: metric jobs_total is a counter with labels [kind]\n"), script.text)
        XCTAssertTrue(script.text.contains("false\t(command line):3: metric jobs_total is a counter with labels [kind]\n"), script.text)
        XCTAssertTrue(script.text.contains("false\t(command line):4: metric rest_client_requests_total is a counter with labels [code, host, method]\n"), script.text)
    }

    func testAnAddressInUseIsAnError() throws {
        let first = try RunningScript(["--health-addr", "127.0.0.1:0", "-e", "print('up'); io.stdout:flush(); k8s.sleep(30)"],
                                      name: "first", folder: try temporaryFolder())
        addTeardownBlock { first.stop() }
        let taken = try address(serving: "/healthz, /readyz", in: first).replacingOccurrences(of: "http://", with: "")
        let second = try RunningScript(["--health-addr", taken, "-e", "print('ran')"], name: "second", folder: try temporaryFolder())
        XCTAssertEqual(second.exitStatus(within: 10), 1, second.text)
        XCTAssertTrue(second.text.contains("kubescript: cannot serve the endpoints:"), second.text)
        XCTAssertFalse(second.text.contains("ran"), second.text)
    }
}

/// In a Pod: no kubeconfig, `KUBERNETES_SERVICE_HOST`/`_PORT` set, and the service account's
/// token, CA and namespace mounted at /var/run/secrets/kubernetes.io/serviceaccount. The test
/// mounts a fake one there, in a mount namespace of the script's own (`unshare`, as root), in
/// front of `kubescript serve` over HTTPS with a token.
final class InClusterTests: KubeScriptTestCase {
    func testAScriptInAPodUsesTheMountedServiceAccount() throws {
        let token = "in-cluster-token"
        let cluster = try ServedCluster(self, arguments: ["--token", token])
        let kubeconfig = try String(contentsOfFile: cluster.kubeconfig, encoding: .utf8)
        guard let line = kubeconfig.split(separator: "\n").first(where: { $0.contains("certificate-authority-data:") }),
              let authority = Data(base64Encoded: String(line.split(separator: ":")[1]).trimmingCharacters(in: .whitespaces)) else {
            return XCTFail("no certificate authority in \(kubeconfig)")
        }
        let folder = try temporaryFolder()
        let account = folder + "/serviceaccount", home = folder + "/home"
        try FileManager.default.createDirectory(atPath: account, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        try token.write(toFile: account + "/token", atomically: true, encoding: .utf8)
        try authority.write(to: URL(fileURLWithPath: account + "/ca.crt"))
        try "operators".write(toFile: account + "/namespace", atomically: true, encoding: .utf8)
        let port = String(cluster.address.split(separator: ":").last ?? "")
        let script = """
            local c = k8s.client()
            print(c:Namespace(), c:CoreV1():Namespaces():Get("default").metadata.name)
            """
        let mount = "/run/secrets/kubernetes.io/serviceaccount"  // /var/run is /run
        let shell = """
            mount -t tmpfs tmpfs /run && mkdir -p \(mount) && mount --bind "$1" \(mount) && shift && exec "$@"
            """
        let result = try runProgram("/usr/bin/unshare", ["--mount", "sh", "-c", shell, "sh", account, kubescriptExecutable, "-e", script],
                                    environment: ["KUBERNETES_SERVICE_HOST": "127.0.0.1", "KUBERNETES_SERVICE_PORT": port,
                                                  "HOME": home, "KUBECONFIG": ""])
        if result.status != 0, result.stderr.contains("unshare failed") || result.stderr.contains("Operation not permitted") {
            throw XCTSkip("no mount namespace here (unshare needs root): \(result.stderr)")
        }
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, "operators\tdefault\n", result.stderr)
    }
}
