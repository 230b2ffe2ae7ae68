import KubeAPI

/// A resource the server serves, as its group version's APIResourceList describes it.
public struct APIResourceInfo: Sendable, Equatable {
    public var group: String
    public var version: String
    /// The plural name used in paths: `configmaps`.
    public var name: String
    public var kind: String
    public var namespaced: Bool
    public var verbs: Set<String>
    /// Subresources served: `status`, `scale`.
    public var subresources: Set<String>
    /// Served for a CustomResourceDefinition: validated and pruned by its schema, kept as
    /// unstructured objects (members in sorted order).
    public var custom = false
    /// Where the `scale` subresource reads and writes.
    var scalePaths = ScalePaths.builtIn
    /// The columns a CRD names for `kubectl get`, after Name.
    var printerColumns: [PrinterColumn] = []

    /// `v1` or `apps/v1`.
    public var groupVersion: String { group.isEmpty ? version : "\(group)/\(version)" }

    /// Where objects of this resource are kept: one store per group and resource, shared by the
    /// group's versions.
    var storageKey: String { "\(group)/\(name)" }
}

/// The members of an object that its `scale` subresource shows: a CRD names them
/// (`specReplicasPath: .spec.replicas`); the built-in kinds use these.
struct ScalePaths: Sendable, Equatable {
    var specReplicas = ["spec", "replicas"]
    var statusReplicas = ["status", "replicas"]
    /// The label selector as text (`status.selector` for a custom resource), or nil for the
    /// built-in kinds' `spec.selector`.
    var labelSelector: [String]?

    static let builtIn = ScalePaths()

    /// From a CRD's `subresources.scale`: JSON paths such as `.spec.replicas`.
    init(scale: JSONValue) {
        func path(_ text: String?) -> [String]? {
            guard let text, text.hasPrefix(".") else { return nil }
            return text.dropFirst().split(separator: ".").map(String.init)
        }
        specReplicas = path(scale["specReplicasPath"]?.stringValue) ?? specReplicas
        statusReplicas = path(scale["statusReplicasPath"]?.stringValue) ?? statusReplicas
        labelSelector = path(scale["labelSelectorPath"]?.stringValue)
    }

    init() {}
}

/// The resources of every group version, built from the discovery documents.
struct ResourceCatalog: Sendable {
    private var resources: [String: APIResourceInfo] = [:]

    init(discovery: [(path: String, json: String)]) {
        for (_, json) in discovery {
            guard let list = try? JSONValue.parse(json), list["kind"]?.stringValue == "APIResourceList",
                  let groupVersion = list["groupVersion"]?.stringValue else { continue }
            let parts = groupVersion.split(separator: "/", maxSplits: 1).map(String.init)
            let (group, version) = parts.count == 2 ? (parts[0], parts[1]) : ("", parts[0])
            var byName: [String: APIResourceInfo] = [:]
            var subresources: [String: Set<String>] = [:]
            for entry in list["resources"]?.arrayValue ?? [] {
                guard let name = entry["name"]?.stringValue else { continue }
                if let slash = name.firstIndex(of: "/") {
                    subresources[String(name[..<slash]), default: []].insert(String(name[name.index(after: slash)...]))
                    continue
                }
                byName[name] = APIResourceInfo(
                    group: group, version: version, name: name, kind: entry["kind"]?.stringValue ?? "",
                    namespaced: entry["namespaced"]?.boolValue ?? false,
                    verbs: Set((entry["verbs"]?.arrayValue ?? []).compactMap(\.stringValue)), subresources: [])
            }
            for (name, var info) in byName {
                info.subresources = subresources[name] ?? []
                resources[Self.key(group, version, name)] = info
            }
        }
    }

    static func key(_ group: String, _ version: String, _ name: String) -> String { "\(group)/\(version)/\(name)" }

    /// The resource `name` of `group`/`version`, if served.
    func resource(group: String, version: String, name: String) -> APIResourceInfo? {
        resources[Self.key(group, version, name)]
    }
}
