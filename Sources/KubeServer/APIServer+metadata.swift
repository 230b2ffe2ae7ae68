import KubeAPI
#if canImport(Glibc)
import Glibc
#endif

/// Object metadata the server writes: managed fields, uids, timestamps, member order.
extension APIServer {
    /// The object with its managed fields updated for an Update by `manager`: the manager owns
    /// what it set or changed, other managers lose what it changed, and fields that are gone
    /// are owned by nobody.
    func managed(_ object: JSONValue, previous: JSONValue?, info: APIResourceInfo, manager: String, subresource: String?) -> JSONValue {
        let newFields = Self.fields(of: object, info, subresource: subresource)
        let oldFields = previous.map { Self.fields(of: $0, info, subresource: subresource) } ?? FieldSet()
        let changed = FieldSet.changed(from: previous, to: object, newFields: newFields, oldFields: oldFields)
        var entries: [JSONValue] = []
        var mine = changed
        let present = FieldSet(of: object, FieldSchema(info), resetting: []).paths  // what any manager may still own
        for entry in previous?[path: "metadata", "managedFields"]?.arrayValue ?? [] {
            let owned = FieldSet(fieldsV1: entry["fieldsV1"] ?? .object([:])).paths
            let isMine = entry["manager"]?.stringValue == manager && entry["operation"]?.stringValue == "Update"
                && entry["apiVersion"]?.stringValue == info.groupVersion && entry["subresource"]?.stringValue == subresource
            if isMine {
                mine.formUnion(owned.intersection(newFields.paths))
                continue
            }
            let kept = owned.intersection(present).subtracting(changed)
            guard !kept.isEmpty else { continue }
            var updated = entry
            updated["fieldsV1"] = FieldSet(paths: kept).fieldsV1
            entries.append(updated)
        }
        if !mine.isEmpty {
            var entry: JSONObject = ["manager": .string(manager), "operation": .string("Update"), "apiVersion": .string(info.groupVersion)]
            // kube-apiserver v1.24 writes no time for updates through /scale
            if subresource != "scale" { entry.append("time", .string(Self.timestamp())) }
            entry.append("fieldsType", .string("FieldsV1"))
            entry.append("fieldsV1", FieldSet(paths: mine).fieldsV1)
            if let subresource { entry.append("subresource", .string(subresource)) }
            entries.append(.object(entry))
        }
        var result = object
        var metadata = object["metadata"]?.objectValue ?? JSONObject()
        metadata["managedFields"] = entries.isEmpty ? nil : .array(Self.sortedManagedFields(entries))
        result["metadata"] = .object(metadata)
        return result
    }

    /// Managed-fields entries in the order kube-apiserver keeps them: by operation (`Apply` before
    /// `Update`), time (to the second), manager, subresource, then apiVersion.
    static func sortedManagedFields(_ entries: [JSONValue]) -> [JSONValue] {
        entries.sorted { p, q in
            for field in ["operation", "time", "manager", "subresource", "apiVersion"] {
                let a = p[field]?.stringValue ?? "", b = q[field]?.stringValue ?? ""
                if a != b { return a < b }
            }
            return false
        }
    }

    /// The fields a write through `subresource` can set: the main resource's without what it
    /// resets; `status`'s all but the spec (a controller's status write may carry annotations,
    /// as the deployment controller's revision); `scale`'s only the replicas.
    static func fields(of object: JSONValue, _ info: APIResourceInfo, subresource: String?) -> FieldSet {
        switch subresource {
        case "status": return FieldSet(of: object, FieldSchema(info), resetting: ["spec"])
        case "scale":
            let replicas = Self.setting(Self.value(at: info.scalePaths.specReplicas, in: object) ?? .integer(1), at: info.scalePaths.specReplicas[...],
                                        in: .object([:]))
            return FieldSet(of: replicas, FieldSchema(info), resetting: [])
        default: return FieldSet(of: object, FieldSchema(info), resetting: FieldSchema.resetFields(info))
        }
    }

    /// The object with kind, apiVersion and metadata first and metadata's members in the order
    /// kube-apiserver writes them; the rest keeps its order.
    static func ordered(_ object: JSONValue) -> JSONValue {
        guard case .object(let fields) = object else { return object }
        var result = JSONObject()
        for key in ["kind", "apiVersion"] { if let v = fields[key] { result.append(key, v) } }
        if case .object(let metadata)? = fields["metadata"] {
            var ordered = JSONObject()
            for key in ["name", "generateName", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp",
                        "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences",
                        "finalizers", "managedFields"] {
                if let v = metadata[key] { ordered.append(key, v) }
            }
            for (key, v) in metadata where ordered[key] == nil { ordered.append(key, v) }
            result.append("metadata", .object(ordered))
        }
        for (key, v) in fields where result[key] == nil { result.append(key, v) }
        return .object(result)
    }

    /// A random (version 4) UUID.
    static func uuid() -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        bytes[6] = bytes[6] & 0x0F | 0x40
        bytes[8] = bytes[8] & 0x3F | 0x80
        let hex = bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }
        return [hex[0..<4], hex[4..<6], hex[6..<8], hex[8..<10], hex[10..<16]].map { $0.joined() }.joined(separator: "-")
    }

    /// Five characters for `generateName`, from the alphabet kube-apiserver uses.
    static func randomSuffix() -> String {
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        return String((0..<5).map { _ in alphabet.randomElement() ?? "x" })
    }

    /// Now, as RFC 3339 in UTC to the second.
    static func timestamp() -> String { RFC3339.now() }
}
