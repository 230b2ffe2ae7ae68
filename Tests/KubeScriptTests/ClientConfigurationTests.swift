import Foundation
import KubeAPI
import KubeServer
import XCTest
@testable import KubeClient

/// Kubeconfig files read and merged as clientcmd does, in-cluster configuration, and the errors
/// that name file, context and field.
final class ClientConfigurationTests: KubeScriptTestCase {
    var folder = ""

    override func setUpWithError() throws {
        folder = try temporaryFolder()
    }

    @discardableResult
    func file(_ name: String, _ text: String) throws -> String {
        let path = folder + "/" + name
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func assertError(_ body: () throws -> Void, _ fragments: String..., file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            let text = String(describing: error)
            for fragment in fragments { XCTAssertTrue(text.contains(fragment), "\"\(text)\" lacks \"\(fragment)\"", file: file, line: line) }
        }
    }

    static let first = """
        apiVersion: v1
        kind: Config
        current-context: dev
        clusters:
        - name: dev
          cluster:
            server: https://dev.example.com:6443
            certificate-authority: certs/ca.pem
            tls-server-name: api.dev
        - name: shared
          cluster: {server: "https://first.example.com"}
        users:
        - name: alice
          user: {token: alice-token}
        - name: files
          user: {client-certificate: certs/client.pem, client-key: certs/client-key.pem}
        contexts:
        - name: dev
          context: {cluster: dev, user: alice, namespace: team-a}
        - name: bare
          context: {cluster: shared, user: files}
        """

    static let second = """
        current-context: prod
        clusters:
        - name: shared
          cluster: {server: "https://second.example.com", insecure-skip-tls-verify: true}
        - name: prod
          cluster: {server: "https://prod.example.com", certificate-authority-data: \(Data("PEM".utf8).base64EncodedString())}
        users:
        - name: alice
          user: {token: overridden}
        - name: bob
          user: {username: bob, password: hunter2}
        - name: sa
          user: {tokenFile: token}
        contexts:
        - name: prod
          context: {cluster: prod, user: bob}
        - name: robot
          context: {cluster: prod, user: sa, namespace: robots}
        """

    func testMergeRulesOfSeveralFiles() throws {
        try file("certs/ca.pem", "CA")
        try file("certs/client.pem", "CERT")
        try file("certs/client-key.pem", "KEY")
        try file("b/token", "sa-token\n")
        let a = try file("a.yaml", Self.first), b = try file("b/config", Self.second)
        let environment = ["KUBECONFIG": "\(a):\(folder)/missing:\(b)", "HOME": folder]
        let config = try ClientConfiguration.load(environment: environment)
        XCTAssertEqual(config.context, "dev", "current-context from the first file that sets it")
        XCTAssertEqual(config.server, "https://dev.example.com:6443")
        XCTAssertEqual(config.namespace, "team-a")
        XCTAssertEqual(config.certificateAuthorityPEM, Array("CA".utf8), "relative to the file's folder")
        XCTAssertEqual(config.tlsServerName, "api.dev")
        guard case .token(let token) = config.credentials else { return XCTFail("\(config.credentials)") }
        XCTAssertEqual(token, "alice-token", "the first file to define a user wins")

        let bare = try ClientConfiguration.load(context: "bare", environment: environment)
        XCTAssertEqual(bare.server, "https://first.example.com", "the first file to define a cluster wins")
        XCTAssertFalse(bare.insecureSkipTLSVerify)
        XCTAssertEqual(bare.namespace, "default")
        XCTAssertEqual(bare.clientCertificatePEM, Array("CERT".utf8))
        XCTAssertEqual(bare.clientKeyPEM, Array("KEY".utf8))

        let prod = try ClientConfiguration.load(context: "prod", namespace: "override", environment: environment)
        XCTAssertEqual(prod.certificateAuthorityPEM, Array("PEM".utf8))
        XCTAssertEqual(prod.namespace, "override")
        guard case .basic(let user, let password) = prod.credentials else { return XCTFail("\(prod.credentials)") }
        XCTAssertEqual([user, password], ["bob", "hunter2"])

        var robot = try ClientConfiguration.load(context: "robot", environment: environment)
        robot.certificateAuthorityPEM = nil  // "PEM" is not a certificate; the transport reads only real ones
        guard case .tokenFile(let path) = robot.credentials else { return XCTFail("\(robot.credentials)") }
        XCTAssertEqual(path, folder + "/b/token")
        XCTAssertEqual(try Transport(robot).authorization(), "Bearer sa-token")
    }

    func testDefaultAndExplicitPaths() throws {
        try file(".kube/config", Self.first.replacingOccurrences(of: "certificate-authority: certs/ca.pem", with: ""))
        XCTAssertEqual(try ClientConfiguration.load(environment: ["HOME": folder]).context, "dev")
        let explicit = try file("explicit.yaml", Self.second)
        XCTAssertEqual(try ClientConfiguration.load(kubeconfig: explicit, environment: ["HOME": folder, "KUBECONFIG": "/nope"]).context, "prod")
        assertError({ _ = try ClientConfiguration.load(kubeconfig: self.folder + "/absent", environment: [:]) }, "kubeconfig \(folder)/absent: no such file")
        assertError({ _ = try ClientConfiguration.load(environment: ["HOME": self.folder + "/empty"]) }, "no kubeconfig", "does not exist")
    }

