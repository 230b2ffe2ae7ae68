import CLua

/// A registry reference that keeps a Lua value alive for Swift; released when the reference is.
/// It does not keep its state alive: once the state is closed, `push` throws.
public final class LuaRef {
    weak var state: LuaState?
    let ref: Int32

    init(state: LuaState, ref: Int32) {
        self.state = state
        self.ref = ref
    }

    /// Pushes the referenced value.
    public func push() throws(LuaError) {
        guard let state else { throw LuaError("the Lua state of this reference was closed") }
        guard lua_checkstack(state.L, 1) != 0 else { throw LuaError.outOfMemory }
        ks_pushref(state.L, ref)
    }

    deinit {
        if let state { ks_unref(state.L, ref) }
    }
}
