import KubeAPI

/// Lists: selectors, paging with opaque `continue` tokens, the List object.
extension APIServer {
    func list(_ request: APIRequest, _ path: ResourcePath, _ info: APIResourceInfo, store: ObjectStore) -> APIResponse {
        if case .failure(let status) = ListOptions.parse(request, watch: false) { return .status(status) }
        let selection: Selection
        switch Selection.parse(request, info) {
        case .success(let parsed): selection = parsed
        case .failure(let status): return .status(status)
        }
        var keys = store.keys(of: info, namespace: path.namespace)
        if let token = request.query["continue"], !token.isEmpty {
            guard let start = Self.continueStart(token) else {
                return .status(Status(code: 400, reason: "BadRequest", message: "continue key is not valid: invalid continue token"))
            }
            keys = keys[ObjectStore.lowerBound(path.namespace.map { "\($0)/" + start } ?? start, in: keys)...]
        }
        let limit = request.query["limit"].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil }
        var selected: [JSONValue] = []
        var lastKey = ""
        var continueToken: String?
        var remaining: Int64?
        for (position, key) in zip(keys.indices, keys) {
            guard let object = store.object(of: info, key: key), selection.matches(object) else { continue }
            if let limit, selected.count == limit {
                // more follow: a token to go on after the last one given
                continueToken = Self.continueToken(start: relativeKey(lastKey, path) + "\u{0}", revision: store.revision)
                if selection.labels == nil && selection.fields == nil { remaining = Int64(keys.endIndex - position) }
                break
            }
            selected.append(object)
            lastKey = key
        }
        let list = listObject(info, items: selected, revision: store.revision, continueToken: continueToken, remaining: remaining)
        if Table.wanted(by: request) {
            return .json(200, Table.table(for: info, objects: selected.map(Self.ordered), metadata: list["metadata"] ?? .object([:]),
                                          includeObject: request.query["includeObject"]))
        }
        return .json(200, list)
    }

    /// The key a continue token holds: relative to the namespace in a namespaced list.
    func relativeKey(_ key: String, _ path: ResourcePath) -> String {
        guard let namespace = path.namespace, key.hasPrefix(namespace + "/") else { return key }
        return String(key.dropFirst(namespace.count + 1))
    }

    /// The objects a list or delete-collection selects, or the Status for a bad selector.
    func select(_ request: APIRequest, _ path: ResourcePath, _ info: APIResourceInfo,
                store: ObjectStore) -> Result<[(key: String, object: JSONValue)], Status> {
        switch Selection.parse(request, info) {
        case .success(let selection):
            return .success(store.objects(of: info, namespace: path.namespace).filter { selection.matches($0.object) })
        case .failure(let status):
            return .failure(status)
        }
    }

    /// The fields `fieldSelector` takes for a resource, as kube-apiserver's strategies declare them.
    static func selectableFields(_ info: APIResourceInfo) -> Set<String> {
        var fields: Set<String> = ["metadata.name"]
        if info.namespaced { fields.insert("metadata.namespace") }
        switch (info.group, info.name) {
        case ("", "pods"):
            fields.formUnion(["spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
                              "status.phase", "status.podIP", "status.nominatedNodeName"])
        case ("", "secrets"): fields.insert("type")
        case ("", "namespaces"): fields.insert("status.phase")
        case ("", "nodes"): fields.insert("spec.unschedulable")
        case ("", "events"), ("events.k8s.io", "events"):
            fields.formUnion(["involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
                              "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath",
                              "reason", "source", "type"])
        case ("apps", "replicasets"), ("", "replicationcontrollers"): fields.insert("status.replicas")
        case ("batch", "jobs"): fields.insert("status.successful")
        default: break
        }
        return fields
    }

    /// The text of a selectable field (`spec.nodeName`) of an object.
    static func fieldValue(_ field: String, of object: JSONValue) -> String? {
        var value: JSONValue? = object
        for part in field.split(separator: ".") { value = value?[String(part)] }
        switch value {
        case .string(let s)?: return s
        case .integer(let i)?: return String(i)
        case .bool(let b)?: return String(b)
        default: return nil
        }
    }

    /// A List object: items without their kind and apiVersion, as kube-apiserver lists built-in
    /// types; a custom resource's keep theirs, and its list always has a `continue`.
    func listObject(_ info: APIResourceInfo, items: [JSONValue], revision: Int64, continueToken: String?, remaining: Int64?) -> JSONValue {
        var metadata: JSONObject = ["resourceVersion": .string(String(revision))]
        if let continueToken = continueToken ?? (info.custom ? "" : nil) { metadata.append("continue", .string(continueToken)) }
        if let remaining { metadata.append("remainingItemCount", .integer(remaining)) }
        return .object([
            "kind": .string(info.kind + "List"), "apiVersion": .string(info.groupVersion), "metadata": .object(metadata),
            "items": .array(items.map { item in
                var item = Self.ordered(item)
                if !info.custom, case .object(var fields) = item {
                    fields["kind"] = nil
                    fields["apiVersion"] = nil
                    item = .object(fields)
                }
                return item
            }),
        ])
    }

    /// `{"v":"meta.k8s.io/v1","rv":N,"start":"key\u0000"}`, base64url without padding, as kube-apiserver writes it.
    static func continueToken(start: String, revision: Int64) -> String {
        let json = JSONValue.object(["v": .string("meta.k8s.io/v1"), "rv": .integer(revision), "start": .string(start)])
        return Base64URL.encode(json.serialized())
    }

    /// The key a continue token starts from, or nil when the token is not one of ours.
    static func continueStart(_ token: String) -> String? {
        guard let bytes = Base64URL.decode(token), let json = try? JSONValue.parse(bytes),
              json["v"]?.stringValue == "meta.k8s.io/v1" else { return nil }
        return json["start"]?.stringValue
    }
}

