import AsyncHTTPClient
import Foundation
import KubeAPI
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// Sends requests to the server as client-go's transport does: HTTP/1.1 connections kept alive
/// and reused (`ConnectionPool`; HTTP/2 through AsyncHTTPClient when `http2` asks for it),
/// verified TLS with the configured authorities and client certificate, the credentials on
/// every request, an optional token-bucket rate limit, and retries — after `Retry-After` on 429
/// and 5xx for every verb (up to 10 tries), after a reset or dropped connection for GET only,
/// and once with fresh exec credentials after a 401. No thread waits for an answer unless the
/// caller does (`send`); `start` calls back.
public final class Transport: @unchecked Sendable {
    public let configuration: ClientConfiguration
    /// Where requests go: the host and port connected to, and the name the certificate is
    /// checked against (`tls-server-name`, else the host); nil when the server is not a URL.
    let endpoint: (host: String, port: Int, serverName: String)?
    /// The server's own `host[:port]`: the `Host` header, and the `host` label of the metrics.
    let authority: String
    /// The HTTP/1.1 connections (`ConnectionPool`), one pool per client certificate an exec
    /// plugin gave ("" for the configuration's own TLS settings), made when first used.
    let pools = NIOLockedValueBox<[String: ConnectionPool]>([:])
    /// AsyncHTTPClient, for HTTP/2 (`http2`) only.
    let http2: HTTPClient?
    /// The URL AsyncHTTPClient sends to: the server's, or with `tls-server-name` in place of its host.
    private let base: String
    /// The TLS settings made from the configuration (nil for `http://`).
    let tls: TLSConfiguration?
    /// Those settings with the client certificate an exec plugin gave, made once per certificate.
    private var execTLS: (certificate: String, settings: TLSConfiguration)?
    private let limiter: TokenBucket?
    /// Its metric series (`Transport+metrics.swift`).
    let metrics = NIOLockedValueBox(TransportMetrics())
    private let lock = NIOLock()
    private var warningsSeen: Set<String> = []
    private var tokenFileCache: (path: String, modified: Date, token: String)?
    /// Receives each `Warning` the server sends, once per distinct text.
    public var onWarning: (@Sendable (String) -> Void)?
    /// Receives a line per request sent: verb, URL, status, milliseconds (for `-v 6`).
    public var onRequest: (@Sendable (RequestLog) -> Void)?
    /// Whether the caller gives up waiting (Ctrl-C in kubescript): asked every 20 ms while `send`
    /// waits for an answer, a pause between tries or the rate limiter; the request is then
    /// cancelled and throws `KubeError.interrupted`.
    public var isCancelled: (@Sendable () -> Bool)?
    /// How many times a request is tried at most.
    static let maximumTries = 10

    /// One request's log line; never holds credentials, and shows bodies only as `Redaction`
    /// lets them be seen.
    public struct RequestLog: Sendable {
        public var verb: String
        public var url: String
        public var status: Int
        public var milliseconds: Double
        let requestBody: [UInt8]?
        let responseBody: [UInt8]

        /// The request's body for a log, Secret values hidden; nil when it had none.
        public var shownRequestBody: String? {
            guard let requestBody, !requestBody.isEmpty else { return nil }
            return Redaction.text(of: requestBody, url: url)
        }

        /// The answer's body for a log, Secret values hidden; nil when it was empty.
        public var shownResponseBody: String? {
            responseBody.isEmpty ? nil : Redaction.text(of: responseBody, url: url)
        }
    }

