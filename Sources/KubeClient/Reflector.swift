import Foundation
import KubeAPI

/// A watch that does not end, in the manner of client-go's reflector: it lists (page by page),
/// reports the objects as ADDED, then watches from the list's resourceVersion with bookmarks;
/// after a disconnect or the server's timeout it watches again from the last resourceVersion
/// seen, and when the server answers 410 Expired it lists again and reports only the
/// differences (ADDED, MODIFIED, DELETED) against what it has reported. No change is lost or
/// reported twice.
public final class Reflector: @unchecked Sendable {
    public let resource: ResourceClient
    /// Selectors (`labelSelector`, `fieldSelector`) of the list and the watches.
    let options: [String: String]
    /// What has been reported, by `namespace/name`: each object's resourceVersion.
    private var known: [String: (version: String, object: JSONValue)] = [:]
    private var resourceVersion: String?
    private var stream: WatchStream?
    private var pending: [WatchEvent] = []
    /// Whether every object of the first list has been handed out (client-go's HasSynced).
    public private(set) var synced = false
    /// Called once, when `synced` turns true: before `next` waits for the first watch event.
    public var onSynced: (@Sendable () -> Void)?
    /// Lists and watches made (for tests and `-v`).
    public private(set) var lists = 0
    public private(set) var watches = 0

    public init(_ resource: ResourceClient, options: [String: String] = [:]) {
        self.resource = resource
        self.options = options.filter { $0.key == "labelSelector" || $0.key == "fieldSelector" }
    }

    static func key(_ object: JSONValue) -> String {
        "\(object[path: "metadata", "namespace"]?.stringValue ?? "")/\(object[path: "metadata", "name"]?.stringValue ?? "")"
    }

    /// The next change; nil only when `stop` returned true (checked every tenth of a second).
    public func next(stop: @escaping () -> Bool = { false }) throws(KubeError) -> WatchEvent? {
        while true {
            if !pending.isEmpty { return pending.removeFirst() }
            if resourceVersion != nil, !synced {
                synced = true
                onSynced?()
            }
            if stop() { stream?.cancel(); return nil }
            guard let resourceVersion else {
                try relist()
                continue
            }
            if stream == nil {
                var query = options
                query["resourceVersion"] = resourceVersion
                query["allowWatchBookmarks"] = "true"
                query["timeoutSeconds"] = String(Int.random(in: 300...600))  // as the reflector, 5 to 10 minutes
                watches += 1
                stream = try resource.watch(query)
            }
            let event: WatchEvent?
            do {
                event = try stream?.next(stop: stop)
            } catch {
                stream = nil
                guard error.isTransport || error.isGone else { throw error }
                if error.isGone { self.resourceVersion = nil }
                Thread.sleep(forTimeInterval: error.isTransport ? 1 : 0)  // a short pause before watching again
                continue
            }
            guard let event else {
                stream = nil  // the server ended the watch, or it was stopped: watch again from where it was
                if stop() { return nil }
                continue
            }
            switch event.type {
            case "BOOKMARK":
                self.resourceVersion = event.object[path: "metadata", "resourceVersion"]?.stringValue ?? self.resourceVersion
            case "ERROR":
                stream?.cancel()
                stream = nil
                if let status = Status(json: event.object), status.code == 410 || status.reason == "Expired" || status.reason == "Gone" {
                    self.resourceVersion = nil  // too old: list again
                } else {
                    throw .status(Status(json: event.object) ?? Status(code: 500, message: "a watch reported an error"))
                }
            default:
                let key = Self.key(event.object)
                let version = event.object[path: "metadata", "resourceVersion"]?.stringValue ?? ""
                self.resourceVersion = version.isEmpty ? self.resourceVersion : version
                if event.type == "DELETED" { known[key] = nil } else { known[key] = (version, event.object) }
                return event
            }
        }
    }

    /// Lists everything and queues the differences from what was reported.
    private func relist() throws(KubeError) {
        lists += 1
        let list = try resource.listAll(options)
        var seen = Set<String>()
        for item in list["items"]?.arrayValue ?? [] {
            var object = item
            object["apiVersion"] = object["apiVersion"] ?? .string(resource.resource.groupVersion)
            object["kind"] = object["kind"] ?? .string(resource.resource.kind)
            let key = Self.key(object)
            seen.insert(key)
            let version = object[path: "metadata", "resourceVersion"]?.stringValue ?? ""
            if let previous = known[key] {
                if previous.version != version { pending.append(WatchEvent(type: "MODIFIED", object: object)) }
            } else {
                pending.append(WatchEvent(type: "ADDED", object: object))
            }
            known[key] = (version, object)
        }
        for (key, previous) in known.sorted(by: { $0.key < $1.key }) where !seen.contains(key) {
            known[key] = nil
            pending.append(WatchEvent(type: "DELETED", object: previous.object, finalStateUnknown: true))
        }
        resourceVersion = list[path: "metadata", "resourceVersion"]?.stringValue ?? "0"
    }
}
