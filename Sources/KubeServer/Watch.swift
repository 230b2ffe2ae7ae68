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
    /// Events after this revision; nil: the current objects as ADDED first.
    let since: Int64?
    let selection: Selection
    /// How long the server keeps the watch open.
    public let timeoutSeconds: Int64
    /// Whether BOOKMARK events may be sent.
    public let bookmarks: Bool
    /// End the stream after this many events (an injected fault).
    public internal(set) var endAfterEvents: Int?
    /// Events carry Tables (what `kubectl get --watch` asks for); nil: they carry the objects.
    var table: TableView?

    func matches(_ event: WatchEvent) -> Bool {
        guard event.storageKey == info.storageKey, namespace == nil || event.namespace == namespace else { return false }
        return selection.matches(event.object)
    }

    /// The BOOKMARK event for a revision: an object of the kind with only its resourceVersion.
    func bookmark(at revision: Int64) -> WatchEvent {
        WatchEvent(type: "BOOKMARK", object: .object([
            "kind": .string(info.kind), "apiVersion": .string(info.groupVersion),
            "metadata": .object(["resourceVersion": .string(String(revision)), "creationTimestamp": .null]),
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

    /// The BOOKMARK event for the server's current revision.
    public func bookmark() -> WatchEvent? {
        guard let server else { return nil }
        return request.bookmark(at: server.lock.withLock { server.store.revision })
    }
}

extension APIServer {
    /// How many watches are open: subscriptions a client has not yet ended (for tests).
    public var openWatches: Int { lock.withLock { store.watchers.count } }

    /// The watch a GET of a collection with `watch=true` asks for, or the Status for a bad one.
    func watchRequest(_ request: APIRequest, _ path: ResourcePath, _ info: APIResourceInfo) -> Result<WatchRequest, Status> {
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
        return .success(WatchRequest(info: info, namespace: path.namespace, since: since, selection: selection,
                                     timeoutSeconds: max(0, timeout), bookmarks: request.flag("allowWatchBookmarks"),
                                     endAfterEvents: nil, table: Table.wanted(by: request) ? TableView(includeObject: request.query["includeObject"]) : nil))
    }

    /// Starts a watch: `send` receives the events already due (the backlog since the requested
    /// revision, or the current objects as ADDED) before this returns, then every matching
    /// change as it happens, on the writer's thread. A revision older than the history gives a
    /// single ERROR event with a 410 Expired Status, and no subscription.
    public func startWatch(_ request: WatchRequest, send deliver: @escaping @Sendable (WatchEvent) -> Void) -> WatchSubscription? {
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
            } else {
                for (_, object) in store.objects(of: request.info, namespace: request.namespace) {
                    let event = WatchEvent(type: "ADDED", object: object, revision: store.revision, storageKey: request.info.storageKey,
                                           namespace: object[path: "metadata", "namespace"]?.stringValue)
                    if request.matches(event) { send(event) }
                }
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
