import AsyncHTTPClient
import Foundation
import KubeAPI
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOSSL

/// Sends requests to the server as client-go's transport does: one AsyncHTTPClient per
/// configuration (connections reused), verified TLS with the configured authorities and client
/// certificate, the credentials on every request, an optional token-bucket rate limit, and
/// retries — after `Retry-After` on 429 and 5xx for every verb (up to 10 tries), after a reset
/// or dropped connection for GET only, and once with fresh exec credentials after a 401.
public final class Transport: @unchecked Sendable {
    public let configuration: ClientConfiguration
    let http: HTTPClient
    /// The URL requests are sent to: the server's, or with `tls-server-name` in place of its host.
    private let base: String
    /// The server's own `host:port` for the `Host` header, when `base` names another host.
    private let host: String?
    /// The TLS settings made from the configuration (nil for `http://`).
    private let tls: TLSConfiguration?
    /// Those settings with the client certificate an exec plugin gave, made once per certificate.
    private var execTLS: (certificate: String, settings: TLSConfiguration)?
    private let limiter: TokenBucket?
    /// The `host` label of the transport's metrics.
    let metricsHost: String
    /// Its metric series (`Transport+metrics.swift`).
    let metrics = NIOLockedValueBox(TransportMetrics())
    private let lock = NIOLock()
    private var warningsSeen: Set<String> = []
    private var tokenFileCache: (path: String, modified: Date, token: String)?
    /// Receives each `Warning` the server sends, once per distinct text.
    public var onWarning: (@Sendable (String) -> Void)?
    /// Receives a line per request sent: verb, URL, status, milliseconds (for `-v 6`).
    public var onRequest: (@Sendable (RequestLog) -> Void)?
    /// Whether the caller gives up waiting (Ctrl-C in kubescript): asked every 20 ms while an
    /// answer, a pause between tries or the rate limiter is waited for; the request is then
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
        metricsHost = Self.metricsHost(of: configuration.server)
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
        var settings = HTTPClient.Configuration(tlsConfiguration: tls, redirectConfiguration: .disallow, timeout: .init(connect: .seconds(10)),
                                                decompression: .enabled(limit: .none))
        var base = configuration.server, host: String?
        if tls != nil, let name = configuration.tlsServerName, !name.isEmpty,
           var components = URLComponents(string: configuration.server), let original = components.host {
            // client-go's ServerName: SNI and the certificate's name check use `name`, while the
            // connection goes to the server's address (AsyncHTTPClient's DNS override)
            settings.dnsOverride = [name: original]
            host = (original.contains(":") ? "[\(original)]" : original) + (components.port.map { ":\($0)" } ?? "")
            components.host = name
            base = components.string ?? configuration.server
        }
        (self.base, self.host) = (base, host)
        // A refused connection or failed handshake is an answer, not something to wait out: the
        // retries are this transport's, by client-go's rules.
        settings.connectionPool.retryConnectionEstablishment = false
        // HTTP/1.1 unless asked for HTTP/2: AsyncHTTPClient's HTTP/2 costs a third more CPU per
        // request (a child channel per stream) and gained no wall time with 16 tasks against a
        // real kube-apiserver (docs/performance.md). Connections per host are not limited in
        // practice, as client-go's are not: each open watch holds one, and a request beyond the
        // limit would wait for a free connection.
        settings.httpVersion = configuration.http2 ? .automatic : .http1Only
        settings.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 1024
        // NIO's event loop threads start here, the first time; they must leave Ctrl-C to the caller's thread
        http = InterruptMask.blocking { HTTPClient(eventLoopGroupProvider: .singleton, configuration: settings) }
        limiter = configuration.rateLimit.map { TokenBucket(qps: $0.qps, burst: $0.burst) }
    }

    deinit {
        // Not syncShutdown: the last reference may go on one of the client's own event loops
        // (a watch's stream, freed while its delegate delivers a line), where blocking for the
        // shutdown is refused. The client keeps itself alive until its connections are closed.
        http.shutdown { _ in }
    }

    /// Sends `request` and returns the answer, any status. Transport failures (after retries)
    /// and a request built wrongly throw. `cancelled`, asked as `isCancelled` is, gives this one
    /// request up (a task that was cancelled).
    public func send(_ request: RESTRequest, cancelled: (@Sendable () -> Bool)? = nil) throws(KubeError) -> RESTResponse {
        if let error = request.error { throw error }
        var refreshed = false
        var tries = 0
        while true {
            tries += 1
            if let limiter { try pause(limiter.take(), cancelled) }
            let response: RESTResponse
            do {
                response = try once(request, cancelled)
            } catch {
                // client-go retries a reset or cut connection for GET only (others may have run)
                guard request.verb == "GET", tries < Self.maximumTries, error.isConnectionLost else { throw error }
                try pause(1, cancelled)
                continue
            }
            if response.status == 401, !refreshed, case .exec(let provider) = configuration.credentials {
                refreshed = true
                _ = try provider.credential(refresh: true)
                continue
            }
            if tries < Self.maximumTries, response.status == 429 || response.status >= 500,
               let wait = response.header("retry-after").flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }), wait >= 0 {
                try pause(Double(min(wait, 60)), cancelled)
                continue
            }
            return response
        }
    }

    /// Waits `seconds`, or less when the caller gives up (`isCancelled`, or `cancelled`).
    func pause(_ seconds: Double, _ cancelled: (@Sendable () -> Bool)? = nil) throws(KubeError) {
        let end = Date().addingTimeInterval(seconds)
        let givenUp = self.givenUp(cancelled)
        while true {
            let left = end.timeIntervalSinceNow
            guard left > 0 else { return }
            if let givenUp, givenUp() { throw .interrupted }
            Thread.sleep(forTimeInterval: givenUp == nil ? left : min(left, 0.02))
        }
    }

    /// What tells a wait to give up: the transport's `isCancelled`, the request's own, or both.
    func givenUp(_ cancelled: (@Sendable () -> Bool)?) -> (() -> Bool)? {
        switch (isCancelled, cancelled) {
        case (nil, nil): return nil
        case (let transport?, nil): return transport
        case (nil, let request?): return request
        case (let transport?, let request?): return { transport() || request() }
        }
    }

    /// The answer `task` brings; cancelled when the caller gives up (`isCancelled`).
    func answer<T: Sendable>(_ task: HTTPClient.Task<T>, _ cancelled: (@Sendable () -> Bool)? = nil) throws -> T {
        guard let givenUp = givenUp(cancelled) else { return try task.futureResult.wait() }
        let done = DispatchSemaphore(value: 0)
        task.futureResult.whenComplete { _ in done.signal() }
        while done.wait(timeout: .now() + .milliseconds(20)) == .timedOut {
            if givenUp() {
                task.cancel()
                throw KubeError.interrupted
            }
        }
        return try task.futureResult.wait()
    }

    /// The TLS settings requests need when an exec plugin gave a client certificate: the
    /// transport's, with that certificate (client-go's `GetClientCertificate`); nil otherwise.
    func execTLSConfiguration() throws(KubeError) -> TLSConfiguration? {
        guard let tls, case .exec(let provider) = configuration.credentials else { return nil }
        let credential = try provider.credential()
        guard let certificate = credential.clientCertificatePEM, let key = credential.clientKeyPEM else { return nil }
        if let made = lock.withLock({ execTLS }), made.certificate == certificate { return made.settings }
        var settings = tls
        do {
            settings.certificateChain = try NIOSSLCertificate.fromPEMBytes(Array(certificate.utf8)).map { .certificate($0) }
            settings.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(key.utf8), format: .pem))
        } catch {
            throw .configuration("exec plugin \(provider.config.command): its client certificate and key cannot be read: \(error)")
        }
        lock.withLock { execTLS = (certificate, settings) }
        return settings
    }

    /// The URL `request` is sent to.
    func address(of request: RESTRequest) -> String { base + request.target }

    /// The headers every request carries: User-Agent, (Host,) Accept, the request's own, and the
    /// credentials' Authorization unless the request set one.
    func headers(for request: RESTRequest) throws(KubeError) -> HTTPHeaders {
        var headers = HTTPHeaders()
        headers.add(name: "User-Agent", value: configuration.userAgent)
        if let host { headers.add(name: "Host", value: host) }
        headers.add(name: "Accept", value: "application/json")
        for (name, value) in request.headers { headers.replaceOrAdd(name: name, value: value) }
        if headers["Authorization"].isEmpty, let authorization = try authorization() {
            headers.add(name: "Authorization", value: authorization)
        }
        return headers
    }

    private func once(_ request: RESTRequest, _ cancelled: (@Sendable () -> Bool)?) throws(KubeError) -> RESTResponse {
        let url = configuration.server + request.target
        let headers = try headers(for: request)
        let tls = try execTLSConfiguration()
        let started = Date()
        let result: HTTPClient.Response
        do {
            var outgoing = try HTTPClient.Request(url: address(of: request), method: HTTPMethod(rawValue: request.verb), headers: headers)
            if let body = request.body { outgoing.body = .bytes(body) }
            if let tls { outgoing.tlsConfiguration = tls }
            let seconds = request.timeout ?? configuration.timeout
            let deadline = seconds > 0 ? NIODeadline.now() + .milliseconds(Int64(seconds * 1000)) : nil
            result = try answer(http.execute(request: outgoing, delegate: ResponseAccumulator(request: outgoing), deadline: deadline), cancelled)
        } catch let error as KubeError {
            throw error
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            recordMetrics(method: request.verb, code: "<error>", seconds: Date().timeIntervalSince(started))
            throw .transport("\(request.verb) \(url): timed out")
        } catch {
            recordMetrics(method: request.verb, code: "<error>", seconds: Date().timeIntervalSince(started))
            if Self.isConnectionLost(error) { throw .connectionLost("\(request.verb) \(url): \(Self.describe(error))") }
            throw .transport("\(request.verb) \(url): \(Self.describe(error))")
        }
        let body = result.body.map { Array($0.readableBytesView) } ?? []
        let response = RESTResponse(status: Int(result.status.code), headers: result.headers.map { ($0.name.lowercased(), $0.value) }, body: body)
        for warning in result.headers["Warning"] { surface(warning) }
        recordMetrics(method: request.verb, code: String(response.status), seconds: Date().timeIntervalSince(started))
        onRequest?(RequestLog(verb: request.verb, url: url, status: response.status, milliseconds: Date().timeIntervalSince(started) * 1000,
                              requestBody: request.body, responseBody: body))
        return response
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
        if let error = error as? HTTPParserError, error == .invalidEOFState { return true }
        if let error = error as? IOError, [ECONNRESET, EPIPE].contains(error.errnoCode) { return true }
        if let error = error as? ChannelError, error == .eof || error == .ioOnClosedChannel { return true }
        return false
    }

    static func describe(_ error: Error) -> String {
        if let error = error as? HTTPClientError { return String(describing: error) }
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
