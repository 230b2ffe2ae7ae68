import Foundation
import KubeAPI
import NIOConcurrencyHelpers
import KubeServer
import XCTest
@testable import KubeClient

/// The transport against an embedded server that injects faults: Retry-After on 429 and 5xx,
/// dropped connections (retried for GET only), HTTPS with a generated CA and client
/// certificates (on the transport's own connections and through the HTTP/2 option), and how
/// requests are built.
final class TransportTests: KubeScriptTestCase {
    func serve(_ api: APIServer = APIServer(), tls: ServerTLS? = nil) throws -> HTTPServer {
        let server = try HTTPServer(api, port: 0, tls: tls)
        addTeardownBlock { try? server.stop() }
        return server
    }

    func testRetryAfterIsHonouredForEveryVerb() throws {
        let api = APIServer()
        let server = try serve(api)
        let client = try KubeClient(ClientConfiguration(server: "http://127.0.0.1:\(server.port)"), discoveryCache: "")
        let configMaps = try client.resource(named: "configmaps")
        api.inject(Fault(.tooManyRequests(retryAfter: 0), method: "POST", count: 2))
        XCTAssertNoThrow(try configMaps.create(.object(["apiVersion": .string("v1"), "kind": .string("ConfigMap"),
                                                        "metadata": .object(["name": .string("retried")])])))
        api.inject(Fault(.serviceUnavailable(retryAfter: 0), method: "GET", count: 3))
        XCTAssertEqual(try configMaps.get("retried")[path: "metadata", "name"], .string("retried"))
        api.inject(Fault(.internalError, method: "GET", count: 1))
        XCTAssertThrowsError(try configMaps.get("retried")) { error in
            XCTAssertEqual((error as? KubeError)?.isInternalError, true, "a 500 without Retry-After is not retried")
        }
        api.inject(Fault(.tooManyRequests(retryAfter: 0), method: "GET", count: 20))
        XCTAssertThrowsError(try configMaps.get("retried")) { error in
            XCTAssertEqual((error as? KubeError)?.isTooManyRequests, true, "ten tries, then the 429 is the answer")
        }
    }

    func testDroppedConnectionsAreRetriedForGETOnly() throws {
        let api = APIServer()
        let server = try serve(api)
        let client = try KubeClient(ClientConfiguration(server: "http://127.0.0.1:\(server.port)"), discoveryCache: "")
        let namespaces = try client.resource(named: "namespaces")
        api.inject(Fault(.dropConnection, method: "GET", count: 1))
        XCTAssertEqual(try namespaces.get("default")[path: "metadata", "name"], .string("default"))
        api.inject(Fault(.dropConnection, method: "POST", count: 1))
        XCTAssertThrowsError(try namespaces.create(.object(["apiVersion": .string("v1"), "kind": .string("Namespace"),
                                                            "metadata": .object(["name": .string("once")])]))) { error in
            XCTAssertEqual((error as? KubeError)?.isTransport, true, "a write may have happened: not retried")
        }
        let refused = try KubeClient(ClientConfiguration(server: "http://127.0.0.1:1"), discoveryCache: "")
        XCTAssertThrowsError(try refused.send(refused.request("POST").absolutePath("/api/v1/namespaces"))) { error in
            XCTAssertTrue(String(describing: error).hasPrefix("POST http://127.0.0.1:1/api/v1/namespaces: "), String(describing: error))
        }
    }

    /// A server over HTTPS that knows users by client certificates from a generated authority,
    /// and a configuration for it that trusts the authority and presents jane's (system:masters).
    func serveWithClientCertificates() throws -> (CertificateAuthority, HTTPServer, ClientConfiguration) {
        let authority = try CertificateAuthority()
        let serving = try authority.issueServer()
        let server = try serve(APIServer(authentication: Authentication(certificates: true)),
                               tls: ServerTLS(certificateChainPEM: serving.certificatePEM, privateKeyPEM: serving.privateKeyPEM,
                                              clientCertificateAuthorityPEM: authority.certificatePEM))
        let jane = try authority.issueClient(user: "jane", groups: ["system:masters"])
        var config = ClientConfiguration(server: "https://127.0.0.1:\(server.port)")
        config.certificateAuthorityPEM = Array(authority.certificatePEM.utf8)
        config.clientCertificatePEM = Array(jane.certificatePEM.utf8)
        config.clientKeyPEM = Array(jane.privateKeyPEM.utf8)
        return (authority, server, config)
    }

