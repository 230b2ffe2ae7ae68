import KubeAPI

/// Aggregated discovery (`apidiscovery.k8s.io` v2 and v2beta1): every group, version and
/// resource in one answer to `/api` or `/apis`, for clients that ask for it with
/// `Accept: application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList`. Built from
/// the same recorded documents as the per-group-version answers.
enum AggregatedDiscovery {
    /// The version of aggregated discovery an Accept header asks for first (nil: none).
    static func requestedVersion(_ request: APIRequest) -> String? {
        for part in (request.headers["accept"] ?? "").split(separator: ",") {
            let parameters = Set(part.split(separator: ";").map { String($0.trimmingSpaces) })
            guard parameters.contains("as=APIGroupDiscoveryList"), parameters.contains("g=apidiscovery.k8s.io") else { continue }
            if parameters.contains("v=v2") { return "v2" }
            if parameters.contains("v=v2beta1") { return "v2beta1" }
        }
        return nil
    }

    /// The APIGroupDiscoveryList for `/api` (`core`) or `/apis`.
    static func list(core: Bool, version: String, documents: [String: [UInt8]]) -> JSONValue {
        var items: [JSONValue] = []
        if core {
            items.append(group(name: "", versions: ["v1"], documents: documents))
        } else if let groups = documents["/apis"].flatMap({ try? JSONValue.parse($0) })?["groups"]?.arrayValue {
            for entry in groups {
                let versions = (entry["versions"]?.arrayValue ?? []).compactMap { $0["version"]?.stringValue }
                items.append(group(name: entry["name"]?.stringValue ?? "", versions: versions, documents: documents))
            }
        }
        return .object(["kind": .string("APIGroupDiscoveryList"), "apiVersion": .string("apidiscovery.k8s.io/\(version)"),
                        "metadata": .object([:]), "items": .array(items)])
    }

    static func group(name: String, versions: [String], documents: [String: [UInt8]]) -> JSONValue {
        let entries: [JSONValue] = versions.map { version in
            let path = name.isEmpty ? "/api/\(version)" : "/apis/\(name)/\(version)"
            let list = documents[path].flatMap { try? JSONValue.parse($0) }?["resources"]?.arrayValue ?? []
            return .object(["version": .string(version), "resources": .array(resources(list, group: name, version: version)),
                            "freshness": .string("Current")])
        }
        return .object(["metadata": .object(["name": .string(name)]), "versions": .array(entries)])
    }

    static func resources(_ list: [JSONValue], group: String, version: String) -> [JSONValue] {
        func kind(_ entry: JSONValue) -> JSONValue {
            .object(["group": entry["group"] ?? .string(group), "version": entry["version"] ?? .string(version), "kind": entry["kind"] ?? .string("")])
        }
        var result: [JSONValue] = []
        for entry in list {
            guard let name = entry["name"]?.stringValue, !name.contains("/") else { continue }
            var resource: JSONObject = [
                "resource": .string(name), "responseKind": kind(entry),
                "scope": .string(entry["namespaced"]?.boolValue == true ? "Namespaced" : "Cluster"),
            ]
            let singular = entry["singularName"]?.stringValue ?? ""
            resource.append("singularResource", .string(singular.isEmpty ? (entry["kind"]?.stringValue ?? "").lowercased() : singular))
            resource.append("verbs", entry["verbs"] ?? .array([]))
            if let shortNames = entry["shortNames"] { resource.append("shortNames", shortNames) }
            if let categories = entry["categories"] { resource.append("categories", categories) }
            let subresources: [JSONValue] = list.compactMap { sub in
                guard let subName = sub["name"]?.stringValue, subName.hasPrefix(name + "/") else { return nil }
                return .object(["subresource": .string(String(subName.dropFirst(name.count + 1))), "responseKind": kind(sub),
                                "verbs": sub["verbs"] ?? .array([])])
            }
            if !subresources.isEmpty { resource.append("subresources", .array(subresources)) }
            result.append(.object(resource))
        }
        return result
    }
}
