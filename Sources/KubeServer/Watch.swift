import KubeAPI
import NIOConcurrencyHelpers

/// One change to an object, as a watch delivers it: `{"type":"ADDED","object":{...}}`.
public struct WatchEvent: Sendable, Equatable {
    /// `ADDED`, `MODIFIED`, `DELETED`, `BOOKMARK` or `ERROR`.
    public var type: String
    public var object: JSONValue
    /// The revision of the write, for the history.
    var revision: Int64
    var storageKey: String
    var namespace: String?

    /// The line a watch stream carries, newline included.
    public var line: [UInt8] {
        JSONValue.object(["type": .string(type), "object": object]).serialized() + [0x0A]
    }
}

/// How a watch shows objects as Tables: `includeObject` (`Metadata` by default, `Object`, `None`).
struct TableView: Sendable {
    var includeObject: String?
}

/// What a watch request asks for, once validated.
public struct WatchRequest: Sendable {
    let info: APIResourceInfo
    let namespace: String?
    /// Events after this revision; nil: the current objects as ADDED first (unless `startAtNow`).
    let since: Int64?
    /// With no `since`: only the changes from now on (`sendInitialEvents=false` without a revision).
    var startAtNow = false
    /// After the current objects, a BOOKMARK annotated `k8s.io/initial-events-end` (a streaming
    /// list's end, `sendInitialEvents=true`), when bookmarks are allowed.
    var initialEventsEnd = false
    let selection: Selection
    /// How long the server keeps the watch open.
    public let timeoutSeconds: Int64
    /// Whether BOOKMARK events may be sent.
    public let bookmarks: Bool
    /// End the stream after this many events (an injected fault).
    public internal(set) var endAfterEvents: Int?
    /// Events carry Tables (what `kubectl get --watch` asks for); nil: they carry the objects.
    var table: TableView?
    /// How the objects are shown when they are a view of another resource's (events.k8s.io's of core/v1 Events).
    var view: (@Sendable (JSONValue) -> JSONValue)?

    func matches(_ event: WatchEvent) -> Bool {
        guard event.storageKey == info.storageKey, namespace == nil || event.namespace == namespace else { return false }
        return selection.matches(event.object)
    }

    /// The BOOKMARK event for a revision: an object of the kind with only its resourceVersion
    /// (and, ending a streaming list's initial events, the annotation that says so).
    func bookmark(at revision: Int64, initialEventsEnd: Bool = false) -> WatchEvent {
        var metadata = JSONObject()
        metadata.append("resourceVersion", .string(String(revision)))
        metadata.append("creationTimestamp", .null)
        if initialEventsEnd { metadata.append("annotations", .object(["k8s.io/initial-events-end": .string("true")])) }
        return WatchEvent(type: "BOOKMARK", object: .object([
            "kind": .string(info.kind), "apiVersion": .string(info.groupVersion), "metadata": .object(metadata),
        ]), revision: revision, storageKey: info.storageKey, namespace: namespace)
    }
}

/// A registered watch; `cancel` stops its events.
public final class WatchSubscription: @unchecked Sendable {
    weak var server: APIServer?
    let id: Int
    let request: WatchRequest

    init(server: APIServer, id: Int, request: WatchRequest) {
        self.server = server
        self.id = id
        self.request = request
    }

    /// Stops delivering events. Safe to call more than once.
    public func cancel() {
        server?.lock.withLock { server?.store.watchers[id] = nil }
    }

    /// The BOOKMARK event for the server's current revision (as the watch shows its objects).
    public func bookmark() -> WatchEvent? {
        guard let server else { return nil }
        var event = request.bookmark(at: server.lock.withLock { server.store.revision })
        if let view = request.view { event.object = view(event.object) }
        return event
    }
}

extension APIServer {
    /// How many watches are open: subscriptions a client has not yet ended (for tests).
    public var openWatches: Int { lock.withLock { store.watchers.count } }

