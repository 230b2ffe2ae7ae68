import KubeAPI

/// The columns kube-apiserver v1.24 prints for core/v1 Events (`printEvent`: always wide on the
/// server), with the descriptions its OpenAPI document gives the fields.
extension Table {
    /// `translateTimestampSince`: the age of a timestamp, `<unknown>` when there is none.
    static func since(_ value: JSONValue?, _ now: Int64) -> String? {
        guard let text = value?.stringValue, let time = RFC3339.parse(text)?.seconds else { return nil }
        return humanDuration(now - time)
    }

    static func eventFirstSeen(_ o: JSONValue, _ now: Int64) -> String {
        since(o["firstTimestamp"], now) ?? since(o["eventTime"], now) ?? "<unknown>"
    }

    static let eventColumns: [Column] = [
        Column(name: "Last Seen", description: "The time at which the most recent occurrence of this event was recorded.") { o, now in
            .string(since(o[path: "series", "lastObservedTime"], now) ?? since(o["lastTimestamp"], now) ?? eventFirstSeen(o, now))
        },
        Column(name: "Type", description: "Type of this event (Normal, Warning), new types could be added in the future", cell: text("type")),
        Column(name: "Reason", description: "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
               cell: text("reason")),
        Column(name: "Object", description: "The object that this event is about.") { o, _ in
            let kind = (o[path: "involvedObject", "kind"]?.stringValue ?? "").lowercased()
            let name = o[path: "involvedObject", "name"]?.stringValue ?? ""
            return .string(name.isEmpty ? kind : "\(kind)/\(name)")
        },
        Column(name: "Subobject", description: "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2]. For example, if the object reference is to a container within a pod, this would take on a value like: \"spec.containers{name}\" (where \"name\" refers to the name of the container that triggered the event) or if no container name is specified \"spec.containers[2]\" (container with index 2 in this pod). This syntax is chosen only to have some well-defined way of referencing a part of an object.",
               priority: 1, cell: text("involvedObject", "fieldPath")),
        Column(name: "Source", description: "The component reporting this event. Should be a short machine understandable string.", priority: 1) { o, _ in
            func first(_ a: JSONValue?, _ b: JSONValue?) -> String {
                let text = a?.stringValue ?? ""
                return text.isEmpty ? (b?.stringValue ?? "") : text
            }
            let component = first(o[path: "source", "component"], o["reportingComponent"]), instance = first(o[path: "source", "host"], o["reportingInstance"])
            return .string(instance.isEmpty ? component : "\(component), \(instance)")
        },
        Column(name: "Message", description: "A human-readable description of the status of this operation.") { o, _ in
            .string(String((o["message"]?.stringValue ?? "")[...].trimmingSpaces))
        },
        Column(name: "First Seen", description: "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)", priority: 1) { o, now in
            .string(eventFirstSeen(o, now))
        },
        Column(name: "Count", type: "string", description: "The number of times this event has occurred.", priority: 1) { o, _ in
            let count = o[path: "series", "count"]?.integerValue ?? o["count"]?.integerValue ?? 0
            return .integer(count == 0 ? 1 : count)
        },
        Column(name: "Name", format: "name", description: nameDescription, priority: 1) { o, _ in o[path: "metadata", "name"] ?? .string("") },
    ]
}
