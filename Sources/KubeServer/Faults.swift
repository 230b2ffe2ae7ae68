import KubeAPI
import NIOConcurrencyHelpers

/// A failure the server is told to give, for testing clients: the next `count` requests that
/// match get it instead of their answer.
public struct Fault: Sendable {
    public enum Kind: Sendable, Equatable {
        /// 429 TooManyRequests with `Retry-After` (seconds), as API Priority and Fairness answers.
        case tooManyRequests(retryAfter: Int)
        /// 500 InternalError.
        case internalError
        /// 503 ServiceUnavailable, with `Retry-After` when given.
        case serviceUnavailable(retryAfter: Int?)
        /// The connection is closed without an answer.
        case dropConnection
        /// A watch that ends (its body closes) after this many events.
        case endWatch(afterEvents: Int)
        /// A watch answered with one ERROR event, 410 Expired, as when its resourceVersion is
        /// older than the server keeps.
        case expireWatch
    }

    public var kind: Kind
    /// The method to match (nil: any).
    public var method: String?
    /// A part the request's path must contain (empty: any path).
    public var path: String
    /// How many matching requests get the fault.
    public var count: Int

    public init(_ kind: Kind, method: String? = nil, path: String = "", count: Int = 1) {
        self.kind = kind
        self.method = method
        self.path = path
        self.count = count
    }

    func matches(_ request: APIRequest) -> Bool {
        guard count > 0, method == nil || method == request.method, path.isEmpty || request.path.contains(path) else { return false }
        if case .endWatch = kind { return request.flag("watch") }
        if case .expireWatch = kind { return request.flag("watch") }
        return true
    }

    /// The response a status fault gives.
    var response: APIResponse? {
        switch kind {
        case .tooManyRequests(let seconds):
            var response = APIResponse.status(Status(code: 429, reason: "TooManyRequests", message: "Too many requests, please try again later.",
                                                     details: .object(["retryAfterSeconds": .integer(Int64(seconds))])))
            response.headers.append(("retry-after", String(seconds)))
            return response
        case .internalError:
            return .status(Status(code: 500, reason: "InternalError", message: "Internal error occurred: injected fault",
                                  details: .object(["causes": .array([.object(["message": .string("injected fault")])])])))
        case .serviceUnavailable(let seconds):
            var response = APIResponse.status(Status(code: 503, reason: "ServiceUnavailable", message: "the server is currently unable to handle the request"))
            if let seconds { response.headers.append(("retry-after", String(seconds))) }
            return response
        case .expireWatch:
            let status = Status(code: 410, reason: "Expired", message: "too old resource version: 1 (2)")
            let line = JSONValue.object(["type": .string("ERROR"), "object": status.json]).serialized() + [0x0A]
            return APIResponse(status: 200, headers: [("content-type", "application/json")], body: line)
        case .dropConnection, .endWatch:
            return nil
        }
    }
}

/// The faults waiting for requests.
final class FaultList: Sendable {
    private let faults = NIOLockedValueBox<[Fault]>([])

    func add(_ fault: Fault) {
        faults.withLockedValue { $0.append(fault) }
    }

    /// The first fault that matches the request, counted down.
    func take(for request: APIRequest) -> Fault? {
        faults.withLockedValue { faults in
            guard let index = faults.firstIndex(where: { $0.matches(request) }) else { return nil }
            faults[index].count -= 1
            let fault = faults[index]
            if fault.count == 0 { faults.remove(at: index) }
            return fault
        }
    }
}

extension APIServer {
    /// Makes the next matching requests fail as `fault` says.
    public func inject(_ fault: Fault) {
        faults.add(fault)
    }
}
