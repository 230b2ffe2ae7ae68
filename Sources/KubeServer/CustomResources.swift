import Crypto
import KubeAPI

/// A resource served for an Established CustomResourceDefinition.
struct CustomResource: Sendable {
    var info: APIResourceInfo
    /// The version's `openAPIV3Schema`, if it has one.
    var schema: StructuralSchema?
    /// The definition's names, for discovery.
    var singular: String
    var shortNames: [String]
    var categories: [String]
    /// The version objects are stored in.
    var storageVersion: String

    /// Where the definitions are kept.
    static let definitionsKey = "apiextensions.k8s.io/customresourcedefinitions"
    /// The finalizer a deleted definition carries until its custom resources are gone.
    static let cleanupFinalizer = "customresourcecleanup.apiextensions.k8s.io"

    /// The resources the Established, not deleted `definitions` serve, by `group/version/plural`.
    static func served(by definitions: [String: JSONValue]) -> [String: CustomResource] {
        var result: [String: CustomResource] = [:]
        for crd in definitions.values where isEstablished(crd) && crd[path: "metadata", "deletionTimestamp"] == nil {
            let group = crd[path: "spec", "group"]?.stringValue ?? ""
            let names = crd[path: "status", "acceptedNames"] ?? .object([:])
            let plural = names["plural"]?.stringValue ?? ""
            let storage = (crd[path: "spec", "versions"]?.arrayValue ?? []).first { $0["storage"]?.boolValue == true }?["name"]?.stringValue ?? ""
            for version in crd[path: "spec", "versions"]?.arrayValue ?? [] where version["served"]?.boolValue != false {
                let name = version["name"]?.stringValue ?? ""
                var info = APIResourceInfo(
                    group: group, version: name, name: plural, kind: names["kind"]?.stringValue ?? "",
                    namespaced: crd[path: "spec", "scope"]?.stringValue != "Cluster",
                    verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
                    subresources: Set((version["subresources"]?.objectValue ?? [:]).map(\.key)), custom: true)
                if let scale = version[path: "subresources", "scale"] { info.scalePaths = ScalePaths(scale: scale) }
                info.printerColumns = PrinterColumn.columns(of: version)
                result[ResourceCatalog.key(group, name, plural)] = CustomResource(
                    info: info, schema: version[path: "schema", "openAPIV3Schema"].map(StructuralSchema.init(root:)),
                    singular: names["singular"]?.stringValue ?? "",
                    shortNames: (names["shortNames"]?.arrayValue ?? []).compactMap(\.stringValue),
                    categories: (names["categories"]?.arrayValue ?? []).compactMap(\.stringValue),
                    storageVersion: storage)
            }
        }
        return result
    }

    /// apimachinery's `StorageVersionHash`: the first 8 bytes of SHA-256 of `group/version/kind`,
    /// base64.
    static func storageVersionHash(group: String, version: String, kind: String) -> String {
        Base64URL.standard(Array(SHA256.hash(data: Array("\(group)/\(version)/\(kind)".utf8)).prefix(8)))
    }

    static func isEstablished(_ crd: JSONValue) -> Bool {
        (crd[path: "status", "conditions"]?.arrayValue ?? []).contains {
            $0["type"] == .string("Established") && $0["status"] == .string("True")
        }
    }

    /// The entries of this resource (and its subresources) in its group version's APIResourceList.
    var discoveryEntries: [JSONValue] {
        var entry: JSONObject = [
            "name": .string(info.name), "singularName": .string(singular), "namespaced": .bool(info.namespaced),
            "kind": .string(info.kind),
            "verbs": .array(["delete", "deletecollection", "get", "list", "patch", "create", "update", "watch"].map { .string($0) }),
        ]
        if !shortNames.isEmpty { entry.append("shortNames", .array(shortNames.map { .string($0) })) }
        if !categories.isEmpty { entry.append("categories", .array(categories.map { .string($0) })) }
        entry.append("storageVersionHash", .string(Self.storageVersionHash(group: info.group, version: storageVersion, kind: info.kind)))
        var entries: [JSONValue] = [.object(entry)]
        for sub in info.subresources.sorted() {
            var subEntry: JSONObject = ["name": .string("\(info.name)/\(sub)"), "singularName": .string(""),
                                        "namespaced": .bool(info.namespaced)]
            if sub == "scale" {
                subEntry.append("group", .string("autoscaling"))
                subEntry.append("version", .string("v1"))
                subEntry.append("kind", .string("Scale"))
            } else {
                subEntry.append("kind", .string(info.kind))
            }
            subEntry.append("verbs", .array(["get", "patch", "update"].map { .string($0) }))
            entries.append(.object(subEntry))
        }
        return entries
    }
}

