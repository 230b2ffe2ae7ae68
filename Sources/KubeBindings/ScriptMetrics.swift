import CoreMetrics
import Foundation

/// The metrics a script records (`k8s.metrics`; the controllers', work queues' and electors'
/// own), through swift-metrics: counters, gauges, and histograms of seconds. Each series is
/// made once and kept. Nothing is recorded unless the program bootstrapped a metrics backend
/// (`kubescript run --metrics-addr`).
final class ScriptMetrics: @unchecked Sendable {
    enum Kind: String { case counter, gauge, seconds }

    private let lock = NSLock()
    private var counters: [String: Counter] = [:]
    private var gauges: [String: Gauge] = [:]
    private var timers: [String: CoreMetrics.Timer] = [:]

    /// Whether a backend was bootstrapped (recording into the default no-op one is skipped).
    static var enabled: Bool { !(MetricsSystem.factory is NOOPMetricsHandler) }

    /// Records `value` into the series `name{labels}`: added to a counter, set on a gauge,
    /// observed by a histogram of seconds.
    func record(_ kind: Kind, name: String, labels: [(String, String)], value: Double) {
        let key = labels.reduce(name) { $0 + "\u{0}" + $1.0 + "=" + $1.1 }
        lock.lock()
        defer { lock.unlock() }
        switch kind {
        case .counter:
            let counter = counters[key] ?? Counter(label: name, dimensions: labels)
            counters[key] = counter
            counter.increment(by: Int64(max(0, value.rounded())))
        case .gauge:
            let gauge = gauges[key] ?? Gauge(label: name, dimensions: labels)
            gauges[key] = gauge
            gauge.record(value)
        case .seconds:
            let timer = timers[key] ?? CoreMetrics.Timer(label: name, dimensions: labels)
            timers[key] = timer
            timer.recordNanoseconds(Int64(max(0, min(value, 1e9)) * 1e9))
        }
    }
}
