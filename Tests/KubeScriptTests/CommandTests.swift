import Foundation
import XCTest

/// The `kubescript` executable, run as a user runs it.
final class CommandTests: KubeScriptTestCase {
    func kubescript(_ arguments: [String], stdin: String = "", directory: URL? = nil,
                    environment: [String: String] = [:]) throws -> ProgramResult {
        try runProgram(kubescriptExecutable, arguments, environment: environment, directory: directory?.path, input: stdin)
    }

    func script(_ text: String, named name: String = "script.lua") throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kubescript-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    func testRunSucceedsWithArguments() throws {
        let url = try script("#!/usr/bin/env kubescript run\nprint(arg[0] == ..., select('#', ...), ...)\n")
        let r = try kubescript(["run", url.path, "a", "--flag", "-n", "x"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "false\t4\ta\t--flag\t-n\tx\n")
    }

    /// The binary alone, copied into an empty folder, still has the shipped library.
    func testTheShippedLibraryTravelsWithTheBinary() throws {
        let folder = try temporaryFolder()
        try FileManager.default.copyItem(atPath: kubescriptExecutable, toPath: folder + "/kubescript")
        let r = try runProgram(folder + "/kubescript", ["-e", "print(type(require 'rollout'), type(require 'manifest'))"],
                               environment: ["HOME": folder], directory: folder)
        XCTAssertEqual(r.stdout, "table\ttable\n", r.stderr)
    }

    /// `run --help` is kubescript's help; after the script's name, `--help` is the script's.
    func testRunHelp() throws {
        for flag in ["--help", "-h"] {
            let help = try kubescript(["run", "-v", "1", flag])
            XCTAssertEqual(help.status, 0, help.stderr)
            XCTAssertTrue(help.stdout.hasPrefix("OVERVIEW: Run a Lua script."), help.stdout)
            XCTAssertTrue(help.stdout.contains("--in-memory"), help.stdout)
        }
        let url = try script("print(...)\n")
        let r = try kubescript(["run", url.path, "--help", "-v", "3"])
        XCTAssertEqual(r.stdout, "--help\t-v\t3\n", r.stderr)
        let missing = try kubescript(["run"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("Missing expected argument"), missing.stderr)
    }

    func testRunErrorExitsOneWithTracebackOnStderr() throws {
        let url = try script("local function f()\n  error('deployment failed')\nend\nf()\n", named: "deploy.lua")
        let r = try kubescript(["run", "deploy.lua"], directory: url.deletingLastPathComponent())
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stdout, "")
        XCTAssertTrue(r.stderr.hasPrefix("kubescript: deploy.lua:2: deployment failed\nstack traceback:\n"), r.stderr)
        XCTAssertTrue(r.stderr.contains("deploy.lua:4: in main chunk"), r.stderr)
    }

    func testOsExitIsHonoured() throws {
        let url = try script("io.write('bye'); os.exit(7)")
        let r = try kubescript(["run", url.path])
        XCTAssertEqual(r.status, 7)
        XCTAssertEqual(r.stdout, "bye")
        XCTAssertEqual(try kubescript(["-e", "os.exit(true)"]).status, 0)
        XCTAssertEqual(try kubescript(["-e", "os.exit(false)"]).status, 1)
    }

    func testMissingScriptIsAClearError() throws {
        let r = try kubescript(["run", "/nonexistent/deploy.lua"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("cannot open /nonexistent/deploy.lua"), r.stderr)
    }

    func testExecuteCode() throws {
        let r = try kubescript(["-e", "print(k8s.json.encode({replicas = 3}))"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "{\"replicas\":3}\n")
        let failed = try kubescript(["-e", "error('x')"])
        XCTAssertEqual(failed.status, 1)
        XCTAssertTrue(failed.stderr.hasPrefix("kubescript: (command line):1: x"), failed.stderr)
    }

    func testReplEvaluatesLinesAndChunks() throws {
        let input = """
            1 + 1
            function twice(x)
              return 2 * x
            end
            twice(21)
            { kind = "Pod", spec = { containers = { { name = "web" } } } }
            error("bad")
            "still here"

            """
        let r = try kubescript(["repl"], stdin: input)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, """
            2
            42
            kind: Pod
            spec:
              containers:
              - name: web
            stdin:1: bad
            still here

            """)
    }

    func testLogWritesToStderrByVerbosity() throws {
        let quiet = try kubescript(["-e", "k8s.log.info('hello', {a = 1}); k8s.log.debug('hidden')"])
        XCTAssertEqual(quiet.stdout, "")
        XCTAssertTrue(quiet.stderr.hasPrefix("I"), quiet.stderr)
        XCTAssertTrue(quiet.stderr.hasSuffix(" (command line):1] hello {\"a\":1}\n"), quiet.stderr)
        let verbose = try kubescript(["-v", "1", "-e", "k8s.log.debug('shown')"])
        XCTAssertTrue(verbose.stderr.hasPrefix("D"), verbose.stderr)
        XCTAssertTrue(verbose.stderr.hasSuffix("] shown\n"), verbose.stderr)
    }

    func testRequireFindsDotLibAndKubescriptPath() throws {
        let url = try script("print(require('mod'), (require('other')))")
        let directory = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("lib"), withIntermediateDirectories: true)
        try "return 'from ./lib'".write(to: directory.appendingPathComponent("lib/mod.lua"), atomically: true, encoding: .utf8)
        let extra = directory.appendingPathComponent("extra")
        try FileManager.default.createDirectory(at: extra, withIntermediateDirectories: true)
        try "return 'from KUBESCRIPT_PATH'".write(to: extra.appendingPathComponent("other.lua"), atomically: true, encoding: .utf8)
        let r = try kubescript(["-e", "dofile('script.lua')"], directory: directory, environment: ["KUBESCRIPT_PATH": extra.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "from ./lib\tfrom KUBESCRIPT_PATH\n")
    }

    /// `kubescript serve` answers on the port it prints and writes a kubeconfig for itself.
    func testServeWritesAKubeconfigAndAnswers() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kubescript-serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let kubeconfig = directory.appendingPathComponent("config").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: kubescriptExecutable)
        process.arguments = ["serve", "--port", "0", "--write-kubeconfig", kubeconfig]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        defer { process.terminate() }
        let line = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
        let address = try XCTUnwrap(line.range(of: #"http://127\.0\.0\.1:[0-9]+"#, options: .regularExpression).map { String(line[$0]) }, line)
        let config = try String(contentsOfFile: kubeconfig, encoding: .utf8)
        XCTAssertTrue(config.contains("server: \(address)\n"), config)
        XCTAssertTrue(config.contains("current-context: kubescript"), config)
        let attributes = try FileManager.default.attributesOfItem(atPath: kubeconfig)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        let data = try Data(contentsOf: try XCTUnwrap(URL(string: address + "/version")))
        XCTAssertTrue(String(decoding: data, as: UTF8.self).contains(#""gitVersion":"v1.24.0+0""#))
    }

    func testHelpAndVersion() throws {
        let help = try kubescript(["--help"])
        XCTAssertEqual(help.status, 0)
        XCTAssertTrue(help.stdout.contains("USAGE: kubescript"), help.stdout)
        XCTAssertTrue(help.stdout.contains("run"), help.stdout)
        let version = try kubescript(["--version"])
        XCTAssertEqual(version.stdout, "0.1.0\n")
    }
}
