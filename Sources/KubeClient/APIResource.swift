import KubeAPI

/// A resource a server serves, as discovery describes it.
public struct APIResource: Sendable, Equatable, Hashable {
    public var group: String
    public var version: String
    /// The plural name used in paths: `deployments`.
    public var name: String
    public var singularName: String
    public var kind: String
    public var namespaced: Bool
    public var verbs: [String]
    public var shortNames: [String]
    public var categories: [String]
    /// `status`, `scale`, ..., in the server's order.
    public var subresources: [Subresource]

    /// A subresource of a resource (`deployments/scale`), as discovery lists it: its name, the
    /// kind it answers with (`autoscaling/v1` `Scale`), and its verbs.
    public struct Subresource: Sendable, Equatable, Hashable {
        public var name: String
        public var group: String
        public var version: String
        public var kind: String
        public var verbs: [String]

        public init(name: String, group: String, version: String, kind: String, verbs: [String]) {
            self.name = name
            self.group = group
            self.version = version
            self.kind = kind
            self.verbs = verbs
        }
    }

    public init(group: String, version: String, name: String, singularName: String = "", kind: String, namespaced: Bool,
                verbs: [String] = [], shortNames: [String] = [], categories: [String] = [], subresources: [Subresource] = []) {
        self.group = group
        self.version = version
        self.name = name
        self.singularName = singularName.isEmpty ? kind.lowercased() : singularName
        self.kind = kind
        self.namespaced = namespaced
        self.verbs = verbs
        self.shortNames = shortNames
        self.categories = categories
        self.subresources = subresources
    }

    /// `v1` or `apps/v1`.
    public var groupVersion: String { group.isEmpty ? version : "\(group)/\(version)" }

    /// The resources of an APIResourceList, subresources folded into their resource (an entry's
    /// `group` and `version`, when given, are its response kind's; else the list's).
    public static func list(_ document: JSONValue) -> [APIResource] {
        guard let groupVersion = document["groupVersion"]?.stringValue else { return [] }
        let (group, version) = GroupVersion.parse(groupVersion)
        var resources: [APIResource] = []
        var subresources: [String: [Subresource]] = [:]
        for entry in document["resources"]?.arrayValue ?? [] {
            guard let name = entry["name"]?.stringValue else { continue }
            if let slash = name.firstIndex(of: "/") {
                subresources[String(name[..<slash]), default: []].append(Subresource(
                    name: String(name[name.index(after: slash)...]), group: entry["group"]?.stringValue ?? group,
                    version: entry["version"]?.stringValue ?? version, kind: entry["kind"]?.stringValue ?? "",
                    verbs: (entry["verbs"]?.arrayValue ?? []).compactMap(\.stringValue)))
                continue
            }
            resources.append(APIResource(
                group: group, version: version, name: name, singularName: entry["singularName"]?.stringValue ?? "",
                kind: entry["kind"]?.stringValue ?? "", namespaced: entry["namespaced"]?.boolValue ?? false,
                verbs: (entry["verbs"]?.arrayValue ?? []).compactMap(\.stringValue),
                shortNames: (entry["shortNames"]?.arrayValue ?? []).compactMap(\.stringValue),
                categories: (entry["categories"]?.arrayValue ?? []).compactMap(\.stringValue)))
        }
        return resources.map { resource in
            var resource = resource
            resource.subresources = subresources[resource.name] ?? []
            return resource
        }
    }

    /// The built-in resources of Kubernetes v1.24 (from the recorded server's discovery), so that
    /// typed accessors need not ask the server.
    public static let builtIn: [APIResource] = RecordedDiscovery.documents.flatMap { _, json in
        (try? JSONValue.parse(json)).map(list) ?? []
    }
}

/// `apps/v1` → (`apps`, `v1`); `v1` → (``, `v1`), as apimachinery's `ParseGroupVersion`.
public enum GroupVersion {
    public static func parse(_ text: String) -> (group: String, version: String) {
        guard let slash = text.firstIndex(of: "/") else { return ("", text) }
        return (String(text[..<slash]), String(text[text.index(after: slash)...]))
    }
}
