import Foundation
import KubeAPI
import NIOConcurrencyHelpers

/// The discovery client: the server's version, groups and resources. One aggregated-discovery
/// request (`apidiscovery.k8s.io` v2, then v2beta1) serves a cluster with hundreds of CRDs;
/// servers without it are asked group version by group version. Answers are kept in memory and
/// on disk (`~/.kube/cache/discovery/<host_port>/`, six hours, as kubectl), and asked again when
/// a resource is not found (`invalidate`). `resolve` is kubectl's RESTMapper: `deploy`, `po`,
/// `deployments.apps`, singular and plural names, and kinds.
public final class Discovery: @unchecked Sendable {
    let transport: Transport
    /// Where answers are kept between runs; nil: memory only.
    let cacheFolder: String?
    /// How long the disk cache is good for.
    public var timeToLive: Double = 6 * 3600
    private let lock = NIOLock()
    private var cached: [APIResource]?
    /// Requests made to the server (for tests and `-v`).
    public private(set) var requests = 0

    init(transport: Transport, cacheFolder: String?) {
        self.transport = transport
        self.cacheFolder = cacheFolder
    }

    /// `~/.kube/cache/discovery/<host_port>` for a server URL, as kubectl names it.
    public static func cacheFolder(home: String, server: String) -> String {
        let hostPort = server.replacingOccurrences(of: "https://", with: "").replacingOccurrences(of: "http://", with: "")
            .map { ch -> Character in ch.isLetter || ch.isNumber || ch == "." || ch == "-" ? ch : "_" }
        return home + "/.kube/cache/discovery/" + String(hostPort)
    }

    func get(_ path: String, accept: String = "application/json") throws(KubeError) -> RESTResponse {
        lock.withLock { requests += 1 }
        let response = try transport.send(RESTRequest(verb: "GET").absolutePath(path).header("Accept", accept))
        guard response.status == 200 else { throw KubeError.status(code: response.status, body: response.body) }
        return response
    }

    /// `/version`.
    public func serverVersion() throws(KubeError) -> JSONValue {
        try get("/version").object()
    }

    /// Every resource of every group version the server serves.
    public func resources() throws(KubeError) -> [APIResource] {
        if let cached = lock.withLock({ cached }) { return cached }
        if let fromDisk = readCache() {
            lock.withLock { cached = fromDisk }
            return fromDisk
        }
        let fetched = try fetch()
        lock.withLock { cached = fetched }
        writeCache(fetched)
        return fetched
    }

    /// The group versions served, in the server's order, preferred version first in each group.
    public func groupVersions() throws(KubeError) -> [String] {
        var seen = Set<String>()
        return try resources().map(\.groupVersion).filter { seen.insert($0).inserted }
    }

    /// The resources of one group version.
    public func resources(groupVersion: String) throws(KubeError) -> [APIResource] {
        try resources().filter { $0.groupVersion == groupVersion }
    }

    /// Forgets what is known, in memory and on disk.
    public func invalidate() {
        lock.withLock { cached = nil }
        if let cacheFolder { try? FileManager.default.removeItem(atPath: cacheFolder + "/servergroups.json") }
    }

    /// Asks the server: aggregated discovery if it has it, else each group version.
    func fetch() throws(KubeError) -> [APIResource] {
        var result: [APIResource] = []
        for path in ["/api", "/apis"] {
            let response = try get(path, accept: "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json")
            if (response.header("content-type") ?? "").contains("as=APIGroupDiscoveryList") {
                result += Self.aggregated(try response.object())
                continue
            }
            let document = try response.object()
            var groupVersions: [String] = []
            if path == "/api" {
                groupVersions = (document["versions"]?.arrayValue ?? []).compactMap(\.stringValue)
            } else {
                for group in document["groups"]?.arrayValue ?? [] {
                    groupVersions += (group["versions"]?.arrayValue ?? []).compactMap { $0["groupVersion"]?.stringValue }
                }
            }
            for groupVersion in groupVersions {
                let list = try get(path + "/" + groupVersion).object()
                result += APIResource.list(list)
            }
        }
        return result
    }

    /// The resources of an APIGroupDiscoveryList.
    static func aggregated(_ list: JSONValue) -> [APIResource] {
        var result: [APIResource] = []
        for group in list["items"]?.arrayValue ?? [] {
            let name = group[path: "metadata", "name"]?.stringValue ?? ""
            for version in group["versions"]?.arrayValue ?? [] {
                let versionName = version["version"]?.stringValue ?? ""
                for entry in version["resources"]?.arrayValue ?? [] {
                    result.append(APIResource(
                        group: name, version: versionName, name: entry["resource"]?.stringValue ?? "",
                        singularName: entry["singularResource"]?.stringValue ?? "",
                        kind: entry[path: "responseKind", "kind"]?.stringValue ?? "",
                        namespaced: entry["scope"]?.stringValue == "Namespaced",
                        verbs: (entry["verbs"]?.arrayValue ?? []).compactMap(\.stringValue),
                        shortNames: (entry["shortNames"]?.arrayValue ?? []).compactMap(\.stringValue),
                        categories: (entry["categories"]?.arrayValue ?? []).compactMap(\.stringValue),
                        subresources: (entry["subresources"]?.arrayValue ?? []).compactMap { sub in
                            sub["subresource"]?.stringValue.map { subresource in
                                APIResource.Subresource(name: subresource, group: sub[path: "responseKind", "group"]?.stringValue ?? name,
                                                        version: sub[path: "responseKind", "version"]?.stringValue ?? versionName,
                                                        kind: sub[path: "responseKind", "kind"]?.stringValue ?? "",
                                                        verbs: (sub["verbs"]?.arrayValue ?? []).compactMap(\.stringValue))
                            }
                        }))
                }
            }
        }
        return result
    }