/// Base64 with the URL alphabet and no padding (RFC 4648 §5), as continue tokens use it.
enum Base64URL {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            let chunk = bytes[i..<min(i + 3, bytes.count)]
            var n: UInt32 = 0
            for (j, b) in chunk.enumerated() { n |= UInt32(b) << (16 - 8 * UInt32(j)) }
            for j in 0...chunk.count { out.append(alphabet[Int((n >> (18 - 6 * UInt32(j))) & 63)]) }
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Standard base64 (RFC 4648 §4): `+`, `/` and padding.
    static func standard(_ bytes: [UInt8]) -> String {
        var text = String(encode(bytes).map { $0 == "-" ? "+" : $0 == "_" ? "/" : $0 })
        while text.utf8.count % 4 != 0 { text += "=" }
        return text
    }

    static func decode(_ text: String) -> [UInt8]? {
        var values: [UInt8] = []
        for c in text.utf8 where c != UInt8(ascii: "=") {
            guard let v = alphabet.firstIndex(of: c) else { return nil }
            values.append(UInt8(v))
        }
        var out: [UInt8] = []
        var i = 0
        while i < values.count {
            let chunk = values[i..<min(i + 4, values.count)]
            guard chunk.count >= 2 else { return nil }
            var n: UInt32 = 0
            for (j, v) in chunk.enumerated() { n |= UInt32(v) << (18 - 6 * UInt32(j)) }
            for j in 0..<(chunk.count - 1) { out.append(UInt8((n >> (16 - 8 * UInt32(j))) & 0xFF)) }
            i += 4
        }
        return out
    }
}

/// The `labelSelector` and `fieldSelector` of a list, delete-collection or watch.
struct Selection: Sendable {
    var labels: LabelSelector?
    var fields: FieldSelector?

    /// Parses a request's selectors; fields must be ones the resource supports.
    static func parse(_ request: APIRequest, _ info: APIResourceInfo) -> Result<Selection, Status> {
        var selection = Selection()
        do {
            if let text = request.query["labelSelector"], !text.isEmpty { selection.labels = try LabelSelector(parsing: text) }
            if let text = request.query["fieldSelector"], !text.isEmpty { selection.fields = try FieldSelector(parsing: text) }
        } catch {
            return .failure(.badRequest(error.description))
        }
        if let fields = selection.fields {
            let supported = APIServer.selectableFields(info)
            if let unknown = fields.fields.first(where: { !supported.contains($0) }) {
                let listed = supported.sorted().map { "\"\($0)\"" }.joined(separator: ", ")
                return .failure(.badRequest("\"\(unknown)\" is not a known field selector: only \(listed)"))
            }
        }
        return .success(selection)
    }

    /// Whether an object's labels and fields satisfy the selectors.
    func matches(_ object: JSONValue) -> Bool {
        if let labels {
            var values: [String: String] = [:]
            for (k, v) in object[path: "metadata", "labels"]?.objectValue ?? [:] { values[k] = v.stringValue }
            if !labels.matches(values) { return false }
        }
        if let fields, !fields.matches({ APIServer.fieldValue($0, of: object) }) { return false }
        return true
    }
}
