import KubeAPI

/// client-go's `DiscoveryInterface` answers, made from what discovery knows: `ServerGroups`,
/// `ServerGroupsAndResources`, `ServerResourcesForGroupVersion`, `ServerPreferredResources`.
extension Discovery {
    /// `/api` and `/apis` as one APIGroupList, the legacy core group first.
    public func serverGroups() throws(KubeError) -> JSONValue {
        let core = try get("/api").object()
        let apis = try get("/apis").object()
        let coreVersions = (core["versions"]?.arrayValue ?? []).compactMap(\.stringValue).map { version -> JSONValue in
            .object(["groupVersion": .string(version), "version": .string(version)])
        }
        var groups: [JSONValue] = []
        if let preferred = coreVersions.first {
            groups.append(.object(["name": .string(""), "versions": .array(coreVersions), "preferredVersion": preferred]))
        }
        groups += apis["groups"]?.arrayValue ?? []
        var list: JSONObject = ["kind": .string("APIGroupList"), "apiVersion": .string("v1"), "groups": .array(groups)]
        if let addresses = core["serverAddressByClientCIDRs"] { list["serverAddressByClientCIDRs"] = addresses }
        return .object(list)
    }

    /// An APIResourceList per group version, in the server's order; each resource is followed by
    /// its subresources (`deployments/scale`), as the server lists them.
    public func serverResources() throws(KubeError) -> [JSONValue] {
        Self.resourceLists(try resources(), subresources: true)
    }

    /// The APIResourceList of one group version (`v1`, `apps/v1`); NotFound when it is not served.
    public func serverResources(groupVersion: String) throws(KubeError) -> JSONValue {
        guard let list = Self.resourceLists(try resources(groupVersion: groupVersion), subresources: true).first else {
            throw .status(Status(code: 404, reason: "NotFound", message: "the server could not find the requested resource"))
        }
        return list
    }

    /// Each resource once, in its group's preferred version (the first the server lists), without
    /// subresources, as client-go's `ServerPreferredResources` returns them.
    public func serverPreferredResources() throws(KubeError) -> [JSONValue] {
        var seen = Set<String>()
        let preferred = try resources().filter { seen.insert($0.group + "/" + $0.name).inserted }
        return Self.resourceLists(preferred, subresources: false)
    }

    static func resourceLists(_ resources: [APIResource], subresources: Bool) -> [JSONValue] {
        var order: [String] = []
        var entries: [String: [JSONValue]] = [:]
        for r in resources {
            if entries[r.groupVersion] == nil { order.append(r.groupVersion) }
            var entry: JSONObject = ["name": .string(r.name), "singularName": .string(r.singularName), "namespaced": .bool(r.namespaced),
                                     "kind": .string(r.kind), "verbs": .array(r.verbs.map { .string($0) })]
            if !r.shortNames.isEmpty { entry["shortNames"] = .array(r.shortNames.map { .string($0) }) }
            if !r.categories.isEmpty { entry["categories"] = .array(r.categories.map { .string($0) }) }
            entries[r.groupVersion, default: []].append(.object(entry))
            guard subresources else { continue }
            for sub in r.subresources {
                var entry: JSONObject = ["name": .string(r.name + "/" + sub.name), "singularName": .string(""), "namespaced": .bool(r.namespaced),
                                         "kind": .string(sub.kind), "verbs": .array(sub.verbs.map { .string($0) })]
                // the kind it answers with, when that is another group version (autoscaling/v1 Scale)
                if sub.group != r.group || sub.version != r.version {
                    entry["group"] = .string(sub.group)
                    entry["version"] = .string(sub.version)
                }
                entries[r.groupVersion, default: []].append(.object(entry))
            }
        }
        return order.map { groupVersion in
            .object(["kind": .string("APIResourceList"), "apiVersion": .string("v1"), "groupVersion": .string(groupVersion),
                     "resources": .array(entries[groupVersion] ?? [])])
        }
    }
}
