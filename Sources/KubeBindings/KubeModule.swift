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
/// errors, `RetryOnConflict`, `WaitFor` (see docs/lua-api.md). The Lua half is `Lua/client.lua`;
/// these are its Swift primitives.
public enum KubeModule {
    /// Adds the client to a runtime's `k8s` module.
    public static func install(in runtime: Runtime, defaults: ClientDefaults) throws(LuaError) {
        try install(in: runtime, current: CurrentDefaults(defaults))
    }

    static func install(in runtime: Runtime, current: CurrentDefaults) throws(LuaError) {
        try runtime.state.register(ClientHandle.self)
        try runtime.state.register(WatchHandle.self)
        let log = runtime.log
        // compiled and run when a script first uses the client (k8s.client, k8s.errors, ...)
        try runtime.extendOnFirstUse(chunkName: EmbeddedLua.client.name, source: EmbeddedLua.client.source, primitives: [
            LuaFunction("new") { call in
                let defaults = current.defaults
                let options = try call.options(1)
                func text(_ key: String) throws(LuaError) -> String? {
                    switch options[key] {
                    case .string(let s)?: return s
                    case nil, .nil?: return nil
                    default: throw call.argumentError(1, "\(key) must be a string")
                    }
                }
                func number(_ key: String) throws(LuaError) -> Double? {
                    switch options[key] {
                    case .integer(let i)?: return Double(i)
                    case .number(let d)?: return d
                    case nil, .nil?: return nil
                    default: throw call.argumentError(1, "\(key) must be a number")
                    }
                }
                let kubeconfig = try text("kubeconfig"), context = try text("context")
                var configuration: ClientConfiguration
                do {
                    if let server = try text("server") {
                        configuration = ClientConfiguration(server: server)
                    } else if kubeconfig == nil, context == nil, let given = defaults.configuration {
                        configuration = given
                    } else {
                        configuration = try ClientConfiguration.load(kubeconfig: kubeconfig ?? defaults.kubeconfig,
                                                                     context: context ?? defaults.context)
                    }
                } catch let error as KubeError {
                    throw LuaError(error.message)
                }
                if let namespace = try text("namespace") ?? defaults.namespace { configuration.namespace = namespace }
                if let timeout = try number("timeout") {
                    guard timeout >= 0, timeout.isFinite else { throw call.argumentError(1, "timeout must be a number of seconds ≥ 0") }
                    configuration.timeout = timeout
                }
                if let qps = try number("qps") {
                    guard qps > 0, qps.isFinite else { throw call.argumentError(1, "qps must be a positive number") }
                    let burst = try number("burst") ?? max(1, qps)
                    guard burst >= 1, burst.isFinite else { throw call.argumentError(1, "burst must be at least 1") }
                    configuration.rateLimit = (qps, Int(burst))
                }
                let client: KubeClient
                do {
                    client = try KubeClient(configuration)
                } catch let error as KubeError {
                    throw LuaError(error.message)
                }
                client.transport.onRequest = { entry in Self.log(entry, to: log) }
                client.transport.isCancelled = { Runtime.interruptPending }
                client.transport.onWarning = { text in log.write(level: "warn", source: "server", message: "Warning: \(text)") }
                try call.results.append(object: ClientHandle(client))
            },
            LuaFunction("builtin") { call in
                try call.results.append(string: JSONValue.array(APIResource.builtIn.map(Self.json)).jsonString())
            },
            LuaFunction("dryrun") { call in
                try call.results.append(current.defaults.dryRun)
            },
        ])
    }

    /// A failure's results: nil, the message, and for a server's failure its Status as JSON.
    static func fail(_ call: inout LuaCall, _ error: KubeError) throws(LuaError) {
        try call.results.appendNil()
        try call.results.append(string: error.message)
        if let status = error.status { try call.results.append(string: status.json.jsonString()) }
    }

