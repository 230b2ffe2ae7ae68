import ArgumentParser
import Glibc
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
        subcommands: [Run.self, Repl.self, Serve.self]
    )

    @Option(name: .customShort("e"), help: ArgumentHelp("Run CODE and exit.", valueName: "CODE"))
    var code: String?

    @OptionGroup var options: ScriptOptions

    func run() throws {
        if let code {
            let runtime = try options.makeRuntime()
            try reportingLuaErrors { () throws(LuaError) in try runtime.execute(code) }
        } else {
            try Repl.start(options)
        }
    }
}

/// Options every way of running Lua takes.
struct ScriptOptions: ParsableArguments {
    @Option(name: .customShort("v"), help: ArgumentHelp("Log verbosity: 1 and above write k8s.log.debug.", valueName: "N"))
    var verbosity: Int = 0

    func makeRuntime() throws -> Runtime {
        try reportingLuaErrors { () throws(LuaError) in try Runtime(verbosity: verbosity) }
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
        abstract: "Run a Lua script.",
        discussion: """
            The script's arguments are in `arg` (arg[0] is the script) and in `...`. A first line \
            starting with #! is skipped. The exit status is 0 on success and 1 on an error, whose \
            traceback goes to stderr; os.exit(n) exits with n.
            """
    )

    @OptionGroup var options: ScriptOptions

    @Argument(help: "The script to run.")
    var file: String

    @Argument(parsing: .captureForPassthrough, help: "Arguments for the script.")
    var arguments: [String] = []

    func run() throws {
        let runtime = try options.makeRuntime()
        try reportingLuaErrors { () throws(LuaError) in try runtime.run(file: file, arguments: arguments) }
    }
}

struct Repl: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Start the interactive prompt.")

    @OptionGroup var options: ScriptOptions

    func run() throws {
        try Self.start(options)
    }

    static func start(_ options: ScriptOptions) throws {
        let engine = ReplEngine(runtime: try options.makeRuntime())
        let interactive = isatty(0) != 0
        if interactive { print("kubescript \(KubeScriptVersion.string) (Lua 5.4) — Ctrl-D to exit") }
        while true {
            if interactive {
                print(engine.isContinuing ? ">> " : "> ", terminator: "")
                fflush(nil)
            }
            guard let line = readLine() else { break }
            switch engine.feed(line) {
            case .incomplete: continue
            case .output(let text): if !text.isEmpty { print(text) }
            case .error(let message): print(message)
            }
        }
        if interactive { print() }
    }
}