extension APIServer {
    /// The discovery documents by path: the recorded ones, with the groups and resources of
    /// Established definitions added (made again only when the definitions change).
    func discoveryDocuments(with custom: [String: CustomResource], revision: Int64) -> [String: [UInt8]] {
        guard !custom.isEmpty else { return discovery }
        if let cached = customDiscovery.withLockedValue({ $0 }), cached.revision == revision { return cached.documents }
        let documents = Self.discoveryDocuments(discovery, with: custom)
        customDiscovery.withLockedValue { $0 = (revision, documents) }
        return documents
    }

    static func discoveryDocuments(_ recorded: [String: [UInt8]], with custom: [String: CustomResource]) -> [String: [UInt8]] {
        var documents = recorded
        var byGroupVersion: [String: [CustomResource]] = [:]
        for resource in custom.values { byGroupVersion[resource.info.groupVersion, default: []].append(resource) }
        var versionsByGroup: [String: [String]] = [:]
        for (groupVersion, members) in byGroupVersion.sorted(by: { $0.key < $1.key }) {
            guard let first = members.first, documents["/apis/\(groupVersion)"] == nil else { continue }  // never shadow a built-in
            let entries = members.sorted { $0.info.name < $1.info.name }.flatMap(\.discoveryEntries)
            documents["/apis/\(groupVersion)"] = JSONValue.object([
                "kind": .string("APIResourceList"), "apiVersion": .string("v1"), "groupVersion": .string(groupVersion),
                "resources": .array(entries),
            ]).serialized()
            versionsByGroup[first.info.group, default: []].append(first.info.version)
        }
        guard var groupList = documents["/apis"].flatMap({ try? JSONValue.parse($0) }) else { return documents }
        var groups = groupList["groups"]?.arrayValue ?? []
        for (group, versions) in versionsByGroup.sorted(by: { $0.key < $1.key }) {
            // kube-apiserver prefers the highest version by Kubernetes' version order; the first
            // served one (in the definition's order) stands in for it here.
            let list = versions.map { JSONValue.object(["groupVersion": .string("\(group)/\($0)"), "version": .string($0)]) }
            let entry = JSONValue.object(["name": .string(group), "versions": .array(list), "preferredVersion": list[0]])
            groups.append(entry)
            documents["/apis/\(group)"] = JSONValue.object([
                "kind": .string("APIGroup"), "apiVersion": .string("v1"), "name": .string(group), "versions": .array(list),
                "preferredVersion": list[0],
            ]).serialized()
        }
        groupList["groups"] = .array(groups)
        documents["/apis"] = groupList.serialized()
        return documents
    }

    /// What a new definition gets: the defaults of its names and conversion, and the status a
    /// definition starts with (nothing accepted yet, the storage version stored).
    static func admitDefinition(_ object: inout JSONValue) {
        var spec = object["spec"]?.objectValue ?? JSONObject()
        var names = spec["names"]?.objectValue ?? JSONObject()
        names.setDefault("listKind", .string((names["kind"]?.stringValue ?? "") + "List"))
        spec["names"] = .object(names)
        spec.setDefault("conversion", .object(["strategy": .string("None")]))
        object["spec"] = .object(spec)
        let storage = (spec["versions"]?.arrayValue ?? []).first { $0["storage"]?.boolValue == true }?["name"]
        object["status"] = .object([
            "conditions": .null, "acceptedNames": .object(["plural": .string(""), "kind": .string("")]),
            "storedVersions": .array(storage.map { [$0] } ?? []),
        ])
    }

    /// The problems of a definition kube-apiserver would refuse: its name, group and names.
    static func definitionCauses(_ object: JSONValue) -> [Status.Cause] {
        var causes: [Status.Cause] = []
        let name = object[path: "metadata", "name"]?.stringValue ?? ""
        let group = object[path: "spec", "group"]?.stringValue ?? ""
        let plural = object[path: "spec", "names", "plural"]?.stringValue ?? ""
        if group.isEmpty { causes.append(.init(reason: "FieldValueRequired", message: "Required value", field: "spec.group")) }
        if plural.isEmpty { causes.append(.init(reason: "FieldValueRequired", message: "Required value", field: "spec.names.plural")) }
        if (object[path: "spec", "names", "kind"]?.stringValue ?? "").isEmpty {
            causes.append(.init(reason: "FieldValueRequired", message: "Required value", field: "spec.names.kind"))
        }
        if !group.isEmpty, !plural.isEmpty, name != "\(plural).\(group)" {
            causes.append(.init(reason: "FieldValueInvalid", message: "Invalid value: \"\(name)\": must be spec.names.plural+\".\"+spec.group",
                                field: "metadata.name"))
        }
        let versions = object[path: "spec", "versions"]?.arrayValue ?? []
        if versions.filter({ $0["storage"]?.boolValue == true }).count != 1 {
            causes.append(.init(reason: "FieldValueInvalid", message: "must have exactly one version marked as storage version",
                                field: "spec.versions"))
        }
        return causes
    }

