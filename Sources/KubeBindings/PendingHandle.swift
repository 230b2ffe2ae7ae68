import Foundation
import KubeAPI
import KubeClient
import KubeScript

/// A request as Lua holds it until its answer is read. Read at once (`result` before `start`), it
/// is sent on the Lua thread, as a script without tasks always did; started (`start`), it is
/// sent on a worker thread while other tasks run, and its arrival wakes the scheduler.
final class PendingHandle: LuaObject, @unchecked Sendable {
    /// How the answer is given to Lua: the body decoded (operations), or status, body text and
    /// headers (`RESTClient` requests).
    enum Shape { case decoded, raw }

    typealias Work = @Sendable (_ cancelled: @escaping @Sendable () -> Bool) throws(KubeError) -> RESTResponse

    let shape: Shape
    let work: Work
    let wakeup: Wakeup
    private let condition = NSCondition()
    private var outcome: Result<RESTResponse, KubeError>?
    private var started = false
    private var cancelled = false

    init(_ shape: Shape, wakeup: Wakeup, work: @escaping Work) {
        self.shape = shape
        self.wakeup = wakeup
        self.work = work
    }

    var isCancelled: Bool {
        condition.lock()
        defer { condition.unlock() }
        return cancelled
    }

    /// Sends the request on a worker thread.
    func start() {
        condition.lock()
        defer { condition.unlock() }
        guard !started else { return }
        started = true
        DispatchQueue.global().async { [self] in
            let result = Result { () throws(KubeError) in try work { [self] in isCancelled } }
            condition.lock()
            outcome = result
            condition.broadcast()
            condition.unlock()
            wakeup.signal()
        }
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
            let result = Result { () throws(KubeError) in try work { [self] in isCancelled } }
            condition.lock()
            outcome = result
        }
        while outcome == nil { condition.wait() }
        let result = outcome ?? .failure(.interrupted)
        condition.unlock()
        return result
    }

    static let luaTypeName = "k8s.Pending"
    static var luaMethods: [LuaFunction] { [
        LuaFunction("start") { call in try call.object(1, as: PendingHandle.self).start() },
        LuaFunction("ready") { call in try call.results.append(try call.object(1, as: PendingHandle.self).isReady) },
        LuaFunction("cancel") { call in
            let pending = try call.object(1, as: PendingHandle.self)
            pending.condition.lock()
            pending.cancelled = true
            pending.condition.unlock()
        },
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
