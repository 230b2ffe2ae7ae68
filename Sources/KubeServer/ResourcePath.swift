/// The parts of a resource request's path: `/apis/apps/v1/namespaces/ns/deployments/web/scale`.
struct ResourcePath: Equatable {
    var group: String
    var version: String
    var namespace: String?
    var resource: String
    var name: String?
    var subresource: String?

    /// Parses a path under `/api/v1` or `/apis/GROUP/VERSION`; `isNamespaced` tells whether a
    /// resource of that group version is namespaced (to read `/api/v1/namespaces/NAME/status`).
    init?(_ path: String, isNamespaced: (String, String, String) -> Bool) {
        let parts = path.split(separator: "/").map(String.init)
        var rest: ArraySlice<String>
        if parts.count >= 3, parts[0] == "api" {
            group = ""
            version = parts[1]
            rest = parts[2...]
        } else if parts.count >= 4, parts[0] == "apis" {
            group = parts[1]
            version = parts[2]
            rest = parts[3...]
        } else {
            return nil
        }
        if rest.count >= 3, rest.first == "namespaces", isNamespaced(group, version, rest[rest.startIndex + 2]) {
            namespace = rest[rest.startIndex + 1]
            rest = rest.dropFirst(2)
        }
        guard rest.count <= 3, let resource = rest.first else { return nil }
        self.resource = resource
        rest = rest.dropFirst()
        name = rest.first
        subresource = rest.dropFirst().first
    }
}
