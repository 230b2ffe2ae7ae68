import Foundation
import KubeAPI
import XCTest
@testable import KubeServer

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The embedded API server against the recorded kube-apiserver v1.24.
final class APIServerTests: KubeScriptTestCase {
    /// Replays every exchange of the discovery transcript and compares status, content type and
    /// body with what the real server answered. The recorded server had the `widgets.example.com`
    /// CRD of transcript 08 installed, so this server gets it too.
    func testDiscoveryMatchesTheRecordedServer() throws {
        let server = APIServer()
        let definition = try XCTUnwrap(transcript("08-crd-custom-resources.json").first?[path: "request", "body"])
        XCTAssertEqual(server.handle(APIRequest(method: "POST", path: "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
                                                body: definition.serialized())).status, 201)
        server.settle()
        let exchanges = try transcript("01-discovery.json")
        var compared = 0
        for exchange in exchanges {
            guard let method = exchange[path: "request", "method"]?.stringValue,
                  let path = exchange[path: "request", "path"]?.stringValue,
                  let expected = exchange[path: "response", "body"] else { return XCTFail("malformed exchange") }
            let response = server.handle(APIRequest(method: method, path: path))
            XCTAssertEqual(response.status, Int(exchange[path: "response", "status"]?.integerValue ?? 0), path)
            XCTAssertEqual(response.header("content-type"), exchange[path: "response", "headers", "content-type"]?.stringValue, path)
            var served = try JSONValue.parse(response.body)
            if path == "/apis/authentication.k8s.io/v1", case .array(var resources)? = served["resources"] {
                // served beyond v1.24 (kubectl auth whoami): the recording has TokenReview alone
                XCTAssertEqual(resources.popLast()?["kind"], .string("SelfSubjectReview"))
                served["resources"] = .array(resources)
            }
            XCTAssertEqual(served, expected, path)
            compared += 1
        }
        XCTAssertEqual(compared, 34)
    }

    /// Aggregated discovery, for clients that ask for it: one answer per `/api` and `/apis` with
    /// every version and resource, subresources included.
    func testAggregatedDiscovery() throws {
        let server = APIServer()
        let accept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"
        let apis = server.handle(APIRequest(method: "GET", path: "/apis", headers: ["accept": accept]))
        XCTAssertEqual(apis.header("content-type"), "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList")
        let list = try JSONValue.parse(apis.body)
        XCTAssertEqual(list["kind"], .string("APIGroupDiscoveryList"))
        XCTAssertEqual(list["apiVersion"], .string("apidiscovery.k8s.io/v2"))
        let groups = list["items"]?.arrayValue ?? []
        XCTAssertEqual(groups.count, 19)
        let apps = try XCTUnwrap(groups.first { $0[path: "metadata", "name"] == .string("apps") })
        let deployments = try XCTUnwrap(apps["versions"]?[0]?["resources"]?.arrayValue?.first { $0["resource"] == .string("deployments") })
        XCTAssertEqual(deployments["scope"], .string("Namespaced"))
        XCTAssertEqual(deployments["singularResource"], .string("deployment"))
        XCTAssertEqual(deployments["shortNames"], .array([.string("deploy")]))
        let scale = try XCTUnwrap(deployments["subresources"]?.arrayValue?.first { $0["subresource"] == .string("scale") })
        XCTAssertEqual(scale["responseKind"], .object(["group": .string("autoscaling"), "version": .string("v1"), "kind": .string("Scale")]))
        let autoscaling = try XCTUnwrap(groups.first { $0[path: "metadata", "name"] == .string("autoscaling") })
        XCTAssertEqual(autoscaling["versions"]?.arrayValue?.compactMap { $0["version"]?.stringValue }, ["v2", "v1", "v2beta1", "v2beta2"],
                       "versions in the order /apis gives them, preferred first")

        let core = try JSONValue.parse(server.handle(APIRequest(method: "GET", path: "/api",
                                                                headers: ["accept": "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"])).body)
        XCTAssertEqual(core["apiVersion"], .string("apidiscovery.k8s.io/v2beta1"))
        XCTAssertTrue(core["items"]?[0]?["versions"]?[0]?["resources"]?.arrayValue?.contains { $0["resource"] == .string("pods") } ?? false)
        let plain = try JSONValue.parse(server.handle(APIRequest(method: "GET", path: "/apis", headers: ["accept": "application/json"])).body)
        XCTAssertEqual(plain["kind"], .string("APIGroupList"))
    }

