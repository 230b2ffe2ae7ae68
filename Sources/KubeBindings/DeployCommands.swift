import Glibc
import KubeScript

/// `kubescript apply` and `kubescript diff`, whose Lua half is `Lua/commands.lua`.
public enum DeployCommands {
    /// Runs command `name` (`apply`, `diff`) with its options (paths, applyset, prune, wait,
    /// timeout, fieldManager, force) in a runtime with the `k8s` module; returns its exit status.
    public static func run(_ name: String, options: [String: LuaValue], in runtime: Runtime) throws(LuaError) -> Int32 {
        let run = try runtime.extend(chunkName: EmbeddedLua.commands.name, source: EmbeddedLua.commands.source, primitives: [
            LuaFunction("isatty") { call in try call.results.append(isatty(1) != 0) },
        ])
        guard let run else { throw LuaError("commands.lua returned no function") }
        let results = try runtime.call(run, .string(name), .object(options))
        guard case .integer(let status)? = results.first else { throw LuaError("kubescript \(name) returned no exit status") }
        return Int32(clamping: status)
    }
}
