import CoreMetrics
import Foundation

/// client-go's REST client metrics (k8s.io/client-go/tools/metrics, registered by
/// component-base): `rest_client_requests_total{code,method,host}` and
/// `rest_client_request_duration_seconds{verb,host}`, through swift-metrics, so they reach
/// whichever backend the program bootstraps (`kubescript run --metrics-addr`) and cost next to
/// nothing when none is.
extension Transport {
    /// The server's `host:port` (the `host` label, as client-go takes it from the request's URL).
    static func authority(of server: String) -> String {
        guard let components = URLComponents(string: server), let host = components.host else { return server }
        let shown = host.contains(":") ? "[\(host)]" : host
        return components.port.map { "\(shown):\($0)" } ?? shown
    }

    /// Counts one answered request (`code` its status, or `<error>` when none came) and its time.
    /// The series are made once per code and verb (the backend is bootstrapped before clients are made).
    func recordMetrics(method: String, code: String, seconds: Double) {
        let (counter, timer) = metrics.withLockedValue { made in
            let counter = made.counters["\(code) \(method)"]
                ?? Counter(label: "rest_client_requests_total", dimensions: [("code", code), ("method", method), ("host", authority)])
            let timer = made.timers[method] ?? CoreMetrics.Timer(label: "rest_client_request_duration_seconds", dimensions: [("verb", method), ("host", authority)])
            made.counters["\(code) \(method)"] = counter
            made.timers[method] = timer
            return (counter, timer)
        }
        counter.increment()
        timer.recordNanoseconds(Int64(max(0, seconds) * 1e9))
    }
}

/// A transport's metric series, made as requests first need them.
struct TransportMetrics {
    var counters: [String: Counter] = [:]
    var timers: [String: CoreMetrics.Timer] = [:]
}
