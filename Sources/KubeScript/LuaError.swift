/// A Lua error as Swift sees it: the message, the traceback where the error was raised, and the
/// error value itself when it was not a string (a table raised with `error{...}`, an API Status).
public struct LuaError: Error, CustomStringConvertible, Sendable {
    /// The error message: the string raised, or `tostring` of the value raised.
    public var message: String
    /// `stack traceback:` and its lines, when the error came through a protected call.
    public var traceback: String?
    /// The raised value when it was convertible data other than a string.
    public var value: LuaValue?

    public init(_ message: String, traceback: String? = nil, value: LuaValue? = nil) {
        self.message = message
        self.traceback = traceback
        self.value = value
    }

    /// The message followed by the traceback, as `lua` prints an uncaught error.
    public var description: String {
        guard let traceback, !traceback.isEmpty else { return message }
        return message + "\n" + traceback
    }

    static let outOfMemory = LuaError("not enough memory")
}

/// An error a Swift function raises into Lua as a value other than a message string: for example
/// an API error raised as a table with `code`, `reason` and `message`.
public protocol LuaRaisable: Error {
    /// Writes the Lua error value.
    func writeLuaValue(to writer: inout LuaTapeWriter) throws
}
