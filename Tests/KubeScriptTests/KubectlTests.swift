import Foundation
import KubeAPI
import XCTest
import KubeServer

/// Debian's kubectl (`kubernetes-client`, v1.20) against `kubescript serve`: what a platform
/// engineer does first with a cluster, checked by what kubectl prints.
final class KubectlTests: KubeScriptTestCase {
    static let manifest = """
        apiVersion: v1
        kind: Namespace
        metadata:
          name: shop
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          namespace: shop
          labels: {app: web}
        spec:
          replicas: 2
          selector:
            matchLabels: {app: web}
          template:
            metadata:
              labels: {app: web}
            spec:
              containers:
              - name: web
                image: nginx:1.25
                ports:
                - containerPort: 80
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: settings
          namespace: shop
        data:
          mode: fast

        """

    var cluster: ServedCluster!
    var kubectlPath = ""

    override func setUpWithError() throws {
        kubectlPath = try peerProgram(".build/peers/kubernetes-client/usr/bin/kubectl")
    }

    /// Starts `kubescript serve` with `arguments` for the test.
    func serve(_ arguments: String...) throws {
        cluster = try ServedCluster(self, arguments: ["--pod-start-delay", "0.2"] + arguments)
    }

    @discardableResult
    func kubectl(_ arguments: String..., expect status: Int32 = 0, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        try kubectl(arguments, expect: status, file: file, line: line)
    }

    @discardableResult
    func kubectl(_ arguments: [String], expect status: Int32 = 0, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let result = try runProgram(kubectlPath, arguments, environment: ["KUBECONFIG": cluster.kubeconfig, "HOME": cluster.directory.path])
        XCTAssertEqual(result.status, status, "kubectl \(arguments.joined(separator: " ")):\n\(result.stdout)\(result.stderr)", file: file, line: line)
        return status == 0 ? result.stdout : result.stderr
    }

