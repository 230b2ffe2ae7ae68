import KubeAPI

/// The review APIs, answered from `Authorization`'s decision and `Authentication`'s users and
/// never stored: SelfSubjectAccessReview, SelfSubjectRulesReview, SubjectAccessReview and
/// LocalSubjectAccessReview (authorization.k8s.io/v1), TokenReview and SelfSubjectReview
/// (authentication.k8s.io/v1), with kube-apiserver v1.24's answers and errors (transcript 12).
extension APIServer {
    static let reviews: Set<String> = [
        "authorization.k8s.io/selfsubjectaccessreviews", "authorization.k8s.io/selfsubjectrulesreviews",
        "authorization.k8s.io/subjectaccessreviews", "authorization.k8s.io/localsubjectaccessreviews",
        "authentication.k8s.io/tokenreviews", "authentication.k8s.io/selfsubjectreviews",
    ]

    func review(_ request: APIRequest, _ path: ResourcePath, _ info: APIResourceInfo, user: Authentication.User) -> APIResponse {
        guard request.method == "POST", path.name == nil else { return .status(.methodNotAllowed) }
        let groups = Authorization.groups(of: user)
        let asked = Authorization.Attributes(verb: "create", group: info.group, resource: info.name)
        guard user.isAdministrator || Authorization.decide(groups: groups, asked).allowed else {
            return .status(.forbidden(user, verb: "create", info, name: nil, namespace: path.namespace, subresource: nil))
        }
        let body: JSONValue
        switch Self.decodeBody(request, info) {
        case .success(let decoded): body = decoded
        case .failure(let status): return .status(status)
        }
        let spec = body["spec"] ?? .object([:])
        let status: JSONValue
        switch info.name {
        case "selfsubjectrulesreviews":
            guard let namespace = spec["namespace"]?.stringValue, !namespace.isEmpty else { return .status(.badRequest("no namespace on request")) }
            return .json(201, .object(["kind": .string(info.kind), "apiVersion": .string(info.groupVersion),
                                       "metadata": .object(["creationTimestamp": .null]), "spec": .object([:]),
                                       "status": Self.rules(groups: groups)]))
        case "selfsubjectreviews":
            var userInfo = JSONObject()
            userInfo.append("username", .string(user.name))
            if user != .anonymous { userInfo.append("uid", .string(user.name)) }
            userInfo.append("groups", .array(groups.map { .string($0) }))
            return .json(201, .object(["kind": .string(info.kind), "apiVersion": .string(info.groupVersion),
                                       "metadata": .object(["creationTimestamp": .null]), "status": .object(["userInfo": .object(userInfo)])]))
        case "tokenreviews":
            guard let token = spec["token"]?.stringValue, !token.isEmpty else {
                return .status(Status(code: 400, reason: "BadRequest", message: "token is required for TokenReview in authentication"))
            }
            func authenticated(_ user: Authentication.User, uid: String, audiences: [String]) -> JSONValue {
                .object([
                    "authenticated": .bool(true),
                    "user": .object(["username": .string(user.name), "uid": .string(uid),
                                     "groups": .array(Authorization.groups(of: user).map { .string($0) })]),
                    "audiences": .array(audiences.map { .string($0) }),
                ])
            }
            if let reviewed = authentication.tokens[token] {
                status = authenticated(reviewed, uid: reviewed.name, audiences: [IssuedTokens.audience])
            } else if let issued = issuedTokens.lookup(token), stillValid(issued),
                      case let wanted = spec["audiences"]?.arrayValue?.compactMap(\.stringValue) ?? [IssuedTokens.audience],
                      case let shared = issued.audiences.filter(wanted.contains), !shared.isEmpty {
                status = authenticated(issued.user, uid: issued.uid, audiences: shared)
            } else {
                status = .object(["user": .object([:]), "error": .string("invalid bearer token")])
            }
        default:
            var subject = groups
            if info.name == "subjectaccessreviews" || info.name == "localsubjectaccessreviews" {
                subject = spec["groups"]?.arrayValue?.compactMap(\.stringValue) ?? []
                if (spec["user"]?.stringValue ?? "").isEmpty, subject.isEmpty {
                    return .status(Self.invalidReview(info, "spec.user", "Invalid value: \"\": at least one of user or group must be specified"))
                }
            }
            let resource = spec["resourceAttributes"]?.objectValue, nonResource = spec["nonResourceAttributes"]?.objectValue
            if resource != nil, let nonResource {
                let shown = "authorization.NonResourceAttributes{Path:\(ObjectValidation.goQuoted(nonResource["path"]?.stringValue ?? "")), Verb:\(ObjectValidation.goQuoted(nonResource["verb"]?.stringValue ?? ""))}"
                return .status(Self.invalidReview(info, "spec.nonResourceAttributes",
                                                  "Invalid value: \(shown): cannot be specified in combination with resourceAttributes"))
            }
            if resource == nil, nonResource == nil {
                return .status(Self.invalidReview(info, "spec.resourceAttributes",
                                                  "Invalid value: \"null\": exactly one of nonResourceAttributes or resourceAttributes must be specified"))
            }
            if info.name == "localsubjectaccessreviews", let namespace = resource?["namespace"]?.stringValue, namespace != path.namespace {
                return .status(Self.invalidReview(info, "spec.resourceAttributes.namespace",
                                                  "Invalid value: \(ObjectValidation.goQuoted(namespace)): must match metadata.namespace"))
            }
            let attributes = Authorization.Attributes(
                verb: (resource ?? nonResource)?["verb"]?.stringValue ?? "", group: resource?["group"]?.stringValue ?? "",
                resource: resource?["resource"]?.stringValue ?? "", path: nonResource.map { $0["path"]?.stringValue ?? "" })
            let (allowed, reason) = Authorization.decide(groups: subject, attributes)
            var decided = JSONObject()
            decided.append("allowed", .bool(allowed))
            if let reason { decided.append("reason", .string(reason)) }
            status = .object(decided)
        }
        // what was asked, as written (its managed fields the request's), with the answer
        var metadata = JSONObject()
        if let namespace = path.namespace { metadata.append("namespace", .string(namespace)) }
        metadata.append("creationTimestamp", .null)
        let asWritten = managed(.object(["spec": spec]), previous: nil, info: info, manager: manager(request), subresource: nil)
        if let entries = asWritten[path: "metadata", "managedFields"] { metadata.append("managedFields", entries) }
        return .json(201, .object(["kind": .string(info.kind), "apiVersion": .string(info.groupVersion), "metadata": .object(metadata),
                                   "spec": spec, "status": status]))
    }

