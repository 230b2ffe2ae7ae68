import KubeAPI

/// The one authorization decision of the server, for a request and for an access review alike:
/// the `system:masters` group may do anything (kube-apiserver's privileged-group authorizer);
/// everyone else has what RBAC's default bindings give their groups and nothing more (the server
/// holds no role bindings of its own): `system:public-info-viewer` (health and version, for
/// everyone), `system:discovery` (the discovery and OpenAPI paths) and `system:basic-user` (its
/// own access and rules reviews), for `system:authenticated`.
enum Authorization {
    /// What is asked: a resource request, or a non-resource one (`path`).
    struct Attributes {
        var verb: String
        var group = ""
        var resource = ""
        var path: String?
    }

    /// A default ClusterRole, bound by a ClusterRoleBinding of its name to `groups`.
    struct DefaultRole {
        let name: String
        let groups: [String]
        let resourceRules: [(verbs: [String], groups: [String], resources: [String])]
        let nonResourceRules: [(verbs: [String], urls: [String])]
    }

    static let defaultRoles = [
        DefaultRole(name: "system:public-info-viewer", groups: ["system:authenticated", "system:unauthenticated"], resourceRules: [],
                    nonResourceRules: [(["get"], ["/healthz", "/livez", "/readyz", "/version", "/version/"])]),
        DefaultRole(name: "system:discovery", groups: ["system:authenticated"], resourceRules: [],
                    nonResourceRules: [(["get"], ["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*",
                                                  "/readyz", "/version", "/version/"])]),
        DefaultRole(name: "system:basic-user", groups: ["system:authenticated"],
                    resourceRules: [(["create"], ["authorization.k8s.io"], ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]),
                                    (["create"], ["authentication.k8s.io"], ["selfsubjectreviews"])],
                    nonResourceRules: []),
    ]

    /// Whether `groups` (and a user in them) may do `attributes`, and RBAC's reason when a
    /// binding allows it (none for `system:masters`, none for a denial).
    static func decide(groups: [String], _ attributes: Attributes) -> (allowed: Bool, reason: String?) {
        if groups.contains("system:masters") { return (true, nil) }
        for role in defaultRoles {
            guard let group = role.groups.first(where: groups.contains) else { continue }
            let allowed: Bool
            if let path = attributes.path {
                allowed = role.nonResourceRules.contains { rule in
                    rule.verbs.contains(attributes.verb) && rule.urls.contains { $0 == path || ($0.hasSuffix("*") && path.hasPrefix($0.dropLast())) }
                }
            } else {
                allowed = role.resourceRules.contains { rule in
                    rule.verbs.contains(attributes.verb) && rule.groups.contains(attributes.group) && rule.resources.contains(attributes.resource)
                }
            }
            if allowed {
                return (true, "RBAC: allowed by ClusterRoleBinding \"\(role.name)\" of ClusterRole \"\(role.name)\" to Group \"\(group)\"")
            }
        }
        return (false, nil)
    }

    /// The groups a request's user acts with: its own, and `system:authenticated` for anyone
    /// authenticated, as kube-apiserver's authenticators add it.
    static func groups(of user: Authentication.User) -> [String] {
        user == .anonymous || user.groups.contains("system:authenticated") ? user.groups : user.groups + ["system:authenticated"]
    }
}
