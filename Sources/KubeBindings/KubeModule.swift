import Crypto
import Foundation
import KubeAPI
import KubeClient
import KubeScript

/// What `k8s.client()` uses when a script gives no options: the command line's `--kubeconfig`,
/// `--context`, `-n`, `--in-memory` (a configuration for the embedded cluster) and `--dry-run`.
public struct ClientDefaults: Sendable {
    public var kubeconfig: String?
    public var context: String?
    public var namespace: String?
    /// The cluster to use instead of the kubeconfig's (the embedded one, with `--in-memory`).
    public var configuration: ClientConfiguration?
    /// Every write is sent with `dryRun=All`.
    public var dryRun = false
    /// The process's side of the script's life (SIGTERM, `/readyz`); nil: one of the script's own.
    public var lifecycle: ScriptLifecycle?
    /// Starts a fresh embedded cluster for a test (`kubescript test`); nil outside tests.
    public var clusterFactory: (@Sendable () throws -> TestCluster)?

    public init(kubeconfig: String? = nil, context: String? = nil, namespace: String? = nil,
                configuration: ClientConfiguration? = nil, dryRun: Bool = false) {
        self.kubeconfig = kubeconfig
        self.context = context
        self.namespace = namespace
        self.configuration = configuration
        self.dryRun = dryRun
    }
}

/// A cluster made for one test: how to reach it, and how to stop it.
public struct TestCluster: Sendable {
    public var configuration: ClientConfiguration
    public var stop: @Sendable () -> Void

    public init(configuration: ClientConfiguration, stop: @escaping @Sendable () -> Void) {
        self.configuration = configuration
        self.stop = stop
    }
}

/// What `k8s.client()` uses now: the command line's defaults, or, while a test runs, its
/// cluster or throw-away namespace.
final class CurrentDefaults: @unchecked Sendable {
    var defaults: ClientDefaults
    init(_ defaults: ClientDefaults) { self.defaults = defaults }
}

/// The `k8s` module's client half: `k8s.client`, the REST, typed, dynamic and discovery clients,
/// errors, `RetryOnConflict`, `WaitFor` (see docs/lua-api.md). The Lua half is `Lua/client.lua`:
/// method tables, argument checks and iterators over these Swift primitives, which reach
/// `KubeClient`'s one implementation (paths, queries, bodies, content types, paging, Status).
public enum KubeModule {
    /// Adds the client to a runtime's `k8s` module.
    public static func install(in runtime: Runtime, defaults: ClientDefaults) throws(LuaError) {
        try install(in: runtime, current: CurrentDefaults(defaults))
    }

