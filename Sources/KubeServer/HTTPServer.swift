import KubeAPI
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// Serves an `APIServer` over HTTP/1.1 on a loopback socket (SwiftNIO), so that real clients
/// (kubectl, the Python client, kubescript's own client) can use it.
public final class HTTPServer: Sendable {
    let group: MultiThreadedEventLoopGroup
    let channel: any Channel
    /// The port bound (useful when 0 asked for any free one).
    public let port: Int

    /// Binds `host:port` (port 0: any free port) and starts answering with `server`, over HTTPS
    /// when `tls` is given.
    public init(_ server: APIServer, host: String = "127.0.0.1", port: Int = 0, tls: ServerTLS? = nil) throws {
        let group = InterruptMask.blocking { MultiThreadedEventLoopGroup(numberOfThreads: 1) }  // Ctrl-C is the Lua thread's
        let context = try tls.map { try NIOSSLContext(configuration: $0.configuration()) }
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let context { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context)) }
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
        if server.controllers != nil {
            // the controllers' clock: pods start, jobs finish, as time passes
            _ = group.next().scheduleRepeatedTask(initialDelay: .milliseconds(100), delay: .milliseconds(100)) { _ in server.settle() }
        }
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

/// What HTTPS needs: the serving certificate (chain) and key, and the authority whose client
/// certificates authenticate users, if any.
public struct ServerTLS: Sendable {
    public var certificateChainPEM: String
    public var privateKeyPEM: String
    /// Client certificates signed by this authority are accepted (optional: a client may
    /// present none and use a token instead).
    public var clientCertificateAuthorityPEM: String?

    public init(certificateChainPEM: String, privateKeyPEM: String, clientCertificateAuthorityPEM: String? = nil) {
        self.certificateChainPEM = certificateChainPEM
        self.privateKeyPEM = privateKeyPEM
        self.clientCertificateAuthorityPEM = clientCertificateAuthorityPEM
    }

    func configuration() throws -> TLSConfiguration {
        let chain = try NIOSSLCertificate.fromPEMBytes(Array(certificateChainPEM.utf8)).map { NIOSSLCertificateSource.certificate($0) }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain, privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(privateKeyPEM.utf8), format: .pem)))
        if let authority = clientCertificateAuthorityPEM {
            configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(authority.utf8)))
            configuration.certificateVerification = .optionalVerification
        }
        return configuration
    }
}

