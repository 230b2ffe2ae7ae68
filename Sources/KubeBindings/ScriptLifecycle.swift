import Foundation
import KubeScript

/// A script's part in the life of the process that runs it, shared with the command: the request
/// to shut down (SIGTERM, or `k8s.shutdown()`), whether the script has work that shuts down
/// gracefully (`k8s.onShutdown`: controllers, leader electors), and whether the informers it
/// started have synced (`/readyz`).
public final class ScriptLifecycle: @unchecked Sendable {
    private let lock = NSLock()
    private var requested = false
    private var handlers = 0
    private var informers = (started: 0, synced: 0)
    private var wakeups: [Wakeup] = []

    /// Called once, on the Lua thread, when the script adds its first shutdown handler.
    public var onFirstHandler: (@Sendable () -> Void)?

    public init() {}

    /// Asks the script to shut down. Its shutdown handlers run at its next wait (a controller
    /// stops taking requests and lets its workers finish, an elector releases its Lease); a script
    /// that has none is interrupted, as by Ctrl-C. Returns whether it had handlers.
    @discardableResult
    public func requestShutdown() -> Bool {
        let (handlers, wakeups) = lock.withLock { () -> (Int, [Wakeup]) in
            requested = true
            return (self.handlers, self.wakeups)
        }
        if handlers == 0 { Runtime.interrupt() }
        for wakeup in wakeups { wakeup.signal() }
        return handlers > 0
    }

    /// Whether a shutdown was asked for.
    public var shutdownRequested: Bool { lock.withLock { requested } }

    /// Ready: every informer the script started has synced, and no shutdown is under way. With
    /// no informer (a replica waiting for its Lease) the script is ready.
    public var isReady: Bool { lock.withLock { !requested && informers.synced >= informers.started } }

    /// Why the script is not ready, for `/readyz`; nil when it is.
    public var notReadyReason: String? {
        lock.withLock {
            if requested { return "shutting down" }
            if informers.synced < informers.started { return "informers synced: \(informers.synced) of \(informers.started)" }
            return nil
        }
    }

    func attach(_ wakeup: Wakeup) { lock.withLock { wakeups.append(wakeup) } }
    func setHandlers(_ count: Int) {
        let first = lock.withLock { () -> (@Sendable () -> Void)? in
            handlers = count
            guard count > 0, let start = onFirstHandler else { return nil }
            onFirstHandler = nil  // once
            return start
        }
        first?()
    }
    func setInformers(started: Int, synced: Int) { lock.withLock { informers = (started, synced) } }
}
