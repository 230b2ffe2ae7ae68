import Foundation
import XCTest

/// `kubescript test`: the shipped library's tests and the worked example library's pass against
/// embedded clusters; a failing test file shows where and why, and the exit status says so.
final class TestCommandTests: KubeScriptTestCase {
    func kubescriptTest(_ arguments: [String]) throws -> ProgramResult {
        try runProgram(kubescriptExecutable, ["test"] + arguments, environment: ["KUBECONFIG": ""], timeout: 180)
    }

    func testTheShippedLibraryTheExampleLibraryAndTheProjectsLuaTestsPass() throws {
        let result = try kubescriptTest([repositoryRoot + "/scripts/lib/tests", repositoryRoot + "/scripts/examples/canary/tests",
                                         repositoryRoot + "/scripts/examples/operator/tests", repositoryRoot + "/Tests/Lua"])
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        XCTAssertTrue(result.stdout.hasSuffix("108 passed, 0 failed\n"), result.stdout)
        XCTAssertFalse(result.stdout.contains("FAIL"), result.stdout)
    }

    func testFailuresShowWhereAndWhy() throws {
        let folder = try temporaryFolder()
        try """
            test("tables differ", function(t)
              t:eq({ spec = { replicas = 2 }, list = { 1 } }, { spec = { replicas = 3 }, list = { 1, 2 } })
            end)
            test("each test has its own cluster", function(t, c)
              c:CoreV1():ConfigMaps():Create { apiVersion = "v1", kind = "ConfigMap", metadata = { name = "mine" } }
              t:eq(#c:CoreV1():ConfigMaps():List { fieldSelector = "metadata.name=mine" }.items, 1)
            end)
            test("and a fresh one", function(t, c)
              t:raises(function() c:CoreV1():ConfigMaps():Get("mine") end, k8s.errors.IsNotFound)
            end)
            test("raises without an error", function(t) t:raises(function() end) end)

            """.write(toFile: folder + "/sample_test.lua", atomically: true, encoding: .utf8)
        try "not lua at all (".write(toFile: folder + "/broken_test.lua", atomically: true, encoding: .utf8)
        let result = try kubescriptTest([folder])
        XCTAssertEqual(result.status, 1)
        let out = result.stdout
        XCTAssertTrue(out.contains("FAIL  \(folder)/broken_test.lua: "), out)
        XCTAssertTrue(out.contains("FAIL  \(folder)/sample_test.lua: tables differ"), out)
        XCTAssertTrue(out.contains("      \(folder)/sample_test.lua:2: not equal:\n        .list[2]: expected 2, got nil\n        .spec.replicas: expected 3, got 2\n"), out)
        XCTAssertTrue(out.contains("PASS  \(folder)/sample_test.lua: each test has its own cluster"), out)
        XCTAssertTrue(out.contains("PASS  \(folder)/sample_test.lua: and a fresh one"), out)
        XCTAssertTrue(out.contains("sample_test.lua:11: expected an error, but none was raised"), out)
        XCTAssertTrue(out.hasSuffix("2 passed, 3 failed\n"), out)
    }

    /// With a kubeconfig, tests share that cluster: each runs in its own throw-away namespace,
    /// which is `k8s.client()`'s namespace during the test and is deleted afterwards.
    func testARealClusterGetsThrowAwayNamespaces() throws {
        let cluster = try ServedCluster(self, arguments: ["--pod-start-delay", "0.1"])
        let file = try cluster.file("namespace_test.lua", """
            test("runs in its own namespace", function(t, c)
              t:ok(c:Namespace():match("^kubescript%-test%-"), c:Namespace())
              t:eq(k8s.client():Namespace(), c:Namespace())
              c:CoreV1():ConfigMaps():Create { apiVersion = "v1", kind = "ConfigMap", metadata = { name = "left-behind" } }
            end)
            test("and the next one in another", function(t, c)
              t:eq(#c:CoreV1():ConfigMaps():List { fieldSelector = "metadata.name=left-behind" }.items, 0)
            end)

            """)
        let result = try kubescriptTest(["--kubeconfig", cluster.kubeconfig, file])
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        XCTAssertTrue(result.stdout.hasSuffix("2 passed, 0 failed\n"), result.stdout)
        let deadline = Date().addingTimeInterval(10)
        var left = ""
        repeat {
            let data = try Data(contentsOf: try XCTUnwrap(URL(string: cluster.address + "/api/v1/namespaces")))
            left = String(decoding: data, as: UTF8.self)
            if !left.contains("kubescript-test-") { break }
            Thread.sleep(forTimeInterval: 0.2)
        } while Date() < deadline
        XCTAssertFalse(left.contains("kubescript-test-"), "the throw-away namespaces are gone")
    }
}