/// Collects one request (head and body), answers it with the API server, and keeps the
/// connection open when the client asked for keep-alive. A watch is streamed: one JSON event per
/// line in a chunked body, until its timeout or until the client goes away.
final class APIRequestHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let server: APIServer
    var head: HTTPRequestHead?
    var body: [UInt8] = []
    /// The watch being streamed, and when it ends.
    var subscription: WatchSubscription?
    var timeout: Scheduled<Void>?
    /// Whether a watch's body is being written (events after its end are dropped).
    var streaming = false
    /// The user the connection's client certificate names, read once per connection.
    private var peer: (read: Bool, user: Authentication.User?) = (false, nil)

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
            var request = APIRequest(method: head.method.rawValue, target: head.uri, headers: headers, body: body)
            request.certificateUser = peerUser(context)
            switch server.reply(to: request) {
            case .response(let response): respond(response, to: head, context: context)
            case .watch(let watch): stream(watch, to: head, context: context)
            case .follow(let follow): stream(follow, to: head, context: context)
            case .drop: context.close(promise: nil)
            }
            if request.method != "GET" && request.method != "HEAD" {
                // The garbage collector runs shortly after a write, as kube-controller-manager's
                // would: a client sees an object marked for deletion before it goes.
                let server = self.server
                context.eventLoop.scheduleTask(in: .milliseconds(50)) { server.settle() }
            }
        }
    }

    /// The user of the client certificate the TLS handshake verified, if any.
    func peerUser(_ context: ChannelHandlerContext) -> Authentication.User? {
        if !peer.read {
            var user: Authentication.User?
            if let certificate = try? context.pipeline.syncOperations.handler(type: NIOSSLHandler.self).peerCertificate,
               let der = try? certificate.toDERBytes() {
                user = CertificateAuthority.user(ofCertificateDER: der)
            }
            peer = (true, user)
        }
        return peer.user
    }

    func channelInactive(context: ChannelHandlerContext) {
        stopWatching()
        context.fireChannelInactive()
    }

    func stopWatching() {
        streaming = false
        subscription?.cancel()
        subscription = nil
        timeout?.cancel()
        timeout = nil
    }

    func respond(_ response: APIResponse, to request: HTTPRequestHead, context: ChannelHandlerContext) {
        var headers = HTTPHeaders(response.headers)
        headers.add(name: "content-length", value: String(response.body.count))
        if !request.isKeepAlive { headers.add(name: "connection", value: "close") }
        let head = HTTPResponseHead(version: request.version, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if request.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: response.body)))), promise: nil)
        }
        end(request, context: context)
    }

    func end(_ request: HTTPRequestHead, context: ChannelHandlerContext) {
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !request.isKeepAlive {
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            done.whenComplete { _ in bound.value.close(promise: nil) }
        }
    }

    /// A followed log: its text, then nothing until the Pod is deleted (or the client goes).
    func stream(_ follow: LogFollow, to request: HTTPRequestHead, context: ChannelHandlerContext) {
        let headers = HTTPHeaders([("content-type", "text/plain"), ("transfer-encoding", "chunked")])
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: .ok, headers: headers))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: follow.text)))), promise: nil)
        let loop = context.eventLoop
        let bound = NIOLoopBound(context, eventLoop: loop)
        let handler = NIOLoopBound(self, eventLoop: loop)
        streaming = true
        subscription = server.startWatch(follow.watch) { event in
            let last = event.type == "MODIFIED" ? follow.lastLine(event.object) : nil
            guard event.type == "DELETED" || last != nil else { return }
            loop.execute {
                guard handler.value.streaming else { return }
                handler.value.stopWatching()
                let context = bound.value
                if let last { context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(context.channel.allocator.buffer(bytes: last)))), promise: nil) }
                handler.value.end(request, context: context)
            }
        }
        if subscription == nil {  // the Pod's history is gone: nothing more will come
            stopWatching()
            end(request, context: context)
        }
    }

    func stream(_ watch: WatchRequest, to request: HTTPRequestHead, context: ChannelHandlerContext) {
        let headers = HTTPHeaders([("content-type", "application/json"), ("transfer-encoding", "chunked")])
        context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: .ok, headers: headers))), promise: nil)
        let loop = context.eventLoop
        let bound = NIOLoopBound(context, eventLoop: loop)
        let handler = NIOLoopBound(self, eventLoop: loop)
        let sent = NIOLockedValueBox(0)
        let send: @Sendable (WatchEvent) -> Void = { event in
            loop.execute {
                guard handler.value.streaming else { return }
                let context = bound.value
                let part = HTTPServerResponsePart.body(.byteBuffer(context.channel.allocator.buffer(bytes: event.line)))
                context.writeAndFlush(NIOAny(part), promise: nil)
                if let end = watch.endAfterEvents, sent.withLockedValue({ $0 += 1; return $0 }) >= end {
                    // an injected fault: the stream ends early, with no bookmark
                    handler.value.stopWatching()
                    handler.value.end(request, context: context)
                }
            }
        }
        let finish = { @Sendable in
            let this = handler.value
            guard this.streaming else { return }
            let subscription = this.subscription
            this.stopWatching()
            if watch.bookmarks, let bookmark = subscription?.bookmark() {
                let context = bound.value
                let part = HTTPServerResponsePart.body(.byteBuffer(context.channel.allocator.buffer(bytes: bookmark.line)))
                context.write(NIOAny(part), promise: nil)
            }
            loop.execute { handler.value.end(request, context: bound.value) }
        }
        streaming = true
        subscription = server.startWatch(watch, send: send)
        guard subscription != nil else {
            loop.execute { finish() }  // an ERROR event was sent: the watch is over
            return
        }
        timeout = loop.scheduleTask(in: .seconds(watch.timeoutSeconds)) { finish() }
    }
}
