import KubeScript

/// What the interactive prompt adds to the `k8s` module: a client `c` for the current context,
/// the dot commands (`.context`, `.ns`, `.help`), and Tab completion (globals, fields, methods,
/// and resource names from the cluster). Results print through the prelude's `show`, which uses
/// `k8s.format` (lists of objects as kubectl's tables). The Lua half is `Lua/repl.lua`.
public final class ReplSupport {
    let runtime: Runtime
    let functions: LuaRef

    /// Installs the prompt's helpers in a runtime that has the client module.
    public init(runtime: Runtime) throws(LuaError) {
        self.runtime = runtime
        guard let functions = try runtime.extend(chunkName: EmbeddedLua.repl.name, source: EmbeddedLua.repl.source, primitives: [])
        else { throw LuaError("the prompt's helpers did not load") }
        self.functions = functions
    }

    private func field(_ name: String) throws(LuaError) -> LuaRef {
        let state = runtime.state
        let base = state.top
        defer { state.setTop(base) }
        try functions.push()
        try state.getField(name, in: -1)
        return try state.ref()
    }

    /// Makes `c`; returns a line to print (which cluster, or why there is none).
    public func start() -> String {
        guard let function = try? field("start"), case .string(let line)? = try? runtime.call(function).first else { return "" }
        return line
    }

    /// Runs a dot command (`.help`, `.ns NAME`, `.context NAME`); nil when `line` is not one.
    public func command(_ line: String) -> String? {
        guard line.hasPrefix("."), let function = try? field("command") else { return nil }
        do {
            guard case .string(let output)? = try runtime.call(function, .string(line)).first else { return nil }
            return output
        } catch {
            return error.message
        }
    }

    /// The candidates for `word`, the end of `line` (the line up to the cursor).
    public func complete(line: String, word: String) -> [String] {
        guard let function = try? field("complete"), case .array(let items)? = try? runtime.call(function, .string(line), .string(word)).first
        else { return [] }
        return items.compactMap { if case .string(let s) = $0 { return s } else { return nil } }
    }
}
