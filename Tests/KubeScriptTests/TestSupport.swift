import KubeAPI
import KubeBindings
import KubeClient
import KubeServer
import XCTest
@testable import KubeScript

/// The repository's root, found from this file.
let repositoryRoot: String = {
    var path = #filePath
    for _ in 0..<3 { path = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)]) }
    return path
}()

/// The built `kubescript`, beside the test binary.
let kubescriptExecutable: String = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
    .appendingPathComponent("kubescript").path

/// A fixture's path under Tests/Fixtures.
func fixturePath(_ name: String) -> String { repositoryRoot + "/Tests/Fixtures/" + name }

/// The project's test case: a test that outlasts `limit` ends the whole run with its name on
/// stderr, so that a hang is a quick failure that names the test, not a silent CI timeout.
class KubeScriptTestCase: XCTestCase {
    static let limit = 600.0

    override func invokeTest() {
        let name = name
        let watchdog = DispatchWorkItem {
            FileHandle.standardError.write(Data("\n\(name) has run for \(Int(Self.limit)) s: the test run stops here\n".utf8))
            _exit(1)
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + Self.limit, execute: watchdog)
        defer { watchdog.cancel() }
        super.invokeTest()
    }
}

extension XCTestCase {
    /// A new, empty folder, removed when the test ends.
    func temporaryFolder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kubescript-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    /// Runs `body` with a fresh runtime and checks that it leaves the Lua stack as it found it.
    func withRuntime(file: StaticString = #filePath, line: UInt = #line, _ body: (Runtime) throws -> Void) rethrows {
        let runtime = try! Runtime(searchPath: ModuleSearchPath(directories: []))
        let top = runtime.state.top
        try body(runtime)
        XCTAssertEqual(runtime.state.top, top, "the Lua stack is not balanced", file: file, line: line)
    }

    /// Runs `code` with the client module installed and `server` as its cluster; a Lua error
    /// fails the test.
    func runScript(_ code: String, server: String, dryRun: Bool = false, file: StaticString = #filePath, line: UInt = #line) throws {
        try withRuntime(file: file, line: line) { runtime in
            try KubeModule.install(in: runtime, defaults: ClientDefaults(configuration: ClientConfiguration(server: server), dryRun: dryRun))
            do {
                try runtime.execute(code)
            } catch {
                XCTFail(String(describing: error), file: file, line: line)
            }
        }
    }

    /// Runs Lua code and returns its results as data.
    @discardableResult
    func lua(_ runtime: Runtime, _ code: String) throws -> [LuaValue] {
        try runtime.state.execute(code)
    }

    /// Asserts that the Lua code raises an error whose message contains `fragment`.
    func assertLuaError(_ runtime: Runtime, _ code: String, contains fragment: String,
                        file: StaticString = #filePath, line: UInt = #line) {
        do {
            _ = try runtime.state.execute(code)
            XCTFail("expected an error containing \"\(fragment)\"", file: file, line: line)
        } catch {
            XCTAssertTrue(error.message.contains(fragment), "\"\(error.message)\" does not contain \"\(fragment)\"",
                          file: file, line: line)
        }
    }
}

extension APIServer {
    /// Sends a request with a JSON (or patch) body, checks its status, and returns the body.
    @discardableResult
    func call(_ method: String, _ path: String, _ body: String? = nil, type: String? = nil, expect status: Int,
              file: StaticString = #filePath, line: UInt = #line) throws -> JSONValue {
        let response = handle(APIRequest(method: method, path: path, headers: type.map { ["content-type": $0] } ?? [:],
                                         body: Array((body ?? "").utf8)))
        XCTAssertEqual(response.status, status, String(decoding: response.body, as: UTF8.self), file: file, line: line)
        return (try? JSONValue.parse(response.body)) ?? .null
    }
}

/// `kubescript serve` on a free port, as a user starts it, with a kubeconfig for it; stopped
/// when the test ends.
final class ServedCluster {
    let process = Process()
    let directory: URL
    let kubeconfig: String
    /// `http://127.0.0.1:PORT` (or `https://`).
    let address: String

    init(_ test: XCTestCase, arguments: [String] = []) throws {
        directory = URL(fileURLWithPath: try test.temporaryFolder())
        kubeconfig = directory.appendingPathComponent("config").path
        process.executableURL = URL(fileURLWithPath: kubescriptExecutable)
        process.arguments = ["serve", "--port", "0", "--write-kubeconfig", kubeconfig] + arguments
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let line = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
        guard let range = line.range(of: #"https?://127\.0\.0\.1:[0-9]+"#, options: .regularExpression) else {
            process.terminate()
            struct NotStarted: Error, CustomStringConvertible { var description: String }
            throw NotStarted(description: "kubescript serve did not start: \(line)")
        }
        address = String(line[range])
        let process = process
        test.addTeardownBlock {
            process.terminate()
            process.waitUntilExit()
        }
    }

    /// A file in the cluster's temporary directory.
    func file(_ name: String, _ text: String) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}

/// A program's exit status and output.
struct ProgramResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs a program to its end (killed after `timeout` seconds) and returns what it printed.
func runProgram(_ path: String, _ arguments: [String], environment: [String: String] = [:], directory: String? = nil,
                input: String = "", timeout: Double = 60) throws -> ProgramResult {
    let process = try ChildProcess.run(path, arguments, environment: ProcessInfo.processInfo.environment.merging(environment) { $1 },
                                       directory: directory, input: Array(input.utf8), timeout: timeout)
    return ProgramResult(status: process.status, stdout: String(decoding: process.stdout, as: UTF8.self),
                         stderr: String(decoding: process.stderr, as: UTF8.self) + (process.timedOut ? "\n(killed after \(timeout) s)" : ""))
}

/// A peer client `.ci/setup` installs (Debian's kubectl, extracted under `.build/peers`), or a
/// failure that says how to get it.
func peerProgram(_ path: String) throws -> String {
    let full = path.hasPrefix("/") ? path : repositoryRoot + "/" + path
    guard FileManager.default.isExecutableFile(atPath: full) else {
        XCTFail("\(full) is missing: run .ci/setup, which installs the real clients these tests use")
        throw XCTSkip("missing \(full)")
    }
    return full
}

/// A program a test started in the background (`kubescript` unless `executable` says another,
/// with `environment` in place of the test's when given), its standard output and error in one file.
final class RunningScript {
    let process = Process()
    let output: URL

    init(_ arguments: [String], name: String, folder: String, executable: String = kubescriptExecutable,
         environment: [String: String]? = nil) throws {
        output = URL(fileURLWithPath: folder + "/\(name).out")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = process.standardOutput
        try process.run()
    }

    var text: String { (try? String(contentsOf: output, encoding: .utf8)) ?? "" }

    /// Waits until the output holds `fragment` (a whole line when `line`); the time it took, or
    /// nil after `seconds`.
    @discardableResult
    func wait(for fragment: String, line: Bool = true, seconds: Double) -> Double? {
        let start = Date()
        while Date().timeIntervalSince(start) < seconds {
            if text.contains(line ? fragment + "\n" : fragment) { return Date().timeIntervalSince(start) }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return nil
    }

    /// The exit status once the process has ended, or nil if it runs `seconds` longer.
    func exitStatus(within seconds: Double) -> Int32? {
        let start = Date()
        while process.isRunning, Date().timeIntervalSince(start) < seconds { Thread.sleep(forTimeInterval: 0.02) }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// Ends the process if it still runs (SIGKILL: a test's leftovers need no shutdown).
    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}
