import Foundation
import XCTest

/// Apply sets shared with kubectl v1.37 (`KUBECTL_APPLYSET=true kubectl apply --server-side
/// --prune --applyset=`), against `kubescript serve`: a set kubescript made is pruned by kubectl,
/// and the reverse, when kubescript names kubectl's tooling and field manager; with its own
/// tooling, each tool refuses the other's set, as KEP-3659 asks.
final class ApplySetTests: KubeScriptTestCase {
    var cluster: ServedCluster!
    var kubectlPath = ""

    override func setUpWithError() throws {
        kubectlPath = try peerProgram(".build/peers/kubectl-1.37/bin/kubectl")
        cluster = try ServedCluster(self, arguments: ["--no-controllers"])
    }

    func configMaps(_ names: String...) -> String {
        names.map { "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: \($0), namespace: default}\ndata: {k: \($0)}\n" }
            .joined(separator: "---\n")
    }

    @discardableResult
    func kubectl(_ arguments: [String], expect status: Int32 = 0, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let result = try runProgram(kubectlPath, arguments, environment: ["KUBECONFIG": cluster.kubeconfig, "HOME": cluster.directory.path,
                                                                          "KUBECTL_APPLYSET": "true"])
        XCTAssertEqual(result.status, status, "kubectl \(arguments.joined(separator: " ")):\n\(result.stdout)\(result.stderr)", file: file, line: line)
        return result.stdout + result.stderr
    }

    /// Runs Lua with `c`, a client of the cluster; returns what it printed.
    @discardableResult
    func kubescript(_ code: String, expect status: Int32 = 0, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let result = try runProgram(kubescriptExecutable, ["--kubeconfig", cluster.kubeconfig, "-e", "local c = k8s.client() " + code],
                                    environment: ["HOME": cluster.directory.path])
        XCTAssertEqual(result.status, status, "kubescript: \(result.stdout)\(result.stderr)", file: file, line: line)
        return result.stdout + result.stderr
    }

    /// kubectl's tooling and field managers: what a set shared with kubectl is written with.
    let asKubectl = #"tooling = "kubectl/v1.37.1", fieldManager = "kubectl""#

    func testASetKubescriptMadeIsPrunedByKubectl() throws {
        try kubescript(#"c:ApplySet { name = "shared", namespace = "default", \#(asKubectl) }:Apply(k8s.yaml.decodeAll([[\#(configMaps("one", "two"))]]))"#)
        let out = try kubectl(["apply", "--server-side", "--prune", "--applyset=secret/shared", "-n", "default",
                               "-f", try cluster.file("one.yaml", configMaps("one"))])
        XCTAssertTrue(out.contains("configmap/two pruned"), out)
        XCTAssertEqual(try kubectl(["get", "configmaps", "-n", "default", "-o", "name"]), "configmap/one\n")
    }

    func testASetKubectlMadeIsPrunedByKubescript() throws {
        try kubectl(["apply", "--server-side", "--prune", "--applyset=secret/theirs", "-n", "default",
                     "-f", try cluster.file("ab.yaml", configMaps("a", "b"))])
        let out = try kubescript(#"""
            local result = c:ApplySet { name = "theirs", namespace = "default", \#(asKubectl) }
              :Apply(k8s.yaml.decodeAll([[\#(configMaps("a"))]]), { prune = true })
            for _, p in ipairs(result.pruned) do print("pruned", p.kind, p.name) end
            """#)
        XCTAssertEqual(out, "pruned\tConfigMap\tb\n")
        XCTAssertEqual(try kubectl(["get", "configmaps", "-n", "default", "-o", "name"]), "configmap/a\n")
        // and kubectl goes on managing it
        XCTAssertTrue(try kubectl(["apply", "--server-side", "--prune", "--applyset=secret/theirs", "-n", "default",
                                   "-f", try cluster.file("b.yaml", configMaps("b"))]).contains("configmap/a pruned"))
    }

    func testEachToolRefusesTheOthersSetUnderItsOwnName() throws {
        try kubescript(#"c:ApplySet { name = "ours", namespace = "default" }:Apply(k8s.yaml.decodeAll([[\#(configMaps("x1"))]]))"#)
        let refused = try kubectl(["apply", "--server-side", "--prune", "--applyset=secret/ours", "-n", "default",
                                   "-f", try cluster.file("x.yaml", configMaps("x1"))], expect: 1)
        XCTAssertTrue(refused.contains(#"is managed by tooling "kubescript" instead of "kubectl""#), refused)
        try kubectl(["apply", "--server-side", "--prune", "--applyset=secret/kubectls", "-n", "default",
                     "-f", try cluster.file("y.yaml", configMaps("y1"))])
        let ours = try kubescript(#"c:ApplySet { name = "kubectls", namespace = "default" }:Apply(k8s.yaml.decodeAll([[\#(configMaps("y1"))]]))"#,
                                  expect: 1)
        XCTAssertTrue(ours.contains(#"managed by tooling "kubectl" instead of "kubescript""#), ours)
    }
}