    public init(_ configuration: ClientConfiguration) throws(KubeError) {
        self.configuration = configuration
        authority = Self.authority(of: configuration.server)
        var tls: TLSConfiguration?
        if configuration.server.hasPrefix("https://") {
            var settings = TLSConfiguration.makeClientConfiguration()
            do {
                if let authority = configuration.certificateAuthorityPEM {
                    settings.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(authority))
                }
                if let certificate = configuration.clientCertificatePEM, let key = configuration.clientKeyPEM {
                    settings.certificateChain = try NIOSSLCertificate.fromPEMBytes(certificate).map { .certificate($0) }
                    settings.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: key, format: .pem))
                }
            } catch {
                throw .configuration("the \(configuration.context.map { "context \"\($0)\"'s " } ?? "")certificates cannot be read: \(error)")
            }
            if configuration.insecureSkipTLSVerify { settings.certificateVerification = .none }
            tls = settings
        }
        self.tls = tls
        let components = URLComponents(string: configuration.server)
        let original = components?.host ?? ""
        let port = components?.port
        let name = configuration.tlsServerName.flatMap { tls != nil && !$0.isEmpty ? $0 : nil }
        if let scheme = components?.scheme, ["http", "https"].contains(scheme), !original.isEmpty {
            endpoint = (original, port ?? (scheme == "https" ? 443 : 80), name ?? original)
        } else {
            endpoint = nil
        }
        var base = configuration.server
        if configuration.http2 {
            var settings = HTTPClient.Configuration(tlsConfiguration: tls, redirectConfiguration: .disallow, timeout: .init(connect: .seconds(10)),
                                                    decompression: .enabled(limit: .none))
            if let name, var components {
                // client-go's ServerName: SNI and the certificate's name check use `name`, while
                // the connection goes to the server's address (AsyncHTTPClient's DNS override)
                settings.dnsOverride = [name: original]
                components.host = name
                base = components.string ?? configuration.server
            }
            // A refused connection or failed handshake is an answer, not something to wait out:
            // the retries are this transport's, by client-go's rules.
            settings.connectionPool.retryConnectionEstablishment = false
            settings.httpVersion = .automatic
            // No spans: nothing here reads them, and a no-op span still cost 5 % of a request's CPU.
            settings.tracing.tracer = nil
            http2 = InterruptMask.blocking { HTTPClient(eventLoopGroupProvider: .singleton, configuration: settings) }
        } else {
            http2 = nil
        }
        self.base = base
        // NIO's event loop threads start here, the first time; they must leave Ctrl-C to the caller's thread
        _ = InterruptMask.blocking { MultiThreadedEventLoopGroup.singleton.next() }
        limiter = configuration.rateLimit.map { TokenBucket(qps: $0.qps, burst: $0.burst) }
    }

    deinit {
        // Not syncShutdown: the last reference may go on one of the client's own event loops
        // (a watch's stream, freed while it delivers a line), where blocking is refused.
        http2?.shutdown { _ in }
        for pool in pools.withLockedValue({ $0.values }) { pool.close() }
    }

    /// Sends `request` and returns the answer, any status. Transport failures (after retries)
    /// and a request built wrongly throw.
    public func send(_ request: RESTRequest) throws(KubeError) -> RESTResponse {
        try wait { start(request, completion: $0) }
    }

    /// What `start` begins, waited for on the calling thread: `isCancelled` is asked every 20 ms
    /// meanwhile, and gives it up.
    public func wait<Value: Sendable>(_ start: Start<Value>) throws(KubeError) -> Value {
        let done = DispatchSemaphore(value: 0)
        let outcome = NIOLockedValueBox<Result<Value, KubeError>?>(nil)
        let started = start { result in
            outcome.withLockedValue { $0 = result }
            done.signal()
        }
        if let isCancelled {
            while done.wait(timeout: .now() + .milliseconds(20)) == .timedOut {
                if isCancelled() { started.cancel() }
            }
        } else {
            done.wait()
        }
        guard let result = outcome.withLockedValue({ $0 }) else { throw .interrupted }
        return try result.get()
    }

    /// Sends `request` without waiting: `completion` gets what `send` would return or throw, on
    /// one of the client's threads. No thread waits meanwhile, so many requests can be in flight
    /// at once (tasks); the returned `Sending` gives it up.
    @discardableResult
    public func start(_ request: RESTRequest, completion: @escaping Sending<RESTResponse>.Completion) -> Sending<RESTResponse> {
        let sending = Sending(completion)
        if let error = request.error {
            sending.finish(.failure(error))
        } else if configuration.credentials.mayBlock, MultiThreadedEventLoopGroup.currentEventLoop != nil {
            // started from an answer (a list's next page): these credentials may run an exec
            // plugin or read a token file, which an event loop must not wait for
            later(0) { self.attempt(request, sending, tries: 1, refreshed: false) }
        } else {
            attempt(request, sending, tries: 1, refreshed: false)
        }
        return sending
    }

    /// One try of a request, by client-go's rules: after the rate limiter's pause, sent; then
    /// tried again after `Retry-After` on 429 and 5xx for every verb (up to `maximumTries`), a
    /// second after a reset or dropped connection for GET only, and at once with fresh exec
    /// credentials after a 401.
    private func attempt(_ request: RESTRequest, _ sending: Sending<RESTResponse>, tries: Int, refreshed: Bool) {
        guard !sending.isCancelled else { return }
        if let limiter, case let wait = limiter.take(), wait > 0 {
            return later(wait) { self.exchange(request, sending, tries: tries, refreshed: refreshed) }
        }
        exchange(request, sending, tries: tries, refreshed: refreshed)
    }

    private func exchange(_ request: RESTRequest, _ sending: Sending<RESTResponse>, tries: Int, refreshed: Bool) {
        once(request, sending) { result in
            let response: RESTResponse
            switch result {
            case .failure(let error):
                // client-go retries a reset or cut connection for GET only (others may have run)
                guard request.verb == "GET", tries < Self.maximumTries, error.isConnectionLost else { return sending.finish(result) }
                return self.later(1) { self.attempt(request, sending, tries: tries + 1, refreshed: refreshed) }
            case .success(let answer):
                response = answer
            }
            if response.status == 401, !refreshed, case .exec(let provider) = self.configuration.credentials {
                // the plugin runs a process: not on the client's event loop
                return self.later(0) {
                    do throws(KubeError) {
                        _ = try provider.credential(refresh: true)
                    } catch {
                        return sending.finish(.failure(error))
                    }
                    self.attempt(request, sending, tries: tries + 1, refreshed: true)
                }
            }
            if tries < Self.maximumTries, response.status == 429 || response.status >= 500,
               let wait = response.header("retry-after").flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }), wait >= 0 {
                return self.later(Double(min(wait, 60))) { self.attempt(request, sending, tries: tries + 1, refreshed: refreshed) }
            }
            sending.finish(.success(response))
        }
    }

    /// Runs `work` after `seconds` on a dispatch thread (a pause between tries; never blocks one).
    private func later(_ seconds: Double, _ work: @escaping @Sendable () -> Void) {
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds, execute: work)
    }

    /// The TLS settings requests need when an exec plugin gave a client certificate: the
    /// transport's, with that certificate (client-go's `GetClientCertificate`), and the
    /// certificate; nil otherwise.
    func execTLSConfiguration() throws(KubeError) -> (certificate: String, settings: TLSConfiguration)? {
        guard let tls, case .exec(let provider) = configuration.credentials else { return nil }
        let credential = try provider.credential()
        guard let certificate = credential.clientCertificatePEM, let key = credential.clientKeyPEM else { return nil }
        if let made = lock.withLock({ execTLS }), made.certificate == certificate { return made }
        var settings = tls
        do {
            settings.certificateChain = try NIOSSLCertificate.fromPEMBytes(Array(certificate.utf8)).map { .certificate($0) }
            settings.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(key.utf8), format: .pem))
        } catch {
            throw .configuration("exec plugin \(provider.config.command): its client certificate and key cannot be read: \(error)")
        }
        lock.withLock { execTLS = (certificate, settings) }
        return (certificate, settings)
    }

    /// The URL AsyncHTTPClient sends `request` to.
    func address(of request: RESTRequest) -> String { base + request.target }

    /// The headers every request carries: Host, User-Agent, Accept, the request's own, the
    /// credentials' Authorization unless the request set one, and for a HEAD no gzip.
    func headers(for request: RESTRequest) throws(KubeError) -> HTTPHeaders {
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: authority)
        headers.add(name: "User-Agent", value: configuration.userAgent)
        headers.add(name: "Accept", value: "application/json")
        for (name, value) in request.headers { headers.replaceOrAdd(name: name, value: value) }
        if headers["Authorization"].isEmpty, let authorization = try authorization() {
            headers.add(name: "Authorization", value: authorization)
        }
        // gzip is asked for (by the decompressor) unless this says otherwise; not for a HEAD, as
        // Go's transport does not, since a gzip answer's empty body is no gzip stream
        if request.verb == "HEAD", headers["Accept-Encoding"].isEmpty { headers.add(name: "Accept-Encoding", value: "identity") }
        return headers
    }

    /// One exchange with the server: `done` gets its answer (any status) or its failure.
    private func once(_ request: RESTRequest, _ sending: Sending<RESTResponse>, _ done: @escaping Sending<RESTResponse>.Completion) {
        let url = configuration.server + request.target
        let started = Date()
        let failed = { @Sendable (error: Error) -> KubeError in
            if let error = error as? KubeError { return error }
            if sending.isCancelled { return .interrupted }
            self.recordMetrics(method: request.verb, code: "<error>", seconds: Date().timeIntervalSince(started))
            if error as? ExchangeError == .timedOut || error as? HTTPClientError == .deadlineExceeded {
                return .transport("\(request.verb) \(url): timed out")
            }
            if Self.isConnectionLost(error) { return .connectionLost("\(request.verb) \(url): \(Self.describe(error))") }
            return .transport("\(request.verb) \(url): \(Self.describe(error))")
        }
        let gatherer = AnswerGatherer { result in
            switch result {
            case .failure(let error):
                done(.failure(failed(error)))
            case .success(let (head, body)):
                let response = RESTResponse(status: Int(head.status.code), headers: head.headers.map { ($0.name.lowercased(), $0.value) }, body: body)
                for warning in head.headers["Warning"] { self.surface(warning) }
                self.recordMetrics(method: request.verb, code: String(response.status), seconds: Date().timeIntervalSince(started))
                self.onRequest?(RequestLog(verb: request.verb, url: url, status: response.status, milliseconds: Date().timeIntervalSince(started) * 1000,
                                           requestBody: request.body, responseBody: body))
                done(.success(response))
            }
        }
        let slot = sending.reserve()
        let exchange: Exchange
        do {
            let seconds = request.timeout ?? configuration.timeout
            // (a deadline past a billion seconds is none)
            let deadline = seconds > 0 && seconds < 1e9 ? NIODeadline.now() + .milliseconds(Int64(seconds * 1000)) : nil
            exchange = try self.exchange(request, headers: try headers(for: request), deadline: deadline, to: gatherer)
        } catch {
            return done(.failure(failed(error)))
        }
        sending.exchanging(slot) { exchange.cancel() }
    }

    /// The `Authorization` header the credentials give, if any.
    func authorization() throws(KubeError) -> String? {
        switch configuration.credentials {
        case .none: return nil
        case .token(let token): return "Bearer " + token
        case .tokenFile(let path): return "Bearer " + (try token(from: path))
        case .basic(let username, let password): return "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
        case .exec(let provider):
            let credential = try provider.credential()
            return credential.token.map { "Bearer " + $0 }
        }
    }

    /// A token file's token, read again when the file changes (service-account tokens rotate).
    func token(from path: String) throws(KubeError) -> String {
        let modified = (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date) ?? Date.distantPast
        if let cached = lock.withLock({ tokenFileCache }), cached.path == path, cached.modified == modified { return cached.token }
        guard let data = FileManager.default.contents(atPath: path) else { throw .configuration("the token file \(path) cannot be read") }
        let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        lock.withLock { tokenFileCache = (path, modified, token) }
        return token
    }

    /// Passes a `Warning: 299 - "text"` header's text on, the first time it is seen.
    func surface(_ header: String) {
        var text = header
        if let quote = header.firstIndex(of: "\""), let end = header.lastIndex(of: "\""), quote < end {
            text = String(header[header.index(after: quote)..<end]).replacingOccurrences(of: "\\\"", with: "\"")
        }
        let isNew = lock.withLock { warningsSeen.insert(text).inserted }
        if isNew { onWarning?(text) }
    }

    /// A reset or closed connection, also in the middle of an answer (client-go's
    /// `IsConnectionReset` and `IsProbableEOF`, which counts an unexpected EOF).
    static func isConnectionLost(_ error: Error) -> Bool {
        if let error = error as? HTTPClientError, error == .remoteConnectionClosed { return true }
        if let error = error as? ExchangeError, error == .connectionClosed { return true }
        if let error = error as? HTTPParserError, error == .invalidEOFState { return true }
        if let error = error as? IOError, [ECONNRESET, EPIPE].contains(error.errnoCode) { return true }
        if let error = error as? ChannelError, error == .eof || error == .ioOnClosedChannel { return true }
        return false
    }

    static func describe(_ error: Error) -> String {
        if let error = error as? HTTPClientError { return String(describing: error) }
        if let error = error as? NIOConnectionError, let first = error.connectionErrors.first { return String(describing: first.error) }
        if let error = error as? NIOSSLError { return "TLS: \(error)" }
        if let error = error as? BoringSSLError { return "TLS: \(error)" }
        return String(describing: error)
    }
}

/// A token bucket: `qps` tokens a second, at most `burst` saved up; `take` says how long to wait for one.
final class TokenBucket: @unchecked Sendable {
    let qps: Double
    let burst: Double
    private var tokens: Double
    private var last = Date()
    private let lock = NIOLock()

    init(qps: Double, burst: Int) {
        self.qps = max(qps, 0.001)
        self.burst = Double(max(burst, 1))
        tokens = self.burst
    }

    /// Takes a token and returns how long to wait for it (seconds; 0 when one was saved up).
    func take() -> Double {
        lock.withLock {
            let now = Date()
            tokens = min(burst, tokens + now.timeIntervalSince(last) * qps)
            last = now
            tokens -= 1
            return tokens >= 0 ? 0 : -tokens / qps
        }
    }
}
