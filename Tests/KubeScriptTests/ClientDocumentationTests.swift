import Foundation
import KubeClient
import KubeServer
import XCTest

/// The example that opens docs/client.md (between the markers below, less its `import`):
/// compiled with the tests, run against the embedded cluster through a kubeconfig, and compared
/// with the document's text so that the two cannot drift apart.
func clientDocumentationExample() throws {
    // example begins
    let client = try KubeClient(try ClientConfiguration.load())          // kubeconfig rules, or in-cluster
    let deployments = try client.resource(group: "apps", version: "v1", resource: "deployments")
    let list = try deployments.list(["labelSelector": "app=web", "limit": "50"])
    print(list["items"]?.arrayValue?.count ?? 0, "deployments")
    do {
        _ = try deployments.get("missing")
    } catch {                                                            // error: KubeError (typed throws)
        guard error.isNotFound else { throw error }
        print(error.message)                                             // deployments.apps "missing" not found
    }
    // example ends
}

final class ClientDocumentationTests: KubeScriptTestCase {
    func testTheDocumentsExampleIsThisOne() throws {
        let document = try String(contentsOfFile: repositoryRoot + "/docs/client.md", encoding: .utf8)
        let block = try XCTUnwrap(document.components(separatedBy: "```swift\n").dropFirst().first?.components(separatedBy: "```").first)
        let source = try String(contentsOfFile: #filePath, encoding: .utf8)
        let example = try XCTUnwrap(source.components(separatedBy: "    // example begins\n").dropFirst().first?
            .components(separatedBy: "    // example ends").first)
        let dedented = example.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasPrefix("    ") ? String($0.dropFirst(4)) : String($0) }.joined(separator: "\n")
        XCTAssertEqual(block, "import KubeClient\n\n" + dedented)
    }

    func testTheExampleRuns() throws {
        let server = try HTTPServer(APIServer(), port: 0)
        defer { try? server.stop() }
        let folder = try temporaryFolder()
        let kubeconfig = folder + "/config"
        try """
            apiVersion: v1
            kind: Config
            clusters: [{name: local, cluster: {server: "http://127.0.0.1:\(server.port)"}}]
            users: [{name: me, user: {}}]
            contexts: [{name: local, context: {cluster: local, user: me}}]
            current-context: local
            """.write(toFile: kubeconfig, atomically: true, encoding: .utf8)
        let previous = ProcessInfo.processInfo.environment["KUBECONFIG"]
        setenv("KUBECONFIG", kubeconfig, 1)
        defer { if let previous { setenv("KUBECONFIG", previous, 1) } else { unsetenv("KUBECONFIG") } }
        XCTAssertNoThrow(try clientDocumentationExample())
    }
}
