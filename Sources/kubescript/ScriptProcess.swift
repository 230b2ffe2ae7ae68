import ArgumentParser
import Dispatch
import Foundation
import Glibc
import KubeBindings
import KubeScript
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

/// Runs a script as a process in a Pod must run (`kubescript run` and `-e`), with
/// swift-service-lifecycle's service group: SIGTERM asks the script to shut down — its
/// controllers stop taking requests and finish the ones they hold, its leader electors release
/// their Leases, and it exits 0 — and the grace period over, the script is interrupted as by
/// Ctrl-C. A script with no shutdown handler (`k8s.onShutdown`) is interrupted at once when it
/// serves endpoints, and ended by SIGTERM's default action otherwise. With
/// `--health-addr`/`--metrics-addr`, the endpoints serve until the script has ended.
enum ScriptProcess {
    static func run(_ options: ScriptOptions, _ body: (Runtime) throws -> Void) throws {
        let lifecycle = ScriptLifecycle()
        let registry = options.metricsAddress.map { _ in bootstrapMetrics() }
        var listeners: [(address: String, paths: Endpoints.Paths)] = []
        if let address = options.healthAddress, address != "0" { listeners.append((address, .probes)) }
        if let address = options.metricsAddress, address != "0" {
            // one listener for both when they name the same address (not port 0: any free port, each its own)
            if !address.hasSuffix(":0"), let same = listeners.firstIndex(where: { $0.address == address }) {
                listeners[same].paths.insert(.metrics)
            } else {
                listeners.append((address, .metrics))
            }
        }
        let runtime = try options.makeRuntime(lifecycle: lifecycle)
        let log = runtime.log
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if !listeners.isEmpty {
            let endpoints: Endpoints
            do {
                endpoints = try Endpoints(listeners, lifecycle: lifecycle, registry: registry)
            } catch {
                var text = "kubescript: cannot serve the endpoints: \(error)\n"
                text.withUTF8 { bytes in _ = write(2, bytes.baseAddress, bytes.count) }
                throw ExitCode(1)
            }
            for (address, paths) in endpoints.bound {
                let served = (paths.contains(.probes) ? ["/healthz", "/readyz"] : []) + (paths.contains(.metrics) ? ["/metrics"] : [])
                log.write(level: "info", source: "kubescript", message: "serving \(served.joined(separator: ", ")) on \(address)")
            }
            services.append(.init(service: endpoints, successTerminationBehavior: .gracefullyShutdownGroup))
        }
        let (finished, finish) = AsyncStream.makeStream(of: Never.self)
        let grace = options.gracePeriod
        services.append(.init(service: ScriptService(lifecycle: lifecycle, finished: finished, grace: grace, log: log),
                              successTerminationBehavior: .gracefullyShutdownGroup))
        var configuration = ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm], cancellationSignals: [],
                                                      logger: Logger(label: "kubescript", factory: { _ in SwiftLogNoOpLogHandler() }))
        configuration.maximumGracefulShutdownDuration = .milliseconds(Int64(grace * 1000))
        let group = StartedOnce(ServiceGroup(configuration: configuration))
        // a script that serves nothing starts the group when it first needs SIGTERM handled (its
        // first shutdown handler), so that a short script's start-up does not pay for it
        if services.count > 1 { group.start() } else { lifecycle.onFirstHandler = { group.start() } }
        defer {
            finish.finish()
            group.waitIfStarted()
        }
        try body(runtime)
    }

    /// Sends swift-metrics to a Prometheus registry, with controller-runtime's and client-go's
    /// histogram buckets for the series they name.
    static func bootstrapMetrics() -> PrometheusCollectorRegistry {
        var factory = PrometheusMetricsFactory(registry: PrometheusCollectorRegistry())
        let reconcile: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0,
                                   1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60]
        let queue: [Double] = [1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10]  // ExponentialBuckets(10e-9, 10, 10)
        let request: [Double] = [0.005, 0.025, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0]
        func durations(_ seconds: [Double]) -> [Duration] { seconds.map { .nanoseconds(Int64(($0 * 1e9).rounded())) } }
        factory.durationHistogramBuckets = [
            "controller_runtime_reconcile_time_seconds": durations(reconcile),
            "workqueue_queue_duration_seconds": durations(queue),
            "workqueue_work_duration_seconds": durations(queue),
            "rest_client_request_duration_seconds": durations(request),
        ]
        MetricsSystem.bootstrap(factory)
        return factory.registry
    }
}

/// A service group run (on Swift's concurrency pool) once something starts it.
final class StartedOnce: @unchecked Sendable {
    private let group: ServiceGroup
    private let lock = NSLock()
    private var started = false
    private let ended = DispatchSemaphore(value: 0)

    init(_ group: ServiceGroup) { self.group = group }

    func start() {
        guard lock.withLock({ () -> Bool in defer { started = true }; return !started }) else { return }
        let (group, ended) = (self.group, self.ended)
        Task.detached {
            try? await group.run()
            ended.signal()
        }
    }

    /// Waits for the group to end (its services shut down), if it was started.
    func waitIfStarted() {
        if lock.withLock({ started }) { ended.wait() }
    }
}

/// The script as a service of the group: it ends when the script has; the group's graceful
/// shutdown (SIGTERM) asks the script to shut down, and the group's cancellation (the grace
/// period over) interrupts it.
struct ScriptService: Service {
    let lifecycle: ScriptLifecycle
    let finished: AsyncStream<Never>
    let grace: Double
    let log: ScriptLog

    func run() async {
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                for await _ in finished {}
            } onGracefulShutdown: {
                if lifecycle.requestShutdown() {
                    log.write(level: "info", source: "kubescript", message: "SIGTERM: shutting down (grace period \(String(format: "%g", grace))s)")
                } else {
                    log.write(level: "info", source: "kubescript", message: "SIGTERM: interrupting the script (it has no shutdown handler)")
                }
            }
        } onCancel: {
            log.write(level: "warn", source: "kubescript", message: "the grace period of \(String(format: "%g", grace))s is over: interrupting the script")
            Runtime.interrupt()
        }
    }
}