    // MARK: Disk cache

    private func readCache() -> [APIResource]? {
        guard let cacheFolder else { return nil }
        let path = cacheFolder + "/servergroups.json"
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let modified = attributes[.modificationDate] as? Date, Date().timeIntervalSince(modified) < timeToLive,
              let data = FileManager.default.contents(atPath: path), let document = try? JSONValue.parse([UInt8](data)) else { return nil }
        let resources = Self.aggregated(document)
        return resources.isEmpty ? nil : resources
    }

    /// Kept as an APIGroupDiscoveryList, the form aggregated discovery has.
    private func writeCache(_ resources: [APIResource]) {
        guard let cacheFolder else { return }
        var groups: [String] = []
        var byGroup: [String: [String: [APIResource]]] = [:]
        var versionOrder: [String: [String]] = [:]
        for resource in resources {
            if byGroup[resource.group] == nil { groups.append(resource.group) }
            if byGroup[resource.group]?[resource.version] == nil { versionOrder[resource.group, default: []].append(resource.version) }
            byGroup[resource.group, default: [:]][resource.version, default: []].append(resource)
        }
        let items: [JSONValue] = groups.map { group in
            .object(["metadata": .object(["name": .string(group)]), "versions": .array((versionOrder[group] ?? []).map { version in
                .object(["version": .string(version), "resources": .array((byGroup[group]?[version] ?? []).map { r in
                    .object([
                        "resource": .string(r.name), "singularResource": .string(r.singularName),
                        "responseKind": .object(["group": .string(r.group), "version": .string(r.version), "kind": .string(r.kind)]),
                        "scope": .string(r.namespaced ? "Namespaced" : "Cluster"),
                        "verbs": .array(r.verbs.map { .string($0) }), "shortNames": .array(r.shortNames.map { .string($0) }),
                        "categories": .array(r.categories.map { .string($0) }),
                        "subresources": .array(r.subresources.map { sub in
                            .object(["subresource": .string(sub.name), "verbs": .array(sub.verbs.map { .string($0) }),
                                     "responseKind": .object(["group": .string(sub.group), "version": .string(sub.version), "kind": .string(sub.kind)])])
                        }),
                    ])
                })])
            })])
        }
        let document = JSONValue.object(["kind": .string("APIGroupDiscoveryList"), "apiVersion": .string("apidiscovery.k8s.io/v2"),
                                         "items": .array(items)])
        try? FileManager.default.createDirectory(atPath: cacheFolder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        // a cache that cannot be written is asked for again next time
        _ = FileManager.default.createFile(atPath: cacheFolder + "/servergroups.json", contents: Data(document.serialized()))
    }

    // MARK: RESTMapper

    /// The resource kubectl would take `name` for: `deploy`, `po`, `deployments`, `deployment`,
    /// `Deployment`, `deployments.apps`, `deployments.v1.apps`; preferring the first group
    /// version the server lists. Asks the server again once when nothing matches.
    public func resolve(_ name: String) throws(KubeError) -> APIResource {
        if let found = Self.match(name, in: try resources()) { return found }
        invalidate()
        if let found = Self.match(name, in: try resources()) { return found }
        throw .status(Status(code: 404, reason: "NotFound", message: "the server doesn't have a resource type \"\(name)\""))
    }

    /// The resource of a kind in a group version (`apps/v1`, `Deployment`).
    public func resource(apiVersion: String, kind: String) throws(KubeError) -> APIResource {
        let (group, version) = GroupVersion.parse(apiVersion)
        let find = { (resources: [APIResource]) in
            resources.first { $0.group == group && $0.version == version && $0.kind == kind }
        }
        if let found = find(try resources()) { return found }
        invalidate()
        if let found = find(try resources()) { return found }
        throw .status(Status(code: 404, reason: "NotFound", message: "no matches for kind \"\(kind)\" in version \"\(apiVersion)\""))
    }

    static func match(_ text: String, in resources: [APIResource]) -> APIResource? {
        let parts = text.split(separator: ".", maxSplits: 2).map(String.init)
        let lower = text.lowercased()
        // resource.group and resource.version.group
        if parts.count >= 2 {
            let resourceName = parts[0].lowercased()
            let rest = String(text.dropFirst(parts[0].count + 1))
            if let found = resources.first(where: { ($0.name == resourceName || $0.singularName == resourceName) && $0.group == rest }) {
                return found
            }
            if parts.count == 3 || rest.contains(".") {
                let version = String(rest.prefix { $0 != "." })
                let group = String(rest.dropFirst(version.count + 1))
                if let found = resources.first(where: { ($0.name == resourceName || $0.singularName == resourceName) && $0.version == version && $0.group == group }) {
                    return found
                }
            }
        }
        return resources.first { $0.name == lower }
            ?? resources.first { $0.singularName == lower }
            ?? resources.first { $0.shortNames.contains(lower) }
            ?? resources.first { $0.kind.lowercased() == lower }
    }
}
