import Foundation
import KubeServer
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import XCTest

/// An HTTP/1.1 proxy on loopback that sits between a client and a server (SwiftNIO, in this
/// process) and misbehaves as told: it drops connections before or in the middle of an answer,
/// delays requests, holds them until enough are in flight, answers 429/503 with `Retry-After` or 500 itself, and cuts watch streams
/// every so many events. Every request it sees is recorded, so that a test can count what the
/// client really sent.
final class FaultProxy: @unchecked Sendable {
    /// What to do to a request.
    enum Fault: Sendable, Equatable {
        /// Close the connection without an answer (nothing reaches the server).
        case drop
        /// Send the request on, then close the connection after this many bytes of the answer's
        /// body (the server did the work; the client sees the connection lost).
        case cutResponse(afterBytes: Int)
        /// Wait this long before sending the request on.
        case delay(seconds: Double)
        /// Answer with this status, a Status body, and `Retry-After` when given.
        case status(code: Int, retryAfter: Int?)
        /// Send the request on, and close the connection after this many watch events.
        case cutWatch(afterEvents: Int)
        /// Hold the request until this many held by this fault are waiting, then send them all
        /// on: only a client with that many requests in flight at once gets past it.
        case gather(Int)
    }

    /// A fault for the next `count` requests whose method and path match.
    struct Rule: Sendable {
        var fault: Fault
        var method: String?
        var path: String
        var count: Int

        func matches(method: String, uri: String) -> Bool {
            count > 0 && (self.method == nil || self.method == method) && (path.isEmpty || uri.contains(path))
        }
    }

    /// One request as the proxy saw it.
    struct Seen: Sendable, Equatable {
        var method: String
        var uri: String
    }

    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private var channel: (any Channel)?
    private let lock = NIOLock()
    private var rules: [Rule] = []
    private var seen: [Seen] = []
    /// The requests a `gather` fault holds: how each is sent on.
    private var gathered: [@Sendable () -> Void] = []
    let upstreamPort: Int
    /// The proxy's own port.
    private(set) var port = 0

    /// A proxy in front of the server at `127.0.0.1:upstreamPort`.
    init(upstreamPort: Int) throws {
        self.upstreamPort = upstreamPort
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(DownstreamHandler(proxy: self))
                }
            }
        let channel = try bootstrap.bind(host: "127.0.0.1", port: 0).wait()
        self.channel = channel
        port = channel.localAddress?.port ?? 0
    }

    /// `http://127.0.0.1:PORT`.
    var address: String { "http://127.0.0.1:\(port)" }

    /// An embedded server (no controllers) behind a new proxy, both stopped when `test` ends.
    static func inFront(of test: XCTestCase) throws -> (server: HTTPServer, proxy: FaultProxy) {
        let server = try HTTPServer(APIServer(), port: 0)
        let proxy = try FaultProxy(upstreamPort: server.port)
        test.addTeardownBlock {
            proxy.stop()
            try? server.stop()
        }
        return (server, proxy)
    }

    func stop() {
        try? channel?.close().wait()
        try? group.syncShutdownGracefully()
    }

    /// Gives `fault` to the next `count` requests that match (`Int.max`: all of them).
    func inject(_ fault: Fault, method: String? = nil, path: String = "", count: Int = 1) {
        lock.withLock { rules.append(Rule(fault: fault, method: method, path: path, count: count)) }
    }

    /// The requests seen so far whose method and path match.
    func requests(method: String? = nil, path: String = "") -> [Seen] {
        lock.withLock { seen.filter { (method == nil || $0.method == method) && (path.isEmpty || $0.uri.contains(path)) } }
    }

    /// Holds a request by a `gather(count)` fault; once `count` are held, they are all sent on.
    fileprivate func gather(_ count: Int, _ sendOn: @escaping @Sendable () -> Void) {
        let released: [@Sendable () -> Void] = lock.withLock {
            gathered.append(sendOn)
            guard gathered.count >= count else { return [] }
            defer { gathered = [] }
            return gathered
        }
        for sendOn in released { sendOn() }
    }

    /// Records a request and takes the fault of the first rule that matches it.
    fileprivate func fault(method: String, uri: String) -> Fault? {
        lock.withLock {
            seen.append(Seen(method: method, uri: uri))
            guard let index = rules.firstIndex(where: { $0.matches(method: method, uri: uri) }) else { return nil }
            if rules[index].count != .max { rules[index].count -= 1 }
            return rules[index].fault
        }
    }
}

