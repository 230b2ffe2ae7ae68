import CLua

/// The REPL's evaluator, line editing aside: it takes lines, tells when a chunk is incomplete (as
/// `lua` does, by the `<eof>` syntax error), evaluates expressions without `return`, and renders
/// what a chunk returns (see the prelude's `show`).
public final class ReplEngine {
    /// What one line of input led to.
    public enum Outcome: Equatable {
        /// The chunk continues on the next line.
        case incomplete
        /// The chunk ran; this is what to show (empty when it returned nothing).
        case output(String)
        /// The chunk did not compile or raised an error: one line to show.
        case error(String)
    }

    public let runtime: Runtime
    private var pending: [String] = []
    /// Whether results are coloured (a terminal).
    public var colour = false

    public init(runtime: Runtime) {
        self.runtime = runtime
    }

    /// Whether a multi-line chunk is waiting for more lines (the prompt shows `>>`).
    public var isContinuing: Bool { !pending.isEmpty }

    /// Evaluates one line of input.
    public func feed(_ line: String) -> Outcome {
        let state = runtime.state
        let base = state.top
        defer { state.setTop(base) }
        let chunk = (pending + [line]).joined(separator: "\n")
        do throws(LuaError) {
            if pending.isEmpty, (try? state.load("return " + line, chunkName: "=stdin")) != nil {
                // an expression: `1 + 1`, `c:CoreV1()`
            } else {
                do throws(LuaError) {
                    try state.load(chunk, chunkName: "=stdin")
                } catch where error.message.hasSuffix("<eof>") {
                    pending.append(line)
                    return .incomplete
                }
            }
            pending = []
            try runtime.protectedFromInterrupts { () throws(LuaError) in try state.call() }
            let count = state.top - base
            guard count > 0 else { return .output("") }
            try runtime.internals.push()
            try state.getField("show", in: -1)
            ks_remove(state.L, -2)
            ks_insert(state.L, base + 1)
            try state.push(.boolean(colour))
            ks_insert(state.L, base + 2)
            try state.call(arguments: count + 1, results: 1)
            return .output(state.string(at: -1))
        } catch {
            pending = []
            return .error(error.message)
        }
    }
}
