import Glibc
import KubeAPI

/// Events, as the real components record them: core/v1 Events from the deployment, replica set,
/// job, stateful set and daemon set controllers and the kubelet (client-go's tools/record: a
/// repeat of the same event raises its `count` and `lastTimestamp`), the scheduler's through the
/// events.k8s.io API (`eventTime`, `action`, `reportingController`), as they read in core/v1; and
/// kube-apiserver's `--event-ttl` (an hour, `ControllerOptions.eventTTL`) removing those not
/// written for that long.
extension APIServer {
    /// Records `reason` and `message` about `object` (of `info`) as `component` does.
    func recordEvent(_ object: JSONValue, _ info: APIResourceInfo, type: String = "Normal", reason: String, message: String,
                     component: String, fieldPath: String? = nil, in store: inout ObjectStore) {
        guard let events = self.info("", "v1", "events"), let name = object[path: "metadata", "name"]?.stringValue else { return }
        let namespace = object[path: "metadata", "namespace"]?.stringValue ?? "default"
        let involved = Self.reference(to: object, info, fieldPath: fieldPath)
        let now = Self.timestamp()
        // the correlator: the same event again counts up
        for (_, event) in store.objects(of: events, namespace: namespace)
        where event["involvedObject"]?["uid"] == involved["uid"] && event["reason"] == .string(reason)
            && event["message"] == .string(message) && event[path: "source", "component"] == .string(component) {
            var repeated = event
            repeated["count"] = .integer((event["count"]?.integerValue ?? 1) + 1)
            repeated["lastTimestamp"] = .string(now)
            controllerUpdate(repeated, was: event, events, manager: component, in: &store)
            return
        }
        var source = JSONObject()
        source.append("component", .string(component))
        if component == "kubelet" { source.append("host", .string(Self.node)) }
        var event = JSONObject()
        event.append("metadata", .object(["name": .string("\(name).\(Self.eventSuffix())"), "namespace": .string(namespace)]))
        event.append("involvedObject", .object(involved))
        event.append("reason", .string(reason))
        event.append("message", .string(message))
        event.append("source", .object(source))
        event.append("firstTimestamp", .string(now))
        event.append("lastTimestamp", .string(now))
        event.append("count", .integer(1))
        event.append("type", .string(type))
        event.append("eventTime", .null)
        event.append("reportingComponent", .string(""))
        event.append("reportingInstance", .string(""))
        controllerCreate(.object(event), events, manager: component, in: &store)
    }

    /// The scheduler's event (events.k8s.io/v1, as core/v1 shows it): the Pod bound to the node.
    func recordScheduled(_ pod: JSONValue, in store: inout ObjectStore) {
        guard let events = info("", "v1", "events"), let pods = info("", "v1", "pods"),
              let name = pod[path: "metadata", "name"]?.stringValue else { return }
        let namespace = pod[path: "metadata", "namespace"]?.stringValue ?? "default"
        let involved = Self.reference(to: pod, pods)
        var event = JSONObject()
        event.append("metadata", .object(["name": .string("\(name).\(Self.eventSuffix())"), "namespace": .string(namespace)]))
        event.append("involvedObject", .object(involved))
        event.append("reason", .string("Scheduled"))
        event.append("message", .string("Successfully assigned \(namespace)/\(name) to \(Self.node)"))
        event.append("source", .object([:]))
        event.append("firstTimestamp", .null)
        event.append("lastTimestamp", .null)
        event.append("type", .string("Normal"))
        event.append("eventTime", .string(RFC3339.now(micros: true)))
        event.append("action", .string("Binding"))
        event.append("reportingComponent", .string("default-scheduler"))
        event.append("reportingInstance", .string("default-scheduler-\(Self.node)"))
        controllerCreate(.object(event), events, manager: "kube-scheduler", in: &store)
    }

    /// The ObjectReference an event is about (client-go's `ref.GetReference`).
    static func reference(to object: JSONValue, _ info: APIResourceInfo, fieldPath: String? = nil) -> JSONObject {
        var reference = JSONObject()
        reference.append("kind", .string(info.kind))
        if info.namespaced { reference.append("namespace", object[path: "metadata", "namespace"] ?? .string("default")) }
        reference.append("name", object[path: "metadata", "name"] ?? .string(""))
        if let uid = object[path: "metadata", "uid"] { reference.append("uid", uid) }
        reference.append("apiVersion", .string(info.groupVersion))
        if let version = object[path: "metadata", "resourceVersion"] { reference.append("resourceVersion", version) }
        if let fieldPath { reference.append("fieldPath", .string(fieldPath)) }
        return reference
    }

    /// What the kubelet records as a Pod's containers start: image pulled, created, started.
    func recordContainersStarted(_ pod: JSONValue, in store: inout ObjectStore) {
        guard let pods = info("", "v1", "pods") else { return }
        for container in pod[path: "spec", "containers"]?.arrayValue ?? [] {
            let name = container["name"]?.stringValue ?? "", image = container["image"]?.stringValue ?? ""
            let field = "spec.containers{\(name)}"
            recordEvent(pod, pods, reason: "Pulling", message: "Pulling image \"\(image)\"", component: "kubelet", fieldPath: field, in: &store)
            recordEvent(pod, pods, reason: "Pulled", message: "Successfully pulled image \"\(image)\" in 0s", component: "kubelet",
                        fieldPath: field, in: &store)
            recordEvent(pod, pods, reason: "Created", message: "Created container \(name)", component: "kubelet", fieldPath: field, in: &store)
            recordEvent(pod, pods, reason: "Started", message: "Started container \(name)", component: "kubelet", fieldPath: field, in: &store)
        }
    }

    /// What the kubelet records as it stops a Pod's containers.
    func recordContainersKilled(_ pod: JSONValue, in store: inout ObjectStore) {
        guard let pods = info("", "v1", "pods"), pod[path: "status", "phase"] == .string("Running") else { return }
        for container in pod[path: "spec", "containers"]?.arrayValue ?? [] {
            let name = container["name"]?.stringValue ?? ""
            recordEvent(pod, pods, reason: "Killing", message: "Stopping container \(name)", component: "kubelet",
                        fieldPath: "spec.containers{\(name)}", in: &store)
        }
    }

    /// Events past the TTL go, as kube-apiserver's lease on them runs out.
    func expireEvents(_ options: ControllerOptions, in store: inout ObjectStore) -> Bool {
        guard let events = info("", "v1", "events") else { return false }
        let cutoff = Int64(time(nil)) - Int64(max(0, min(options.eventTTL, 1e12)))
        var changed = false
        for (key, event) in store.objects(of: events, namespace: nil) {
            // its last write (every write renews an event's lease in kube-apiserver's storage)
            let writes = (event[path: "metadata", "managedFields"]?.arrayValue ?? []).map { $0["time"] } + [event[path: "metadata", "creationTimestamp"]]
            let last = writes.compactMap { $0?.stringValue.flatMap({ RFC3339.parse($0)?.seconds }) }.max() ?? Int64.max
            if last < cutoff {
                store.delete(of: events, key: key)
                changed = true
            }
        }
        return changed
    }

    /// The name suffix tools/record gives an event: the time in nanoseconds, in hex.
    static func eventSuffix() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return String(UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec), radix: 16)
    }

}
