import Foundation
import XCTest

/// The interactive prompt in a real terminal: tmux runs `kubescript --in-memory`, the test sends
/// keys and reads the screen. Multi-line input, a table printed as YAML, Tab completion of a
/// method and of an object's name, history recall, Ctrl-C stopping a watch, the dot commands,
/// errors as one line.
final class ReplTests: KubeScriptTestCase {
    var session = ""
    var home = ""

    override func setUpWithError() throws {
        _ = try peerProgram("/usr/bin/tmux")
        session = "kubescript-repl-\(UUID().uuidString.prefix(8))"
        home = try temporaryFolder()
        let started = try self.tmux(["new-session", "-d", "-s", session, "-x", "200", "-y", "50",
                                 "env HOME=\(home) KUBECONFIG= TERM=xterm \(kubescriptExecutable) --in-memory; sleep 30"])
        XCTAssertEqual(started.status, 0, started.stderr)
        addTeardownBlock { [self] in _ = try? self.tmux(["kill-server"]) }
        try waitForScreen(containing: "c = k8s.client()")
    }

    /// A tmux command to the test's own tmux server (its socket is named after the session).
    @discardableResult
    func tmux(_ arguments: [String]) throws -> ProgramResult {
        try runProgram("/usr/bin/tmux", ["-L", session] + arguments)
    }

    func keys(_ keys: String...) throws {
        try tmux(["send-keys", "-t", session] + keys)
    }

    func type(_ text: String) throws {
        try tmux(["send-keys", "-t", session, "-l", text])
    }

    var screen: String {
        (try? tmux(["capture-pane", "-p", "-J", "-t", session, "-S", "-200"]).stdout) ?? ""
    }

    @discardableResult
    func waitForScreen(containing text: String, timeout: Double = 10, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var current = screen
        while !current.contains(text) && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.1)
            current = screen
        }
        XCTAssertTrue(current.contains(text), "the screen lacks \"\(text)\":\n\(current)", file: file, line: line)
        return current
    }

    /// A line that holds only `end` closes a function typed over several lines. (Reported as
    /// lost at a terminal: the report drove tmux with `send-keys end`, which tmux reads as the
    /// name of the End key — its key names ignore case — so no text was typed. Typed as text,
    /// as here, the line arrives.)
    func testALineOfEndClosesAFunction() throws {
        for line in ["function f(n)", "  return n * 2", "end"] {
            try type(line); try keys("Enter")
        }
        try type("f(21)"); try keys("Enter")
        let screen = try waitForScreen(containing: "42")
        XCTAssertTrue(screen.contains(">> end"), screen)
        XCTAssertFalse(screen.contains("'end' expected"), screen)
    }

    func testThePromptEditsCompletesPrintsAndStops() throws {
        // multi-line input, and a table printed as YAML
        try type("x = { name = 'web',"); try keys("Enter")
        try waitForScreen(containing: ">> ")
        try type("ports = { 80, 443 } }"); try keys("Enter")
        try type("x"); try keys("Enter")
        try waitForScreen(containing: "name: web\nports:\n- 80\n- 443\n")

        // Tab completes a method, then an object's name from the cluster
        try type("c:AppsV1():Dep"); try keys("Tab")
        try waitForScreen(containing: "> c:AppsV1():Deployments")
        try type(#"():Create{apiVersion="apps/v1",kind="Deployment",metadata={name="frontend"},spec={selector={matchLabels={a="b"}},template={metadata={labels={a="b"}},spec={containers={{name="c",image="nginx"}}}}}}.metadata.uid ~= nil"#)
        try keys("Enter")
        try waitForScreen(containing: "\ntrue\n")
        try type(#"c:Get("deploy", "fr"#); try keys("Tab")
        try waitForScreen(containing: #"> c:Get("deploy", "frontend"#)
        try type(#"").spec.replicas"#); try keys("Enter")
        try waitForScreen(containing: "spec.replicas\n1\n")

        // history: Up recalls the last line
        try keys("Up")
        try waitForScreen(containing: "spec.replicas\n1\n> c:Get(\"deploy\", \"frontend\").spec.replicas")
        try keys("C-u")

        // lists of objects print as kubectl's tables; errors as one line with the reason
        try type("c:CoreV1():Namespaces():List()"); try keys("Enter")
        try waitForScreen(containing: "NAME              STATUS   AGE\ndefault           Active   ")
        try type(#"c:Get("deploy", "nothing")"#); try keys("Enter")
        try waitForScreen(containing: #"deployments.apps "nothing" not found (NotFound)"#)

        // Ctrl-C stops a watch and the prompt comes back
        try type("for ev in c:CoreV1():Pods():Watch() do print(ev.type) end"); try keys("Enter")
        Thread.sleep(forTimeInterval: 1)
        try keys("C-c")
        try waitForScreen(containing: "interrupted!")
        try type("6 * 7"); try keys("Enter")
        try waitForScreen(containing: "\n42\n")

        // dot commands
        try type(".ns kube-system"); try keys("Enter")
        try waitForScreen(containing: "namespace kube-system")
        try type(".help"); try keys("Enter")
        try waitForScreen(containing: ".context NAME")

        // Ctrl-D ends the session and the history is kept
        try keys("C-d")
        // the file may exist before libedit has finished writing it: wait for the line
        let deadline = Date().addingTimeInterval(10)
        var history = ""
        repeat {
            history = (try? String(contentsOfFile: home + "/.kubescript_history", encoding: .utf8)) ?? ""
            if history.contains("6 * 7") || history.contains("6\\040*\\0407") { break }
            Thread.sleep(forTimeInterval: 0.1)
        } while Date() < deadline
        XCTAssertTrue(history.contains("6 * 7") || history.contains("6\\040*\\0407"), history)
    }
}
