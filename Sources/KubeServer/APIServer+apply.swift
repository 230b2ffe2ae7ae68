import KubeAPI

/// Server-side apply (`PATCH` with `application/apply-patch+yaml`), as structured-merge-diff
/// does it: the applied configuration's fields become its manager's Apply entry; a field another
/// manager owns with a different value is a conflict (409) unless `force=true`, which takes it
/// over; fields the manager applied before and no longer applies are removed unless someone else
/// owns them. An apply to a missing object creates it.
extension APIServer {
    static let applyPatchType = "application/apply-patch+yaml"

    func apply(_ request: APIRequest, _ path: ResourcePath, _ info: APIResourceInfo, name: String, dryRun: Bool,
               in store: inout ObjectStore) -> APIResponse {
        guard let manager = request.query["fieldManager"], !manager.isEmpty else {
            return .status(.invalid(kind: "PatchOptions", group: "meta.k8s.io", name: "", causes: [
                .init(reason: "FieldValueRequired", message: "Required value: is required for apply patch", field: "fieldManager"),
            ]))
        }
        var applied: JSONValue
        if let json = try? JSONValue.parse(request.body) {
            applied = json  // the JSON form clients send
        } else {
            do {
                applied = try YAMLReader.value(String(decoding: request.body, as: UTF8.self))
            } catch {
                return .status(.badRequest("error decoding YAML: \(error.problem)"))
            }
        }
        guard case .object = applied else { return .status(.badRequest("error decoding YAML: the configuration is not an object")) }
        if applied["apiVersion"]?.stringValue != info.groupVersion || applied["kind"]?.stringValue != info.kind {
            return .status(.badRequest("the API version in the data (\(applied["apiVersion"]?.stringValue ?? "")) does not match the expected API version (\(info.groupVersion))"))
        }
        if let given = applied[path: "metadata", "name"]?.stringValue, given != name {
            return .status(.badRequest("the name of the object (\(given)) does not match the name on the URL (\(name))"))
        }
        switch admitted(applied, info, name: name, in: store) {
        case .success(let value): applied = value
        case .failure(let status): return .status(status)
        }
        let fields = FieldSet(of: applied, FieldSchema(info), resetting: FieldSchema.resetFields(info), applied: true)
        let force = request.flag("force")
        guard let current = store.object(of: info, key: key(path, name)) else {
            var object = applied
            object["metadata"]?["name"] = .string(name)
            return insert(object, path, info, manager: manager, applied: fields, dryRun: dryRun, in: &store)
        }
        let owners = current[path: "metadata", "managedFields"]?.arrayValue ?? []
        if !force {
            let conflicts = Self.conflicts(applying: applied, fields, to: current, owners: owners, manager: manager)
            if !conflicts.isEmpty { return .status(.applyConflict(conflicts)) }
        }
        // Fields this manager applied before and applies no more go, unless another owns them.
        let previous = owners.first { Self.isApply($0, by: manager) }.map { FieldSet(fieldsV1: $0["fieldsV1"] ?? .null).paths } ?? []
        let others = owners.filter { !Self.isApply($0, by: manager) }
            .reduce(into: Set<[String]>()) { $0.formUnion(FieldSet(fieldsV1: $1["fieldsV1"] ?? .null).paths) }
        var object = current
        for path in previous.subtracting(fields.paths).subtracting(others).sorted(by: { $0.count > $1.count }) {
            object = FieldSet.removing(path, from: object)
        }
        object = info.custom ? Patch.merge(object, applied) : Patch.strategicMerge(object, applied)
        return .json(200, Self.ordered(write(object, replacing: current, path, info, request: request, dryRun: dryRun,
                                             applied: (manager, fields), in: &store)))
    }

    static func isApply(_ entry: JSONValue, by manager: String) -> Bool {
        entry["manager"]?.stringValue == manager && entry["operation"]?.stringValue == "Apply" && entry["subresource"] == nil
    }