    func testUnknownPathsAndVerbsAnswerAsKubeAPIServer() throws {
        let server = APIServer()
        let missing = server.handle(APIRequest(method: "GET", path: "/apis/nope.example/v1"))
        XCTAssertEqual(missing.status, 404)
        XCTAssertEqual(try JSONValue.parse(missing.body), try JSONValue.parse(#"""
            {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
             "message":"the server could not find the requested resource","reason":"NotFound","details":{},"code":404}
            """#))
        let post = server.handle(APIRequest(method: "POST", path: "/version"))
        XCTAssertEqual(post.status, 405)
        XCTAssertEqual(try JSONValue.parse(post.body)["reason"], .string("MethodNotAllowed"))
        XCTAssertEqual(server.handle(APIRequest(method: "GET", path: "/api/v1/")).status, 200)
    }

    /// The recorded server's OpenAPI documents: the v3 index and its group versions, and v2 in
    /// JSON (gzip-compressed for clients that take it, as Go's do).
    func testOpenAPIDocuments() throws {
        let server = APIServer()
        let index = try JSONValue.parse(server.handle(APIRequest(method: "GET", path: "/openapi/v3")).body)
        let apps = try XCTUnwrap(index[path: "paths", "apis/apps/v1", "serverRelativeURL"]?.stringValue)
        XCTAssertTrue(apps.hasPrefix("/openapi/v3/apis/apps/v1?hash="))
        let document = try JSONValue.parse(server.handle(APIRequest(method: "GET", target: apps)).body)
        XCTAssertEqual(document["openapi"], .string("3.0.0"))
        XCTAssertNotNil(document[path: "components", "schemas", "io.k8s.api.apps.v1.Deployment"])
        XCTAssertEqual(server.handle(APIRequest(method: "GET", path: "/openapi/v3/apis/nope/v1")).status, 404)

        let v2 = server.handle(APIRequest(method: "GET", path: "/openapi/v2"))
        XCTAssertEqual(v2.status, 200)
        XCTAssertEqual(try JSONValue.parse(v2.body)["swagger"], .string("2.0"))
        let compressed = server.handle(APIRequest(method: "GET", path: "/openapi/v2", headers: ["accept-encoding": "gzip"]))
        XCTAssertEqual(compressed.header("content-encoding"), "gzip")
        XCTAssertEqual(Array(compressed.body.prefix(2)), [0x1F, 0x8B])
        let protobuf = server.handle(APIRequest(method: "GET", path: "/openapi/v2",
                                                headers: ["accept": "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"]))
        XCTAssertEqual(protobuf.status, 200)
        XCTAssertEqual(protobuf.header("content-type"), "application/com.github.proto-openapi.spec.v2.v1.0+protobuf")
        // Document: swagger (1) "2.0", then definitions (9): one NamedSchema (1) per JSON definition.
        let message = Self.protobufFields(protobuf.body[...])
        XCTAssertEqual(message.first { $0.field == 1 }.map { String(decoding: $0.bytes, as: UTF8.self) }, "2.0")
        let definitions = try XCTUnwrap(message.first { $0.field == 9 })
        let names = Self.protobufFields(definitions.bytes).map { String(decoding: Self.protobufFields($0.bytes).first?.bytes ?? [], as: UTF8.self) }
        let json = try JSONValue.parse(v2.body)["definitions"]?.objectValue?.map(\.key) ?? []
        XCTAssertEqual(names, json)
        XCTAssertTrue(names.contains("io.k8s.api.apps.v1.Deployment"))
    }

    /// The length-delimited fields of a protobuf message (the only kind the document's messages
    /// nest), with their field numbers; other wire types are skipped.
    static func protobufFields(_ bytes: ArraySlice<UInt8>) -> [(field: Int, bytes: ArraySlice<UInt8>)] {
        var fields: [(field: Int, bytes: ArraySlice<UInt8>)] = []
        var index = bytes.startIndex
        func varint() -> Int {
            var value = 0, shift = 0
            while index < bytes.endIndex {
                let byte = bytes[index]
                index += 1
                value |= Int(byte & 0x7F) << shift
                shift += 7
                if byte < 0x80 { break }
            }
            return value
        }
        while index < bytes.endIndex {
            let tag = varint()
            switch tag & 7 {
            case 0: _ = varint()
            case 1: index += 8
            case 2:
                let length = varint()
                fields.append((tag >> 3, bytes[index..<min(index + length, bytes.endIndex)]))
                index += length
            default: return fields
            }
        }
        return fields
    }

    /// `scale` and `status`, as in the deployment transcript (06 #2–#4): the Scale view, a scale
    /// that moves `spec.replicas` to its own managed-fields entry and bumps the generation, and a
    /// status write that changes nothing else (while the main resource cannot change status).
    func testScaleAndStatusSubresources() throws {
        let server = APIServer()
        let base = "/apis/apps/v1/namespaces/default/deployments"
        let created = server.handle(APIRequest(method: "POST", path: base, body: Array(#"""
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},
             "spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},
                     "template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"web","image":"nginx"}]}}},
             "status":{"replicas":9}}
            """#.utf8)))
        XCTAssertEqual(created.status, 201)
        XCTAssertEqual(try JSONValue.parse(created.body)["status"], .object([:]), "status is not set through the main resource")

        let scale = try JSONValue.parse(server.handle(APIRequest(method: "GET", path: base + "/web/scale")).body)
        XCTAssertEqual(scale["kind"], .string("Scale"))
        XCTAssertEqual(scale["apiVersion"], .string("autoscaling/v1"))
        XCTAssertEqual(scale["spec"], .object(["replicas": .integer(2)]))
        XCTAssertEqual(scale["status"], .object(["replicas": .integer(0), "selector": .string("app=web")]))

        var request = scale
        request["spec"] = .object(["replicas": .integer(5)])
        let scaled = server.handle(APIRequest(method: "PUT", path: base + "/web/scale", body: request.serialized()))
        XCTAssertEqual(scaled.status, 200)
        XCTAssertEqual(try JSONValue.parse(scaled.body)[path: "spec", "replicas"], .integer(5))
        let stale = server.handle(APIRequest(method: "PUT", path: base + "/web/scale", body: request.serialized()))
        XCTAssertEqual(stale.status, 409, "the Scale's resourceVersion is checked")

        let deployment = try JSONValue.parse(server.handle(APIRequest(method: "GET", path: base + "/web")).body)
        XCTAssertEqual(deployment[path: "spec", "replicas"], .integer(5))
        XCTAssertEqual(deployment[path: "metadata", "generation"], .integer(2))
        let entries = deployment[path: "metadata", "managedFields"]?.arrayValue ?? []
        let scaleEntry = try XCTUnwrap(entries.first { $0["subresource"] == .string("scale") })
        XCTAssertEqual(scaleEntry["fieldsV1"], try JSONValue.parse(#"{"f:spec":{"f:replicas":{}}}"#))
        XCTAssertNil(scaleEntry["time"], "kube-apiserver v1.24 writes no time for /scale")
        let mainEntry = try XCTUnwrap(entries.first { $0["subresource"] == nil })
        XCTAssertNil(mainEntry[path: "fieldsV1", "f:spec", "f:replicas"], "the main entry lost replicas to the scale entry")

        var withStatus = deployment
        withStatus["status"] = .object(["replicas": .integer(5), "readyReplicas": .integer(3)])
        withStatus["spec"] = .object(["replicas": .integer(99)])  // ignored through /status
        let status = server.handle(APIRequest(method: "PUT", path: base + "/web/status", body: withStatus.serialized()))
        XCTAssertEqual(status.status, 200)
        let after = try JSONValue.parse(status.body)
        XCTAssertEqual(after[path: "status", "readyReplicas"], .integer(3))
        XCTAssertEqual(after[path: "spec", "replicas"], .integer(5))
        XCTAssertEqual(after[path: "metadata", "generation"], .integer(2), "a status write does not bump the generation")
        XCTAssertEqual(server.handle(APIRequest(method: "GET", path: "/api/v1/namespaces/default/configmaps/x/scale")).status, 404)
    }

    /// Faults on demand, for client tests: each answers the next matching requests, then stops.
    func testInjectedFaults() throws {
        let server = APIServer()
        let list = APIRequest(method: "GET", path: "/api/v1/namespaces/default/configmaps")
        server.inject(Fault(.tooManyRequests(retryAfter: 2), path: "/configmaps", count: 2))
        server.inject(Fault(.internalError, method: "POST"))
        for _ in 0..<2 {
            let limited = server.handle(list)
            XCTAssertEqual(limited.status, 429)
            XCTAssertEqual(limited.header("retry-after"), "2")
            XCTAssertEqual(try JSONValue.parse(limited.body)["reason"], .string("TooManyRequests"))
            XCTAssertEqual(try JSONValue.parse(limited.body)[path: "details", "retryAfterSeconds"], .integer(2))
        }
        XCTAssertEqual(server.handle(list).status, 200, "the fault was for two requests")
        XCTAssertEqual(server.handle(APIRequest(method: "GET", path: "/version")).status, 200)
        let failed = server.handle(APIRequest(method: "POST", path: "/api/v1/namespaces/default/configmaps"))
        XCTAssertEqual(failed.status, 500)
        XCTAssertEqual(try JSONValue.parse(failed.body)["reason"], .string("InternalError"))
        server.inject(Fault(.serviceUnavailable(retryAfter: 1)))
        let unavailable = server.handle(list)
        XCTAssertEqual(unavailable.status, 503)
        XCTAssertEqual(unavailable.header("retry-after"), "1")
        server.inject(Fault(.dropConnection))
        XCTAssertEqual(server.handle(list).status, 0)
    }

    /// Over HTTP: a dropped connection, and a watch that ends after one event.
    func testInjectedFaultsOverHTTP() throws {
        let server = APIServer()
        let http = try HTTPServer(server, port: 0)
        defer { try? http.stop() }
        let session = URLSession(configuration: .ephemeral)
        let base = "http://127.0.0.1:\(http.port)/api/v1/namespaces/default/configmaps"
        server.inject(Fault(.dropConnection, path: "/configmaps"))
        XCTAssertThrowsError(try fetch(try XCTUnwrap(URL(string: base)), session: session))
        XCTAssertNoThrow(try fetch(try XCTUnwrap(URL(string: base)), session: session))

        for name in ["a", "b"] {
            XCTAssertEqual(server.handle(APIRequest(method: "POST", path: "/api/v1/namespaces/default/configmaps",
                                                    body: Array(#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"\#(name)"}}"#.utf8))).status, 201)
        }
        server.inject(Fault(.endWatch(afterEvents: 1)))
        let started = Date()
        let (data, _) = try fetch(try XCTUnwrap(URL(string: base + "?watch=true&allowWatchBookmarks=true&timeoutSeconds=30")), session: session)
        XCTAssertLessThan(Date().timeIntervalSince(started), 10, "the watch ended early, not at its timeout")
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
        XCTAssertEqual(lines.count, 1)
        XCTAssertEqual(try JSONValue.parse(String(lines[0]))["type"], .string("ADDED"))
    }

    /// Paging through a namespaced and a cluster-wide list gives every object once, in order, and
    /// counts what remains when nothing filters.
    func testPagingThroughLists() throws {
        let server = APIServer()
        for namespace in ["a", "b"] {
            try server.call("POST", "/api/v1/namespaces", #"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"\#(namespace)"}}"#, expect: 201)
            for i in 0..<5 {
                try server.call("POST", "/api/v1/namespaces/\(namespace)/configmaps",
                                #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm-\#(i)","labels":{"odd":"\#(i % 2 == 1)"}}}"#, expect: 201)
            }
        }
        func page(_ path: String, _ query: [String: String]) throws -> JSONValue {
            try JSONValue.parse(server.handle(APIRequest(method: "GET", path: path, query: query)).body)
        }
        for (path, expected) in [("/api/v1/namespaces/b/configmaps", (0..<5).map { "b/cm-\($0)" }),
                                 ("/api/v1/configmaps", ["a", "b"].flatMap { ns in (0..<5).map { "\(ns)/cm-\($0)" } })] {
            var seen: [String] = []
            var token = ""
            var first = true
            repeat {
                var query = ["limit": "3"]
                if !token.isEmpty { query["continue"] = token }
                let list = try page(path, query)
                if first {
                    XCTAssertEqual(list[path: "metadata", "remainingItemCount"], .integer(Int64(expected.count - 3)))
                    first = false
                }
                seen += (list["items"]?.arrayValue ?? []).map {
                    "\($0[path: "metadata", "namespace"]?.stringValue ?? "")/\($0[path: "metadata", "name"]?.stringValue ?? "")"
                }
                token = list[path: "metadata", "continue"]?.stringValue ?? ""
            } while !token.isEmpty
            XCTAssertEqual(seen, expected, path)
        }
        let odd = try page("/api/v1/configmaps", ["limit": "2", "labelSelector": "odd=true"])
        XCTAssertEqual(odd["items"]?.arrayValue?.count, 2)
        XCTAssertNil(odd[path: "metadata", "remainingItemCount"], "not counted when a selector filters")
        XCTAssertNotNil(odd[path: "metadata", "continue"])
    }

    func testRequestTargetsAreSplitAndDecoded() {
        let request = APIRequest(method: "GET", target: "/api/v1/namespaces/default/pods?labelSelector=app%3Dweb%2Ctier+in+(a)&limit=2&limit=3")
        XCTAssertEqual(request.path, "/api/v1/namespaces/default/pods")
        XCTAssertEqual(request.query, ["labelSelector": "app=web,tier in (a)", "limit": "2"])
    }

    /// The server on a real loopback socket, with keep-alive, as a client uses it.
    func testServesOverHTTP() throws {
        let http = try HTTPServer(APIServer(), port: 0)
        defer { try? http.stop() }
        XCTAssertGreaterThan(http.port, 0)
        let session = URLSession(configuration: .ephemeral)
        for path in ["/version", "/apis/apps/v1", "/api/v1/nonexistent"] {
            let url = try XCTUnwrap(URL(string: "http://127.0.0.1:\(http.port)\(path)"))
            let (data, response) = try fetch(url, session: session)
            let status = (response as? HTTPURLResponse)?.statusCode
            XCTAssertEqual(status, path.hasSuffix("nonexistent") ? 404 : 200, path)
            XCTAssertEqual((response as? HTTPURLResponse)?.value(forHTTPHeaderField: "Content-Type"), "application/json")
            XCTAssertNoThrow(try JSONValue.parse([UInt8](data)), path)
        }
    }

    /// A watch over HTTP: chunked JSON lines as changes happen, a bookmark and the end of the body
    /// when the timeout passes.
    func testWatchStreamsOverHTTP() throws {
        let server = APIServer()
        let http = try HTTPServer(server, port: 0)
        defer { try? http.stop() }
        let session = URLSession(configuration: .ephemeral)
        let base = "http://127.0.0.1:\(http.port)/api/v1/namespaces/default/configmaps"
        let url = try XCTUnwrap(URL(string: base + "?watch=true&allowWatchBookmarks=true&timeoutSeconds=1"))
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var body = Data()
        session.dataTask(with: url) { data, _, _ in
            body = data ?? Data()
            done.signal()
        }.resume()
        Thread.sleep(forTimeInterval: 0.3)
        let created = server.handle(APIRequest(method: "POST", path: "/api/v1/namespaces/default/configmaps",
                                               body: Array(#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"w"}}"#.utf8)))
        XCTAssertEqual(created.status, 201)
        XCTAssertEqual(done.wait(timeout: .now() + 10), .success)
        let lines = try String(decoding: body, as: UTF8.self).split(separator: "\n").map { try JSONValue.parse(String($0)) }
        XCTAssertEqual(lines.map { $0["type"]?.stringValue ?? "" }, ["ADDED", "BOOKMARK"])
        XCTAssertEqual(lines.first?[path: "object", "metadata", "name"], .string("w"))
    }

    /// A streaming list, as client-go's reflector asks for one (kubectl ≥ 1.32): the current
    /// objects as ADDED, then a BOOKMARK annotated `k8s.io/initial-events-end` at their revision;
    /// and the 422s a current kube-apiserver gives for the combinations it refuses.
    func testStreamingListsAndTheirValidation() throws {
        let server = APIServer()
        let path = "/api/v1/namespaces/default/configmaps"
        let first = try server.call("POST", path, #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}}"#, expect: 201)
        try server.call("POST", path, #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"b"}}"#, expect: 201)
        func events(_ query: [String: String]) throws -> [JSONValue] {
            let response = server.handle(APIRequest(method: "GET", path: path, query: query.merging(["watch": "1"]) { $1 }))
            XCTAssertEqual(response.status, 200, String(decoding: response.body, as: UTF8.self))
            return try String(decoding: response.body, as: UTF8.self).split(separator: "\n").map { try JSONValue.parse(Array($0.utf8)) }
        }
        let streaming = ["sendInitialEvents": "true", "resourceVersionMatch": "NotOlderThan", "allowWatchBookmarks": "true"]
        let listed = try events(streaming)
        XCTAssertEqual(listed.map { $0["type"]?.stringValue ?? "" }, ["ADDED", "ADDED", "BOOKMARK"])
        XCTAssertEqual(listed.compactMap { $0[path: "object", "metadata", "name"]?.stringValue }, ["a", "b"])
        let list = try server.call("GET", path, expect: 200)
        XCTAssertEqual(listed.last?["object"], .object([
            "kind": .string("ConfigMap"), "apiVersion": .string("v1"),
            "metadata": .object(["resourceVersion": list[path: "metadata", "resourceVersion"] ?? .null, "creationTimestamp": .null,
                                 "annotations": .object(["k8s.io/initial-events-end": .string("true")])]),
        ]))
        // not older than a revision: still the current objects, not the changes since
        let since = first[path: "metadata", "resourceVersion"]?.stringValue ?? ""
        XCTAssertEqual(try events(streaming.merging(["resourceVersion": since]) { $1 }).count, 3)
        XCTAssertEqual(try events(streaming.merging(["allowWatchBookmarks": "false"]) { $1 }).count, 2, "no bookmark unless allowed")
        XCTAssertEqual(try events(["sendInitialEvents": "false", "resourceVersionMatch": "NotOlderThan"]).count, 0, "from now on")
        XCTAssertEqual(try events(["sendInitialEvents": "false", "resourceVersionMatch": "NotOlderThan", "resourceVersion": since]).count, 1,
                       "the changes since")

        func refused(_ query: [String: String], _ message: String, code: Int = 422, file: StaticString = #filePath, line: UInt = #line) {
            let response = server.handle(APIRequest(method: "GET", path: path, query: query))
            XCTAssertEqual(response.status, code, file: file, line: line)
            let status = try? JSONValue.parse(response.body)
            XCTAssertEqual(status?["message"]?.stringValue, message, file: file, line: line)
        }
        let invalid = #"ListOptions.meta.k8s.io "" is invalid: "#
        refused(["watch": "1", "resourceVersionMatch": "NotOlderThan"],
                invalid + "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided")
        refused(["watch": "1", "sendInitialEvents": "true"],
                invalid + "resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan")
        refused(["watch": "1", "sendInitialEvents": "true", "resourceVersionMatch": "Exact"],
                invalid + #"[resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan, resourceVersionMatch: Unsupported value: "Exact": supported values: "NotOlderThan"]"#)
        refused(["sendInitialEvents": "true"], invalid + "sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list")
        refused(["resourceVersionMatch": "Exact"], invalid + "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided")
        refused(["watch": "1", "sendInitialEvents": "yes", "resourceVersionMatch": "NotOlderThan"],
                #"strconv.ParseBool: parsing "yes": invalid syntax"#, code: 400)
        XCTAssertEqual(server.handle(APIRequest(method: "GET", path: path, query: ["resourceVersion": "0", "resourceVersionMatch": "NotOlderThan"])).status, 200)
    }

    func fetch(_ url: URL, session: URLSession) throws -> (Data, URLResponse) {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: Result<(Data, URLResponse), Error> = .failure(URLError(.timedOut))
        session.dataTask(with: url) { data, response, error in
            if let data, let response { result = .success((data, response)) } else if let error { result = .failure(error) }
            done.signal()
        }.resume()
        XCTAssertEqual(done.wait(timeout: .now() + 10), .success)
        return try result.get()
    }

    /// `kubectl get --watch` asks for Tables: each event carries a one-row Table, the first with
    /// the column definitions, the others without. Boolean parameters read as kube-apiserver
    /// reads them (`watch=True`, as the Python client sends it).
    func testWatchesCarryTablesWhenAskedAndFlagsReadAsGoDoes() throws {
        let server = APIServer()
        for name in ["a", "b"] {
            try server.call("POST", "/api/v1/namespaces/default/configmaps",
                            #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"\#(name)"},"data":{"k":"v"}}"#, expect: 201)
        }
        let response = server.handle(APIRequest(method: "GET", path: "/api/v1/namespaces/default/configmaps", query: ["watch": "True"],
                                                headers: ["accept": "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"]))
        let events = try String(decoding: response.body, as: UTF8.self).split(separator: "\n").map { try JSONValue.parse(Array($0.utf8)) }
        XCTAssertEqual(events.count, 2)
        XCTAssertEqual(events.map { $0[path: "object", "kind"] }, [.string("Table"), .string("Table")])
        XCTAssertEqual(events[0][path: "object", "columnDefinitions"]?.arrayValue?.compactMap { $0["name"]?.stringValue }, ["Name", "Data", "Age"])
        XCTAssertEqual(events[1][path: "object", "columnDefinitions"], .null)
        XCTAssertEqual(events[1][path: "object", "rows"]?[0]?["cells"]?[0], .string("b"))
        XCTAssertFalse(APIRequest(method: "GET", path: "/", query: ["watch": "false"]).flag("watch"))
        XCTAssertFalse(APIRequest(method: "GET", path: "/", query: ["watch": "0"]).flag("watch"))
        XCTAssertTrue(APIRequest(method: "GET", path: "/", query: ["watch": "1"]).flag("watch"))
    }

    func transcript(_ name: String) throws -> [JSONValue] {
        let data = try Data(contentsOf: URL(fileURLWithPath: fixturePath("k8s-transcripts/" + name)))
        return try JSONValue.parse([UInt8](data)).arrayValue ?? []
    }
}
