import Glibc
import KubeAPI

/// A followed log (`pods/log?follow=true`): what the log holds now, then the connection stays
/// open until the container terminates (its last line is sent) or the Pod goes.
public struct LogFollow: Sendable {
    public let text: [UInt8]
    /// A watch of the Pod: a MODIFIED event with the container terminated, or DELETED, ends the log.
    public let watch: WatchRequest
    let container: String
    let timestamps: Bool

    /// The log's last line once `pod` shows the container terminated; nil while it runs.
    func lastLine(_ pod: JSONValue) -> [UInt8]? {
        let statuses = (pod[path: "status", "containerStatuses"]?.arrayValue ?? []) + (pod[path: "status", "initContainerStatuses"]?.arrayValue ?? [])
        guard let state = statuses.first(where: { $0["name"]?.stringValue == container })?["state"],
              let line = APIServer.exitLine(container, state) else { return nil }
        return Array(((timestamps ? String(line.time.dropLast()) + ".000000000Z " : "") + line.text + "\n").utf8)
    }
}

/// `pods/log`, from the simulated kubelet: a container's log holds a line when it started and,
/// once it has terminated, a line with its exit code, at the times its status gives. The
/// options kube-apiserver takes: `container`, `timestamps`, `tailLines`, `sinceSeconds`,
/// `sinceTime`, `limitBytes`, `previous`, `follow`; its 400s for a container that is not the
/// Pod's, a Pod of several containers without one named, a container not started yet, and a
/// previous container that never was.
extension APIServer {
    func podLog(_ request: APIRequest, _ path: ResourcePath, _ info: APIResourceInfo, name: String) -> APIReply {
        guard request.method == "GET" else { return .response(.status(.methodNotSupported(info, verb: request.method))) }
        let (found, revision) = lock.withLock { (store.object(of: info, key: key(path, name)), store.revision) }
        guard let pod = found else { return .response(.status(.notFound(info, name: name))) }
        func names(_ field: String) -> [String] { pod[path: "spec", field]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? [] }
        let containers = names("containers"), initContainers = names("initContainers")
        let container: String
        if let asked = request.query["container"], !asked.isEmpty {
            guard containers.contains(asked) || initContainers.contains(asked) else {
                return .response(.status(.badRequest("container \(asked) is not valid for pod \(name)")))
            }
            container = asked
        } else if containers.count == 1 {
            container = containers[0]
        } else {
            var message = "a container name must be specified for pod \(name), choose one of: [\(containers.joined(separator: " "))]"
            if !initContainers.isEmpty { message += " or one of the init containers: [\(initContainers.joined(separator: " "))]" }
            return .response(.status(.badRequest(message)))
        }
        if request.flag("previous") {
            return .response(.status(.badRequest("previous terminated container \"\(container)\" in pod \"\(name)\" not found")))
        }
        let statuses = (pod[path: "status", "containerStatuses"]?.arrayValue ?? []) + (pod[path: "status", "initContainerStatuses"]?.arrayValue ?? [])
        let state = statuses.first { $0["name"]?.stringValue == container }?["state"]
        guard let started = (state?[path: "running", "startedAt"] ?? state?[path: "terminated", "startedAt"])?.stringValue else {
            let reason = state?[path: "waiting", "reason"]?.stringValue ?? "ContainerCreating"
            return .response(.status(.badRequest("container \"\(container)\" in pod \"\(name)\" is waiting to start: \(reason)")))
        }
        let image = pod[path: "spec", "containers"]?.arrayValue?.first { $0["name"]?.stringValue == container }?["image"]?.stringValue
            ?? pod[path: "spec", "initContainers"]?.arrayValue?.first { $0["name"]?.stringValue == container }?["image"]?.stringValue ?? ""
        var lines = [(time: started, text: "kubescript-node: started container \(container) (image \(image)); the embedded cluster runs no processes")]
        if let state, let exit = Self.exitLine(container, state) { lines.append(exit) }
        return logReply(lines, request, pod: pod, container: container, revision: revision, running: state?["running"] != nil, path, info)
    }

    /// The line a terminated container's log ends with.
    static func exitLine(_ container: String, _ state: JSONValue) -> (time: String, text: String)? {
        guard let finished = state[path: "terminated", "finishedAt"]?.stringValue else { return nil }
        let code = state[path: "terminated", "exitCode"]?.integerValue ?? 0
        return (finished, "kubescript-node: container \(container) exited with code \(code)")
    }

    private func logReply(_ all: [(time: String, text: String)], _ request: APIRequest, pod: JSONValue, container: String, revision: Int64, running: Bool,
                          _ path: ResourcePath, _ info: APIResourceInfo) -> APIReply {
        var lines = all
        if let text = request.query["sinceSeconds"], let seconds = Int64(text), seconds > 0 {
            let since = Int64(time(nil)) - seconds
            lines = lines.filter { (RFC3339.parse($0.time)?.seconds ?? 0) >= since }
        } else if let text = request.query["sinceTime"], let since = RFC3339.parse(text)?.seconds {
            lines = lines.filter { (RFC3339.parse($0.time)?.seconds ?? 0) >= since }
        }
        if let text = request.query["tailLines"], let count = Int(text), count >= 0 { lines = Array(lines.suffix(count)) }
        let stamped = request.flag("timestamps")
        var body = Array(lines.map { (stamped ? String($0.time.dropLast()) + ".000000000Z " : "") + $0.text + "\n" }.joined().utf8)
        if let text = request.query["limitBytes"], let limit = Int(text), limit >= 0, body.count > limit { body = Array(body.prefix(limit)) }
        guard request.flag("follow"), running, let name = pod[path: "metadata", "name"]?.stringValue,
              let fields = try? FieldSelector(parsing: "metadata.name=\(name)") else {
            return .response(APIResponse(status: 200, headers: [("content-type", "text/plain")], body: body))
        }
        let watch = WatchRequest(info: info, namespace: path.namespace, since: revision, selection: Selection(labels: nil, fields: fields),
                                 timeoutSeconds: 365 * 24 * 3600, bookmarks: false, endAfterEvents: nil, table: nil)
        return .follow(LogFollow(text: body, watch: watch, container: container, timestamps: stamped))
    }
}
