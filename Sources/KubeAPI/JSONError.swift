/// A JSON text that could not be read, with where (1-based line and column, in bytes).
public struct JSONError: Error, CustomStringConvertible, Sendable {
    /// What is wrong: "unexpected ']', expected a value".
    public var problem: String
    public var line: Int
    public var column: Int

    public init(_ problem: String, line: Int = 0, column: Int = 0) {
        self.problem = problem
        self.line = line
        self.column = column
    }

    /// `invalid JSON at line 2, column 8: unexpected '}', expected a value`; a problem without a
    /// position (a sink's own failure) is given as is.
    public var description: String {
        line > 0 ? "invalid JSON at line \(line), column \(column): \(problem)" : problem
    }
}
