import KubeAPI

/// The patch formats of the API: JSON merge patch (RFC 7386), JSON patch (RFC 6902) and
/// strategic merge patch.
enum Patch {
    /// A patch that cannot be applied; `invalid` ones are answered 422, the others 400.
    struct Failure: Error {
        var message: String
        var invalid: Bool
    }

    /// RFC 7386: objects merge member by member, `null` removes, anything else replaces.
    static func merge(_ target: JSONValue, _ patch: JSONValue) -> JSONValue {
        guard case .object(let patchObject) = patch else { return patch }
        var result = target.objectValue ?? JSONObject()
        for (key, value) in patchObject {
            if value == .null {
                result[key] = nil
            } else {
                result[key] = merge(result[key] ?? .null, value)
            }
        }
        return .object(result)
    }

    /// Strategic merge patch: as a merge patch, except that lists with a merge key (containers by
    /// name, ...) merge item by item, and `$patch: delete` / `$patch: replace` directives apply.
    static func strategicMerge(_ target: JSONValue, _ patch: JSONValue, path: [String] = []) -> JSONValue {
        guard case .object(let patchObject) = patch else { return patch }
        if patchObject["$patch"]?.stringValue == "replace" {
            var replaced = patchObject
            replaced["$patch"] = nil
            return .object(replaced)
        }
        var result = target.objectValue ?? JSONObject()
        for (key, value) in patchObject where !key.hasPrefix("$") {
            let childPath = path + [key]
            if value == .null {
                result[key] = nil
            } else if case .array(let items) = value, let keys = FieldSchema.builtInListKeys(childPath),
                      case .array(let existing)? = result[key] {
                result[key] = .array(mergeList(existing, items, keys: keys, path: childPath))
            } else {
                result[key] = strategicMerge(result[key] ?? .null, value, path: childPath)
            }
        }
        return .object(result)
    }

    static func mergeList(_ existing: [JSONValue], _ patch: [JSONValue], keys: [String], path: [String]) -> [JSONValue] {
        var merged = existing
        for item in patch {
            let matches = { (candidate: JSONValue) in keys.allSatisfy { candidate[$0] == item[$0] } }
            if item["$patch"]?.stringValue == "delete" {
                merged.removeAll(where: matches)
            } else if let index = merged.firstIndex(where: matches) {
                merged[index] = strategicMerge(merged[index], item, path: path)
            } else {
                merged.append(item)
            }
        }
        return merged
    }

    /// RFC 6902, applied in order; a failed `test` is `invalid`.
    static func json(_ target: JSONValue, _ patch: JSONValue) throws(Failure) -> JSONValue {
        guard case .array(let operations) = patch else {
            throw Failure(message: "json: cannot unmarshal object into Go value of type jsonpatch.Patch", invalid: false)
        }
        var document = target
        for operation in operations {
            guard let op = operation["op"]?.stringValue, let path = operation["path"]?.stringValue else {
                throw Failure(message: "the server rejected our request due to an error in our request", invalid: true)
            }
            let pointer = try Self.pointer(path)
            switch op {
            case "add": document = try set(document, pointer[...], operation["value"] ?? .null, inserting: true)
            case "replace":
                guard get(document, pointer[...]) != nil else { throw Failure(message: "replace operation does not apply: doc is missing key: \(path)", invalid: true) }
                document = try set(document, pointer[...], operation["value"] ?? .null, inserting: false)
            case "remove": document = try remove(document, pointer[...], path: path)
            case "move", "copy":
                guard let from = operation["from"]?.stringValue, let value = get(document, try Self.pointer(from)[...]) else {
                    throw Failure(message: "\(op) operation does not apply: doc is missing from path", invalid: true)
                }
                if op == "move" { document = try remove(document, try Self.pointer(from)[...], path: from) }
                document = try set(document, pointer[...], value, inserting: true)
            case "test":
                guard get(document, pointer[...]) == operation["value"] else {
                    throw Failure(message: "the server rejected our request due to an error in our request", invalid: true)
                }
            default:
                throw Failure(message: "Unexpected kind: \(op)", invalid: true)
            }
        }
        return document
    }

    static func pointer(_ path: String) throws(Failure) -> [String] {
        guard path.isEmpty || path.hasPrefix("/") else { throw Failure(message: "invalid JSON pointer \"\(path)\"", invalid: true) }
        return path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map { token in
            var result = "", escaped = false
            for c in token {
                if escaped {
                    result.append(c == "1" ? "/" : c == "0" ? "~" : c)
                    escaped = false
                } else if c == "~" {
                    escaped = true
                } else {
                    result.append(c)
                }
            }
            return result
        }
    }

    static func get(_ value: JSONValue, _ pointer: ArraySlice<String>) -> JSONValue? {
        guard let first = pointer.first else { return value }
        switch value {
        case .object(let object): return object[first].flatMap { get($0, pointer.dropFirst()) }
        case .array(let items):
            guard let i = Int(first), items.indices.contains(i) else { return nil }
            return get(items[i], pointer.dropFirst())
        default: return nil
        }
    }

    static func set(_ value: JSONValue, _ pointer: ArraySlice<String>, _ new: JSONValue, inserting: Bool) throws(Failure) -> JSONValue {
        guard let first = pointer.first else { return new }
        switch value {
        case .object(var object):
            if pointer.count == 1 {
                object[first] = new
            } else {
                guard let child = object[first] else { throw Failure(message: "add operation does not apply: doc is missing path", invalid: true) }
                object[first] = try set(child, pointer.dropFirst(), new, inserting: inserting)
            }
            return .object(object)
        case .array(var items):
            if pointer.count == 1 {
                if first == "-" && inserting {
                    items.append(new)
                } else if let i = Int(first), i >= 0, i <= items.count, inserting || i < items.count {
                    if inserting { items.insert(new, at: i) } else { items[i] = new }
                } else {
                    throw Failure(message: "add operation does not apply: index out of range", invalid: true)
                }
            } else {
                guard let i = Int(first), items.indices.contains(i) else { throw Failure(message: "doc is missing path", invalid: true) }
                items[i] = try set(items[i], pointer.dropFirst(), new, inserting: inserting)
            }
            return .array(items)
        default:
            throw Failure(message: "add operation does not apply: doc is missing path", invalid: true)
        }
    }

    static func remove(_ value: JSONValue, _ pointer: ArraySlice<String>, path: String) throws(Failure) -> JSONValue {
        guard let first = pointer.first else { throw Failure(message: "remove operation does not apply: doc is missing path: \(path)", invalid: true) }
        switch value {
        case .object(var object):
            guard let child = object[first] else { throw Failure(message: "remove operation does not apply: doc is missing path: \(path)", invalid: true) }
            object[first] = pointer.count == 1 ? nil : try remove(child, pointer.dropFirst(), path: path)
            return .object(object)
        case .array(var items):
            guard let i = Int(first), items.indices.contains(i) else { throw Failure(message: "remove operation does not apply: doc is missing path: \(path)", invalid: true) }
            if pointer.count == 1 { items.remove(at: i) } else { items[i] = try remove(items[i], pointer.dropFirst(), path: path) }
            return .array(items)
        default:
            throw Failure(message: "remove operation does not apply: doc is missing path: \(path)", invalid: true)
        }
    }
}
