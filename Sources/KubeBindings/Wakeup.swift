import Foundation
import KubeScript

/// Wakes the Lua thread when something a task waits for has happened: an answer came, a watch
/// event arrived. Each signal moves a generation on; the scheduler reads the generation, checks
/// what its tasks wait for, and blocks only if the generation has not moved since, so no signal
/// is lost between the check and the wait.
final class Wakeup: @unchecked Sendable {
    private let condition = NSCondition()
    private var generation: Int64 = 0

    func signal() {
        condition.lock()
        generation &+= 1
        condition.broadcast()
        condition.unlock()
    }

    var current: Int64 {
        condition.lock()
        defer { condition.unlock() }
        return generation
    }

    /// Waits until the generation is no longer `seen`, `timeout` seconds pass (nil: no limit),
    /// or Ctrl-C is pressed; returns whether Ctrl-C was.
    func wait(since seen: Int64, timeout: Double?) -> Bool {
        let deadline = timeout.map { Date().addingTimeInterval(max(0, $0)) } ?? .distantFuture
        condition.lock()
        defer { condition.unlock() }
        while generation == seen {
            if Runtime.interruptPending { return true }
            let slice = Date().addingTimeInterval(0.02)  // Ctrl-C is polled, as the transport's waits do
            if !condition.wait(until: min(slice, deadline)), Date() >= deadline { break }
        }
        return Runtime.interruptPending
    }

    /// Seconds on a monotonic clock, for the scheduler's timers.
    static var now: Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}
