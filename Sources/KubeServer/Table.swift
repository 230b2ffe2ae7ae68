import KubeAPI
#if canImport(Glibc)
import Glibc
#endif

/// The `meta.k8s.io/v1` Table that `kubectl get` asks for (`Accept: application/json;as=Table;...`):
/// columns and one row of cells per object, with the object's metadata.
///
/// Deployments and Namespaces print the columns the recorded server printed; Pods, ConfigMaps,
/// Secrets, Services, Endpoints, ReplicaSets, StatefulSets, DaemonSets, Nodes and Jobs the usual
/// kubectl columns; custom resources their CRD's `additionalPrinterColumns` (Name and Age when
/// it names none); every other resource the server's default (Name, Created At).
enum Table {
    /// Whether a request's Accept header asks for a Table.
    static func wanted(by request: APIRequest) -> Bool {
        (request.headers["accept"] ?? "").split(separator: ",").contains { part in
            let parameters = part.split(separator: ";").map { $0.trimmingSpaces }
            return parameters.contains("as=Table") && parameters.contains("g=meta.k8s.io")
        }
    }

    struct Column: Sendable {
        var name: String
        var type = "string"
        var format = ""
        var description: String
        var priority = 0
        var cell: @Sendable (JSONValue, Int64) -> JSONValue

        var definition: JSONValue {
            .object(["name": .string(name), "type": .string(type), "format": .string(format),
                     "description": .string(description), "priority": .integer(Int64(priority))])
        }
    }

    static let nameDescription = "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: http://kubernetes.io/docs/user-guide/identifiers#names"
    static let ageDescription = "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"

    static let name = Column(name: "Name", format: "name", description: nameDescription) { o, _ in o[path: "metadata", "name"] ?? .string("") }
    static let age = Column(name: "Age", description: ageDescription) { o, now in .string(Self.age(of: o, now: now)) }

    static func text(_ path: String...) -> @Sendable (JSONValue, Int64) -> JSONValue {
        { o, _ in
            var value: JSONValue? = o
            for key in path { value = value?[key] }
            return value ?? .string("")
        }
    }

    static func integer(_ path: String...) -> @Sendable (JSONValue, Int64) -> JSONValue {
        { o, _ in
            var value: JSONValue? = o
            for key in path { value = value?[key] }
            return value ?? .integer(0)
        }
    }

    /// The columns for a resource.
    static func columns(for info: APIResourceInfo) -> [Column] {
        switch (info.group, info.name) {
        case ("apps", "deployments"):
            return [
                name,
                Column(name: "Ready", description: "Number of the pod with ready state") { o, _ in
                    .string("\(o[path: "status", "readyReplicas"]?.integerValue ?? 0)/\(o[path: "spec", "replicas"]?.integerValue ?? 1)")
                },
                Column(name: "Up-to-date", description: "Total number of non-terminated pods targeted by this deployment that have the desired template spec.",
                       cell: integer("status", "updatedReplicas")),
                Column(name: "Available", description: "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.",
                       cell: integer("status", "availableReplicas")),
                age,
            ] + templateColumns(selector: "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.")
        case ("apps", "replicasets"):
            return [
                name,
                Column(name: "Desired", type: "integer", description: "Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller") { o, _ in
                    o[path: "spec", "replicas"] ?? .integer(1)
                },
                Column(name: "Current", type: "integer", description: "Replicas is the most recently oberved number of replicas. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller",
                       cell: integer("status", "replicas")),
                Column(name: "Ready", type: "integer", description: "readyReplicas is the number of pods targeted by this ReplicaSet with a Ready Condition.",
                       cell: integer("status", "readyReplicas")),
                age,
            ] + templateColumns(selector: "Selector is a label query over pods that should match the replica count. Label keys and values that must match in order to be controlled by this replica set. It must match the pod template's labels. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors")
        case ("", "services"): return serviceColumns
        case ("", "endpoints"): return endpointsColumns
        case ("apps", "statefulsets"): return statefulSetColumns
        case ("apps", "daemonsets"): return daemonSetColumns
        case ("", "nodes"): return nodeColumns
        case ("batch", "jobs"): return jobColumns
        case ("", "events"): return eventColumns
        case ("", "namespaces"):
            return [name, Column(name: "Status", description: "The status of the namespace", cell: text("status", "phase")), age]
        case ("", "configmaps"):
            return [name, Column(name: "Data", type: "string", description: "Number of data in the configmap") { o, _ in
                .integer(Int64((o["data"]?.objectValue?.count ?? 0) + (o["binaryData"]?.objectValue?.count ?? 0)))
            }, age]
        case ("", "secrets"):
            return [name, Column(name: "Type", description: "The type of the secret", cell: text("type")),
                    Column(name: "Data", description: "The number of data in the secret") { o, _ in .integer(Int64(o["data"]?.objectValue?.count ?? 0)) },
                    age]
        case ("", "pods"):
            return [
                name,
                Column(name: "Ready", description: "The aggregate readiness state of this pod for accepting traffic.") { o, _ in
                    let statuses = o[path: "status", "containerStatuses"]?.arrayValue ?? []
                    let total = o[path: "spec", "containers"]?.arrayValue?.count ?? 0
                    return .string("\(statuses.filter { $0["ready"]?.boolValue == true }.count)/\(total)")
                },
                Column(name: "Status", description: "The aggregate status of the containers in this pod.", cell: text("status", "phase")),
                Column(name: "Restarts", description: "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.") { o, _ in
                    .string(String((o[path: "status", "containerStatuses"]?.arrayValue ?? []).reduce(Int64(0)) { $0 + ($1["restartCount"]?.integerValue ?? 0) }))
                },
                age,
                Column(name: "IP", description: "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.", priority: 1) { o, _ in
                    o[path: "status", "podIP"] ?? .string("<none>")
                },
                Column(name: "Node", description: "NodeName is a request to schedule this pod onto a specific node. If it is non-empty, the scheduler simply schedules this pod onto that node, assuming that it fits resource requirements.", priority: 1) { o, _ in
                    o[path: "spec", "nodeName"] ?? .string("<none>")
                },
            ]
        case _ where info.custom:
            return [name] + info.printerColumns.map { column in
                Column(name: column.name, type: column.type, format: column.format, description: column.description, priority: column.priority) { o, now in
                    column.cell(o, now: now)
                }
            }
        default:
            return [name, Column(name: "Created At", type: "date", description: ageDescription) { o, _ in
                o[path: "metadata", "creationTimestamp"] ?? .null
            }]
        }
    }