/// Reads a client's requests, applies the proxy's faults, and relays the server's answers.
private final class DownstreamHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let proxy: FaultProxy
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()

    init(proxy: FaultProxy) { self.proxy = proxy }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body.clear()
        case .body(var part):
            body.writeBuffer(&part)
        case .end:
            guard let head else { return }
            self.head = nil
            let downstream = context.channel
            switch proxy.fault(method: head.method.rawValue, uri: head.uri) {
            case nil: forward(head, body, to: downstream, cut: nil)
            case .drop?: downstream.close(promise: nil)
            case .delay(let seconds)?:
                let body = body
                context.eventLoop.scheduleTask(in: .milliseconds(Int64(seconds * 1000))) {
                    if downstream.isActive { self.forward(head, body, to: downstream, cut: nil) }
                }
            case .status(let code, let retryAfter)?:
                answer(code: code, retryAfter: retryAfter, on: downstream)
            case .cutResponse(let bytes)?: forward(head, body, to: downstream, cut: .bytes(bytes))
            case .cutWatch(let events)?: forward(head, body, to: downstream, cut: .events(events))
            case .gather(let count)?:
                let body = body
                proxy.gather(count) {
                    downstream.eventLoop.execute { if downstream.isActive { self.forward(head, body, to: downstream, cut: nil) } }
                }
            }
        }
    }

    /// Answers with a Status of `code`, as kube-apiserver words it.
    func answer(code: Int, retryAfter: Int?, on downstream: any Channel) {
        let reason = [429: "TooManyRequests", 500: "InternalError", 503: "ServiceUnavailable"][code] ?? "Unknown"
        let text = #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"injected by the proxy","reason":"\#(reason)","code":\#(code)}"#
        var headers = HTTPHeaders([("content-type", "application/json"), ("content-length", String(text.utf8.count))])
        if let retryAfter { headers.add(name: "retry-after", value: String(retryAfter)) }
        let status = HTTPResponseStatus(statusCode: code)
        downstream.write(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers)), promise: nil)
        downstream.write(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(string: text))), promise: nil)
        downstream.writeAndFlush(HTTPServerResponsePart.end(nil), promise: nil)
    }

    /// Sends the request to the server on a connection of its own and relays the answer.
    func forward(_ head: HTTPRequestHead, _ body: ByteBuffer, to downstream: any Channel, cut: UpstreamHandler.Cut?) {
        let eventLoop = downstream.eventLoop
        ClientBootstrap(group: eventLoop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(UpstreamHandler(downstream: downstream, cut: cut))
                }
            }
            .connect(host: "127.0.0.1", port: proxy.upstreamPort)
            .whenComplete { result in
                guard case .success(let upstream) = result else { return downstream.close(promise: nil) }
                var head = head
                head.headers.replaceOrAdd(name: "connection", value: "close")
                upstream.write(HTTPClientRequestPart.head(head), promise: nil)
                if body.readableBytes > 0 { upstream.write(HTTPClientRequestPart.body(.byteBuffer(body)), promise: nil) }
                upstream.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
                // a client that goes away takes the server's connection with it (a watch ends)
                downstream.closeFuture.whenComplete { _ in upstream.close(promise: nil) }
            }
    }
}

/// Relays the server's answer to the client, cutting it where the fault says.
private final class UpstreamHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPClientResponsePart

    enum Cut {
        case bytes(Int)
        case events(Int)
    }

    let downstream: any Channel
    let cut: Cut?
    private var relayed = 0
    private var events = 0
    private var done = false

    init(downstream: any Channel, cut: Cut?) {
        self.downstream = downstream
        self.cut = cut
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !done else { return }
        switch unwrapInboundIn(data) {
        case .head(let head):
            downstream.writeAndFlush(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: head.status, headers: head.headers)),
                                     promise: nil)
        case .body(let part):
            var part = part
            switch cut {
            case .bytes(let limit)?:
                let allowed = min(part.readableBytes, limit - relayed)
                if allowed < part.readableBytes {
                    if allowed > 0, let slice = part.readSlice(length: allowed) { write(slice) }
                    return sever(context)
                }
            case .events(let limit)?:
                // relay whole lines until the limit, then sever in the middle of the stream
                let bytes = part.readableBytesView
                var sent = bytes.startIndex
                for index in bytes.indices where bytes[index] == 0x0A {
                    events += 1
                    sent = index + 1
                    if events == limit {
                        if let slice = part.getSlice(at: part.readerIndex, length: sent - bytes.startIndex) { write(slice) }
                        return sever(context)
                    }
                }
            case nil:
                break
            }
            relayed += part.readableBytes
            write(part)
        case .end:
            done = true
            downstream.writeAndFlush(HTTPServerResponsePart.end(nil), promise: nil)
            context.close(promise: nil)
        }
    }

    func write(_ buffer: ByteBuffer) {
        downstream.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(buffer)), promise: nil)
    }

    /// Closes both connections in the middle of the answer.
    func sever(_ context: ChannelHandlerContext) {
        done = true
        downstream.flush()
        downstream.close(promise: nil)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !done { downstream.close(promise: nil) }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}
