import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import NIOSSL

extension Transport {
    /// Puts `request` on the wire with `headers`; its answer goes to `receiver`. HTTP/1.1 goes
    /// through the transport's own connections (`ConnectionPool`); HTTP/2 (`http2`) through
    /// AsyncHTTPClient.
    func exchange(_ request: RESTRequest, headers: HTTPHeaders, deadline: NIODeadline?, to receiver: any AnswerReceiver) throws(KubeError) -> Exchange {
        let exchange = Exchange(to: receiver)
        let exec = try execTLSConfiguration()
        if let http2 {
            let outgoing: HTTPClient.Request
            do {
                outgoing = try HTTPClient.Request(url: address(of: request), method: HTTPMethod(rawValue: request.verb), headers: headers,
                                                  body: request.body.map { .bytes($0) })
            } catch {
                throw .transport("\(request.verb) \(configuration.server + request.target): \(Self.describe(error))")
            }
            var request = outgoing
            if let exec { request.tlsConfiguration = exec.settings }
            let task = http2.execute(request: request, delegate: ExchangeDelegate(exchange), deadline: deadline)
            _ = exchange.carried { task.cancel() }
            return exchange
        }
        let head = HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: request.verb), uri: request.target, headers: headers)
        try pool(for: exec).send(head, body: request.body, for: exchange, deadline: deadline)
        return exchange
    }

    /// The connections for the configuration's TLS settings, or for an exec plugin's certificate.
    private func pool(for exec: (certificate: String, settings: TLSConfiguration)?) throws(KubeError) -> ConnectionPool {
        let key = exec?.certificate ?? ""
        if let pool = pools.withLockedValue({ $0[key] }) { return pool }
        guard let endpoint else { throw .configuration("the server \"\(configuration.server)\" is not an http or https URL") }
        var context: NIOSSLContext?
        if let settings = exec?.settings ?? tls {
            do {
                context = try NIOSSLContext(configuration: settings)
            } catch {
                throw .configuration("the TLS settings cannot be used: \(Self.describe(error))")
            }
        }
        let made = ConnectionPool(host: endpoint.host, port: endpoint.port, serverName: endpoint.serverName, tls: context)
        return pools.withLockedValue { pools in
            if let pool = pools[key] { return pool }
            // an exec plugin's rotated certificate replaces the connections of the one before
            for (old, pool) in pools where old != "" { pool.close() }
            pools = pools.filter { $0.key == "" }
            pools[key] = made
            return made
        }
    }
}

/// Gathers a whole answer: its head and body, or the failure.
final class AnswerGatherer: AnswerReceiver, @unchecked Sendable {
    private let done: @Sendable (Result<(HTTPResponseHead, [UInt8]), any Error>) -> Void
    private var answerHead: HTTPResponseHead?
    private var answerBody: [UInt8] = []

    init(_ done: @escaping @Sendable (Result<(HTTPResponseHead, [UInt8]), any Error>) -> Void) {
        self.done = done
    }

    func head(_ head: HTTPResponseHead) { answerHead = head }
    func body(_ part: ByteBuffer) { answerBody.append(contentsOf: part.readableBytesView) }
    func end() {
        guard let answerHead else { return done(.failure(ExchangeError.connectionClosed)) }
        done(.success((answerHead, answerBody)))
    }
    func fail(_ error: any Error) { done(.failure(error)) }
}

/// AsyncHTTPClient's answer, part by part, handed to an exchange (HTTP/2).
final class ExchangeDelegate: HTTPClientResponseDelegate, @unchecked Sendable {
    typealias Response = Void
    let exchange: Exchange

    init(_ exchange: Exchange) { self.exchange = exchange }

    func didReceiveHead(task: HTTPClient.Task<Void>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        exchange.listener?.head(head)
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Void>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        exchange.listener?.body(buffer)
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveError(task: HTTPClient.Task<Void>, _ error: any Error) { exchange.end(failing: error) }

    func didFinishRequest(task: HTTPClient.Task<Void>) throws { exchange.finish() }
}
