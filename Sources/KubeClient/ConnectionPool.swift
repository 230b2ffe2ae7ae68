import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOHTTPCompression
import NIOPosix
import NIOSSL

/// What an exchange's answer is handed to, part by part, on its connection's event loop: the
/// head, the body's parts, then `end`; or `fail`. One of `end` and `fail` comes, once.
protocol AnswerReceiver: AnyObject, Sendable {
    func head(_ head: HTTPResponseHead)
    func body(_ part: ByteBuffer)
    func end()
    func fail(_ error: any Error)
}

/// Why an exchange ended without its whole answer, besides the connection's own errors.
enum ExchangeError: Error, CustomStringConvertible {
    /// The connection closed before the answer ended.
    case connectionClosed
    /// The request's deadline passed.
    case timedOut
    /// The exchange was cancelled.
    case cancelled

    var description: String {
        switch self {
        case .connectionClosed: return "the connection was closed before the answer ended"
        case .timedOut: return "timed out"
        case .cancelled: return "cancelled"
        }
    }
}

/// One request and its answer on the wire. Its receiver hears the end or a failure once;
/// `cancel` (or the deadline) fails it and closes its connection.
final class Exchange: @unchecked Sendable {
    private let lock = NIOLock()
    private var receiver: (any AnswerReceiver)?
    /// How to stop what carries it: close its connection, or cancel the HTTP client's task.
    private var stop: (@Sendable () -> Void)?
    private var timer: Scheduled<Void>?

    init(to receiver: any AnswerReceiver) {
        self.receiver = receiver
    }

    /// Records how to stop it once it is on the wire; false (and nothing recorded) when it has
    /// ended already.
    func carried(by stop: @escaping @Sendable () -> Void) -> Bool {
        lock.withLock {
            guard receiver != nil else { return false }
            self.stop = stop
            return true
        }
    }

    /// Fails it with `ExchangeError.timedOut` at `deadline`, unless it has ended by then.
    func expire(at deadline: NIODeadline, on loop: any EventLoop) {
        let timer = loop.scheduleTask(deadline: deadline) { self.end(failing: ExchangeError.timedOut) }
        let ended = lock.withLock {
            if receiver != nil { self.timer = timer }
            return receiver == nil
        }
        if ended { timer.cancel() }
    }

    /// The receiver, while it has not ended.
    var listener: (any AnswerReceiver)? { lock.withLock { receiver } }

    /// Ends it with its whole answer.
    func finish() {
        complete()?.end()
    }

    /// Ends it, its whole answer there: the receiver, to be told (`end`) once the connection is
    /// free again; nil when it had ended already (cancelled, timed out).
    func complete() -> (any AnswerReceiver)? {
        take()?.receiver
    }

    /// Ends it with `error`, stopping what carries it.
    func end(failing error: any Error) {
        guard let (receiver, stop) = take() else { return }
        stop?()
        receiver.fail(error)
    }

    func cancel() { end(failing: ExchangeError.cancelled) }

    /// The receiver and how to stop the exchange, taken at once (nil when it has ended).
    private func take() -> (receiver: any AnswerReceiver, stop: (@Sendable () -> Void)?)? {
        let (receiver, stop, timer) = lock.withLock {
            defer { (self.receiver, self.stop, self.timer) = (nil, nil, nil) }
            return (self.receiver, self.stop, self.timer)
        }
        timer?.cancel()
        return receiver.map { ($0, stop) }
    }
}

/// HTTP/1.1 connections to one server with one TLS identity, kept alive and reused, as Go's
/// transport keeps them: a request takes an idle connection or opens another (there is no
/// limit), and gives it back when its answer has ended. At most 25 wait idle, each for at most
/// a minute (client-go's 25 per host; kube-apiserver closes them after 90 s). Everything about
/// one request happens on its connection's event loop, and nothing waits: the answer goes to the
/// exchange's receiver.
final class ConnectionPool: @unchecked Sendable {
    let host: String
    let port: Int
    /// The name sent as SNI: the name the certificate is checked against, unless that is an
    /// address (NIOSSL then checks the certificate against the address).
    let sni: String?
    let tls: NIOSSLContext?
    static let maximumIdle = 25
    static let idleTimeout = TimeAmount.seconds(60)
    private let lock = NIOLock()
    private var idle: [(channel: any Channel, timer: Scheduled<Void>)] = []
    private var closed = false

    /// Connections to `host`:`port`, whose certificate must name `serverName`.
    init(host: String, port: Int, serverName: String, tls: NIOSSLContext?) {
        self.host = host
        self.port = port
        sni = serverName.isEmpty || (try? SocketAddress(ipAddress: serverName, port: 0)) != nil ? nil : serverName
        self.tls = tls
    }

    /// Sends a request (`head` and `body`) for `exchange` on an idle connection or a new one.
    func send(_ head: HTTPRequestHead, body: [UInt8]?, for exchange: Exchange, deadline: NIODeadline?) {
        if let channel = takeIdle() {
            if let deadline { exchange.expire(at: deadline, on: channel.eventLoop) }
            channel.eventLoop.execute { self.begin(exchange, head, body, on: channel) }
            return
        }
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        if let deadline { exchange.expire(at: deadline, on: loop) }
        dial(exchange, head, body, on: loop)
    }

