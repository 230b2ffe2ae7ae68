import CLua

/// A Swift function callable from Lua.
///
/// Lua calls it through a C trampoline: the body reads its arguments and writes its results to
/// a tape; the trampoline pushes the results, or raises the thrown error with `lua_error`, only
/// after every Swift frame has returned. The body must not call API functions that raise.
public final class LuaFunction {
    /// The name used in argument errors: `bad argument #1 to 'decode'`.
    public let name: String
    let body: (inout LuaCall) throws -> Void

    public init(_ name: String, _ body: @escaping (inout LuaCall) throws -> Void) {
        self.name = name
        self.body = body
    }
}

/// The dispatcher the trampoline calls: runs the function and turns a thrown error into the
/// error value on the results tape.
let luaDispatch: ks_dispatch_fn = { L, box, tape in
    guard let L, let box, let tape else { return KS_RAISE_PLAIN }
    let function = Unmanaged<LuaFunction>.fromOpaque(box).takeUnretainedValue()
    var call = LuaCall(L: L, function: function, results: LuaTapeWriter(tape))
    do {
        try function.body(&call)
        return KS_RETURN
    } catch {
        call.results.discard()
        var writer = call.results
        do {
            if let raisable = error as? LuaRaisable {
                try raisable.writeLuaValue(to: &writer)
                return KS_RAISE_PLAIN
            }
            try writer.append(string: (error as? LuaError)?.message ?? String(describing: error))
        } catch {
            writer.discard()
        }
        return KS_RAISE
    }
}

/// Releases a box when the userdata that owned it is collected.
let luaRelease: ks_release_fn = { box in
    guard let box else { return }
    Unmanaged<AnyObject>.fromOpaque(box).release()
}

extension LuaTapeWriter {
    /// Empties the tape, releasing the Swift boxes it held.
    func discard() {
        for i in 0..<tape.pointee.count {
            let slot = tape.pointee.slots[i]
            if slot.kind == KS_FUNCTION.rawValue || slot.kind == KS_USERDATA.rawValue, let p = slot.v.p {
                Unmanaged<AnyObject>.fromOpaque(p).release()
            }
        }
        tape.pointee.count = 0
        tape.pointee.scratch_len = 0
    }
}
