import CLua

/// A Swift class whose instances Lua holds as userdata. The userdata owns a retained reference
/// and releases it in `__gc`; its methods are `LuaFunction`s whose first argument is the object.
///
/// Register the type once per state with `LuaState.register(_:)` before pushing an instance.
public protocol LuaObject: AnyObject {
    /// The metatable's `__name`, shown by `tostring` and in argument errors.
    static var luaTypeName: String { get }
    /// The methods, by name, reachable with `obj:Method(...)`.
    static var luaMethods: [LuaFunction] { get }
}

extension LuaObject {
    /// A unique address for the type: the registry key of its metatable.
    static var luaTypeKey: UnsafeRawPointer { unsafeBitCast(Self.self as Any.Type, to: UnsafeRawPointer.self) }
}
