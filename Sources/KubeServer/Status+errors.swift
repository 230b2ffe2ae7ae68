import KubeAPI

/// The Status errors kube-apiserver answers with, worded as it words them.
extension Status {
    /// `configmaps` or `deployments.apps`, as messages name a resource.
    static func qualified(_ info: APIResourceInfo) -> String {
        info.group.isEmpty ? info.name : "\(info.name).\(info.group)"
    }

    static func details(_ info: APIResourceInfo, name: String, kind: String? = nil) -> JSONValue {
        var details: JSONObject = ["name": .string(name)]
        if !info.group.isEmpty { details.append("group", .string(info.group)) }
        details.append("kind", .string(kind ?? info.name))
        return .object(details)
    }

    static func notFound(_ info: APIResourceInfo, name: String) -> Status {
        Status(code: 404, reason: "NotFound", message: "\(qualified(info)) \"\(name)\" not found", details: details(info, name: name))
    }

    static func alreadyExists(_ info: APIResourceInfo, name: String) -> Status {
        Status(code: 409, reason: "AlreadyExists", message: "\(qualified(info)) \"\(name)\" already exists", details: details(info, name: name))
    }

    static func conflict(_ info: APIResourceInfo, name: String, problem: String) -> Status {
        Status(code: 409, reason: "Conflict", message: "Operation cannot be fulfilled on \(qualified(info)) \"\(name)\": \(problem)",
               details: details(info, name: name))
    }

    static let modified = "the object has been modified; please apply your changes to the latest version and try again"

    static func badRequest(_ message: String) -> Status {
        Status(code: 400, reason: "BadRequest", message: message)
    }

    /// One field problem of an Invalid error.
    struct Cause {
        var reason: String
        var message: String
        var field: String
    }

    static func invalid(_ info: APIResourceInfo, name: String, causes: [Cause]) -> Status {
        invalid(kind: info.kind, group: info.group, name: name, causes: causes)
    }

    /// apimachinery's `NewInvalid(GroupKind{group, kind}, name, causes)`: the message names
    /// `kind.group "name"` (empty parts as they are, `.authorization.k8s.io ""` for a review) and
    /// the details leave out what is empty.
    static func invalid(kind: String, group: String, name: String, causes: [Cause]) -> Status {
        let listed = causes.map { "\($0.field): \($0.message)" }
        let summary = listed.count == 1 ? listed[0] : "[" + listed.joined(separator: ", ") + "]"
        var details = JSONObject()
        if !name.isEmpty { details.append("name", .string(name)) }
        if !group.isEmpty { details.append("group", .string(group)) }
        if !kind.isEmpty { details.append("kind", .string(kind)) }
        details.append("causes", .array(causes.map {
            .object(["reason": .string($0.reason), "message": .string($0.message), "field": .string($0.field)])
        }))
        let qualified = group.isEmpty ? kind : "\(kind).\(group)"
        return Status(code: 422, reason: "Invalid", message: "\(qualified) \"\(name)\" is invalid: \(summary)", details: .object(details))
    }

    static func methodNotSupported(_ info: APIResourceInfo, verb: String) -> Status {
        Status(code: 405, reason: "MethodNotAllowed", message: "\(verb) is not supported on resources of kind \"\(qualified(info))\"",
               details: .object(["group": .string(info.group), "kind": .string(info.name)]))
    }
}