    static func install(in runtime: Runtime, current: CurrentDefaults) throws(LuaError) {
        try runtime.state.register(ClientHandle.self)
        try runtime.state.register(ResourceHandle.self)
        try runtime.state.register(WatchHandle.self)
        try runtime.state.register(PendingHandle.self)
        try runtime.state.register(InformerSource.self)
        let log = runtime.log
        let wakeup = Wakeup()
        let lifecycle = current.defaults.lifecycle ?? ScriptLifecycle()
        lifecycle.attach(wakeup)
        let metrics = ScriptMetrics()
        // compiled and run when a script first uses the client (k8s.client, k8s.errors, ...)
        try runtime.extendOnFirstUse(chunkName: EmbeddedLua.client.name, source: EmbeddedLua.client.source, primitives: [
            LuaFunction("new") { call in
                let client = try makeClient(call, defaults: current.defaults)
                client.transport.onRequest = { entry in Self.log(entry, to: log) }
                client.transport.isCancelled = { Runtime.interruptPending }
                client.transport.onWarning = { text in log.write(level: "warn", source: "server", message: "Warning: \(text)") }
                try call.results.append(object: ClientHandle(client, wakeup: wakeup))
            },
            // chunk(name) → the source and chunk name of Lua/<name>.lua (tasks, status)
            LuaFunction("chunk") { call in
                let name = try call.string(1)
                guard let chunk = Self.chunks[name] else { throw call.argumentError(1, "no chunk \(name)") }
                try call.results.append(string: chunk.source)
                try call.results.append(string: chunk.name)
            },
            // The scheduler's primitives (Lua/tasks.lua): the clock, and the wait for anything that arrives.
            LuaFunction("now") { call in try call.results.append(number: Wakeup.now) },
            // microtime() → the wall clock as a MicroTime (RFC 3339 in UTC, microseconds), as client-go writes Leases and Events
            LuaFunction("microtime") { call in try call.results.append(string: RFC3339.now(micros: true)) },
            LuaFunction("version") { call in try call.results.append(string: KubeScriptVersion.string) },
            // selects(selector, labels) → whether a label selector (kubectl's -l syntax) selects the labels
            LuaFunction("selects") { call in
                let text = try call.string(1)
                var labels: [String: String] = [:]
                for (key, value) in try call.options(2) { if case .string(let text) = value { labels[key] = text } }
                let selector = Result { () throws(SelectorError) in try LabelSelector(parsing: text) }
                switch selector {
                case .success(let selector): try call.results.append(selector.matches(labels))
                case .failure(let error): throw call.argumentError(1, error.description)
                }
            },
            // applysetID(name, namespace, kind, group) → the set's id, as kubectl computes it
            LuaFunction("applysetID") { call in
                try call.results.append(string: ApplySetID.of(name: try call.string(1), namespace: try call.string(2),
                                                              kind: try call.string(3), group: try call.string(4)))
            },
            LuaFunction("generation") { call in try call.results.append(integer: wakeup.current) },
            // block(generation [, seconds]) → whether Ctrl-C was pressed: waits until something
            // arrives after `generation`, the seconds pass, or Ctrl-C
            LuaFunction("block") { call in
                let seen = try call.integer(1)
                let timeout = call.isNone(2) ? nil : try call.number(2)
                try call.results.append(wakeup.wait(since: seen, timeout: timeout))
            },
            // The process's side (ScriptLifecycle): a shutdown asked for (SIGTERM or k8s.shutdown),
            // how many shutdown handlers the script has, its informers started and synced (/readyz).
            LuaFunction("shutdownRequested") { call in try call.results.append(lifecycle.shutdownRequested) },
            LuaFunction("requestShutdown") { _ in lifecycle.requestShutdown() },
            LuaFunction("shutdownHandlers") { call in lifecycle.setHandlers(Int(clamping: try call.integer(1))) },
            LuaFunction("informers") { call in
                lifecycle.setInformers(started: Int(clamping: try call.integer(1)), synced: Int(clamping: try call.integer(2)))
            },
            // sha256(text) → its SHA-256 digest in hex (a checksum annotation's value)
            LuaFunction("sha256") { call in
                try call.results.append(string: SHA256.hash(data: try call.bytes(1)).map { String(format: "%02x", $0) }.joined())
            },
            // series(kind, name, labels) → the number of a metric's series; record(number, value)
            // records into it (swift-metrics, when a backend records: metricsEnabled())
            LuaFunction("series") { call in
                guard let kind = ScriptMetrics.Kind(rawValue: try call.string(1)) else { throw call.argumentError(1, "counter, gauge or seconds expected") }
                var labels: [(String, String)] = []
                for (key, value) in try call.options(3) {
                    switch value {
                    case .string(let text): labels.append((key, text))
                    case .integer(let n): labels.append((key, String(n)))
                    case .boolean(let b): labels.append((key, String(b)))
                    default: throw call.argumentError(3, "label \(key) must be a string")
                    }
                }
                labels.sort { $0.0 < $1.0 }
                try call.results.append(integer: Int64(try metrics.number(kind, name: try call.string(2), labels: labels).get()))
            },
            LuaFunction("metricsEnabled") { call in try call.results.append(ScriptMetrics.enabled) },
            LuaFunction("record") { call in
                guard metrics.record(Int(clamping: try call.integer(1)), try call.number(2)) else { throw call.argumentError(1, "no such series") }
            },
            // builtin() → the built-in resources' descriptions (for the typed accessors)
            LuaFunction("builtin") { call in
                try call.results.beginArray(count: APIResource.builtIn.count)
                for resource in APIResource.builtIn { try call.results.append(resource: resource) }
                try call.results.end()
            },
            // failure(code, status) → the error of a failed answer: its Status (a table or the
            // body's text), or one made from the code when it is none
            LuaFunction("failure") { call in
                let code = Int(clamping: try call.integer(1))
                try call.results.append(error: KubeError.status(code: code, body: call.isNone(2) ? [] : try call.json(2)))
            },
            // is(predicate, error) → whether apimachinery's predicate (`IsNotFound`, ...) holds
            LuaFunction("is") { call in
                let name = try call.string(1)
                guard let predicate = predicates[name] else { throw call.argumentError(1, "unknown predicate \(name)") }
                guard case .object(let fields) = try call.value(2) else { return try call.results.append(false) }
                let code = if case .integer(let n)? = fields["code"] { Int(clamping: n) } else { 0 }
                let status = Status(code: code, reason: fields["reason"]?.stringValue)
                try call.results.append(predicate(.status(status)))
            },
        ])
    }

    /// The chunks `client.lua` loads itself: the scheduler, kstatus's rules, apply sets, diff.
    static let chunks = ["tasks": EmbeddedLua.tasks, "status": EmbeddedLua.status, "applyset": EmbeddedLua.applyset, "diff": EmbeddedLua.diff, "informer": EmbeddedLua.informer,
                                 "workqueue": EmbeddedLua.workqueue, "controller": EmbeddedLua.controller,
                                 "leaderelection": EmbeddedLua.leaderelection]