    /// A SelfSubjectRulesReview's status: the rules of what `groups` are bound to.
    static func rules(groups: [String]) -> JSONValue {
        var resourceRules: [JSONValue] = [], nonResourceRules: [JSONValue] = []
        if groups.contains("system:masters") {  // cluster-admin
            let all: JSONValue = .array([.string("*")])
            resourceRules.append(.object(["verbs": all, "apiGroups": all, "resources": all]))
            nonResourceRules.append(.object(["verbs": all, "nonResourceURLs": all]))
        }
        for role in Authorization.defaultRoles where role.groups.contains(where: groups.contains) {
            for rule in role.resourceRules {
                resourceRules.append(.object(["verbs": .array(rule.verbs.map { .string($0) }), "apiGroups": .array(rule.groups.map { .string($0) }),
                                              "resources": .array(rule.resources.map { .string($0) })]))
            }
            for rule in role.nonResourceRules {
                nonResourceRules.append(.object(["verbs": .array(rule.verbs.map { .string($0) }), "nonResourceURLs": .array(rule.urls.map { .string($0) })]))
            }
        }
        return .object(["resourceRules": .array(resourceRules), "nonResourceRules": .array(nonResourceRules), "incomplete": .bool(false)])
    }

    /// A review's 422: kube-apiserver names no kind or name in it (`.authorization.k8s.io ""`).
    static func invalidReview(_ info: APIResourceInfo, _ field: String, _ message: String) -> Status {
        .invalid(kind: "", group: info.group, name: "", causes: [.init(reason: "FieldValueInvalid", message: message, field: field)])
    }
}