    /// The watch a GET of a collection with `watch=true` asks for, or the Status for a bad one.
    /// `sendInitialEvents=true` (with `resourceVersionMatch=NotOlderThan`) is a streaming list:
    /// the current objects as ADDED, then a BOOKMARK annotated `k8s.io/initial-events-end`,
    /// then the changes; `sendInitialEvents=false` watches from the revision, or from now.
    func watchRequest(_ request: APIRequest, _ path: ResourcePath, _ info: APIResourceInfo) -> Result<WatchRequest, Status> {
        let options: ListOptions
        switch ListOptions.parse(request, watch: true) {
        case .success(let parsed): options = parsed
        case .failure(let status): return .failure(status)
        }
        let selection: Selection
        switch Selection.parse(request, info) {
        case .success(let parsed): selection = parsed
        case .failure(let status): return .failure(status)
        }
        var since: Int64?
        if let text = request.query["resourceVersion"], !text.isEmpty, text != "0" {
            guard let value = Int64(text) else {
                return .failure(Status(code: 400, reason: "BadRequest", message: "invalid resource version: \(text)"))
            }
            since = value
        }
        let timeout = request.query["timeoutSeconds"].flatMap { Int64($0) } ?? 1800
        var watch = WatchRequest(info: info, namespace: path.namespace, since: options.sendInitialEvents == true ? nil : since,
                                 selection: selection, timeoutSeconds: max(0, timeout), bookmarks: request.flag("allowWatchBookmarks"),
                                 endAfterEvents: nil, table: Table.wanted(by: request) ? TableView(includeObject: request.query["includeObject"]) : nil)
        watch.startAtNow = options.sendInitialEvents == false && since == nil
        watch.initialEventsEnd = options.sendInitialEvents == true
        return .success(watch)
    }

    /// Starts a watch: `send` receives the events already due (the backlog since the requested
    /// revision, or the current objects as ADDED) before this returns, then every matching
    /// change as it happens, on the writer's thread. A revision older than the history gives a
    /// single ERROR event with a 410 Expired Status, and no subscription.
    public func startWatch(_ request: WatchRequest, send given: @escaping @Sendable (WatchEvent) -> Void) -> WatchSubscription? {
        let deliver: @Sendable (WatchEvent) -> Void
        if let view = request.view {
            deliver = { event in
                guard ["ADDED", "MODIFIED", "DELETED", "BOOKMARK"].contains(event.type) else { return given(event) }
                var shown = event
                shown.object = view(event.object)
                given(shown)
            }
        } else {
            deliver = given
        }
        var send = deliver
        if let view = request.table {
            // As kube-apiserver: each object becomes a one-row Table; only the first has the
            // column definitions.
            let headers = NIOLockedValueBox(true)
            send = { event in
                guard ["ADDED", "MODIFIED", "DELETED"].contains(event.type) else { return deliver(event) }
                var table = Table.table(for: request.info, objects: [event.object], metadata: .object([
                    "resourceVersion": event.object[path: "metadata", "resourceVersion"] ?? .string(""),
                ]), includeObject: view.includeObject)
                if headers.withLockedValue({ first in defer { first = false }; return !first }) { table["columnDefinitions"] = .null }
                var wrapped = event
                wrapped.object = table
                deliver(wrapped)
            }
        }
        return lock.withLock {
            if let since = request.since, since < store.historyStart {
                let status = Status(code: 410, reason: "Expired", message: "too old resource version: \(since) (\(store.historyStart + 1))")
                send(WatchEvent(type: "ERROR", object: status.json, revision: store.revision, storageKey: request.info.storageKey,
                                namespace: request.namespace))
                return nil
            }
            if let since = request.since {
                for event in store.history where event.revision > since && request.matches(event) { send(event) }
            } else if !request.startAtNow {
                for (_, object) in store.objects(of: request.info, namespace: request.namespace) {
                    let event = WatchEvent(type: "ADDED", object: object, revision: store.revision, storageKey: request.info.storageKey,
                                           namespace: object[path: "metadata", "namespace"]?.stringValue)
                    if request.matches(event) { send(event) }
                }
                if request.initialEventsEnd, request.bookmarks { send(request.bookmark(at: store.revision, initialEventsEnd: true)) }
            }
            store.nextWatcher += 1
            store.watchers[store.nextWatcher] = Watcher(request: request, send: send)
            return WatchSubscription(server: self, id: store.nextWatcher, request: request)
        }
    }
}

/// A watch registered with the store.
struct Watcher {
    let request: WatchRequest
    let send: @Sendable (WatchEvent) -> Void
}