    /// apimachinery's `errors` predicates, by their Lua names (`k8s.errors.IsNotFound`, ...).
    static let predicates: [String: @Sendable (KubeError) -> Bool] = [
        "IsNotFound": { $0.isNotFound }, "IsAlreadyExists": { $0.isAlreadyExists }, "IsConflict": { $0.isConflict },
        "IsInvalid": { $0.isInvalid }, "IsBadRequest": { $0.isBadRequest }, "IsUnauthorized": { $0.isUnauthorized },
        "IsForbidden": { $0.isForbidden }, "IsTimeout": { $0.isTimeout }, "IsServerTimeout": { $0.isServerTimeout },
        "IsTooManyRequests": { $0.isTooManyRequests }, "IsMethodNotSupported": { $0.isMethodNotSupported },
        "IsInternalError": { $0.isInternalError }, "IsServiceUnavailable": { $0.isServiceUnavailable },
        "IsGone": { $0.isGone }, "IsExpired": { $0.isExpired },
    ]

    /// The client `k8s.client(options)` asks for: `server`, else `kubeconfig`/`context`, else the
    /// command line's cluster; then `namespace`, `timeout`, `qps`/`burst`, `http2`; `--dry-run`
    /// for writes.
    static func makeClient(_ call: LuaCall, defaults: ClientDefaults) throws(LuaError) -> KubeClient {
        let options = try call.options(1)
        let server = try text(options, "server", call), kubeconfig = try text(options, "kubeconfig", call)
        let context = try text(options, "context", call)
        let loaded: Result<ClientConfiguration, KubeError>
        if let server {
            loaded = .success(ClientConfiguration(server: server))
        } else if kubeconfig == nil, context == nil, let given = defaults.configuration {
            loaded = .success(given)
        } else {
            loaded = Result { () throws(KubeError) in
                try ClientConfiguration.load(kubeconfig: kubeconfig ?? defaults.kubeconfig, context: context ?? defaults.context)
            }
        }
        var configuration: ClientConfiguration
        switch loaded {
        case .success(let value): configuration = value
        case .failure(let error): throw LuaError(error.message)
        }
        if let namespace = try text(options, "namespace", call) ?? defaults.namespace { configuration.namespace = namespace }
        if let timeout = try number(options, "timeout", call) {
            guard timeout >= 0, timeout.isFinite else { throw call.argumentError(1, "timeout must be a number of seconds ≥ 0") }
            configuration.timeout = timeout
        }
        if let qps = try number(options, "qps", call) {
            guard qps > 0, qps.isFinite else { throw call.argumentError(1, "qps must be a positive number") }
            let burst = try number(options, "burst", call) ?? max(1, qps)
            guard burst >= 1, burst.isFinite else { throw call.argumentError(1, "burst must be at least 1") }
            configuration.rateLimit = (qps, Int(burst))
        }
        switch options["http2"] {
        case .boolean(let on)?: configuration.http2 = on
        case nil, .nil?: break
        default: throw call.argumentError(1, "http2 must be a boolean")
        }
        configuration.dryRun = defaults.dryRun
        let made = Result { () throws(KubeError) in try KubeClient(configuration) }
        switch made {
        case .success(let client): return client
        case .failure(let error): throw LuaError(error.message)
        }
    }

    static func text(_ options: [String: LuaValue], _ key: String, _ call: LuaCall) throws(LuaError) -> String? {
        switch options[key] {
        case .string(let s)?: return s
        case nil, .nil?: return nil
        default: throw call.argumentError(1, "\(key) must be a string")
        }
    }

    static func number(_ options: [String: LuaValue], _ key: String, _ call: LuaCall) throws(LuaError) -> Double? {
        switch options[key] {
        case .integer(let i)?: return Double(i)
        case .number(let d)?: return d
        case nil, .nil?: return nil
        default: throw call.argumentError(1, "\(key) must be a number")
        }
    }

    /// `-v 6`: each request's verb, URL, status and time; `-v 8`: bodies too, with Secrets'
    /// values hidden (`Redaction`). Credentials never reach the log (the Authorization header is
    /// not in the entry).
    static func log(_ entry: Transport.RequestLog, to log: ScriptLog) {
        guard log.verbosity >= 6 else { return }
        log.write(level: "info", source: "client", message: String(format: "%@ %@ %d in %.0f ms", entry.verb, entry.url, entry.status, entry.milliseconds))
        guard log.verbosity >= 8 else { return }
        if let body = entry.shownRequestBody { log.write(level: "info", source: "client", message: "Request Body: " + body) }
        if let body = entry.shownResponseBody { log.write(level: "info", source: "client", message: "Response Body: " + body) }
    }
}