    func testHTTPSWithAGeneratedAuthorityAndClientCertificates() throws {
        let (authority, server, jane) = try serveWithClientCertificates()
        var config = jane
        let client = try KubeClient(config, discoveryCache: "")
        XCTAssertEqual(try client.resource(named: "namespaces").get("default")["kind"], .string("Namespace"))

        let developer = try authority.issueClient(user: "bob", groups: ["developers"])
        config.clientCertificatePEM = Array(developer.certificatePEM.utf8)
        config.clientKeyPEM = Array(developer.privateKeyPEM.utf8)
        XCTAssertThrowsError(try KubeClient(config, discoveryCache: "").resource(named: "pods").list()) { error in
            XCTAssertEqual((error as? KubeError)?.isForbidden, true)
            XCTAssertEqual((error as? KubeError)?.message,
                           #"pods is forbidden: User "bob" cannot list resource "pods" in API group "" in the namespace "default""#)
        }

        var untrusting = ClientConfiguration(server: "https://127.0.0.1:\(server.port)")
        untrusting.certificateAuthorityPEM = Array(try CertificateAuthority().certificatePEM.utf8)
        XCTAssertThrowsError(try KubeClient(untrusting, discoveryCache: "").resource(named: "namespaces").list()) { error in
            XCTAssertEqual((error as? KubeError)?.isTransport, true, "the server's certificate is not from a trusted authority")
        }
        untrusting.insecureSkipTLSVerify = true
        XCTAssertThrowsError(try KubeClient(untrusting, discoveryCache: "").resource(named: "namespaces").list()) { error in
            XCTAssertEqual((error as? KubeError)?.isUnauthorized, false)
            XCTAssertEqual((error as? KubeError)?.isForbidden, true, "no certificate: anonymous")
        }
    }

    /// `http2 = true` goes through AsyncHTTPClient, which asks for HTTP/2 by ALPN (this server
    /// offers HTTP/1.1 only): a client certificate, requests, cancelling a request in flight
    /// and a watch work as on the transport's own connections.
    func testTheHTTP2OptionCarriesRequestsAndWatches() throws {
        var (_, _, config) = try serveWithClientCertificates()
        config.http2 = true
        let configMaps = try KubeClient(config, discoveryCache: "").resource(named: "configmaps", namespace: "default")
        let stream = try configMaps.watch(["fieldSelector": "metadata.name=seen"])
        _ = try configMaps.create(.object(["metadata": .object(["name": .string("seen")])]))
        let event = try stream.next(timeout: 5)
        XCTAssertEqual(event?.type, "ADDED")
        XCTAssertEqual(event?.object[path: "metadata", "name"], .string("seen"))
        stream.cancel()
        XCTAssertNil(try stream.next(timeout: 5), "a cancelled watch ends")

        let done = DispatchSemaphore(value: 0)
        let outcome = NIOLockedValueBox<Result<RESTResponse, KubeError>?>(nil)
        let sending = configMaps.client.transport.start(configMaps.watchRequest()) { result in
            outcome.withLockedValue { $0 = result }
            done.signal()
        }
        sending.cancel()
        XCTAssertEqual(done.wait(timeout: .now() + 5), .success)
        guard case .failure(let error)? = outcome.withLockedValue({ $0 }) else { return XCTFail("a cancelled request fails") }
        XCTAssertTrue(error.isInterrupted, "\(error)")
    }

    /// `tls-server-name`: the certificate is checked against that name (and SNI carries it), while
    /// the connection goes to the server's address.
    func testTLSServerNameIsTheNameTheCertificateIsCheckedAgainst() throws {
        let authority = try CertificateAuthority()
        let serving = try authority.issueServer(hosts: ["kubernetes.default.svc", "0a1b2c.gr7.example.com"])
        let server = try serve(APIServer(), tls: ServerTLS(certificateChainPEM: serving.certificatePEM, privateKeyPEM: serving.privateKeyPEM))
        var config = ClientConfiguration(server: "https://127.0.0.1:\(server.port)")
        config.certificateAuthorityPEM = Array(authority.certificatePEM.utf8)
        XCTAssertThrowsError(try KubeClient(config, discoveryCache: "").resource(named: "namespaces").get("default")) { error in
            XCTAssertEqual((error as? KubeError)?.isTransport, true, "the certificate does not name 127.0.0.1")
        }
        config.tlsServerName = "kubernetes.default.svc"
        XCTAssertEqual(try KubeClient(config, discoveryCache: "").resource(named: "namespaces").get("default")["kind"], .string("Namespace"))
        config.tlsServerName = "0a1b2c.gr7.example.com"  // a name, though it starts with a digit (EKS endpoints do)
        XCTAssertEqual(try KubeClient(config, discoveryCache: "").resource(named: "namespaces").get("default")["kind"], .string("Namespace"))
        config.tlsServerName = "elsewhere.example.com"
        XCTAssertThrowsError(try KubeClient(config, discoveryCache: "").resource(named: "namespaces").get("default")) { error in
            XCTAssertEqual((error as? KubeError)?.isTransport, true, "the certificate does not name elsewhere.example.com")
            XCTAssertTrue(String(describing: error).hasPrefix("GET https://127.0.0.1:"), "errors name the server, not the TLS name: \(error)")
        }
    }

    func testRequestsAreBuiltInOnePlaceAndKeepTheirFirstError() {
        let request = RESTRequest(verb: "get", group: "apps", version: "v1").namespace("shop").resource("deployments").name("web")
            .subresource("scale").parameter("dryRun", "All").parameter("labelSelector", "app in (a,b)")
        XCTAssertEqual(request.target, "/apis/apps/v1/namespaces/shop/deployments/web/scale?dryRun=All&labelSelector=app%20in%20%28a%2Cb%29")
        XCTAssertEqual(RESTRequest(verb: "GET").resource("namespaces").target, "/api/v1/namespaces")
        XCTAssertEqual(RESTRequest(verb: "GET").namespace("default").target, "/api/v1", "a namespace alone is not a path")
        let broken = RESTRequest(verb: "GET").name("a/b").name("c").namespace("x")
        XCTAssertEqual(broken.error?.message, "invalid resource name \"a/b\"", "the first mistake is kept")
        XCTAssertEqual(RESTRequest(verb: "GET").namespace("a").namespace("b").error?.message, "namespace already set to \"a\", cannot change to \"b\"")
    }

    /// Answers over 128 KB come gzipped when asked for, as kube-apiserver sends them, and are
    /// read as they were; a HEAD asks for none (as Go's transport), so a gzip answer's empty
    /// body is not taken for a cut stream.
    func testGzipAnswersAndHEAD() throws {
        let server = try serve()
        let transport = try Transport(ClientConfiguration(server: "http://127.0.0.1:\(server.port)"))
        let full = try transport.send(RESTRequest(verb: "GET").absolutePath("/openapi/v2"))
        XCTAssertEqual(full.status, 200)
        XCTAssertEqual(full.header("content-encoding"), "gzip", "asked for and sent gzipped")
        XCTAssertNoThrow(try JSONValue.parse(full.body), "the document, decompressed")
        let head = try transport.send(RESTRequest(verb: "HEAD").absolutePath("/openapi/v2"))
        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(head.body, [])
    }

    func testWarningsAreSurfacedOncePerText() throws {
        let transport = try Transport(ClientConfiguration(server: "http://127.0.0.1:1"))
        let seen = WarningCollector()
        transport.onWarning = { seen.add($0) }
        transport.surface(#"299 - "v1 ComponentStatus is deprecated in v1.19+""#)
        transport.surface(#"299 - "v1 ComponentStatus is deprecated in v1.19+""#)
        transport.surface(#"299 - "another""#)
        XCTAssertEqual(seen.all, ["v1 ComponentStatus is deprecated in v1.19+", "another"])
    }
}

final class WarningCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var texts: [String] = []
    func add(_ text: String) { lock.withLock { texts.append(text) } }
    var all: [String] { lock.withLock { texts } }
}
