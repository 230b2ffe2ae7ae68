import CLua
import Glibc

/// A Lua state set up the way kubescript runs scripts: the `k8s` module, `require` paths, `arg`,
/// logging, and Ctrl-C raising "interrupted!" inside the running chunk (as `lua` does).
public final class Runtime {
    /// The state scripts run in.
    public let state: LuaState
    /// Where `k8s.log` writes.
    public let log: ScriptLog
    /// The prelude's internal helpers (`setarg`, `show`).
    let internals: LuaRef
    /// The `require` search path (without a script's own folder).
    public let searchPath: ModuleSearchPath

    public init(verbosity: Int = 0, searchPath: ModuleSearchPath = .standard()) throws(LuaError) {
        let state = try LuaState()
        let log = ScriptLog(verbosity: verbosity)
        let base = state.top
        defer { state.setTop(base) }
        try state.load(Prelude.chunk.source, chunkName: Prelude.chunk.name)
        try state.withTape { tape throws(LuaError) in
            let writer = LuaTapeWriter(tape)
            let primitives = CoreModule.primitives(log: log)
            try writer.beginObject(count: primitives.count + 1)
            for function in primitives {
                try writer.append(string: function.name)
                try writer.append(function: function)
            }
            try writer.append(string: "null")
            try writer.appendNull()
            try writer.end()
            try state.push(tape: tape)
        }
        try state.ensureStack(1)
        ks_pusharraymarker(state.L)
        try state.setField("arraymt", in: -2)
        ks_pushobjectmarker(state.L)
        try state.setField("objectmt", in: -2)
        try state.call(arguments: 1, results: 1)
        self.internals = try state.ref()
        self.state = state
        self.log = log
        self.searchPath = searchPath
        try setSearchPath(searchPath)
    }

    /// Sets `package.path` to the search path, before Lua's own defaults.
    func setSearchPath(_ path: ModuleSearchPath) throws(LuaError) {
        try callInternal("setpath", .string(path.luaPath))
    }

    /// Runs the script at `path` as `kubescript run` does: `arg` and `...` hold `arguments`,
    /// `require` looks in the script's folder first. Errors come with the script's traceback.
    /// When the script has returned, what extensions asked for runs (`internal.finish`: a task
    /// that failed unseen fails the script).
    public func run(file path: String, arguments: [String], before: [String] = ["kubescript", "run"]) throws(LuaError) {
        let directory = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        var searchPath = self.searchPath
        searchPath.directories.insert(directory.isEmpty ? "/" : directory, at: 0)
        try setSearchPath(searchPath)

        let base = state.top
        defer { state.setTop(base) }
        try setArg(before + [path] + arguments, script: before.count + 1)
        try state.loadFile(path)
        for argument in arguments { try state.push(.string(argument)) }
        try protectedFromInterrupts { () throws(LuaError) in
            try state.call(arguments: Int32(arguments.count), results: 0)
            try callInternal("finish")
        }
    }

    /// Runs a chunk of code (`kubescript -e`), discarding what it returns.
    public func execute(_ code: String, chunkName: String = "=(command line)") throws(LuaError) {
        let base = state.top
        defer { state.setTop(base) }
        try setArg(["kubescript", "-e", code], script: 3)
        try state.load(code, chunkName: chunkName)
        try protectedFromInterrupts { () throws(LuaError) in
            try state.call(arguments: 0, results: 0)
            try callInternal("finish")
        }
    }

    /// Calls `internal.setarg(list, script)`.
    func setArg(_ list: [String], script: Int) throws(LuaError) {
        try callInternal("setarg", .array(list.map { .string($0) }), .integer(Int64(script)))
    }

    /// Calls one of the prelude's internal helpers with data arguments.
    func callInternal(_ name: String, _ arguments: LuaValue...) throws(LuaError) {
        let base = state.top
        defer { state.setTop(base) }
        try internals.push()
        try state.getField(name, in: -1)
        for argument in arguments { try state.push(argument) }
        try state.call(arguments: Int32(arguments.count), results: 0)
    }

    /// Pushes a table of `primitives` by name.
    func push(_ primitives: [LuaFunction]) throws(LuaError) {
        try state.withTape { tape throws(LuaError) in
            let writer = LuaTapeWriter(tape)
            try writer.beginObject(count: primitives.count)
            for function in primitives {
                try writer.append(string: function.name)
                try writer.append(function: function)
            }
            try writer.end()
            try state.push(tape: tape)
        }
    }

    /// As `extend`, but the chunk is compiled and run only when a script first reads a field of
    /// `k8s` that is not there (`k8s.client`, ...), and what it returns is not kept.
    public func extendOnFirstUse(chunkName: String, source: String, primitives: [LuaFunction]) throws(LuaError) {
        let base = state.top
        defer { state.setTop(base) }
        try internals.push()
        try state.getField("lazy", in: -1)
        try state.push(.string(chunkName))
        try state.push(.string(source))
        try push(primitives)
        try state.call(arguments: 3, results: 0)
    }

    /// Adds to the `k8s` module: runs `source` (a Lua chunk named `chunkName`) with a table of
    /// `primitives` (by name) and the `k8s` table as its arguments, as the prelude is run.
    /// Returns a reference to what the chunk returns (nil when it returns nothing).
    @discardableResult
    public func extend(chunkName: String, source: String, primitives: [LuaFunction]) throws(LuaError) -> LuaRef? {
        let base = state.top
        defer { state.setTop(base) }
        try state.load(source, chunkName: chunkName)
        try push(primitives)
        try state.getGlobal("k8s")
        try state.call(arguments: 2, results: 1)
        if lua_type(state.L, -1) == LUA_TNIL { return nil }
        return try state.ref()
    }

    /// Calls the function `function` refers to with data arguments, as a chunk runs (Ctrl-C
    /// raises "interrupted!" inside it), and returns its results as data.
    @discardableResult
    public func call(_ function: LuaRef, _ arguments: LuaValue...) throws(LuaError) -> [LuaValue] {
        let base = state.top
        defer { state.setTop(base) }
        try function.push()
        for argument in arguments { try state.push(argument) }
        try protectedFromInterrupts { () throws(LuaError) in try state.call(arguments: Int32(arguments.count), results: nil) }
        var results: [LuaValue] = []
        for index in (base + 1)...max(base + 1, state.top) where index <= state.top { results.append(try state.value(at: index)) }
        return results
    }

    /// Whether Ctrl-C was pressed while Swift code runs for a script (a blocking call polls
    /// this and returns early; "interrupted!" is then raised in Lua).
    public static var interruptPending: Bool { ks_sigint_pending() != 0 }

    /// Does what Ctrl-C does, from any thread: the running chunk raises "interrupted!" and
    /// blocking calls return early (a shutdown's grace period is over).
    public static func interrupt() { ks_interrupt() }

    /// Runs `body` with Ctrl-C turned into a Lua error inside the running chunk.
    func protectedFromInterrupts<R>(_ body: () throws(LuaError) -> R) throws(LuaError) -> R {
        ks_sigint_begin(state.L)
        defer { ks_sigint_end() }
        return try body()
    }
}
