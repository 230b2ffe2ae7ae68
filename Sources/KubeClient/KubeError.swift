import KubeAPI

/// A failed request or set-up: the server's `Status` (code, reason, message, details with
/// causes), a transport failure, or a configuration problem. The predicates are apimachinery's
/// `errors` package's (`IsNotFound`, `IsConflict`, ...). Messages never hold credentials.
public struct KubeError: Error, CustomStringConvertible, Sendable {
    private enum Code: Sendable {
        case status
        case transport
        /// The connection was reset or closed before the answer: a GET may be sent again.
        case connectionLost
        case configuration
        case decoding
        case interrupted
    }

    private let code: Code
    /// The server's Status (for a server failure), or one made from the HTTP status code when
    /// the body was not a Status.
    public let status: Status?
    /// What went wrong, in one line.
    public let message: String

    /// A failure the server answered with.
    public static func status(_ status: Status) -> KubeError {
        KubeError(code: .status, status: status, message: status.message ?? status.reason ?? "the server answered \(status.code)")
    }

    /// The request did not get an answer: connection refused or reset, TLS failure, timeout.
    public static func transport(_ message: String) -> KubeError { KubeError(code: .transport, status: nil, message: message) }

    /// The connection was reset or closed before an answer came.
    static func connectionLost(_ message: String) -> KubeError { KubeError(code: .connectionLost, status: nil, message: message) }

    /// The kubeconfig, in-cluster files or options are wrong or missing.
    public static func configuration(_ message: String) -> KubeError { KubeError(code: .configuration, status: nil, message: message) }

    /// The answer could not be read (not JSON, not the expected shape).
    public static func decoding(_ message: String) -> KubeError { KubeError(code: .decoding, status: nil, message: message) }

    /// The wait was given up because the caller asked (Ctrl-C in kubescript).
    public static let interrupted = KubeError(code: .interrupted, status: nil, message: "interrupted!")

    public var description: String { message }

    /// The HTTP status code of a server failure (0 otherwise).
    public var statusCode: Int { status?.code ?? 0 }
    /// The Status reason of a server failure (`NotFound`, ...), if any.
    public var reason: String? { status?.reason }

    public var isTransport: Bool { code == .transport || code == .connectionLost }
    /// Whether the connection was lost before the answer (client-go retries a GET then).
    public var isConnectionLost: Bool { code == .connectionLost }
    public var isConfiguration: Bool { code == .configuration }
    /// Whether the caller gave the wait up (`Transport.isCancelled`).
    public var isInterrupted: Bool { code == .interrupted }

    private func reason(_ reason: String, or statusCode: Int) -> Bool {
        guard let status else { return false }
        if let given = status.reason, !given.isEmpty { return given == reason }
        return status.code == statusCode
    }

    public var isNotFound: Bool { reason("NotFound", or: 404) }
    public var isAlreadyExists: Bool { status?.reason == "AlreadyExists" }
    public var isConflict: Bool { reason("Conflict", or: 409) }
    public var isInvalid: Bool { reason("Invalid", or: 422) }
    public var isBadRequest: Bool { reason("BadRequest", or: 400) }
    public var isUnauthorized: Bool { reason("Unauthorized", or: 401) }
    public var isForbidden: Bool { reason("Forbidden", or: 403) }
    public var isTimeout: Bool { reason("Timeout", or: 504) }
    public var isServerTimeout: Bool { status?.reason == "ServerTimeout" }
    public var isTooManyRequests: Bool { reason("TooManyRequests", or: 429) }
    /// 410: `Gone`, or `Expired` (a watch or continue token too old).
    public var isGone: Bool { reason("Gone", or: 410) || status?.reason == "Expired" }
    public var isExpired: Bool { status?.reason == "Expired" }
    public var isMethodNotSupported: Bool { reason("MethodNotAllowed", or: 405) }
    public var isInternalError: Bool { reason("InternalError", or: 500) }
    public var isServiceUnavailable: Bool { reason("ServiceUnavailable", or: 503) }

    /// The Status of a failed answer: its body when it is a Status, else one made from the code
    /// as client-go makes it.
    public static func status(code: Int, body: [UInt8]) -> KubeError {
        if let value = try? JSONValue.parse(body), let status = Status(json: value), status.code != 0 || status.reason != nil {
            var status = status
            if status.code == 0 { status.code = code }
            return .status(status)
        }
        let (reason, message): (String, String) = switch code {
        case 400: ("BadRequest", "the server rejected our request for an unknown reason")
        case 401: ("Unauthorized", "the server has asked for the client to provide credentials")
        case 403: ("Forbidden", "the server does not allow access to the requested resource")
        case 404: ("NotFound", "the server could not find the requested resource")
        case 405: ("MethodNotAllowed", "the server does not allow this method on the requested resource")
        case 406: ("NotAcceptable", "the server was unable to respond with a content type that the client supports")
        case 409: ("Conflict", "the server reported a conflict")
        case 410: ("Gone", "the server no longer has the requested resource")
        case 415: ("UnsupportedMediaType", "the server was unable to read the request because of its content type")
        case 422: ("Invalid", "the server rejected our request due to an error in our request")
        case 429: ("TooManyRequests", "the server has received too many requests and has asked us to try again later")
        case 500: ("InternalError", "an error on the server has prevented the request from succeeding")
        case 503: ("ServiceUnavailable", "the server is currently unable to handle the request")
        case 504: ("Timeout", "the server was unable to return a response in the time allotted, but may still be processing the request")
        default: ("Unknown", "the server responded with the status code \(code) but did not return more information")
        }
        return .status(Status(code: code, reason: reason, message: message))
    }
}
