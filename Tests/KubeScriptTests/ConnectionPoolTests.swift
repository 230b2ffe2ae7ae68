import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import XCTest
@testable import KubeClient

/// The transport's own HTTP/1.1 connections (`ConnectionPool`) against a server on loopback that
/// answers each request with the number of the connection it came on: connections are reused,
/// one per request in flight, `Connection: close` is honoured, and a connection the server
/// closed while it was idle is not written to.
final class ConnectionPoolTests: KubeScriptTestCase {
    var server: NumberingServer!
    var transport: Transport!

    override func setUpWithError() throws {
        server = try NumberingServer()
        transport = try Transport(ClientConfiguration(server: "http://127.0.0.1:\(server.port)"))
    }

    override func tearDown() {
        server?.stop()
    }

    /// The number of the connection `path` was answered on.
    func connection(_ path: String, verb: String = "GET") throws -> String {
        let response = try transport.send(RESTRequest(verb: verb).absolutePath(path))
        XCTAssertEqual(response.status, 200)
        return String(decoding: response.body, as: UTF8.self)
    }

    func testConnectionsAreReused() throws {
        let first = try connection("/a")
        for _ in 1...5 { XCTAssertEqual(try connection("/a"), first) }
        XCTAssertEqual(server.connections, 1)
    }

    /// A POST, which is never tried again: sent on the closed connection, it would fail.
    func testConnectionCloseIsHonoured() throws {
        let first = try connection("/close-now")
        XCTAssertNotEqual(try connection("/a", verb: "POST"), first)
    }

    /// The server closes the connection 50 ms after answering; a POST 300 ms later goes on a new
    /// connection (a write is never tried again, so it must not be sent on a dead one).
    func testAConnectionTheServerClosedWhileIdleIsNotUsed() throws {
        let first = try connection("/close-later")
        Thread.sleep(forTimeInterval: 0.3)
        XCTAssertNotEqual(try connection("/x", verb: "POST"), first)
    }

    /// Three requests the server holds for 200 ms are in flight at once on three connections,
    /// which are kept for the requests after them.
    func testEachRequestInFlightHasItsConnection() throws {
        let answers = NIOLockedValueBox<[String]>([])
        let done = DispatchGroup()
        for _ in 1...3 {
            done.enter()
            transport.start(RESTRequest(verb: "GET").absolutePath("/slow")) { result in
                if case .success(let response) = result { answers.withLockedValue { $0.append(String(decoding: response.body, as: UTF8.self)) } }
                done.leave()
            }
        }
        XCTAssertEqual(done.wait(timeout: .now() + 5), .success)
        XCTAssertEqual(Set(answers.withLockedValue { $0 }).count, 3)
        XCTAssertTrue(answers.withLockedValue { $0 }.contains(try connection("/a")))
        XCTAssertEqual(server.connections, 3)
    }
}

/// An HTTP/1.1 server that answers every request with the number of its connection (from 1):
/// `/close-now` with `Connection: close`, `/close-later` by closing 50 ms after the answer,
/// `/slow` after 200 ms.
final class NumberingServer: @unchecked Sendable {
    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private var channel: (any Channel)?
    private let count = NIOLockedValueBox(0)
    private(set) var port = 0

    var connections: Int { count.withLockedValue { $0 } }

    init() throws {
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { [count] channel in
                let number = count.withLockedValue { $0 += 1; return $0 }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Answerer(number: number))
                }
            }
        let channel = try bootstrap.bind(host: "127.0.0.1", port: 0).wait()
        self.channel = channel
        port = channel.localAddress?.port ?? 0
    }

    func stop() {
        try? channel?.close().wait()
        try? group.syncShutdownGracefully()
    }

    private final class Answerer: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let number: Int
        private var uri = ""

        init(number: Int) { self.number = number }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head): uri = head.uri
            case .body: break
            case .end:
                let channel = context.channel, uri = self.uri, number = self.number
                let answer: @Sendable () -> Void = {
                    let text = String(number)
                    var headers = HTTPHeaders([("content-length", String(text.utf8.count))])
                    if uri == "/close-now" { headers.add(name: "connection", value: "close") }
                    channel.write(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers)), promise: nil)
                    channel.write(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(string: text))), promise: nil)
                    channel.writeAndFlush(HTTPServerResponsePart.end(nil)).whenComplete { _ in
                        if uri == "/close-now" { channel.close(promise: nil) }
                        if uri == "/close-later" { channel.eventLoop.scheduleTask(in: .milliseconds(50)) { channel.close(promise: nil) } }
                    }
                }
                if uri == "/slow" {
                    context.eventLoop.scheduleTask(in: .milliseconds(200)) { answer() }
                } else {
                    answer()
                }
            }
        }
    }
}
