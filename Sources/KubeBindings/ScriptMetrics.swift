import CoreMetrics
import Foundation
import KubeScript

/// The metrics a script records (`k8s.metrics`; the controllers', work queues' and electors'
/// own), through swift-metrics: counters, gauges, and histograms of seconds. A series is made
/// once (`series`) and then recorded into by its number, the cheap path a reconcile takes.
/// Nothing is made unless the program bootstrapped a metrics backend (`kubescript run
/// --metrics-addr`).
final class ScriptMetrics: @unchecked Sendable {
    enum Kind: String { case counter, gauge, seconds }

    private enum Series {
        case counter(Counter)
        case gauge(Gauge)
        case seconds(CoreMetrics.Timer)
    }

    private let lock = NSLock()
    private var series: [Series] = []
    private var numbers: [String: Int] = [:]
    /// Each name's kind and label names: Prometheus' registry refuses (fatally) a name used as
    /// two kinds or with two sets of labels, so a script is told instead. The client's own
    /// series (KubeClient's transport records them) are taken already.
    private var shapes: [String: (kind: Kind, labels: [String])] = [
        "rest_client_requests_total": (.counter, ["code", "host", "method"]),
        "rest_client_request_duration_seconds": (.seconds, ["host", "verb"]),
    ]

    /// Whether a backend was bootstrapped (recording into the default no-op one is skipped).
    static var enabled: Bool { !(MetricsSystem.factory is NOOPMetricsHandler) }

    /// The number of the series `name{labels}` (labels sorted by name) of `kind`, made the first
    /// time it is asked for; or why it cannot be.
    func number(_ kind: Kind, name: String, labels: [(String, String)]) -> Result<Int, LuaError> {
        let key = labels.reduce(kind.rawValue + "\u{0}" + name) { $0 + "\u{0}" + $1.0 + "=" + $1.1 }
        lock.lock()
        defer { lock.unlock() }
        if let number = numbers[key] { return .success(number) }
        let names = labels.map(\.0)
        if let shape = shapes[name], shape.kind != kind || shape.labels != names {
            return .failure(LuaError("metric \(name) is a \(shape.kind.rawValue == "seconds" ? "histogram" : shape.kind.rawValue) with labels [\(shape.labels.joined(separator: ", "))]"))
        }
        shapes[name] = (kind, names)
        switch kind {
        case .counter: series.append(.counter(Counter(label: name, dimensions: labels)))
        case .gauge: series.append(.gauge(Gauge(label: name, dimensions: labels)))
        case .seconds: series.append(.seconds(CoreMetrics.Timer(label: name, dimensions: labels)))
        }
        numbers[key] = series.count - 1
        return .success(series.count - 1)
    }

    /// Records `value` into series `number`: added to a counter, set on a gauge, observed by a
    /// histogram of seconds. False when there is no such series.
    func record(_ number: Int, _ value: Double) -> Bool {
        lock.lock()
        let found = series.indices.contains(number) ? series[number] : nil
        lock.unlock()
        switch found {
        case .counter(let counter)?: counter.increment(by: value.isFinite && value > 0 ? Int64(min(value.rounded(), 9e18)) : 0)
        case .gauge(let gauge)?: gauge.record(value)
        case .seconds(let timer)?: timer.recordNanoseconds(value.isFinite && value > 0 ? Int64(min(value, 9e9) * 1e9) : 0)
        case nil: return false
        }
        return true
    }
}