    static func templateColumns(selector: String) -> [Column] {
        [
            Column(name: "Containers", description: "Names of each container in the template.", priority: 1) { o, _ in
                .string((o[path: "spec", "template", "spec", "containers"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }.joined(separator: ","))
            },
            Column(name: "Images", description: "Images referenced by each container in the template.", priority: 1) { o, _ in
                .string((o[path: "spec", "template", "spec", "containers"]?.arrayValue ?? []).compactMap { $0["image"]?.stringValue }.joined(separator: ","))
            },
            Column(name: "Selector", description: selector, priority: 1) { o, _ in
                let text = Self.selectorText(o[path: "spec", "selector"])
                return .string(text.isEmpty ? "<none>" : text)
            },
        ]
    }

    /// A LabelSelector as the API and kubectl write it: `app=web,tier in (a,b)` (empty for none).
    static func selectorText(_ selector: JSONValue?) -> String {
        var parts: [String] = []
        for (key, value) in (selector?["matchLabels"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
            parts.append("\(key)=\(value.stringValue ?? "")")
        }
        for expression in selector?["matchExpressions"]?.arrayValue ?? [] {
            let key = expression["key"]?.stringValue ?? ""
            let values = (expression["values"]?.arrayValue ?? []).compactMap(\.stringValue).sorted().joined(separator: ",")
            switch expression["operator"]?.stringValue {
            case "In": parts.append("\(key) in (\(values))")
            case "NotIn": parts.append("\(key) notin (\(values))")
            case "Exists": parts.append(key)
            case "DoesNotExist": parts.append("!\(key)")
            default: break
            }
        }
        return parts.joined(separator: ",")
    }

    /// The Table for objects (a list, or one object), with `includeObject` (`Metadata` by
    /// default, `Object`, `None`).
    static func table(for info: APIResourceInfo, objects: [JSONValue], metadata: JSONValue, includeObject: String?) -> JSONValue {
        let columns = columns(for: info)
        let now = Int64(time(nil))
        let rows: [JSONValue] = objects.map { object in
            var row: JSONObject = ["cells": .array(columns.map { $0.cell(object, now) })]
            switch includeObject {
            case "None": break
            case "Object": row.append("object", object)
            default:
                row.append("object", .object(["kind": .string("PartialObjectMetadata"), "apiVersion": .string("meta.k8s.io/v1"),
                                              "metadata": object["metadata"] ?? .object([:])]))
            }
            return .object(row)
        }
        return .object(["kind": .string("Table"), "apiVersion": .string("meta.k8s.io/v1"), "metadata": metadata,
                        "columnDefinitions": .array(columns.map(\.definition)), "rows": .array(rows)])
    }

    /// An object's age as kubectl prints it (apimachinery's `duration.HumanDuration`).
    static func age(of object: JSONValue, now: Int64) -> String {
        since(object[path: "metadata", "creationTimestamp"], now) ?? "<unknown>"
    }

    static func humanDuration(_ seconds: Int64) -> String {
        if seconds < -1 { return "<invalid>" }
        if seconds < 0 { return "0s" }
        if seconds < 120 { return "\(seconds)s" }
        let minutes = seconds / 60
        if minutes < 10 { return seconds % 60 == 0 ? "\(minutes)m" : "\(minutes)m\(seconds % 60)s" }
        if minutes < 180 { return "\(minutes)m" }
        let hours = minutes / 60
        if hours < 8 { return minutes % 60 == 0 ? "\(hours)h" : "\(hours)h\(minutes % 60)m" }
        if hours < 48 { return "\(hours)h" }
        if hours < 24 * 8 { return hours % 24 == 0 ? "\(hours / 24)d" : "\(hours / 24)d\(hours % 24)h" }
        if hours < 24 * 365 * 2 { return "\(hours / 24)d" }
        if hours < 24 * 365 * 8 {
            let days = (hours / 24) % 365
            return days == 0 ? "\(hours / 24 / 365)y" : "\(hours / 24 / 365)y\(days)d"
        }
        return "\(hours / 24 / 365)y"
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var s = self
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return s
    }
}
