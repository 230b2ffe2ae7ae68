import Crypto
import Foundation
import KubeAPI

/// The OpenAPI documents with the schemas of Established custom resources added, as
/// kube-apiserver publishes them: in v2, a definition per served version (`com.example.v1.Widget`
/// and its list) with its `x-kubernetes-group-version-kind`, which kubectl validates manifests
/// and answers `explain` with; in v3, a document per group version, listed in the index.
/// Paths for custom resources are not published.
struct CustomOpenAPI: Sendable {
    /// The v2 document as JSON, and in protobuf.
    var v2: [UInt8]
    var v2Protobuf: [UInt8]
    /// The v3 index, and the documents it adds, by key (`apis/example.com/v1`).
    var v3Index: [UInt8]
    var v3: [String: [UInt8]]

    init(resources: [CustomResource], v2 recorded: JSONValue, v3Index recordedIndex: JSONValue, v3Core: JSONValue) {
        var document = recorded
        var definitions = recorded["definitions"]?.objectValue ?? JSONObject()
        var index = recordedIndex
        var paths = recordedIndex["paths"]?.objectValue ?? JSONObject()
        var documents: [String: [UInt8]] = [:]
        let byGroupVersion = Dictionary(grouping: resources, by: { $0.info.groupVersion })
        for (groupVersion, members) in byGroupVersion.sorted(by: { $0.key < $1.key }) {
            var schemas = JSONObject()
            for resource in members.sorted(by: { $0.info.kind < $1.info.kind }) {
                let (name, list) = Self.names(resource.info)
                let object = Self.objectSchema(resource)
                let listSchema = Self.listSchema(resource, itemReference: name)
                definitions[name] = Self.v2Definition(resource, object)
                definitions[list] = Self.v2(listSchema, references: "#/definitions/")
                schemas[name] = Self.rebased(object, to: "#/components/schemas/")
                schemas[list] = Self.rebased(listSchema, to: "#/components/schemas/")
            }
            // the metadata types the schemas refer to, from the recorded core document
            let core = v3Core[path: "components", "schemas"]?.objectValue ?? JSONObject()
            var pending = ["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta"]
            while let name = pending.popLast() {
                guard schemas[name] == nil, let schema = core[name] else { continue }
                schemas[name] = schema
                pending.append(contentsOf: Self.references(in: schema))
            }
            let key = "apis/\(groupVersion)"
            let bytes = JSONValue.object([
                "openapi": .string("3.0.0"), "info": v3Core["info"] ?? .object([:]), "paths": .object([:]),
                "components": .object(["schemas": .object(schemas)]),
            ]).serialized()
            documents[key] = bytes
            let hash = SHA512.hash(data: bytes).map { String(format: "%02X", $0) }.joined()
            paths[key] = .object(["serverRelativeURL": .string("/openapi/v3/\(key)?hash=\(hash)")])
        }
        document["definitions"] = .object(definitions)
        index["paths"] = .object(paths)
        let json = document
        v2 = json.serialized()
        v2Protobuf = OpenAPIProtobuf.document(json)
        v3Index = index.serialized()
        v3 = documents
    }

    /// `com.example.v1.Widget` and `com.example.v1.WidgetList`: the group's domain reversed.
    static func names(_ info: APIResourceInfo) -> (object: String, list: String) {
        let prefix = info.group.split(separator: ".").reversed().joined(separator: ".") + ".\(info.version)."
        return (prefix + info.kind, prefix + info.kind + "List")
    }

    static func groupVersionKind(_ info: APIResourceInfo, kind: String) -> JSONValue {
        .array([.object(["group": .string(info.group), "kind": .string(kind), "version": .string(info.version)])])
    }

    /// The resource's schema with the members every object has.
    static func objectSchema(_ resource: CustomResource) -> JSONValue {
        var schema = resource.schema?.root.objectValue ?? ["type": .string("object")]
        var properties = schema["properties"]?.objectValue ?? JSONObject()
        properties["apiVersion"] = .object(["description": .string("APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources"), "type": .string("string")])
        properties["kind"] = .object(["description": .string("Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds"), "type": .string("string")])
        properties["metadata"] = .object(["description": .string("Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"),
                                          "$ref": .string("#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta")])
        schema["properties"] = .object(properties)
        schema["x-kubernetes-group-version-kind"] = groupVersionKind(resource.info, kind: resource.info.kind)
        return .object(schema)
    }