    func testErrorsNameFileContextAndField() throws {
        let broken = try file("broken.yaml", """
            current-context: c
            clusters:
            - name: k
              cluster: {server: "https://k.example.com", certificate-authority-data: "%%%"}
            contexts:
            - {name: c, context: {cluster: k, user: u}}
            """)
        assertError({ _ = try ClientConfiguration.load(kubeconfig: broken) }, broken, "clusters[0] (\"k\")", "certificate-authority-data is not valid base64")
        let noUser = try file("nouser.yaml", """
            current-context: c
            clusters: [{name: k, cluster: {server: "https://k.example.com"}}]
            contexts: [{name: c, context: {cluster: k, user: ghost}}]
            """)
        assertError({ _ = try ClientConfiguration.load(kubeconfig: noUser) }, noUser, "context \"c\"", "user \"ghost\" does not exist")
        assertError({ _ = try ClientConfiguration.load(kubeconfig: noUser, context: "other") }, "context \"other\" does not exist")
        let noServer = try file("noserver.yaml", "clusters: [{name: k, cluster: {}}]\n")
        assertError({ _ = try ClientConfiguration.load(kubeconfig: noServer) }, noServer, "clusters[0] (\"k\")", "server is missing")
        let legacy = try file("legacy.yaml", """
            current-context: c
            clusters: [{name: k, cluster: {server: "https://k.example.com"}}]
            users: [{name: g, user: {auth-provider: {name: gcp}}}]
            contexts: [{name: c, context: {cluster: k, user: g}}]
            """)
        assertError({ _ = try ClientConfiguration.load(kubeconfig: legacy) }, legacy, "user \"g\"", "auth-provider \"gcp\"", "gke-gcloud-auth-plugin")
        let halfCertificate = try file("half.yaml", """
            current-context: c
            clusters: [{name: k, cluster: {server: "https://k.example.com"}}]
            users: [{name: h, user: {client-certificate-data: \(Data("C".utf8).base64EncodedString())}}]
            contexts: [{name: c, context: {cluster: k, user: h}}]
            """)
        assertError({ _ = try ClientConfiguration.load(kubeconfig: halfCertificate) }, "user \"h\"", "client-certificate and client-key go together")
        let notYAML = try file("bad.yaml", "clusters: [unclosed\n")
        assertError({ _ = try ClientConfiguration.load(kubeconfig: notYAML) }, notYAML, "invalid YAML")
        let badExec = try file("exec.yaml", """
            users: [{name: e, user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: plugin}}}]
            """)
        assertError({ _ = try ClientConfiguration.load(kubeconfig: badExec) }, badExec, "users[0] (\"e\")", "exec.interactiveMode is required")
        let badServer = try file("url.yaml", """
            current-context: c
            clusters: [{name: k, cluster: {server: "k.example.com:6443"}}]
            contexts: [{name: c, context: {cluster: k}}]
            """)
        assertError({ _ = try ClientConfiguration.load(kubeconfig: badServer) }, badServer, "cluster \"k\"", "is not an http(s) URL")
    }

    func testInClusterConfiguration() throws {
        let root = folder + "/serviceaccount"
        try file("serviceaccount/token", "first-token")
        let authority = try CertificateAuthority().certificatePEM
        try file("serviceaccount/ca.crt", authority)
        try file("serviceaccount/namespace", "payments\n")
        let environment = ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"]
        let config = try ClientConfiguration.inCluster(root: root, environment: environment)
        XCTAssertEqual(config.server, "https://10.96.0.1:443")
        XCTAssertEqual(config.namespace, "payments")
        XCTAssertEqual(config.certificateAuthorityPEM, Array(authority.utf8))
        let transport = try Transport(config)
        XCTAssertEqual(try transport.authorization(), "Bearer first-token")
        Thread.sleep(forTimeInterval: 1.1)  // a later modification time, as a rotated token has
        try file("serviceaccount/token", "rotated-token")
        XCTAssertEqual(try transport.authorization(), "Bearer rotated-token", "a rotated token is read again")
        assertError({ _ = try ClientConfiguration.inCluster(root: root, environment: [:]) }, "KUBERNETES_SERVICE_HOST")
        assertError({ _ = try ClientConfiguration.inCluster(root: self.folder + "/none", environment: environment) }, "in-cluster configuration: token")
        let ipv6 = try ClientConfiguration.inCluster(root: root, environment: ["KUBERNETES_SERVICE_HOST": "fd00::1", "KUBERNETES_SERVICE_PORT": "443"])
        XCTAssertEqual(ipv6.server, "https://[fd00::1]:443")
    }
}
