import KubeAPI

/// The set of fields an object sets, as structured-merge-diff's `FieldsV1` describes them:
/// `f:name` for a member, `k:{...}` for an item of a keyed list, `v:...` for an item of a set,
/// and `.` for a map or list item that is itself set. Managed fields record which manager set
/// which of these.
///
/// A member that is set is itself a field (`.`) unless the type's zero value already holds it (a
/// Go struct that is not a pointer, a list without omitempty): kube-apiserver records what a
/// write adds to the zero value. Which members those are, and which lists are keyed, comes from
/// the built-in types; this table covers the common ones (see `FieldSchema`).
struct FieldSet: Equatable {
    /// Each path is the list of its elements, from the root.
    var paths: Set<[String]> = []

    /// The fields set by `object`, without identity and server-managed metadata, and without the
    /// top-level members the resource resets (`status` when it has a status subresource).
    /// An `applied` configuration's set marks only list items with `.`, as an Apply entry records
    /// it; an object's set also marks the maps and lists it sets, as an Update entry records it.
    init(of object: JSONValue, _ schema: FieldSchema, resetting reset: Set<String>, applied: Bool = false) {
        guard case .object(let root) = object else { return }
        let style = Style(schema: schema, applied: applied)
        for (key, value) in root {
            switch key {
            case "apiVersion", "kind": continue
            case _ where reset.contains(key): continue
            case "metadata":
                guard case .object(let metadata) = value else { continue }
                for (field, v) in metadata where !FieldSchema.serverMetadata.contains(field) {
                    add(v, at: ["f:metadata", "f:" + field], schemaPath: ["metadata", field], style)
                }
            default:
                add(value, at: ["f:" + key], schemaPath: [key], style)
            }
        }
    }

    /// How a set is built: the schema, and whether for an Apply entry.
    private struct Style {
        var schema: FieldSchema
        var applied: Bool

        /// Whether a set map or list at `path` is itself a field (`.`).
        func marks(_ path: [String]) -> Bool { !applied && !schema.isZeroPresent(path) }
    }

    init() {}

    init(paths: Set<[String]>) {
        self.paths = paths
    }

    /// Reads a `fieldsV1` object.
    init(fieldsV1: JSONValue) {
        func walk(_ value: JSONValue, _ prefix: [String]) {
            guard case .object(let object) = value, !object.isEmpty else {
                if !prefix.isEmpty { paths.insert(prefix) }
                return
            }
            for (key, child) in object {
                if key == "." { paths.insert(prefix + ["."]) } else { walk(child, prefix + [key]) }
            }
        }
        walk(fieldsV1, [])
    }

    private mutating func add(_ value: JSONValue, at path: [String], schemaPath: [String], _ style: Style) {
        switch value {
        case .null:
            return  // a null is what the type's zero value holds already: nothing set
        case .object(let object) where !object.isEmpty:
            if style.schema.isAtomic(schemaPath, value) {
                paths.insert(path)
                return
            }
            if style.marks(schemaPath) { paths.insert(path + ["."]) }
            for (key, child) in object { add(child, at: path + ["f:" + key], schemaPath: schemaPath + [key], style) }
        case .array(let items) where !items.isEmpty:
            if let keys = style.schema.listKeys(schemaPath) {
                if style.marks(schemaPath) { paths.insert(path + ["."]) }
                for item in items {
                    guard let element = Self.keyElement(item, keys: keys) else { continue }
                    paths.insert(path + [element, "."])
                    if case .object(let fields) = item {
                        for (key, child) in fields { add(child, at: path + [element, "f:" + key], schemaPath: schemaPath + [key], style) }
                    }
                }
            } else if FieldSchema.isSet(schemaPath) {
                if !style.applied { paths.insert(path + ["."]) }
                for item in items { paths.insert(path + ["v:" + item.jsonString()]) }
            } else {
                paths.insert(path)
            }
        default:
            paths.insert(path)
        }
    }

    /// A field path as structured-merge-diff prints it: `.spec.containers[name="web"].image`.
    static func describe(_ path: [String]) -> String {
        path.map { element -> String in
            if element.hasPrefix("f:") { return "." + element.dropFirst(2) }
            if element.hasPrefix("v:") { return "[=" + element.dropFirst(2) + "]" }
            if element.hasPrefix("k:"), case .object(let key)? = try? JSONValue.parse(String(element.dropFirst(2))) {
                return "[" + key.map { "\($0.key)=\($0.value.jsonString())" }.joined(separator: ",") + "]"
            }
            return element == "." ? "" : element
        }.joined()
    }

    /// `k:{"containerPort":80,"protocol":"TCP"}`: an item's key fields, in the key's order.
    static func keyElement(_ item: JSONValue, keys: [String]) -> String? {
        var key = JSONObject()
        for name in keys {
            guard let value = item[name] else { continue }
            key.append(name, value)
        }
        guard !key.isEmpty else { return nil }
        return "k:" + JSONValue.object(key).jsonString(sortedKeys: true)
    }

    /// The leaf paths whose values differ between two objects' field sets and values.
    static func changed(from old: JSONValue?, to new: JSONValue, newFields: FieldSet, oldFields: FieldSet) -> Set<[String]> {
        guard let old else { return newFields.paths }
        var changed = newFields.paths.subtracting(oldFields.paths)
        for path in newFields.paths.intersection(oldFields.paths) where path.last != "." {
            if value(at: path, in: old) != value(at: path, in: new) { changed.insert(path) }
        }
        return changed
    }

