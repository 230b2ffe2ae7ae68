import KubeAPI
import NIOConcurrencyHelpers

/// The embedded Kubernetes API server: it answers requests as the recorded kube-apiserver v1.24
/// does. `handle` is the whole server; `HTTPServer` puts it on a socket.
///
/// docs/server.md lists what it serves. With `controllers`, Deployments, ReplicaSets, Jobs and
/// Pods behave as in a cluster with one node (see `ControllerOptions`).
public final class APIServer: @unchecked Sendable {
    /// The discovery documents, by path, serialized once.
    let discovery: [String: [UInt8]]
    let catalog: ResourceCatalog
    /// Guards `store`: requests are answered one at a time.
    let lock = NIOLock()
    var store = ObjectStore()
    /// Who may do what.
    public let authentication: Authentication
    /// The simulated controllers, or nil for a bare API server.
    public let controllers: ControllerOptions?
    let openAPI = OpenAPIDocuments()
    /// The discovery documents with the custom resources of a definitions revision, made once.
    let customDiscovery = NIOLockedValueBox<(revision: Int64, documents: [String: [UInt8]])?>(nil)
    let faults = FaultList()
    /// The service account tokens this server has issued.
    let issuedTokens = IssuedTokens()

    public init(authentication: Authentication = Authentication(), controllers: ControllerOptions? = nil) {
        self.authentication = authentication
        self.controllers = controllers
        var documents: [String: [UInt8]] = [:]
        for (path, json) in Self.servedDiscovery { documents[path] = Array(json.utf8) }
        discovery = documents
        catalog = ResourceCatalog(discovery: Self.servedDiscovery)
    }

    /// The recorded server's discovery, and what this server serves beyond v1.24:
    /// authentication.k8s.io/v1 SelfSubjectReview (GA in v1.28), which `kubectl auth whoami` asks.
    static let servedDiscovery: [(path: String, json: String)] = RecordedDiscovery.documents.map { entry in
        guard entry.path == "/apis/authentication.k8s.io/v1", case .object(var list)? = try? JSONValue.parse(entry.json),
              case .array(var resources)? = list["resources"] else { return entry }
        resources.append(.object(["name": .string("selfsubjectreviews"), "singularName": .string(""), "namespaced": .bool(false),
                                  "kind": .string("SelfSubjectReview"), "verbs": .array([.string("create")])]))
        list["resources"] = .array(resources)
        return (entry.path, JSONValue.object(list).jsonString())
    }

    /// Keeps the cluster in the SQLite database at `path` (`serve --data`): what it holds (if
    /// anything) replaces this server's objects, and every change from now on is written to it.
    public func keep(inFile path: String) throws(ClusterFileError) {
        let file = try ClusterFile(path: path)
        let kept: Result<Void, ClusterFileError> = lock.withLock { Result { () throws(ClusterFileError) in try store.keep(in: file) } }
        try kept.get()
    }

    /// Answers one request: a response, or for a watch, what to stream (see `startWatch`). A
    /// client that asks for protobuf alone gets a built-in kind's answer in protobuf.
    public func reply(to request: APIRequest) -> APIReply {
        let reply = answer(to: request)
        guard ProtobufBody.wantedAlone(by: request), case .response(let response) = reply,
              response.header("content-type") == "application/json", let object = try? JSONValue.parse(response.body),
              let bytes = ProtobufBody.encode(object) else { return reply }
        return .response(APIResponse(status: response.status, headers: [("content-type", ProtobufBody.mediaType)], body: bytes))
    }

