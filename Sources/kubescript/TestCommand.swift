import ArgumentParser
import Glibc
import KubeBindings
import KubeClient
import KubeScript
import KubeServer

/// `kubescript test`: runs `*_test.lua` files, each test against a fresh embedded cluster, or
/// against a real cluster in a throw-away namespace.
struct TestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run the *_test.lua files under PATHS (default: the current folder); takes --kubeconfig, --context, -v.",
        discussion: """
            Each test gets a fresh embedded cluster, seeded with the YAML fixtures it names; with \
            --kubeconfig or --context, a throw-away namespace in that cluster instead, deleted \
            afterwards. Prints a line per test and "N passed, N failed"; the exit status is 1 when \
            a test failed. See docs/testing.md.
            """
    )

    @Argument(help: "Test files, or folders to search for *_test.lua files.")
    var paths: [String] = []

    /// `--kubeconfig`, `--context` and `-v` are the root command's, given before or after `test`.
    @ParentCommand var root: KubeScriptCommand

    func run() throws {
        let files = TestRunner.files(in: paths)
        guard !files.isEmpty else { throw ValidationError("no *_test.lua files under \(paths.isEmpty ? "." : paths.joined(separator: " "))") }
        let (kubeconfig, context, verbosity) = (root.options.kubeconfig, root.options.context, root.options.verbosity)
        var defaults = ClientDefaults(kubeconfig: kubeconfig, context: context)
        if kubeconfig == nil && context == nil {
            defaults.clusterFactory = {
                let server = try HTTPServer(APIServer(controllers: ControllerOptions(podStartDelay: 0.1, jobPodDuration: 0.1)), port: 0)
                return TestCluster(configuration: ClientConfiguration(server: "http://127.0.0.1:\(server.port)"), stop: { try? server.stop() })
            }
        }
        let summary = try reportingLuaErrors { () throws(LuaError) in try TestRunner.run(files: files, defaults: defaults, verbosity: verbosity) }
        if summary.failed > 0 { throw ExitCode(1) }
    }
}
