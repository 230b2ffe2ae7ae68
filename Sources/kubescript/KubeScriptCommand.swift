import ArgumentParser
import Foundation
import Glibc
import KubeBindings
import KubeClient
import KubeScript
import KubeServer

/// `kubescript`: runs Lua scripts that automate Kubernetes.
@main
struct KubeScriptCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kubescript",
        abstract: "Automate Kubernetes with Lua scripts.",
        discussion: """
            With no subcommand, starts the interactive prompt (as `kubescript repl`); with -e, runs CODE.
            """,
        version: KubeScriptVersion.string,
        subcommands: [Run.self, Repl.self, Serve.self, TestCommand.self, ApplyCommand.self, DiffCommand.self]
    )

    @Option(name: .customShort("e"), help: ArgumentHelp("Run CODE and exit.", valueName: "CODE"))
    var code: String?

    @OptionGroup var options: ScriptOptions

    func run() throws {
        if let code {
            try ScriptProcess.run(options) { runtime in
                try reportingLuaErrors { () throws(LuaError) in try runtime.execute(code) }
            }
        } else {
            try Repl.start(options)
        }
    }
}

/// Options every way of running Lua takes: the cluster `k8s.client()` uses by default, and logging.
struct ScriptOptions: ParsableArguments {
    // Optional rather than `= 0`: a default value costs ArgumentParser a description of it at every start.
    @Option(name: .customShort("v"), help: ArgumentHelp("Log verbosity (default 0): 1 and above write k8s.log.debug; 6 each request; 8 their bodies.", valueName: "N"))
    var verbosityOption: Int?

    /// `-v N`, 0 when not given.
    var verbosity: Int { verbosityOption ?? 0 }

    @Option(help: ArgumentHelp("The kubeconfig file (else $KUBECONFIG, else ~/.kube/config).", valueName: "PATH"))
    var kubeconfig: String?

    @Option(help: ArgumentHelp("The kubeconfig context to use.", valueName: "NAME"))
    var context: String?

    @Option(name: [.customShort("n"), .long], help: ArgumentHelp("The namespace k8s.client() uses by default.", valueName: "NAME"))
    var namespace: String?

    @Flag(help: "Use the embedded in-memory cluster (with its controllers) instead of a kubeconfig's.")
    var inMemory = false

    @Flag(help: "Send every write with dryRun=All: the server checks it and changes nothing.")
    var dryRun = false

    @Option(name: .customLong("health-addr"), help: ArgumentHelp("Serve /healthz and /readyz (ready: informers synced) on ADDR, e.g. :8081.", valueName: "ADDR"))
    var healthAddress: String?

    @Option(name: .customLong("metrics-addr"), help: ArgumentHelp("Serve /metrics (Prometheus) on ADDR, e.g. :8080.", valueName: "ADDR"))
    var metricsAddress: String?

    @Option(name: .customLong("grace-period"), help: ArgumentHelp("Seconds SIGTERM gives the script to shut down (default 30).", valueName: "SECONDS"))
    var gracePeriodOption: Double?

    /// `--grace-period`, 30 s (controller-runtime's) when not given; at most a year.
    var gracePeriod: Double {
        guard let given = gracePeriodOption, given.isFinite else { return gracePeriodOption == .infinity ? 365 * 86_400 : 30 }
        return min(max(0, given), 365 * 86_400)
    }

    /// These options with the ones `other` sets instead.
    func overridden(by other: ScriptOptions) -> ScriptOptions {
        var result = self
        result.verbosityOption = other.verbosityOption ?? verbosityOption
        result.kubeconfig = other.kubeconfig ?? kubeconfig
        result.context = other.context ?? context
        result.namespace = other.namespace ?? namespace
        result.inMemory = inMemory || other.inMemory
        result.dryRun = dryRun || other.dryRun
        result.healthAddress = other.healthAddress ?? healthAddress
        result.metricsAddress = other.metricsAddress ?? metricsAddress
        result.gracePeriodOption = other.gracePeriodOption ?? gracePeriodOption
        return result
    }

    /// The in-memory cluster, kept for the life of the process.
    nonisolated(unsafe) static var cluster: HTTPServer?

    func makeRuntime(lifecycle: ScriptLifecycle? = nil) throws -> Runtime {
        var defaults = ClientDefaults(kubeconfig: kubeconfig, context: context, namespace: namespace, dryRun: dryRun)
        defaults.lifecycle = lifecycle
        if inMemory {
            let server = try HTTPServer(APIServer(controllers: ControllerOptions()), port: 0)
            Self.cluster = server
            defaults.configuration = ClientConfiguration(server: "http://127.0.0.1:\(server.port)")
        }
        if dryRun {
            var note = "kubescript: --dry-run: every write is sent with dryRun=All; nothing is changed\n"
            note.withUTF8 { bytes in _ = write(2, bytes.baseAddress, bytes.count) }
        }
        return try reportingLuaErrors { () throws(LuaError) in
            let runtime = try Runtime(verbosity: verbosity)
            try KubeModule.install(in: runtime, defaults: defaults)
            return runtime
        }
    }
}

