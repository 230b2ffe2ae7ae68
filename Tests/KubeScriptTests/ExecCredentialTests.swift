import Foundation
import KubeAPI
import KubeServer
import XCTest
@testable import KubeClient

/// Exec credential plugins: run with KUBERNETES_EXEC_INFO, cached until they expire (in memory
/// and across runs, on disk), run again after a 401.
final class ExecCredentialTests: KubeScriptTestCase {
    var folder = ""

    override func setUpWithError() throws {
        folder = try temporaryFolder()
    }

    /// A plugin that counts its runs in `runs`, keeps what KUBERNETES_EXEC_INFO said, and gives
    /// the token of the line numbered by its run in `tokens` (the last one after that).
    func plugin(tokens: [String], expiresIn seconds: Int?) throws -> String {
        try tokens.joined(separator: "\n").write(toFile: folder + "/tokens", atomically: true, encoding: .utf8)
        let expiration = seconds.map { "exp=$(date -u -d '+\($0) seconds' +%Y-%m-%dT%H:%M:%SZ)" } ?? "exp="
        let script = """
            #!/bin/sh
            n=$(( $(cat "\(folder)/runs" 2>/dev/null || echo 0) + 1 ))
            echo $n > "\(folder)/runs"
            printf '%s' "$KUBERNETES_EXEC_INFO" > "\(folder)/info"
            token=$(sed -n "${n}p" "\(folder)/tokens"); [ -n "$token" ] || token=$(tail -n 1 "\(folder)/tokens")
            \(expiration)
            if [ -n "$exp" ]; then extra=",\\"expirationTimestamp\\":\\"$exp\\""; else extra=""; fi
            echo "{\\"apiVersion\\":\\"client.authentication.k8s.io/v1\\",\\"kind\\":\\"ExecCredential\\",\\"status\\":{\\"token\\":\\"$token\\"$extra}}"

            """
        let path = folder + "/plugin.sh"
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        return path
    }