    /// The answer to a request, in JSON.
    func answer(to request: APIRequest) -> APIReply {
        var watchEnd: Int?
        if let fault = faults.take(for: request) {
            switch fault.kind {
            case .dropConnection: return .drop
            case .endWatch(let events): watchEnd = events
            default: if let response = fault.response { return .response(response) }
            }
        }
        guard let user = authentication.user(for: request) ?? issuedUser(for: request) else { return .response(.status(.unauthorized)) }
        let path = request.path.count > 1 && request.path.hasSuffix("/") ? String(request.path.dropLast()) : request.path
        let (custom, definitionsRevision) = lock.withLock { (store.customResources, store.definitionsRevision) }
        let documents = discoveryDocuments(with: custom, revision: definitionsRevision)
        if let document = documents[path] {
            guard request.method == "GET" || request.method == "HEAD" else { return .response(.status(.methodNotAllowed)) }
            if path == "/api" || path == "/apis", let version = AggregatedDiscovery.requestedVersion(request) {
                let list = AggregatedDiscovery.list(core: path == "/api", version: version, documents: documents)
                return .response(APIResponse(status: 200, headers: [
                    ("content-type", "application/json;g=apidiscovery.k8s.io;v=\(version);as=APIGroupDiscoveryList"),
                ], body: list.serialized()))
            }
            return .response(.json(200, bytes: document))
        }
        if let response = openAPI.response(path: path, request: request, custom: custom, revision: definitionsRevision) {
            return .response(response)
        }
        func served(_ group: String, _ version: String, _ name: String) -> APIResourceInfo? {
            catalog.resource(group: group, version: version, name: name) ?? custom[ResourceCatalog.key(group, version, name)]?.info
        }
        guard let resourcePath = ResourcePath(path, isNamespaced: { served($0, $1, $2)?.namespaced ?? false }),
              let info = served(resourcePath.group, resourcePath.version, resourcePath.resource),
              info.namespaced || resourcePath.namespace == nil
        else { return .response(.status(.notFoundPath)) }
        if Self.reviews.contains("\(info.group)/\(info.name)") { return .response(review(request, resourcePath, info, user: user)) }
        let verb = request.verb(named: resourcePath.name != nil)
        guard Authorization.decide(groups: Authorization.groups(of: user), .init(verb: verb, group: info.group, resource: info.name)).allowed else {
            return .response(.status(.forbidden(user, verb: verb, info, name: resourcePath.name,
                                                namespace: resourcePath.namespace, subresource: resourcePath.subresource)))
        }
        if Self.isEventsView(info) { return eventsViewReply(request, resourcePath, info) }
        let watch = request.flag("watch")
        if watch, request.method == "GET", resourcePath.name == nil, resourcePath.subresource == nil {
            switch watchRequest(request, resourcePath, info) {
            case .success(var watch):
                watch.endAfterEvents = watchEnd
                return .watch(watch)
            case .failure(let status): return .response(.status(status))
            }
        }
        if resourcePath.subresource == "log", info.group.isEmpty, info.name == "pods", let name = resourcePath.name {
            return podLog(request, resourcePath, info, name: name)
        }
        if resourcePath.subresource == "token", info.group.isEmpty, info.name == "serviceaccounts", let name = resourcePath.name {
            return .response(tokenRequest(request, resourcePath, info, name: name))
        }
        return .response(lock.withLock {
            let response = handleResource(request, resourcePath, info, in: &store)
            if info.storageKey == CustomResource.definitionsKey, request.method != "GET" {
                // kube-apiserver's own controller establishes a definition within moments: the
                // answer shows it as written, the next read as established.
                _ = reconcileDefinitions(in: &store)
            }
            return response
        })
    }

    /// Answers one request. A watch gets the events already due (as if it timed out at once); a
    /// dropped connection is a response with status 0 and no body.
    public func handle(_ request: APIRequest) -> APIResponse {
        switch reply(to: request) {
        case .response(let response):
            return response
        case .drop:
            return APIResponse(status: 0)
        case .watch(let watch):
            let lines = NIOLockedValueBox<[UInt8]>([])
            startWatch(watch) { event in lines.withLockedValue { $0 += event.line } }?.cancel()
            return APIResponse(status: 200, headers: [("content-type", "application/json")], body: lines.withLockedValue { $0 })
        case .follow(let follow):
            return APIResponse(status: 200, headers: [("content-type", "text/plain")], body: follow.text)
        }
    }
}

/// What the server answers a request with.
public enum APIReply: Sendable {
    case response(APIResponse)
    /// A watch to stream with `APIServer.startWatch`.
    case watch(WatchRequest)
    /// A log to send and keep open (`pods/log?follow=true`).
    case follow(LogFollow)
    /// Close the connection without answering (an injected fault).
    case drop
}

extension Status {
    /// What kube-apiserver answers for a path it does not serve.
    static let notFoundPath = Status(code: 404, reason: "NotFound", message: "the server could not find the requested resource",
                                     details: .object([:]))
    /// What kube-apiserver answers for a verb a path does not take.
    static let methodNotAllowed = Status(code: 405, reason: "MethodNotAllowed",
                                         message: "the server does not allow this method on the requested resource",
                                         details: .object([:]))
}