/// Runs `body`; a Lua error is written to stderr as `lua` writes it, and exits with status 1.
func reportingLuaErrors<R>(_ body: () throws(LuaError) -> R) throws -> R {
    do {
        return try body()
    } catch {
        var text = "kubescript: \(error.description)\n"
        text.withUTF8 { bytes in _ = write(2, bytes.baseAddress, bytes.count) }
        throw ExitCode(1)
    }
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a Lua script.",
        usage: "kubescript run [--in-memory] [--kubeconfig PATH] [--context NAME] [-n NAME] [--dry-run] [-v N] [--health-addr ADDR] [--metrics-addr ADDR] [--grace-period SECONDS] FILE [ARGS...]",
        discussion: """
            The options before FILE are kubescript's (as before `run`); everything after FILE is the \
            script's, in `arg` (arg[0] is the script) and in `...`. A first line starting with #! is \
            skipped. The exit status is 0 on success and 1 on an error, whose traceback goes to \
            stderr; os.exit(n) exits with n.

            SIGTERM asks the script to shut down: controllers stop taking requests and finish the ones \
            they hold, leader electors release their Leases, and the script exits 0; after \
            --grace-period it is interrupted. A script with no shutdown handler (k8s.onShutdown) is \
            interrupted at once, as by Ctrl-C.

            kubescript's options, before FILE: --in-memory, --kubeconfig PATH, --context NAME, \
            -n/--namespace NAME, --dry-run, -v N, --health-addr ADDR, --metrics-addr ADDR, \
            --grace-period SECONDS (see `kubescript --help`).
            """
    )

    @ParentCommand var root: KubeScriptCommand

    @Argument(parsing: .captureForPassthrough, help: ArgumentHelp("Options, the script, and its arguments.", valueName: "FILE ARGS"))
    var words: [String] = []

    func run() throws {
        // kubescript's options come before the script's name; the rest is the script's
        let valued: Set<String> = ["-v", "--kubeconfig", "--context", "-n", "--namespace", "--health-addr", "--metrics-addr", "--grace-period"]
        var index = 0
        var optionWords: [String] = []
        while index < words.count, words[index].hasPrefix("-"), words[index] != "-" {
            if words[index] == "-h" || words[index] == "--help" { throw CleanExit.helpRequest(Self.self) }
            optionWords.append(words[index])
            if valued.contains(words[index]), index + 1 < words.count {
                optionWords.append(words[index + 1])
                index += 1
            }
            index += 1
        }
        guard index < words.count else { throw ValidationError("Missing expected argument '<file>'") }
        let options = optionWords.isEmpty ? root.options : root.options.overridden(by: try ScriptOptions.parse(optionWords))
        let file = words[index], arguments = Array(words[(index + 1)...])
        try ScriptProcess.run(options) { runtime in
            try reportingLuaErrors { () throws(LuaError) in try runtime.run(file: file, arguments: arguments) }
        }
    }
}

struct Repl: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "repl", abstract: "Start the interactive prompt.")

    @ParentCommand var root: KubeScriptCommand

    func run() throws {
        try Self.start(root.options)
    }

    static func start(_ options: ScriptOptions) throws {
        let runtime = try options.makeRuntime()
        let engine = ReplEngine(runtime: runtime)
        let interactive = isatty(0) != 0
        let support = try reportingLuaErrors { () throws(LuaError) in try ReplSupport(runtime: runtime) }
        engine.colour = isatty(1) != 0
        let editor = interactive ? LineEditor(support: support) : nil
        if interactive { print("kubescript \(KubeScriptVersion.string) (Lua 5.4) — .help for help, Ctrl-D to exit") }
        let greeting = support.start()
        if interactive || !greeting.hasPrefix("no cluster") { if !greeting.isEmpty { print(greeting) } }
        defer { editor?.close() }
        while true {
            let prompt = engine.isContinuing ? ">> " : "> "
            let line: String
            if let editor {
                guard let read = editor.read(prompt: prompt) else { break }
                line = read
            } else {
                guard let read = readLine() else { break }
                line = read
            }
            if !engine.isContinuing, let output = support.command(line.trimmingCharacters(in: .whitespaces)) {
                print(output)
                continue
            }
            switch engine.feed(line) {
            case .incomplete: continue
            case .output(let text): if !text.isEmpty { print(text) }
            case .error(let message): print(message)
            }
            fflush(nil)
        }
        if interactive { print() }
    }
}

