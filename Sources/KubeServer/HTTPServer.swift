import KubeAPI
import NIOCore
import NIOHTTP1
import NIOPosix

/// Serves an `APIServer` over HTTP/1.1 on a loopback socket (SwiftNIO), so that real clients
/// (kubectl, the Python client, kubescript's own client) can use it.
public final class HTTPServer: Sendable {
    let group: MultiThreadedEventLoopGroup
    let channel: any Channel
    /// The port bound (useful when 0 asked for any free one).
    public let port: Int

    /// Binds `host:port` (port 0: any free port) and starts answering with `server`.
    public init(_ server: APIServer, host: String = "127.0.0.1", port: Int = 0) throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(APIRequestHandler(server: server))
                }
            }
        do {
            channel = try bootstrap.bind(host: host, port: port).wait()
        } catch {
            try? group.syncShutdownGracefully()
            throw error
        }
        self.group = group
        self.port = channel.localAddress?.port ?? port
    }

    /// Blocks until the server is stopped.
    public func wait() throws {
        try channel.closeFuture.wait()
    }

    /// Stops listening and closes every connection.
    public func stop() throws {
        try? channel.close().wait()
        try group.syncShutdownGracefully()
    }
}

/// Collects one request (head and body), answers it with the API server, and keeps the
/// connection open when the client asked for keep-alive.
final class APIRequestHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let server: APIServer
    var head: HTTPRequestHead?
    var body: [UInt8] = []

    init(server: APIServer) {
        self.server = server
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = []
        case .body(var buffer):
            body += buffer.readBytes(length: buffer.readableBytes) ?? []
        case .end:
            guard let head else { return }
            self.head = nil
            var headers: [String: String] = [:]
            for (name, value) in head.headers { headers[name.lowercased()] = value }
            let response = server.handle(APIRequest(method: head.method.rawValue, target: head.uri, headers: headers, body: body))
            respond(response, to: head, context: context)
        }
    }

    func respond(_ response: APIResponse, to request: HTTPRequestHead, context: ChannelHandlerContext) {
        var headers = HTTPHeaders(response.headers)
        headers.add(name: "content-length", value: String(response.body.count))
        let keepAlive = request.isKeepAlive
        if !keepAlive { headers.add(name: "connection", value: "close") }
        let head = HTTPResponseHead(version: request.version, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if request.method != .HEAD {
            var buffer = context.channel.allocator.buffer(capacity: response.body.count)
            buffer.writeBytes(response.body)
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            done.whenComplete { _ in bound.value.close(promise: nil) }
        }
    }
}
