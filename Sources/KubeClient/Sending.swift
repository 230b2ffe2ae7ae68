import NIOConcurrencyHelpers

/// What can be given up once started: a request on its way.
public protocol Cancellable: Sendable {
    func cancel()
}

/// What begins a request (or several in turn), giving its result to the completion, and returns
/// what cancels it (`Transport.wait`, a task's pending request).
public typealias Start<Value: Sendable> = @Sendable (@escaping Sending<Value>.Completion) -> any Cancellable

/// A request on its way (`Transport.start`), or several in turn (`ResourceClient.startListAll`).
/// Its completion is called once: with the result, or with `KubeError.interrupted` at once when
/// it is cancelled first.
public final class Sending<Value: Sendable>: Cancellable, @unchecked Sendable {
    public typealias Completion = @Sendable (Result<Value, KubeError>) -> Void

    private let lock = NIOLock()
    private var completion: Completion?
    private var inFlight: (@Sendable () -> Void)?
    /// The latest exchange's number (`reserve`): only its cancel is kept.
    private var slot = 0
    private var cancelled = false

    init(_ completion: @escaping Completion) {
        self.completion = completion
    }

    /// Gives it up: the exchange in flight is cancelled, no other follows, and the completion
    /// gets `KubeError.interrupted` unless it had its result already.
    public func cancel() {
        let (inFlight, completion) = lock.withLock {
            cancelled = true
            defer { (self.inFlight, self.completion) = (nil, nil) }
            return (self.inFlight, self.completion)
        }
        inFlight?()
        completion?(.failure(.interrupted))
    }

    public var isCancelled: Bool { lock.withLock { cancelled } }

    /// A number for the exchange about to start, taken before it starts: an exchange that
    /// ended fast, and whose successor registered first, is then not the one `cancel` reaches.
    func reserve() -> Int {
        lock.withLock {
            slot += 1
            return slot
        }
    }

    /// Records how to cancel exchange `number` (`reserve`), now in flight, unless a later one
    /// was started; cancels it at once when all was given up already.
    func exchanging(_ number: Int, _ cancel: @escaping @Sendable () -> Void) {
        let given = lock.withLock {
            if !cancelled, number == slot { inFlight = cancel }
            return cancelled
        }
        if given { cancel() }
    }

    /// Delivers the result, unless one was delivered (or it was cancelled) before.
    func finish(_ result: Result<Value, KubeError>) {
        let completion = lock.withLock {
            defer { (inFlight, self.completion) = (nil, nil) }
            return self.completion
        }
        completion?(result)
    }
}
