import KubeAPI
import KubeBindings
import NIOCore
import NIOHTTP1
import NIOPosix
import Prometheus
import ServiceLifecycle

/// The endpoints a script run in a Pod serves (`--health-addr`, `--metrics-addr`), as
/// controller-runtime's manager does: `/healthz` (the process is alive), `/readyz` (its informers
/// have synced and it is not shutting down) and `/metrics` (Prometheus' text format). One
/// listener per address; the two may share one. A `Service` of the process's service group: it
/// stops listening when the group shuts down, after the script has ended.
final class Endpoints: Service, Sendable {
    /// What one listener answers.
    struct Paths: OptionSet, Sendable {
        let rawValue: Int
        static let probes = Paths(rawValue: 1)
        static let metrics = Paths(rawValue: 2)
    }

    private let channels: [any Channel]
    /// The addresses bound, for the log (a port 0 asked for is the port the system gave).
    let bound: [(address: String, paths: Paths)]

    /// Binds every listener at once, so that an address in use is an error before the script runs.
    init(_ listeners: [(address: String, paths: Paths)], lifecycle: ScriptLifecycle, registry: PrometheusCollectorRegistry?) throws {
        var channels: [any Channel] = [], bound: [(String, Paths)] = []
        let group = InterruptMask.blocking { MultiThreadedEventLoopGroup.singleton }  // Ctrl-C is the Lua thread's
        do {
            for (address, paths) in listeners {
                let (host, port) = try Self.parse(address)
                let channel = try ServerBootstrap(group: group)
                    .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
                    .childChannelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                            try channel.pipeline.syncOperations.addHandler(
                                EndpointHandler(paths: paths, lifecycle: lifecycle, registry: registry))
                        }
                    }
                    .bind(host: host, port: port).wait()
                channels.append(channel)
                bound.append(("\(host):\(channel.localAddress?.port ?? port)", paths))
            }
        } catch {
            for channel in channels { try? channel.close().wait() }
            throw error
        }
        self.channels = channels
        self.bound = bound
    }

    /// `host:port`, `:port` (every interface, as controller-runtime's `:8080`) or `[::1]:port`.
    static func parse(_ address: String) throws -> (host: String, port: Int) {
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]),
              (0...65535).contains(port) else {
            throw EndpointError("\(address) is not an address: HOST:PORT or :PORT expected")
        }
        var host = String(address[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host.isEmpty ? "0.0.0.0" : host, port)
    }

    func run() async throws {
        try? await gracefulShutdown()
        for channel in channels { try? await channel.close() }
    }
}

struct EndpointError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Answers one connection's requests: GET or HEAD of the paths its listener serves.
final class EndpointHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let paths: Endpoints.Paths
    private let lifecycle: ScriptLifecycle
    private let registry: PrometheusCollectorRegistry?

    init(paths: Endpoints.Paths, lifecycle: ScriptLifecycle, registry: PrometheusCollectorRegistry?) {
        self.paths = paths
        self.lifecycle = lifecycle
        self.registry = registry
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(let head) = unwrapInboundIn(data) else { return }
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        let (status, type, body) = answer(method: head.method, path: path)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: type)
        headers.add(name: "Content-Length", value: String(body.count))
        headers.add(name: "X-Content-Type-Options", value: "nosniff")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
        if head.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    private func answer(method: HTTPMethod, path: String) -> (HTTPResponseStatus, String, [UInt8]) {
        let text = "text/plain; charset=utf-8"
        guard method == .GET || method == .HEAD else { return (.methodNotAllowed, text, Array("method not allowed\n".utf8)) }
        switch path {
        case "/healthz" where paths.contains(.probes):
            return (.ok, text, Array("ok".utf8))
        case "/readyz" where paths.contains(.probes):
            if let reason = lifecycle.notReadyReason { return (.serviceUnavailable, text, Array("not ready: \(reason)\n".utf8)) }
            return (.ok, text, Array("ok".utf8))
        case "/metrics" where paths.contains(.metrics):
            var body: [UInt8] = []
            registry?.emit(into: &body)
            return (.ok, "text/plain; version=0.0.4; charset=utf-8", body)
        default:
            return (.notFound, text, Array("404 page not found\n".utf8))
        }
    }
}
