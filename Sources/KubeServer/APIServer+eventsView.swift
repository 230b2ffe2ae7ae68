import KubeAPI

/// events.k8s.io Events are a view of the core/v1 Events, as in kube-apiserver, where both APIs
/// keep one Event: what the simulated controllers and client-go's old recorder write in core/v1
/// reads in events.k8s.io/v1 (`regarding`, `note`, `deprecatedCount`, ...), and what the new
/// recorder writes there (kubescript's `EventRecorder` among them) reads in core/v1, which is what
/// `kubectl get events` and `describe` read. Requests are answered by the core/v1 resource, their
/// bodies and answers converted field by field as pkg/apis/events/v1's conversion does.
extension APIServer {
    static func isEventsView(_ info: APIResourceInfo) -> Bool { info.group == "events.k8s.io" && info.name == "events" }

    /// (events.k8s.io name, core/v1 name) of the fields that differ, and those that do not.
    static let eventFields: [(view: String, core: String)] = [
        ("metadata", "metadata"), ("eventTime", "eventTime"), ("series", "series"), ("reportingController", "reportingComponent"),
        ("reportingInstance", "reportingInstance"), ("action", "action"), ("reason", "reason"), ("regarding", "involvedObject"),
        ("related", "related"), ("note", "message"), ("type", "type"), ("deprecatedSource", "source"),
        ("deprecatedFirstTimestamp", "firstTimestamp"), ("deprecatedLastTimestamp", "lastTimestamp"), ("deprecatedCount", "count"),
    ]
    /// core/v1's order of its Event's fields.
    static let coreEventOrder = ["metadata", "involvedObject", "reason", "message", "source", "firstTimestamp", "lastTimestamp", "count",
                                 "type", "eventTime", "series", "action", "related", "reportingComponent", "reportingInstance"]

    /// A core/v1 Event as events.k8s.io `apiVersion` shows it.
    static func eventsView(_ core: JSONValue, apiVersion: String) -> JSONValue {
        // an Event, or a list's item (which carries no kind)
        guard case .object(let fields) = core, core["kind"] == nil || core["kind"] == .string("Event") else { return core }
        var view = JSONObject()
        if core["kind"] != nil {
            view.append("kind", .string("Event"))
            view.append("apiVersion", .string(apiVersion))
        }
        for (viewName, coreName) in eventFields {
            let value = fields[coreName]
            if viewName == "eventTime" { view.append(viewName, value ?? .null); continue }  // no omitempty
            guard let value, value != .null, value != .string(""), value != .integer(0), value != .object([:]) || viewName == "metadata" else { continue }
            view.append(viewName, value)
        }
        return .object(view)
    }

    /// An events.k8s.io Event as the core/v1 Event it stands for.
    static func coreEvent(_ view: JSONValue) -> JSONValue {
        guard case .object(let fields) = view else { return view }
        var byCore: [String: JSONValue] = [:]
        for (viewName, coreName) in eventFields { if let value = fields[viewName] { byCore[coreName] = value } }
        var core = JSONObject()
        core.append("kind", .string("Event"))
        core.append("apiVersion", .string("v1"))
        for name in coreEventOrder { if let value = byCore[name] { core.append(name, value) } }
        return .object(core)
    }

    /// Answers an events.k8s.io request through core/v1.
    func eventsViewReply(_ request: APIRequest, _ path: ResourcePath, _ info: APIResourceInfo) -> APIReply {
        let apiVersion = info.groupVersion
        var core = request
        core.path = "/api/v1" + (path.namespace.map { "/namespaces/\($0)" } ?? "") + "/events" + (path.name.map { "/\($0)" } ?? "")
        if request.method == "POST" || request.method == "PUT" {
            switch Self.decodeBody(request, info) {
            case .success(let body): core.body = Self.coreEvent(body).serialized()
            case .failure(let status): return .response(.status(status))
            }
            core.headers["content-type"] = "application/json"
        } else if request.method == "PATCH", let name = path.name {
            // the patch applies to the view: the current Event as seen here, patched, written back
            var get = core
            (get.method, get.body) = ("GET", [])
            let current: APIResponse
            if case .response(let answered) = answer(to: get) { current = answered } else { return .response(.status(.notFoundPath)) }
            guard current.status == 200, let stored = try? JSONValue.parse(current.body) else { return .response(current) }
            let patched: JSONValue
            switch patchedView(Self.eventsView(stored, apiVersion: apiVersion), request, info, name: name) {
            case .success(let value): patched = value
            case .failure(let status): return .response(.status(status))
            }
            var written = Self.coreEvent(patched)
            written["metadata"]?["resourceVersion"] = stored[path: "metadata", "resourceVersion"] ?? .null
            (core.method, core.body) = ("PUT", written.serialized())
            core.headers["content-type"] = "application/json"
        }
        switch answer(to: core) {
        case .response(let response):
            guard var body = try? JSONValue.parse(response.body), case .object = body else { return .response(response) }
            if body["kind"] == .string("EventList") {
                body["apiVersion"] = .string(apiVersion)
                body["items"] = .array((body["items"]?.arrayValue ?? []).map { Self.eventsView($0, apiVersion: apiVersion) })
            } else {
                body = Self.eventsView(body, apiVersion: apiVersion)
            }
            return .response(APIResponse(status: response.status, headers: response.headers, body: body.serialized()))
        case .watch(var watch):
            watch.view = { Self.eventsView($0, apiVersion: apiVersion) }
            return .watch(watch)
        case let other:
            return other
        }
    }

    /// The view patched as the request's content type says (merge, strategic merge, JSON patch).
    func patchedView(_ view: JSONValue, _ request: APIRequest, _ info: APIResourceInfo, name: String) -> Result<JSONValue, Status> {
        guard let patch = try? JSONValue.parse(request.body) else { return .failure(.badRequest("the patch is not JSON")) }
        let type = request.headers["content-type"]?.split(separator: ";").first.map { String($0.trimmingSpaces) } ?? ""
        switch type {
        case "application/merge-patch+json": return .success(Patch.merge(view, patch))
        case "application/strategic-merge-patch+json": return .success(Patch.strategicMerge(view, patch))
        case "application/json-patch+json":
            return Result { () throws(Patch.Failure) in try Patch.json(view, patch) }
                .mapError { $0.invalid ? Status(code: 422, reason: "Invalid", message: $0.message) : .badRequest($0.message) }
        default:
            return .failure(Status(code: 415, reason: "UnsupportedMediaType", message: "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
                                   details: .object([:])))
        }
    }
}