    var runs: Int { Int((try? String(contentsOfFile: folder + "/runs", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0 }

    func kubeconfig(server: String, plugin: String, authority: String? = nil) throws -> String {
        let path = folder + "/config"
        let authorityField = authority.map { ", certificate-authority-data: \(Data($0.utf8).base64EncodedString())" } ?? ""
        try """
            current-context: c
            clusters: [{name: k, cluster: {server: "\(server)"\(authorityField)}}]
            users:
            - name: u
              user:
                exec:
                  apiVersion: client.authentication.k8s.io/v1
                  command: \(plugin)
                  args: [--region, eu]
                  env: [{name: PLUGIN_MODE, value: test}]
                  interactiveMode: Never
                  provideClusterInfo: true
            contexts: [{name: c, context: {cluster: k, user: u}}]
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func testCredentialsAreCachedUntilTheyExpireAcrossRuns() throws {
        let plugin = try plugin(tokens: ["t1", "t2"], expiresIn: 3600)
        let config = try ClientConfiguration.load(kubeconfig: try kubeconfig(server: "https://k.example.com", plugin: plugin),
                                                  environment: ["HOME": folder])
        guard case .exec(let provider) = config.credentials else { return XCTFail("\(config.credentials)") }
        XCTAssertEqual(try provider.credential().token, "t1")
        XCTAssertEqual(try provider.credential().token, "t1")
        XCTAssertEqual(runs, 1, "kept in memory")
        let info = try JSONValue.parse(Array(try String(contentsOfFile: folder + "/info", encoding: .utf8).utf8))
        XCTAssertEqual(info["kind"], .string("ExecCredential"))
        XCTAssertEqual(info[path: "spec", "interactive"], .bool(false))
        XCTAssertEqual(info[path: "spec", "cluster", "server"], .string("https://k.example.com"))

        // the next run of kubescript: a new provider, the same cache folder
        let again = try ClientConfiguration.load(kubeconfig: folder + "/config", environment: ["HOME": folder])
        guard case .exec(let second) = again.credentials else { return XCTFail() }
        XCTAssertEqual(try second.credential().token, "t1")
        XCTAssertEqual(runs, 1, "read from the cache file")
        let cached = try FileManager.default.contentsOfDirectory(atPath: folder + "/.kube/cache/kubescript/exec")
        XCTAssertEqual(cached.count, 1)
        XCTAssertFalse(cached[0].contains("t1"), "the file is named by a hash, never the credential")
        XCTAssertEqual(try second.credential(refresh: true).token, "t2")
        XCTAssertEqual(runs, 2)
    }

    func testAnExpiredCredentialRunsThePluginAgain() throws {
        let plugin = try plugin(tokens: ["old", "new"], expiresIn: 5)  // within the 10-second margin: already stale
        let provider = ExecCredentialProvider(config: try XCTUnwrap(ClientConfiguration.load(
            kubeconfig: try kubeconfig(server: "https://k", plugin: plugin), environment: ["HOME": folder]).execConfig), server: "https://k", cacheFolder: nil)
        XCTAssertEqual(try provider.credential().token, "old")
        XCTAssertEqual(try provider.credential().token, "new")
        XCTAssertEqual(runs, 2)
    }

    func testA401RunsThePluginAgain() throws {
        let server = try HTTPServer(APIServer(authentication: .administrator(token: "good")), port: 0)
        defer { try? server.stop() }
        let plugin = try plugin(tokens: ["stale", "good"], expiresIn: nil)
        let config = try ClientConfiguration.load(kubeconfig: try kubeconfig(server: "http://127.0.0.1:\(server.port)", plugin: plugin),
                                                  environment: ["HOME": folder])
        let client = try KubeClient(config, discoveryCache: "")
        let list = try client.resource(group: "", version: "v1", resource: "namespaces").list()
        XCTAssertEqual(list["kind"], .string("NamespaceList"))
        XCTAssertEqual(runs, 2, "run once, refused, run again")
    }

    /// A plugin that gives a client certificate instead of a token: requests present it (and
    /// the server knows the user by it), watches too.
    func testAClientCertificateFromThePluginIsPresented() throws {
        let authority = try CertificateAuthority()
        let serving = try authority.issueServer()
        let server = try HTTPServer(APIServer(authentication: Authentication(certificates: true)), port: 0,
                                    tls: ServerTLS(certificateChainPEM: serving.certificatePEM, privateKeyPEM: serving.privateKeyPEM,
                                                   clientCertificateAuthorityPEM: authority.certificatePEM))
        defer { try? server.stop() }
        let jane = try authority.issueClient(user: "jane", groups: ["system:masters"])
        let credential = JSONValue.object([
            "apiVersion": .string("client.authentication.k8s.io/v1"), "kind": .string("ExecCredential"),
            "status": .object(["clientCertificateData": .string(jane.certificatePEM), "clientKeyData": .string(jane.privateKeyPEM)]),
        ])
        try credential.jsonString().write(toFile: folder + "/credential.json", atomically: true, encoding: .utf8)
        let plugin = folder + "/certificate.sh"
        try "#!/bin/sh\necho run >> \"\(folder)/runs-log\"\ncat \"\(folder)/credential.json\"\n".write(toFile: plugin, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: plugin)
        let config = try ClientConfiguration.load(kubeconfig: try kubeconfig(server: "https://127.0.0.1:\(server.port)", plugin: plugin,
                                                                              authority: authority.certificatePEM),
                                                  environment: ["HOME": folder])
        let client = try KubeClient(config, discoveryCache: "")
        let pods = try client.resource(group: "", version: "v1", resource: "pods").namespace("default")
        XCTAssertEqual(try pods.list()["kind"], .string("PodList"), "jane may list pods; an anonymous client may not")
        let watch = try pods.watch(["timeoutSeconds": "1"])
        XCTAssertNil(try watch.next(timeout: 10), "the watch was accepted and ended by its timeout")
        XCTAssertEqual(try String(contentsOfFile: folder + "/runs-log", encoding: .utf8), "run\n", "the plugin ran once")
    }

    /// An expiry with a fraction and an offset (as a plugin not written in Go may write it) is
    /// read as client-go reads it; one that is not RFC 3339 says so.
    func testExpiryTimestampsAreReadAsGoReadsThem() throws {
        func credential(expiring text: String) throws -> ExecCredential {
            try ExecCredentialProvider.credential(from: .object([
                "kind": .string("ExecCredential"),
                "status": .object(["token": .string("t"), "expirationTimestamp": .string(text)]),
            ]), label: "plugin")
        }
        XCTAssertEqual(try credential(expiring: "2026-11-23T07:18:47.5+01:00").expiration, 1_795_414_727.5)
        XCTAssertThrowsError(try credential(expiring: "23 Nov 2026")) { error in
            XCTAssertEqual((error as? KubeError)?.message, "plugin: expirationTimestamp 23 Nov 2026 is not RFC 3339")
        }
    }

    func testAFailingPluginSaysWhy() throws {
        let path = folder + "/failing.sh"
        try "#!/bin/sh\necho 'no credentials for eu' >&2\nexit 3\n".write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        let config = try ClientConfiguration.load(kubeconfig: try kubeconfig(server: "https://k", plugin: path), environment: ["HOME": folder])
        guard case .exec(let provider) = config.credentials else { return XCTFail() }
        XCTAssertThrowsError(try provider.credential()) { error in
            XCTAssertEqual(String(describing: error), "exec plugin \(path): exit status 3: no credentials for eu")
        }
    }
}

extension ClientConfiguration {
    /// The exec plugin of the credentials, if that is what they are.
    var execConfig: ExecConfig? {
        if case .exec(let provider) = credentials { return provider.config }
        return nil
    }
}