    /// The object pruned, defaulted and validated against its custom resource's schema, or the
    /// Invalid status; objects of built-in resources pass unchanged (definitions are checked).
    /// Every object's labels and annotations, and ConfigMaps' and Secrets' keys, are checked first.
    func admitted(_ object: JSONValue, _ info: APIResourceInfo, name: String, in store: ObjectStore) -> Result<JSONValue, Status> {
        // a given name's problems come first, in one Status with the rest, as kube-apiserver reports them
        let given = object[path: "metadata", "name"]?.stringValue ?? ""
        let metadataCauses = (given.isEmpty ? [] : Self.nameCauses(given, info)) + ObjectValidation.causes(object, info)
        if !metadataCauses.isEmpty { return .failure(.invalid(info, name: name, causes: metadataCauses)) }
        if info.storageKey == CustomResource.definitionsKey {
            let causes = Self.definitionCauses(object)
            return causes.isEmpty ? .success(object) : .failure(.invalid(info, name: name, causes: causes))
        }
        guard info.custom, let schema = store.customResources[ResourceCatalog.key(info.group, info.version, info.name)]?.schema else {
            return .success(object)
        }
        let admitted = schema.admit(object)
        let causes = schema.validate(admitted)
        return causes.isEmpty ? .success(admitted) : .failure(.invalid(info, name: name, causes: causes))
    }

    /// kube-apiserver's own controllers for definitions: names are accepted and the definition
    /// Established; a deleted definition's custom resources are deleted, then its finalizer
    /// removed. Whether anything changed.
    func reconcileDefinitions(in store: inout ObjectStore) -> Bool {
        guard let definitions = catalog.resource(group: "apiextensions.k8s.io", version: "v1", name: "customresourcedefinitions") else {
            return false
        }
        var changed = false
        for (_, crd) in store.objects(of: definitions, namespace: nil) {
            if Self.isDeleting(crd) {
                changed = finalizeDefinition(crd, definitions, in: &store) || changed
                continue
            }
            guard !CustomResource.isEstablished(crd) else { continue }
            let now = Self.timestamp()
            var status = crd["status"]?.objectValue ?? JSONObject()
            status["conditions"] = .array([
                .object(["type": .string("NamesAccepted"), "status": .string("True"), "lastTransitionTime": .string(now),
                         "reason": .string("NoConflicts"), "message": .string("no conflicts found")]),
                .object(["type": .string("Established"), "status": .string("True"), "lastTransitionTime": .string(now),
                         "reason": .string("InitialNamesAccepted"), "message": .string("the initial names have been accepted")]),
            ])
            status["acceptedNames"] = crd[path: "spec", "names"]
            var updated = crd
            updated["status"] = .object(status)
            changed = controllerUpdate(updated, was: crd, definitions, manager: "kube-apiserver", subresource: "status", in: &store) || changed
        }
        return changed
    }

    private func finalizeDefinition(_ crd: JSONValue, _ definitions: APIResourceInfo, in store: inout ObjectStore) -> Bool {
        let finalizers = (crd[path: "metadata", "finalizers"]?.arrayValue ?? []).compactMap(\.stringValue)
        guard finalizers.contains(CustomResource.cleanupFinalizer) else { return false }
        let storageKey = "\(crd[path: "spec", "group"]?.stringValue ?? "")/\(crd[path: "status", "acceptedNames", "plural"]?.stringValue ?? "")"
        for entry in store.all where entry.storageKey == storageKey { store.delete(storageKey: storageKey, key: entry.key) }
        var updated = crd
        let kept = finalizers.filter { $0 != CustomResource.cleanupFinalizer }
        updated["metadata"]?["finalizers"] = kept.isEmpty ? nil : .array(kept.map { .string($0) })
        let name = crd[path: "metadata", "name"]?.stringValue ?? ""
        if kept.isEmpty {
            store.delete(of: definitions, key: name)
        } else {
            store.write(updated, of: definitions, key: name)
        }
        return true
    }
}