    /// Closes the idle connections; those in use close when their answers end.
    func close() {
        let channels = lock.withLock {
            closed = true
            defer { idle = [] }
            return idle
        }
        for (channel, timer) in channels {
            timer.cancel()
            channel.close(promise: nil)
        }
    }

    private func takeIdle() -> (any Channel)? {
        lock.withLock {
            while let (channel, timer) = idle.popLast() {
                timer.cancel()
                if channel.isActive { return channel }
            }
            return nil
        }
    }

    /// Keeps `channel` for the next request (on its event loop), or closes it.
    fileprivate func giveBack(_ channel: any Channel) {
        let timer = channel.eventLoop.scheduleTask(in: Self.idleTimeout) { [weak self] in
            self?.forget(channel)
            channel.close(promise: nil)
        }
        let kept = lock.withLock {
            guard !closed, idle.count < Self.maximumIdle else { return false }
            idle.append((channel, timer))
            return true
        }
        if !kept {
            timer.cancel()
            channel.close(promise: nil)
        }
    }

    fileprivate func forget(_ channel: any Channel) {
        lock.withLock { idle.removeAll { $0.channel === channel } }
    }

    /// Opens a connection for `exchange`, unless it has ended.
    private func dial(_ exchange: Exchange, _ head: HTTPRequestHead, _ body: [UInt8]?, on loop: any EventLoop) {
        guard exchange.listener != nil else { return }
        connect(on: loop).whenComplete { result in
            switch result {
            case .success(let channel): self.begin(exchange, head, body, on: channel, fresh: true)
            case .failure(let error): exchange.end(failing: error)
            }
        }
    }

    private func connect(on loop: any EventLoop) -> EventLoopFuture<any Channel> {
        let tls = self.tls, sni = self.sni
        return ClientBootstrap(group: loop)
            .connectTimeout(.seconds(10))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { [weak self] channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: sni))
                    }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    // Accept-Encoding: gzip, as Go's transport sends it: kube-apiserver then
                    // compresses answers over 128 KB (lists)
                    try channel.pipeline.syncOperations.addHandler(NIOHTTPResponseDecompressor(limit: .none))
                    try channel.pipeline.syncOperations.addHandler(ConnectionHandler(pool: self))
                }
            }
            .connect(host: host, port: port)
    }

    /// Writes `exchange`'s request on `channel` (on its event loop). When the server closed this
    /// idle connection meanwhile, nothing was sent on it: the request goes on a new one (a new
    /// one closed at once is a failure).
    private func begin(_ exchange: Exchange, _ head: HTTPRequestHead, _ body: [UInt8]?, on channel: any Channel, fresh: Bool = false) {
        guard channel.isActive, let handler = try? channel.pipeline.syncOperations.handler(type: ConnectionHandler.self) else {
            if fresh { return exchange.end(failing: ExchangeError.connectionClosed) }
            return dial(exchange, head, body, on: channel.eventLoop)
        }
        guard exchange.carried(by: { channel.close(promise: nil) }) else { return giveBack(channel) }
        handler.begin(exchange, head, body, on: channel)
    }
}

/// A connection's last handler: writes its exchange's request and hands the answer on.
private final class ConnectionHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private weak var pool: ConnectionPool?
    private var exchange: Exchange?
    /// Whether the connection may carry another request after this answer.
    private var keepAlive = true

    init(pool: ConnectionPool?) { self.pool = pool }

    func begin(_ exchange: Exchange, _ head: HTTPRequestHead, _ body: [UInt8]?, on channel: any Channel) {
        self.exchange = exchange
        var head = head
        if let body { head.headers.replaceOrAdd(name: "Content-Length", value: String(body.count)) }
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        if let body, !body.isEmpty {
            channel.write(HTTPClientRequestPart.body(.byteBuffer(channel.allocator.buffer(bytes: body))), promise: nil)
        }
        channel.writeAndFlush(HTTPClientRequestPart.end(nil)).whenFailure { error in exchange.end(failing: error) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            if !head.isKeepAlive { keepAlive = false }
            exchange?.listener?.head(head)
        case .body(let part):
            exchange?.listener?.body(part)
        case .end:
            guard let exchange else { return }
            self.exchange = nil
            // an exchange cancelled meanwhile has its close on the way: not given back
            guard let receiver = exchange.complete() else { return context.close(promise: nil) }
            // back in the pool before the answer is read, so that the next request finds it
            if keepAlive, let pool { pool.giveBack(context.channel) } else { context.close(promise: nil) }
            receiver.end()
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        pool?.forget(context.channel)
        exchange?.end(failing: ExchangeError.connectionClosed)
        exchange = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        exchange?.end(failing: error)
        exchange = nil
        context.close(promise: nil)
    }
}
