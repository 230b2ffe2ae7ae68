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

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the embedded Kubernetes API server on loopback.",
        discussion: """
            Answers as kube-apiserver v1.24 does, for kubectl and other clients, with simulated \
            controllers (Deployments, ReplicaSets, Jobs, and Pods that run on one node). The cluster \
            lives in memory. See docs/server.md.
            """
    )

    @Option(help: "The port on 127.0.0.1 (0: any free port, printed on start).")
    var port: Int = 8001

    @Option(help: "Require this bearer token (a cluster administrator's); without it, anyone on loopback is one.")
    var token: String?

    @Option(help: ArgumentHelp("Write a kubeconfig for the server (context \"kubescript\") to PATH.", valueName: "PATH"))
    var writeKubeconfig: String?

    @Option(help: ArgumentHelp("Keep the cluster in this SQLite file between runs (created if missing).", valueName: "FILE"))
    var data: String?

    @Flag(help: "Serve a bare API server: no simulated controllers (Deployments do not make Pods).")
    var noControllers = false

    @Option(help: ArgumentHelp("Seconds before a Pod is Running and Ready.", valueName: "SECONDS"))
    var podStartDelay: Double = 0.5

    func run() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be from 0 to 65535") }
        let authentication = token.map { Authentication.administrator(token: $0) } ?? Authentication()
        guard podStartDelay >= 0, podStartDelay.isFinite else { throw ValidationError("--pod-start-delay must be a number of seconds ≥ 0") }
        let controllers = noControllers ? nil : ControllerOptions(podStartDelay: podStartDelay, jobPodDuration: podStartDelay)
        let api = APIServer(authentication: authentication, controllers: controllers)
        if let data {
            do {
                try api.keep(inFile: data)
            } catch {
                throw ValidationError(error.description)
            }
        }
        let server = try HTTPServer(api, port: port)
        if let writeKubeconfig {
            try Self.writeKubeconfig(to: writeKubeconfig, server: "http://127.0.0.1:\(server.port)", token: token)
        }
        print("kubescript: serving the Kubernetes API on http://127.0.0.1:\(server.port)")
        fflush(nil)
        try server.wait()
    }

    /// A kubeconfig with one cluster, user and context, all named `kubescript`; readable by its
    /// owner only, as it may hold the token.
    static func writeKubeconfig(to path: String, server: String, token: String?) throws {
        let user = token.map { "    token: \"\($0)\"\n" } ?? "    {}\n"
        let text = """
            apiVersion: v1
            kind: Config
            clusters:
            - name: kubescript
              cluster:
                server: \(server)
            users:
            - name: kubescript
              user:
            \(user)contexts:
            - name: kubescript
              context:
                cluster: kubescript
                user: kubescript
                namespace: default
            current-context: kubescript

            """
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw ValidationError("cannot write the kubeconfig \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var bytes = text
        let written = bytes.withUTF8 { write(fd, $0.baseAddress, $0.count) }
        guard written == text.utf8.count else { throw ValidationError("cannot write the kubeconfig \(path)") }
    }
}