    static func listSchema(_ resource: CustomResource, itemReference: String) -> JSONValue {
        .object([
            "description": .string("\(resource.info.kind)List is a list of \(resource.info.kind)"),
            "type": .string("object"), "required": .array([.string("items")]),
            "properties": .object([
                "apiVersion": .object(["type": .string("string")]),
                "items": .object(["description": .string("List of \(resource.info.name)."), "type": .string("array"),
                                  "items": .object(["$ref": .string("#/definitions/" + itemReference)])]),
                "kind": .object(["type": .string("string")]),
                "metadata": .object(["$ref": .string("#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta")]),
            ]),
            "x-kubernetes-group-version-kind": groupVersionKind(resource.info, kind: resource.info.kind + "List"),
        ])
    }

    /// A resource's v2 definition. Whose root keeps unknown fields
    /// (`x-kubernetes-preserve-unknown-fields`), it is only `type: object` and the kind, as
    /// apiextensions-apiserver's `buildKubeNative` makes it: kubectl's v2 validation reads listed
    /// properties as all there may be, and would refuse every member but apiVersion, kind and
    /// metadata.
    static func v2Definition(_ resource: CustomResource, _ object: JSONValue) -> JSONValue {
        guard resource.schema?.root["x-kubernetes-preserve-unknown-fields"]?.boolValue == true else { return v2(object, references: "#/definitions/") }
        return .object(["type": .string("object"), "x-kubernetes-group-version-kind": groupVersionKind(resource.info, kind: resource.info.kind)])
    }

    /// A schema as OpenAPI v2 has it, as kube-apiserver v1.24 writes it (recorded): without what
    /// v2 lacks (`nullable`, `allOf`, `anyOf`, `oneOf`, `not`); a nullable value, or one that keeps
    /// unknown fields, without `type`, `properties` and `items` (kubectl's v2 validation would
    /// refuse what they leave out); an array left without items untyped; and a nullable member
    /// no longer required.
    static func v2(_ schema: JSONValue, references: String, depth: Int = 0) -> JSONValue {
        guard depth < StructuralSchema.depthLimit, case .object(let fields) = schema else { return schema }
        let open = fields["nullable"]?.boolValue == true || fields["x-kubernetes-preserve-unknown-fields"]?.boolValue == true
        let nullable = Set((fields["properties"]?.objectValue ?? [:]).filter { $0.value["nullable"]?.boolValue == true }.map(\.key))
        var result = JSONObject()
        for (key, value) in fields where !["nullable", "allOf", "anyOf", "oneOf", "not"].contains(key) {
            if open && ["type", "properties", "items"].contains(key) { continue }
            switch key {
            case "properties", "patternProperties", "definitions":
                var members = JSONObject()
                for (name, member) in value.objectValue ?? [:] { members[name] = v2(member, references: references, depth: depth + 1) }
                result[key] = .object(members)
            case "items", "additionalProperties":
                result[key] = value.objectValue != nil ? v2(value, references: references, depth: depth + 1) : value
            case "required" where !nullable.isEmpty:
                result[key] = .array((value.arrayValue ?? []).filter { !nullable.contains($0.stringValue ?? "") })
            default:
                result[key] = value
            }
        }
        if result["type"] == .string("array"), result["items"] == nil { result["type"] = nil }
        return .object(result)
    }

    /// A schema whose `$ref`s point into `base` instead of `#/definitions/`.
    static func rebased(_ schema: JSONValue, to base: String, depth: Int = 0) -> JSONValue {
        guard depth < StructuralSchema.depthLimit else { return schema }
        switch schema {
        case .object(let fields):
            var result = JSONObject()
            for (key, value) in fields {
                if key == "$ref", let target = value.stringValue, target.hasPrefix("#/definitions/") {
                    result[key] = .string(base + target.dropFirst("#/definitions/".count))
                } else {
                    result[key] = rebased(value, to: base, depth: depth + 1)
                }
            }
            return .object(result)
        case .array(let items):
            return .array(items.map { rebased($0, to: base, depth: depth + 1) })
        default:
            return schema
        }
    }

    /// The component names a v3 schema refers to.
    static func references(in schema: JSONValue, depth: Int = 0) -> [String] {
        guard depth < StructuralSchema.depthLimit else { return [] }
        switch schema {
        case .object(let fields):
            return fields.flatMap { key, value -> [String] in
                if key == "$ref", let target = value.stringValue { return [String(target.split(separator: "/").last ?? "")] }
                return references(in: value, depth: depth + 1)
            }
        case .array(let items):
            return items.flatMap { references(in: $0, depth: depth + 1) }
        default:
            return []
        }
    }
}