    func testApplyGetScaleRolloutWatchDelete() throws {
        try serve()
        let manifest = try cluster.file("shop.yaml", Self.manifest)
        // apply validates against the OpenAPI document (v2, protobuf) before it sends anything
        XCTAssertEqual(try kubectl("apply", "-f", manifest),
                       "namespace/shop created\ndeployment.apps/web created\nconfigmap/settings created\n")
        XCTAssertEqual(try kubectl("apply", "-f", manifest),
                       "namespace/shop unchanged\ndeployment.apps/web unchanged\nconfigmap/settings unchanged\n")

        let json = try JSONValue.parse(Array(try kubectl("-n", "shop", "get", "deployment", "web", "-o", "json").utf8))
        XCTAssertEqual(json["kind"], .string("Deployment"))
        XCTAssertEqual(json[path: "spec", "replicas"], .integer(2))
        XCTAssertNotNil(json[path: "metadata", "annotations", "kubectl.kubernetes.io/last-applied-configuration"])

        let table = try kubectl("-n", "shop", "get", "deployments")
        XCTAssertTrue(table.hasPrefix("NAME   READY   UP-TO-DATE   AVAILABLE   AGE\nweb    "), table)

        XCTAssertEqual(try kubectl("-n", "shop", "scale", "deployment/web", "--replicas=3"), "deployment.apps/web scaled\n")
        let rollout = try kubectl("-n", "shop", "rollout", "status", "deployment/web", "--timeout=60s")
        XCTAssertTrue(rollout.hasSuffix("deployment \"web\" successfully rolled out\n"), rollout)
        let pods = try kubectl("-n", "shop", "get", "pods", "-l", "app=web", "-o", "name")
        XCTAssertEqual(pods.split(separator: "\n").count, 3, pods)

        // a watch receives the event of a ConfigMap created while it runs
        let watch = Process()
        watch.executableURL = URL(fileURLWithPath: kubectlPath)
        watch.arguments = ["-n", "shop", "get", "configmaps", "--watch", "--output-watch-events"]
        watch.environment = ["KUBECONFIG": cluster.kubeconfig, "HOME": cluster.directory.path]
        let out = Pipe()
        watch.standardOutput = out
        try watch.run()
        defer { if watch.isRunning { watch.terminate() } }
        let seen = NSLock()
        nonisolated(unsafe) var output = ""
        out.fileHandleForReading.readabilityHandler = { handle in
            let text = String(decoding: handle.availableData, as: UTF8.self)
            seen.withLock { output += text }
        }
        Thread.sleep(forTimeInterval: 0.5)
        try kubectl("-n", "shop", "create", "configmap", "extra", "--from-literal=a=b")
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, !seen.withLock({ output.contains("extra") }) { Thread.sleep(forTimeInterval: 0.1) }
        watch.terminate()
        out.fileHandleForReading.readabilityHandler = nil
        let events = seen.withLock { output }
        XCTAssertNotNil(events.range(of: #"^EVENT +NAME +DATA +AGE\n"#, options: .regularExpression), events)
        XCTAssertNotNil(events.range(of: #"\nADDED +extra +1 +[0-9]+s\n"#, options: .regularExpression), events)

        let deleted = try kubectl("delete", "-f", manifest)
        XCTAssertEqual(deleted, "namespace \"shop\" deleted\ndeployment.apps \"web\" deleted\nconfigmap \"settings\" deleted\n")
        let gone = Date().addingTimeInterval(10)
        var namespaces = ""
        repeat {
            namespaces = try kubectl("get", "namespaces", "-o", "name")
            if !namespaces.contains("namespace/shop") { break }
            Thread.sleep(forTimeInterval: 0.2)
        } while Date() < gone
        XCTAssertFalse(namespaces.contains("namespace/shop"), namespaces)
    }

    /// `kubectl auth can-i` asks a SelfSubjectAccessReview, `--list` a SelfSubjectRulesReview.
    func testAuthCanI() throws {
        try serve()
        XCTAssertEqual(try kubectl("auth", "can-i", "create", "deployments"), "yes\n")
        let rules = try kubectl("auth", "can-i", "--list")
        XCTAssertTrue(rules.hasPrefix("Resources   "), rules)
        XCTAssertTrue(rules.contains("\n*.*    "), rules)
        XCTAssertTrue(rules.contains("selfsubjectaccessreviews.authorization.k8s.io"), rules)
    }

    func testValidationAndExplainUseTheOpenAPIDocument() throws {
        try serve()
        let bad = try cluster.file("bad.yaml", Self.manifest.replacingOccurrences(of: "replicas: 2", with: "replicas: two")
            .replacingOccurrences(of: "image:", with: "imagee:"))
        let errors = try kubectl("apply", "-f", bad, expect: 1)
        XCTAssertTrue(errors.contains(#"invalid type for io.k8s.api.apps.v1.DeploymentSpec.replicas: got "string", expected "integer""#), errors)
        XCTAssertTrue(errors.contains(#"unknown field "imagee" in io.k8s.api.core.v1.Container"#), errors)
        let explained = try kubectl("explain", "deployment.spec.strategy")
        XCTAssertTrue(explained.contains("RESOURCE: strategy <Object>"), explained)
        XCTAssertTrue(explained.contains("rollingUpdate\t<Object>"), explained)
    }

    func testErrorsReadAsFromARealServer() throws {
        try serve()
        let missing = try kubectl("-n", "default", "get", "configmap", "nothing", expect: 1)
        XCTAssertEqual(missing, "Error from server (NotFound): configmaps \"nothing\" not found\n")
        try kubectl("create", "namespace", "twice")
        let again = try kubectl("create", "namespace", "twice", expect: 1)
        XCTAssertEqual(again, "Error from server (AlreadyExists): namespaces \"twice\" already exists\n")
    }

    /// With `--token`, the server speaks HTTPS (client-go sends tokens over HTTPS only) with a
    /// certificate authority of its own, which the kubeconfig it writes trusts.
    func testATokenOverHTTPS() throws {
        try serve("--token", "s3cret")
        XCTAssertTrue(cluster.address.hasPrefix("https://"), cluster.address)
        XCTAssertTrue(try kubectl("get", "namespaces", "-o", "name").contains("namespace/kube-system\n"))
        XCTAssertEqual(try kubectl("--token", "wrong", "get", "namespaces", expect: 1), "error: You must be logged in to the server (Unauthorized)\n")
    }

    /// Client certificates from an authority the server trusts (`--client-ca-file`): the common
    /// name is the user, the organizations its groups, as kube-apiserver reads them.
    func testClientCertificates() throws {
        let authority = try CertificateAuthority(commonName: "test-client-ca")
        let directory = try temporaryFolder()
        func write(_ name: String, _ text: String) throws -> String {
            let path = directory + "/" + name
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        try serve("--client-ca-file", try write("ca.pem", authority.certificatePEM))
        let admin = try authority.issueClient(user: "jane", groups: ["system:masters"])
        let reader = try authority.issueClient(user: "bob", groups: ["developers"])
        func credentials(_ issued: CertificateAuthority.Issued, _ name: String) throws -> [String] {
            ["--client-certificate", try write(name + ".pem", issued.certificatePEM), "--client-key", try write(name + "-key.pem", issued.privateKeyPEM)]
        }
        XCTAssertTrue(try kubectl(try credentials(admin, "jane") + ["get", "namespaces", "-o", "name"]).contains("namespace/default\n"))
        XCTAssertEqual(try kubectl(try credentials(reader, "bob") + ["get", "pods"], expect: 1),
                       "Error from server (Forbidden): pods is forbidden: User \"bob\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\"\n")
        let stranger = try CertificateAuthority(commonName: "someone-else").issueClient(user: "mallory", groups: ["system:masters"])
        let refused = try kubectl(try credentials(stranger, "mallory") + ["get", "pods"], expect: 1)
        XCTAssertTrue(refused.contains("certificate") || refused.contains("tls"), refused)
    }

    /// Services with their cluster IPs and Endpoints, a StatefulSet and a DaemonSet, as kubectl
    /// prints them and waits for their rollouts.
    func testServicesStatefulSetsAndDaemonSets() throws {
        try serve()
        let manifest = try cluster.file("data.yaml", """
            apiVersion: v1
            kind: Service
            metadata: {name: db, namespace: default}
            spec:
              clusterIP: None
              selector: {app: db}
              ports: [{name: pg, port: 5432, targetPort: pg}]
            ---
            apiVersion: apps/v1
            kind: StatefulSet
            metadata: {name: db, namespace: default}
            spec:
              serviceName: db
              replicas: 2
              selector: {matchLabels: {app: db}}
              template:
                metadata: {labels: {app: db}}
                spec:
                  containers: [{name: db, image: "postgres:16", ports: [{name: pg, containerPort: 5432}]}]
            ---
            apiVersion: apps/v1
            kind: DaemonSet
            metadata: {name: agent, namespace: default}
            spec:
              selector: {matchLabels: {app: agent}}
              template:
                metadata: {labels: {app: agent}}
                spec:
                  containers: [{name: agent, image: "fluent-bit:2"}]

            """)
        XCTAssertEqual(try kubectl("apply", "-f", manifest), "service/db created\nstatefulset.apps/db created\ndaemonset.apps/agent created\n")
        let statefulSet = try kubectl("rollout", "status", "statefulset/db", "--timeout=60s")
        // the server defaults `partition: 0`, so kubectl reports a partitioned roll out, as with a real one
        XCTAssertTrue(statefulSet.hasSuffix("partitioned roll out complete: 2 new pods have been updated...\n"), statefulSet)
        XCTAssertEqual(try kubectl("rollout", "status", "daemonset/agent", "--timeout=60s"), "daemon set \"agent\" successfully rolled out\n")
        XCTAssertEqual(try kubectl("get", "pods", "-l", "app=db", "-o", "name"), "pod/db-0\npod/db-1\n")

        let services = try kubectl("get", "services")
        let lines = services.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
        XCTAssertEqual(lines.first, ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"], services)
        XCTAssertEqual(lines.first { $0.first == "db" }?.prefix(5), ["db", "ClusterIP", "None", "<none>", "5432/TCP"], services)
        XCTAssertEqual(lines.first { $0.first == "kubernetes" }?.prefix(5), ["kubernetes", "ClusterIP", "10.96.0.1", "<none>", "443/TCP"], services)

        let endpoints = try kubectl("get", "endpoints", "db", "-o", "jsonpath={.subsets[0].ports[0].port} {.subsets[0].addresses[*].targetRef.name}")
        XCTAssertEqual(endpoints.split(separator: " ").sorted(), ["5432", "db-0", "db-1"], "the named target port resolved from the Pods")
    }

    /// A CRD applied with kubectl: its resources served under their short name, explained and
    /// validated from the OpenAPI document the server extends with the CRD's schema.
    func testCustomResourceDefinitions() throws {
        try serve()
        let definition = try cluster.file("crd.yaml", """
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata:
              name: widgets.example.com
            spec:
              group: example.com
              scope: Namespaced
              names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wg]}
              versions:
              - name: v1
                served: true
                storage: true
                schema:
                  openAPIV3Schema:
                    type: object
                    properties:
                      spec:
                        type: object
                        properties:
                          size: {type: integer, description: How big the widget is.}

            """)
        XCTAssertEqual(try kubectl("apply", "-f", definition), "customresourcedefinition.apiextensions.k8s.io/widgets.example.com created\n")
        try kubectl("wait", "--for=condition=Established", "crd/widgets.example.com", "--timeout=10s")
        let explained = try kubectl("explain", "widget.spec.size")
        XCTAssertTrue(explained.contains("How big the widget is."), explained)
        let bad = try cluster.file("bad.yaml", "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w1}\nspec: {size: big}\n")
        XCTAssertTrue(try kubectl("apply", "-f", bad, expect: 1).contains(#"invalid type for com.example.v1.Widget.spec.size: got "string", expected "integer""#))
        let good = try cluster.file("good.yaml", "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w1}\nspec: {size: 3}\n")
        XCTAssertEqual(try kubectl("apply", "-f", good), "widget.example.com/w1 created\n")
        XCTAssertEqual(try kubectl("get", "wg", "-o", "name"), "widget.example.com/w1\n")
    }
}