    /// The value a field path points at.
    static func value(at path: [String], in object: JSONValue) -> JSONValue? {
        var current: JSONValue? = object
        for element in path {
            guard let value = current else { return nil }
            if element.hasPrefix("f:") {
                current = value[String(element.dropFirst(2))]
            } else if element.hasPrefix("k:"), case .array(let items) = value,
                      let key = try? JSONValue.parse(String(element.dropFirst(2))), case .object(let fields) = key {
                current = items.first { item in fields.allSatisfy { item[$0.key] == $0.value } }
            } else {
                return current
            }
        }
        return current
    }

    /// `object` without the field at `path`: a member, a keyed list's item (`k:…` then `.`), or
    /// a set's value.
    static func removing(_ path: [String], from object: JSONValue) -> JSONValue {
        guard let first = path.first else { return object }
        let rest = Array(path.dropFirst())
        if first.hasPrefix("f:"), case .object(var fields) = object {
            let name = String(first.dropFirst(2))
            if rest.isEmpty || rest == ["."] {
                fields[name] = nil
            } else if let child = fields[name] {
                fields[name] = removing(rest, from: child)
            }
            return .object(fields)
        }
        if case .array(let items) = object {
            if first.hasPrefix("v:"), let value = try? JSONValue.parse(String(first.dropFirst(2))) {
                return .array(items.filter { $0 != value })
            }
            if first.hasPrefix("k:"), case .object(let key)? = try? JSONValue.parse(String(first.dropFirst(2))) {
                let matches = { (item: JSONValue) in key.allSatisfy { item[$0.key] == $0.value } }
                if rest.isEmpty || rest == ["."] { return .array(items.filter { !matches($0) }) }
                return .array(items.map { matches($0) ? removing(rest, from: $0) : $0 })
            }
        }
        return object
    }

    /// The `fieldsV1` object.
    var fieldsV1: JSONValue {
        var root = JSONObject()
        for path in paths.sorted(by: { $0.lexicographicallyPrecedes($1) }) { Self.insert(path[...], into: &root) }
        return .object(root)
    }

    private static func insert(_ path: ArraySlice<String>, into object: inout JSONObject) {
        guard let first = path.first else { return }
        var child = object[first]?.objectValue ?? JSONObject()
        insert(path.dropFirst(), into: &child)
        object[first] = .object(child)
    }
}

/// What the field sets need of a resource's schema: which members are maps, which lists are keyed
/// (and by what), and which are sets. For the built-in types this table covers the common ones;
/// a custom resource's members are all plain maps and its lists atomic, as for a structural
/// schema without list-type markers.
struct FieldSchema {
    /// A custom resource: no member is zero-present, no list is keyed.
    var custom: Bool
    var kind: String

    init(_ info: APIResourceInfo) {
        custom = info.custom
        kind = info.kind
    }

    /// Metadata the server manages, never owned by a manager.
    static let serverMetadata: Set<String> = [
        "name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp",
        "deletionGracePeriodSeconds", "managedFields", "selfLink",
    ]

    /// Members the zero value of their type holds (non-pointer structs, lists without
    /// omitempty): setting one records its children only.
    static let zeroPresentMembers: Set<String> = [
        "metadata", "spec", "status", "template", "strategy", "updateStrategy", "containers", "jobTemplate", "resources", "rules",
    ]

    /// Zero-present members of one kind only, by path.
    static let zeroPresentPaths: [String: Set<[String]>] = [
        "CustomResourceDefinition": [["spec", "names"], ["status", "acceptedNames"], ["status", "conditions"], ["status", "storedVersions"]],
    ]

    static let keyedLists: [String: [String]] = [
        "containers": ["name"], "initContainers": ["name"], "ephemeralContainers": ["name"], "env": ["name"],
        "volumes": ["name"], "volumeMounts": ["mountPath"], "volumeDevices": ["devicePath"], "conditions": ["type"],
        "ownerReferences": ["uid"], "imagePullSecrets": ["name"], "hostAliases": ["ip"],
    ]

    func isZeroPresent(_ path: [String]) -> Bool {
        guard !custom else { return false }
        if Self.zeroPresentPaths[kind]?.contains(path) == true { return true }
        return path.last.map(Self.zeroPresentMembers.contains) ?? false
    }

    /// Whether a member is replaced whole rather than merged: a label selector (LabelSelector is
    /// an atomic map).
    func isAtomic(_ path: [String], _ value: JSONValue) -> Bool {
        !custom && path.last == "selector" && (value["matchLabels"] != nil || value["matchExpressions"] != nil)
    }

    /// The key fields of a keyed list (nil: atomic, or a set).
    func listKeys(_ path: [String]) -> [String]? {
        guard !custom || path.first == "metadata" else { return nil }
        return Self.builtInListKeys(path)
    }

    static func builtInListKeys(_ path: [String]) -> [String]? {
        guard let last = path.last else { return nil }
        if last == "ports" {
            // container ports are keyed by port and protocol; a Service's by port and protocol too
            return path.count >= 2 && path[path.count - 2] == "spec" ? ["port", "protocol"] : ["containerPort", "protocol"]
        }
        return keyedLists[last]
    }

    static func isSet(_ path: [String]) -> Bool { path == ["metadata", "finalizers"] }

    /// The top-level members a resource's strategy resets, which no manager owns: `status` where a
    /// status subresource writes it, and a Namespace's `spec` (its finalizers, written by
    /// `/finalize`).
    static func resetFields(_ info: APIResourceInfo) -> Set<String> {
        var fields: Set<String> = info.subresources.contains("status") ? ["status"] : []
        if info.subresources.contains("finalize") { fields.insert("spec") }
        return fields
    }
}