    static func json(_ resource: APIResource) -> JSONValue {
        .object([
            "group": .string(resource.group), "version": .string(resource.version), "resource": .string(resource.name),
            "kind": .string(resource.kind), "namespaced": .bool(resource.namespaced),
            "singular": .string(resource.singularName), "verbs": .array(resource.verbs.map { .string($0) }),
            "shortNames": .array(resource.shortNames.map { .string($0) }), "subresources": .array(resource.subresources.map { sub in
                .object(["name": .string(sub.name), "group": .string(sub.group), "version": .string(sub.version), "kind": .string(sub.kind),
                         "verbs": .array(sub.verbs.map { .string($0) })])
            }),
        ])
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

/// A client, as Lua holds it.
final class ClientHandle: LuaObject {
    let client: KubeClient
    init(_ client: KubeClient) { self.client = client }

    static let luaTypeName = "k8s.Client"
    static var luaMethods: [LuaFunction] { [
        LuaFunction("namespace") { call in
            try call.results.append(string: try call.object(1, as: ClientHandle.self).client.namespace)
        },
        LuaFunction("server") { call in
            try call.results.append(string: try call.object(1, as: ClientHandle.self).client.configuration.server)
        },
        // request(verb, target, body, contentType, timeout, headers, decode) → status, body, headers
        // | nil, message; with decode, a successful answer's body comes as a table (decoded once,
        // as k8s.json.decode does; nil when empty)
        LuaFunction("request") { call in
            let client = try call.object(1, as: ClientHandle.self).client
            var request = RESTRequest(verb: try call.string(2)).absolutePath(try call.string(3))
            if !call.isNone(4) { request = request.body(Array(try call.bytes(4)), contentType: call.isNone(5) ? "application/json" : try call.string(5)) }
            if !call.isNone(6) { request = request.timeout(try call.number(6)) }
            for (name, value) in try call.options(7) {
                guard case .string(let text) = value else { throw call.argumentError(7, "header values must be strings") }
                request = request.header(name, text)
            }
            do {
                let response = try client.send(request)
                try call.results.append(integer: Int64(response.status))
                let decode = !call.isNone(8) && (200..<300).contains(response.status)
                let stack = call.stack, results = call.results
                let appended: Result<Void, LuaError> = response.body.withUnsafeBytes { bytes in
                    Result { () throws(LuaError) in
                        if !decode { return try results.append(bytes: bytes) }
                        if bytes.isEmpty { return try results.appendNil() }
                        try stack.pushJSON(bytes)
                        try results.append(stackIndex: stack.top)
                    }
                }
                try appended.get()
                try call.results.beginObject(count: response.headers.count)
                for (name, value) in response.headers {
                    try call.results.append(string: name)
                    try call.results.append(string: value)
                }
                try call.results.end()
            } catch let error as KubeError {
                try KubeModule.fail(&call, error)
            }
        },
        // watch(target) → stream | nil, message
        LuaFunction("watch") { call in
            let client = try call.object(1, as: ClientHandle.self).client
            do {
                let stream = try client.transport.watch(RESTRequest(verb: "GET").absolutePath(try call.string(2)))
                try call.results.append(object: WatchHandle(stream))
            } catch let error as KubeError {
                try KubeModule.fail(&call, error)
            }
        },
        // resources() → JSON list | nil, message (discovery, cached)
        LuaFunction("resources") { call in
            let client = try call.object(1, as: ClientHandle.self).client
            do {
                try call.results.append(string: JSONValue.array(try client.discovery.resources().map(KubeModule.json)).jsonString())
            } catch let error as KubeError {
                try KubeModule.fail(&call, error)
            }
        },
        // resolve(name) → JSON | nil, message (kubectl's names, via discovery)
        LuaFunction("resolve") { call in
            let handle = try call.object(1, as: ClientHandle.self)
            do {
                try call.results.append(string: KubeModule.json(try handle.client.resource(named: try call.string(2)).resource).jsonString())
            } catch let error as KubeError {
                try KubeModule.fail(&call, error)
            }
        },
        // kind(apiVersion, kind) → JSON | nil, message
        LuaFunction("kind") { call in
            let handle = try call.object(1, as: ClientHandle.self)
            let object = JSONValue.object(["apiVersion": .string(try call.string(2)), "kind": .string(try call.string(3))])
            do {
                try call.results.append(string: KubeModule.json(try handle.client.resource(for: object).resource).jsonString())
            } catch let error as KubeError {
                try KubeModule.fail(&call, error)
            }
        },
        LuaFunction("invalidate") { call in
            try call.object(1, as: ClientHandle.self).client.discovery.invalidate()
        },
    ] }
}

/// A watch's stream, as Lua holds it.
final class WatchHandle: LuaObject {
    let stream: WatchStream
    init(_ stream: WatchStream) { self.stream = stream }
    deinit { stream.cancel() }

    static let luaTypeName = "k8s.WatchStream"
    static var luaMethods: [LuaFunction] { [
        // next(timeout) → the event as a table | nil at the end | nil, message; Ctrl-C ends the
        // wait (the transport's isCancelled) and the watch. The event's line is decoded once, straight into tables (as k8s.json.decode).
        LuaFunction("next") { call in
            let stream = try call.object(1, as: WatchHandle.self).stream
            let timeout = call.isNone(2) ? nil : try call.number(2)
            let line: [UInt8]
            do {
                guard let read = try stream.nextLine(timeout: timeout) else { return }
                line = read
            } catch let error as KubeError {
                return try KubeModule.fail(&call, error)
            }
            let decoded: Result<Void, LuaError> = line.withUnsafeBytes { bytes in
                Result { () throws(LuaError) in try call.stack.pushJSON(bytes) }
            }
            guard case .success = decoded else {
                stream.cancel()
                return try KubeModule.fail(&call, WatchStream.malformed(line))
            }
            try call.results.append(stackIndex: call.stack.top)
        },
        LuaFunction("stop") { call in
            try call.object(1, as: WatchHandle.self).stream.cancel()
        },
    ] }
}
