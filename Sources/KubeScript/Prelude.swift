/// The Lua half of the core `k8s` module. It runs once per state with the Swift primitives as
/// its argument, installs `k8s` (global, `package.loaded`, `package.preload`) and returns the
/// host's internal helpers.
enum Prelude {
    /// `Lua/prelude.lua`, compiled in.
    static let chunk = EmbeddedLua.prelude
}
