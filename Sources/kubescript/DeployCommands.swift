import ArgumentParser
import Glibc
import KubeBindings
import KubeScript

/// `kubescript apply FILE|DIR...`: server-side apply, as a pipeline calls it.
struct ApplyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Server-side apply the objects of FILEs and DIRs; as an apply set with --applyset; wait with --wait.",
        discussion: """
            Namespaces first, then CRDs (once Established), then the rest, each stage at once. \
            With --applyset NAME the objects form a KEP-3659 apply set whose parent is the Secret \
            NAME in the namespace (-n), and --prune deletes the members no longer applied. With \
            --wait, waits until every object is Current (kstatus's rules), showing their status; \
            the exit status is 1 when one turns Failed or the timeout passes. See docs/deploying.md.
            """
    )

    @OptionGroup var options: ScriptOptions

    @Option(help: ArgumentHelp("Apply as the apply set whose parent is the Secret NAME.", valueName: "NAME"))
    var applyset: String?

    @Flag(help: "Delete the apply set's members that are not applied this time (needs --applyset).")
    var prune = false

    @Flag(help: "Wait until every applied object is Current.")
    var wait = false

    @Option(help: ArgumentHelp("How long --wait waits, as kubectl writes durations (default 5m).", valueName: "DURATION"))
    var timeout: String?

    @Option(help: ArgumentHelp("The field manager (default kubescript).", valueName: "NAME"))
    var fieldManager: String?

    @Flag(help: "Take over fields other managers own.")
    var forceConflicts = false

    @Argument(help: "Files and folders of manifests (YAML or JSON).")
    var paths: [String]

    func run() throws {
        let seconds = try timeout.map(KubectlDuration.seconds) ?? 300
        var settings: [String: LuaValue] = ["paths": .array(paths.map { .string($0) }), "prune": .boolean(prune), "wait": .boolean(wait),
                                            "timeout": .number(seconds), "force": .boolean(forceConflicts)]
        if let applyset { settings["applyset"] = .string(applyset) }
        if let fieldManager { settings["fieldManager"] = .string(fieldManager) }
        let runtime = try options.makeRuntime()
        let status = try reportingLuaErrors { () throws(LuaError) in try DeployCommands.run("apply", options: settings, in: runtime) }
        if status != 0 { throw ExitCode(status) }
    }
}

/// `kubescript diff FILE|DIR...`: what applying would change, as `kubectl diff` shows it.
struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Show what applying FILEs and DIRs would change (a server-side dry run); exit 0: nothing, 1: changes, 2: error."
    )

    @OptionGroup var options: ScriptOptions

    @Option(help: ArgumentHelp("Diff as `apply --applyset NAME` would apply: the objects labelled members of that set.", valueName: "NAME"))
    var applyset: String?

    @Option(help: ArgumentHelp("The field manager the dry run applies as (default kubescript).", valueName: "NAME"))
    var fieldManager: String?

    @Argument(help: "Files and folders of manifests (YAML or JSON).")
    var paths: [String]

    func run() throws {
        var settings: [String: LuaValue] = ["paths": .array(paths.map { .string($0) })]
        if let applyset { settings["applyset"] = .string(applyset) }
        if let fieldManager { settings["fieldManager"] = .string(fieldManager) }
        let runtime: Runtime
        do { runtime = try options.makeRuntime() } catch { throw ExitCode(2) }
        let status: Int32
        do { status = try DeployCommands.run("diff", options: settings, in: runtime) } catch {
            var text = "kubescript diff: \(error.description)\n"
            text.withUTF8 { bytes in _ = write(2, bytes.baseAddress, bytes.count) }
            throw ExitCode(2)
        }
        if status != 0 { throw ExitCode(status) }
    }
}

/// Durations as kubectl (Go's time.ParseDuration) writes them: `90s`, `5m`, `1h30m`, `1.5h`,
/// `250ms`.
enum KubectlDuration {
    static func seconds(_ text: String) throws -> Double {
        let units: [(String, Double)] = [("ms", 0.001), ("h", 3600), ("m", 60), ("s", 1)]
        var rest = Substring(text), total = 0.0
        guard !rest.isEmpty else { throw ValidationError("invalid duration \"\(text)\"") }
        while !rest.isEmpty {
            let number = rest.prefix { $0.isNumber || $0 == "." }
            rest = rest.dropFirst(number.count)
            guard let value = Double(number), let unit = units.first(where: { rest.hasPrefix($0.0) }) else {
                throw ValidationError("invalid duration \"\(text)\" (write it as 90s, 5m or 1h30m)")
            }
            rest = rest.dropFirst(unit.0.count)
            total += value * unit.1
        }
        return total
    }
}
