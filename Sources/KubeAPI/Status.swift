/// The API's `Status` object, as the server sends it for errors (and for some successes).
public struct Status: Error, Equatable, Sendable {
    /// `Success` or `Failure`.
    public var status: String
    /// The HTTP status code.
    public var code: Int
    /// A machine-readable reason: `NotFound`, `AlreadyExists`, `Conflict`, `Invalid`, ...
    public var reason: String?
    public var message: String?
    /// `details`: name, group, kind, uid, causes, retryAfterSeconds, as the server sent them.
    public var details: JSONValue?

    public init(status: String = "Failure", code: Int, reason: String? = nil, message: String? = nil, details: JSONValue? = nil) {
        self.status = status
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
    }

    /// The Status as the server writes it, members in the server's order.
    public var json: JSONValue {
        var object: JSONObject = ["kind": .string("Status"), "apiVersion": .string("v1"), "metadata": .object([:])]
        object.append("status", .string(status))
        if let message { object.append("message", .string(message)) }
        if let reason { object.append("reason", .string(reason)) }
        if let details { object.append("details", details) }
        if status != "Success" { object.append("code", .integer(Int64(code))) }
        return .object(object)
    }

    /// Reads a Status from its JSON (nil when `value` is not a Status).
    public init?(json value: JSONValue) {
        guard value["kind"]?.stringValue == "Status" else { return nil }
        self.status = value["status"]?.stringValue ?? "Failure"
        self.code = Int(value["code"]?.integerValue ?? 0)
        self.reason = value["reason"]?.stringValue
        self.message = value["message"]?.stringValue
        self.details = value["details"]
    }
}
