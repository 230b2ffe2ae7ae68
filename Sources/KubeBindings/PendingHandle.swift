import Foundation
import KubeAPI
import KubeClient
import KubeScript

/// A request as Lua holds it until its answer is read. Read at once (`result` before `start`), it
/// is sent on the Lua thread, as a script without tasks always did; started (`start`), it is
/// sent without blocking any thread (`Transport.start`) while other tasks run, and its arrival
/// wakes the scheduler.
final class PendingHandle: LuaObject, @unchecked Sendable {
    /// How the answer is given to Lua: the body decoded, after a failure's Status is raised
    /// (operations), or status, body text and headers, any status (`RESTClient` requests).
    enum Shape { case decoded, raw }


    let shape: Shape
    let transport: Transport
    let wakeup: Wakeup
    let begin: Start<RESTResponse>
    private let condition = NSCondition()
    private var outcome: Result<RESTResponse, KubeError>?
    private var started = false
    private var cancelled = false
    private var inFlight: (any Cancellable)?

    init(_ shape: Shape, transport: Transport, wakeup: Wakeup, start: @escaping Start<RESTResponse>) {
        self.shape = shape
        self.transport = transport
        self.wakeup = wakeup
        self.begin = start
    }

    /// A pending request for `request`.
    convenience init(_ shape: Shape, _ request: RESTRequest, transport: Transport, wakeup: Wakeup) {
        self.init(shape, transport: transport, wakeup: wakeup) { completion in transport.start(request, completion: completion) }
    }

    /// Sends the request; its answer arrives on one of the client's threads.
    func start() {
        condition.lock()
        guard !started else { return condition.unlock() }
        started = true
        condition.unlock()
        let sending = begin { [self] result in
            condition.lock()
            outcome = result
            condition.broadcast()
            condition.unlock()
            wakeup.signal()
        }
        condition.lock()
        let given = cancelled
        if !given { inFlight = sending }
        condition.unlock()
        if given { sending.cancel() }
    }

    /// Gives the request up (a cancelled task): it ends with `KubeError.interrupted`.
    func cancel() {
        condition.lock()
        cancelled = true
        let sending = inFlight
        condition.unlock()
        sending?.cancel()
    }

    var isReady: Bool {
        condition.lock()
        defer { condition.unlock() }
        return outcome != nil
    }

    /// The answer: sent now on this thread if it was not started, else waited for.
    func answer() -> Result<RESTResponse, KubeError> {
        condition.lock()
        if !started {
            started = true
            condition.unlock()
            let result = Result { () throws(KubeError) in try transport.wait(begin) }
            condition.lock()
            outcome = result
        }
        while outcome == nil { condition.wait() }
        let result = outcome ?? .failure(.interrupted)
        condition.unlock()
        guard shape == .decoded, case .success(let response) = result else { return result }
        return Result { () throws(KubeError) in try ResourceClient.successful(response) }
    }

    static let luaTypeName = "k8s.Pending"
    static var luaMethods: [LuaFunction] { [
        LuaFunction("start") { call in try call.object(1, as: PendingHandle.self).start() },
        LuaFunction("ready") { call in try call.results.append(try call.object(1, as: PendingHandle.self).isReady) },
        LuaFunction("cancel") { call in try call.object(1, as: PendingHandle.self).cancel() },
        // result() → the decoded answer | status, body, headers | nil, error
        LuaFunction("result") { call in
            let pending = try call.object(1, as: PendingHandle.self)
            switch pending.answer() {
            case .failure(let error):
                try call.fail(error)
            case .success(let response) where pending.shape == .decoded:
                try call.append(answer: response.body)
            case .success(let response):
                try call.results.append(integer: Int64(response.status))
                let results = call.results
                let appended: Result<Void, LuaError> = response.body.withUnsafeBytes { bytes in
                    Result { () throws(LuaError) in try results.append(bytes: bytes) }
                }
                try appended.get()
                try call.results.beginObject(count: response.headers.count)
                for (name, value) in response.headers {
                    try call.results.append(string: name)
                    try call.results.append(string: value)
                }
                try call.results.end()
            }
        },
    ] }
}
