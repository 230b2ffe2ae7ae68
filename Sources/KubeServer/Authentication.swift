import KubeAPI

/// Who may use the server, as kube-apiserver's static token file, client certificates and RBAC
/// decide it.
///
/// With no tokens and no client certificate authority, authentication is off and every request
/// acts as a cluster administrator (the in-process cluster). Otherwise a verified client
/// certificate names its user (common name) and groups (organizations), a request's
/// `Authorization: Bearer` token names its user; an unknown token is 401 Unauthorized and a
/// request with neither is `system:anonymous`. Users in
/// the group `system:masters` may do anything; everyone else only reads the discovery and
/// version paths, as RBAC's default roles allow (no role bindings exist).
public struct Authentication: Sendable {
    /// A user a token stands for.
    public struct User: Sendable, Equatable {
        public var name: String
        public var groups: [String]

        public init(name: String, groups: [String] = []) {
            self.name = name
            self.groups = groups
        }

        public static let anonymous = User(name: "system:anonymous", groups: ["system:unauthenticated"])
        public var isAdministrator: Bool { groups.contains("system:masters") }
    }

    /// Users by bearer token.
    public var tokens: [String: User]

    /// Whether client certificates authenticate (the server has a client certificate authority).
    public var certificates: Bool

    public init(tokens: [String: User] = [:], certificates: Bool = false) {
        self.tokens = tokens
        self.certificates = certificates
    }

    /// One administrator token (`kubescript serve --token`).
    public static func administrator(token: String) -> Authentication {
        Authentication(tokens: [token: User(name: "admin", groups: ["system:masters", "system:authenticated"])])
    }

    /// The user of a request; nil when its token is not known (401).
    func user(for request: APIRequest) -> User? {
        guard !tokens.isEmpty || certificates else { return User(name: "admin", groups: ["system:masters"]) }
        if certificates, let user = request.certificateUser { return user }
        guard let header = request.headers["authorization"] else { return .anonymous }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return tokens[String(parts[1])]
    }
}

extension Status {
    static let unauthorized = Status(code: 401, reason: "Unauthorized", message: "Unauthorized")

    /// RBAC's denial, worded as kube-apiserver words it.
    static func forbidden(_ user: Authentication.User, verb: String, _ info: APIResourceInfo, name: String?, namespace: String?,
                          subresource: String?) -> Status {
        let resource = subresource.map { "\(info.name)/\($0)" } ?? info.name
        let subject = name.map { "\(Status.qualified(info)) \"\($0)\"" } ?? Status.qualified(info)
        let scope = namespace.map { "in the namespace \"\($0)\"" } ?? "at the cluster scope"
        var details = JSONObject()
        if let name { details.append("name", .string(name)) }
        if !info.group.isEmpty { details.append("group", .string(info.group)) }
        details.append("kind", .string(info.name))
        return Status(code: 403, reason: "Forbidden",
                      message: "\(subject) is forbidden: User \"\(user.name)\" cannot \(verb) resource \"\(resource)\" in API group \"\(info.group)\" \(scope)",
                      details: .object(details))
    }
}

extension APIRequest {
    /// The RBAC verb of a resource request.
    func verb(named: Bool) -> String {
        switch method {
        case "GET", "HEAD":
            if flag("watch") { return "watch" }
            return named ? "get" : "list"
        case "POST": return "create"
        case "PUT": return "update"
        case "PATCH": return "patch"
        case "DELETE": return named ? "delete" : "deletecollection"
        default: return method.lowercased()
        }
    }
}