    /// The fields of the applied configuration that another manager owns with a different value.
    static func conflicts(applying applied: JSONValue, _ fields: FieldSet, to current: JSONValue, owners: [JSONValue],
                          manager: String) -> [(manager: String, path: [String])] {
        var result: [(manager: String, path: [String])] = []
        for entry in owners where !isApply(entry, by: manager) {
            let owned = FieldSet(fieldsV1: entry["fieldsV1"] ?? .null).paths.intersection(fields.paths)
            for path in owned.sorted(by: { $0.lexicographicallyPrecedes($1) }) where path.last != "." {
                if FieldSet.value(at: path, in: applied) != FieldSet.value(at: path, in: current) {
                    result.append((describeManager(entry), path))
                }
            }
        }
        return result
    }

    /// A manager as conflict messages name it: `"kubectl"`, or for an Update entry
    /// `"kubectl-edit" using apps/v1 at 2026-11-23T06:18:47Z`.
    static func describeManager(_ entry: JSONValue) -> String {
        var text = "\"\(entry["manager"]?.stringValue ?? "")\""
        if let subresource = entry["subresource"]?.stringValue { text += " with subresource \"\(subresource)\"" }
        guard entry["operation"]?.stringValue == "Update" else { return text }
        text += " using \(entry["apiVersion"]?.stringValue ?? "")"
        if let time = entry["time"]?.stringValue { text += " at \(time)" }
        return text
    }

    /// The managed fields after an apply by `manager` of `fields`: its Apply entry holds exactly
    /// them; the others lose what the apply changed (taken over by force) and what is gone.
    func appliedManaged(_ object: JSONValue, previous: JSONValue?, info: APIResourceInfo, manager: String, fields: FieldSet) -> JSONValue {
        let newFields = Self.fields(of: object, info, subresource: nil)
        let oldFields = previous.map { Self.fields(of: $0, info, subresource: nil) } ?? FieldSet()
        let changed = FieldSet.changed(from: previous, to: object, newFields: newFields, oldFields: oldFields)
        let present = FieldSet(of: object, FieldSchema(info), resetting: []).paths
        var entries: [JSONValue] = []
        for entry in previous?[path: "metadata", "managedFields"]?.arrayValue ?? [] where !Self.isApply(entry, by: manager) {
            let kept = FieldSet(fieldsV1: entry["fieldsV1"] ?? .object([:])).paths.intersection(present).subtracting(changed)
            guard !kept.isEmpty else { continue }
            var updated = entry
            updated["fieldsV1"] = FieldSet(paths: kept).fieldsV1
            entries.append(updated)
        }
        entries.append(.object([
            "manager": .string(manager), "operation": .string("Apply"), "apiVersion": .string(info.groupVersion),
            "time": .string(Self.timestamp()), "fieldsType": .string("FieldsV1"), "fieldsV1": fields.fieldsV1,
        ]))
        var result = object
        result["metadata"]?["managedFields"] = .array(Self.sortedManagedFields(entries))
        return result
    }
}

extension Status {
    /// The 409 of an apply that conflicts, worded as kube-apiserver words it.
    static func applyConflict(_ conflicts: [(manager: String, path: [String])]) -> Status {
        let message: String
        if conflicts.count == 1 {
            message = "Apply failed with 1 conflict: conflict with \(conflicts[0].manager): \(FieldSet.describe(conflicts[0].path))"
        } else {
            var lines: [String] = []
            for manager in Set(conflicts.map(\.manager)).sorted() {
                lines.append("conflicts with \(manager):")
                for conflict in conflicts where conflict.manager == manager { lines.append("- \(FieldSet.describe(conflict.path))") }
            }
            message = "Apply failed with \(conflicts.count) conflicts: " + lines.joined(separator: "\n")
        }
        return Status(code: 409, reason: "Conflict", message: message, details: .object([
            "causes": .array(conflicts.map {
                .object(["reason": .string("FieldManagerConflict"), "message": .string("conflict with \($0.manager)"),
                         "field": .string(FieldSet.describe($0.path))])
            }),
        ]))
    }
}
