import KubeAPI
import XCTest
@testable import KubeServer

/// CustomResourceDefinitions beyond the recorded transcript (08): schema validation and
/// pruning, cluster-scoped resources, discovery, and deletion of a definition.
final class CustomResourceTests: KubeScriptTestCase {
    let server = APIServer()
    let definitions = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
    let backups = "/apis/stable.example.org/v1/namespaces/default/backups"

    @discardableResult
    func request(_ method: String, _ path: String, _ body: String? = nil, type: String? = nil, expect status: Int,
                 file: StaticString = #filePath, line: UInt = #line) throws -> JSONValue {
        try server.call(method, path, body, type: type, expect: status, file: file, line: line)
    }

    /// A namespaced `Backup` with a required, enumerated `spec.mode`, a bounded `spec.keep`
    /// (default 3), a free-form `spec.labels` map and preserved `spec.extra`.
    func installBackups() throws {
        try request("POST", definitions, """
            {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"backups.stable.example.org"},
             "spec":{"group":"stable.example.org","scope":"Namespaced",
              "names":{"plural":"backups","singular":"backup","kind":"Backup","shortNames":["bk"],"categories":["all"]},
              "versions":[{"name":"v1","served":true,"storage":true,"subresources":{"status":{},"scale":{"specReplicasPath":".spec.keep","statusReplicasPath":".status.kept"}},
               "schema":{"openAPIV3Schema":{"type":"object","properties":{
                 "spec":{"type":"object","required":["mode"],"properties":{
                   "mode":{"type":"string","enum":["full","incremental"]},
                   "keep":{"type":"integer","minimum":1,"maximum":10,"default":3},
                   "labels":{"type":"object","additionalProperties":{"type":"string"}},
                   "extra":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}},
                 "status":{"type":"object","properties":{"kept":{"type":"integer"}}}}}}}]}}
            """, expect: 201)
        server.settle()
    }

    /// Defines `kind` (plural: its name in lower case with an `s`) in `group`, one version `v1`
    /// whose schema is `schema` (JSON), and waits until it is served.
    func define(_ kind: String, group: String, scope: String = "Namespaced", schema: String) throws {
        let plural = kind.lowercased() + "s"
        try request("POST", definitions, """
            {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"\(plural).\(group)"},
             "spec":{"group":"\(group)","scope":"\(scope)","names":{"plural":"\(plural)","singular":"\(kind.lowercased())","kind":"\(kind)"},
              "versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":\(schema)}}]}}
            """, expect: 201)
        server.settle()
    }

    func testAResourceIsServedOnceItsDefinitionIsEstablished() throws {
        try request("GET", backups, expect: 404)
        try installBackups()
        let list = try request("GET", backups, expect: 200)
        XCTAssertEqual(list["kind"], .string("BackupList"))
        XCTAssertEqual(list[path: "metadata", "continue"], .string(""))
        let definition = try request("GET", definitions + "/backups.stable.example.org", expect: 200)
        XCTAssertEqual(definition[path: "status", "acceptedNames", "listKind"], .string("BackupList"))
    }

    func testObjectsArePrunedDefaultedAndKeepTheirKind() throws {
        try installBackups()
        let created = try request("POST", backups, """
            {"apiVersion":"stable.example.org/v1","kind":"Backup","metadata":{"name":"nightly"},
             "spec":{"mode":"full","unknown":1,"labels":{"a":"b"},"extra":{"anything":{"goes":[1,2]}}},"status":{"kept":9}}
            """, expect: 201)
        XCTAssertEqual(created["spec"], try JSONValue.parse(#"{"mode":"full","labels":{"a":"b"},"extra":{"anything":{"goes":[1,2]}},"keep":3}"#))
        XCTAssertNil(created["status"], "status is written through its subresource only")
        XCTAssertEqual(created[path: "metadata", "generation"], .integer(1))
        let listed = try request("GET", backups, expect: 200)
        XCTAssertEqual(listed["items"]?[0]?["kind"], .string("Backup"), "custom resources keep kind and apiVersion in lists")
        let scale = try request("GET", backups + "/nightly/scale", expect: 200)
        XCTAssertEqual(scale[path: "spec", "replicas"], .integer(3))
    }

    func testValidationProblemsAreInvalidWithCauses() throws {
        try installBackups()
        let status = try request("POST", backups, """
            {"apiVersion":"stable.example.org/v1","kind":"Backup","metadata":{"name":"bad"},"spec":{"mode":"sometimes","keep":11,"labels":{"a":1}}}
            """, expect: 422)
        XCTAssertEqual(status["reason"], .string("Invalid"))
        let causes = (status[path: "details", "causes"]?.arrayValue ?? []).map {
            "\($0["reason"]?.stringValue ?? "") \($0["field"]?.stringValue ?? ""): \($0["message"]?.stringValue ?? "")"
        }
        XCTAssertEqual(Set(causes), [
            "FieldValueNotSupported spec.mode: Unsupported value: \"sometimes\": supported values: \"full\", \"incremental\"",
            "FieldValueInvalid spec.keep: Invalid value: 11: spec.keep in body should be less than or equal to 10",
            "FieldValueTypeInvalid spec.labels.a: Invalid value: \"integer\": spec.labels.a in body must be of type string: \"integer\"",
        ])
        XCTAssertEqual(status[path: "details", "kind"], .string("Backup"))
        XCTAssertTrue(status["message"]?.stringValue?.hasPrefix("Backup.stable.example.org \"bad\" is invalid: [") == true)
        let missing = try request("POST", backups, #"{"apiVersion":"stable.example.org/v1","kind":"Backup","metadata":{"name":"bad"},"spec":{}}"#,
                                  expect: 422)
        XCTAssertEqual(missing["message"], .string("Backup.stable.example.org \"bad\" is invalid: spec.mode: Required value"))
        try request("POST", backups, #"{"apiVersion":"stable.example.org/v1","kind":"Backup","metadata":{"name":"ok"},"spec":{"mode":"full"}}"#,
                    expect: 201)
        try request("PATCH", backups + "/ok", #"{"spec":{"keep":0}}"#, type: "application/merge-patch+json", expect: 422)
        try request("PATCH", backups + "/ok", #"{"spec":{"keep":5}}"#, type: "application/strategic-merge-patch+json", expect: 415)
        try request("PATCH", backups + "/ok/status", #"{"status":{"kept":"many"}}"#, type: "application/merge-patch+json", expect: 422)
    }

    func testDiscoveryListsTheGroupAndResource() throws {
        try installBackups()
        let groups = try request("GET", "/apis", expect: 200)
        XCTAssertTrue(groups["groups"]?.arrayValue?.contains { $0["name"] == .string("stable.example.org") } == true)
        let resources = try request("GET", "/apis/stable.example.org/v1", expect: 200)
        let names = resources["resources"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
        XCTAssertEqual(names, ["backups", "backups/scale", "backups/status"])
        XCTAssertEqual(resources["resources"]?[0]?["categories"], .array([.string("all")]))
        let aggregated = server.handle(APIRequest(method: "GET", path: "/apis", headers: [
            "accept": "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList",
        ]))
        let group = try XCTUnwrap(JSONValue.parse(aggregated.body)["items"]?.arrayValue?.first {
            $0[path: "metadata", "name"] == .string("stable.example.org")
        })
        XCTAssertEqual(group["versions"]?[0]?["resources"]?[0]?["resource"], .string("backups"))
    }

    func testOpenAPIDocumentsCarryTheSchemas() throws {
        try installBackups()
        let v2 = try request("GET", "/openapi/v2", expect: 200)
        let backup = try XCTUnwrap(v2[path: "definitions", "org.example.stable.v1.Backup"])
        XCTAssertEqual(backup[path: "properties", "spec", "required"], .array([.string("mode")]))
        XCTAssertEqual(backup["x-kubernetes-group-version-kind"], try JSONValue.parse(#"[{"group":"stable.example.org","kind":"Backup","version":"v1"}]"#))
        XCTAssertNotNil(v2[path: "definitions", "org.example.stable.v1.BackupList"])
        XCTAssertNotNil(v2[path: "definitions", "io.k8s.api.apps.v1.Deployment"], "the built-in definitions stay")
        let index = try request("GET", "/openapi/v3", expect: 200)
        let url = try XCTUnwrap(index[path: "paths", "apis/stable.example.org/v1", "serverRelativeURL"]?.stringValue)
        let document = try JSONValue.parse(server.handle(APIRequest(method: "GET", target: url)).body)
        XCTAssertEqual(document[path: "components", "schemas", "org.example.stable.v1.Backup", "properties", "metadata", "$ref"],
                       .string("#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"))
        XCTAssertNotNil(document[path: "components", "schemas", "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"])
    }

    /// Nullable members, members that keep unknown fields, int-or-string and arrays in v2, as
    /// kube-apiserver v1.24 published the same schemas (recorded).
    func testV2SchemasAsTheRecordedServerWritesThem() throws {
        let schemas = [
            ("Mixed", #"{"type":"object","required":["a","d"],"description":"the spec","properties":{"a":{"type":"string","nullable":true},"b":{"type":"object","description":"free","x-kubernetes-preserve-unknown-fields":true,"properties":{"x":{"type":"string"}}},"c":{"x-kubernetes-int-or-string":true,"anyOf":[{"type":"integer"},{"type":"string"}]},"d":{"type":"array","items":{"type":"object","x-kubernetes-preserve-unknown-fields":true}},"e":{"type":"array","x-kubernetes-preserve-unknown-fields":true,"items":{"type":"string"}}}}"#,
             #"{"description":"the spec","type":"object","required":["d"],"properties":{"a":{},"b":{"description":"free","x-kubernetes-preserve-unknown-fields":true},"c":{"x-kubernetes-int-or-string":true},"d":{"type":"array","items":{"x-kubernetes-preserve-unknown-fields":true}},"e":{"x-kubernetes-preserve-unknown-fields":true}}}"#),
            ("Nested", #"{"type":"object","x-kubernetes-preserve-unknown-fields":true,"properties":{"a":{"type":"string","nullable":true},"b":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}"#,
             #"{"x-kubernetes-preserve-unknown-fields":true}"#),
        ]
        for (kind, spec, _) in schemas {
            try define(kind, group: "cols.example.com", schema: #"{"type":"object","properties":{"spec":"# + spec + "}}")
        }
        let v2 = try request("GET", "/openapi/v2", expect: 200)
        for (kind, _, recorded) in schemas {
            XCTAssertEqual(v2[path: "definitions", "com.example.cols.v1.\(kind)", "properties", "spec"], try JSONValue.parse(recorded), kind)
        }
    }

    /// A schema whose root keeps unknown fields is, in v2, only an object of its kind, as
    /// kube-apiserver v1.24 publishes it (kubectl's v2 validation would refuse `spec`); v3 keeps it.
    func testARootThatKeepsUnknownFieldsIsAnyObjectInV2() throws {
        try define("Gadget", group: "cols.example.com", schema: #"{"type":"object","x-kubernetes-preserve-unknown-fields":true}"#)
        let v2 = try request("GET", "/openapi/v2", expect: 200)
        XCTAssertEqual(v2[path: "definitions", "com.example.cols.v1.Gadget"],
                       try JSONValue.parse(#"{"type":"object","x-kubernetes-group-version-kind":[{"group":"cols.example.com","kind":"Gadget","version":"v1"}]}"#),
                       "recorded from kube-apiserver v1.24")
        let index = try request("GET", "/openapi/v3", expect: 200)
        let url = try XCTUnwrap(index[path: "paths", "apis/cols.example.com/v1", "serverRelativeURL"]?.stringValue)
        let document = try JSONValue.parse(server.handle(APIRequest(method: "GET", target: url)).body)
        XCTAssertEqual(document[path: "components", "schemas", "com.example.cols.v1.Gadget", "x-kubernetes-preserve-unknown-fields"], .bool(true))
    }

    func testDeletingADefinitionDeletesItsResources() throws {
        try installBackups()
        try request("POST", backups, #"{"apiVersion":"stable.example.org/v1","kind":"Backup","metadata":{"name":"a"},"spec":{"mode":"full"}}"#,
                    expect: 201)
        let marked = try request("DELETE", definitions + "/backups.stable.example.org", expect: 200)
        XCTAssertEqual(marked[path: "metadata", "finalizers"], .array([.string(CustomResource.cleanupFinalizer)]))
        server.settle()
        try request("GET", definitions + "/backups.stable.example.org", expect: 404)
        try request("GET", backups, expect: 404)
        try installBackups()
        XCTAssertEqual(try request("GET", backups, expect: 200)["items"], .array([]), "the old objects are gone for good")
    }

    func testClusterScopedResourcesTakeNoNamespace() throws {
        try define("Region", group: "geo.example.org", scope: "Cluster", schema: #"{"type":"object","x-kubernetes-preserve-unknown-fields":true}"#)
        let created = try request("POST", "/apis/geo.example.org/v1/regions",
                                  #"{"apiVersion":"geo.example.org/v1","kind":"Region","metadata":{"name":"eu"},"anything":{"x":1}}"#, expect: 201)
        XCTAssertEqual(created["anything"], .object(["x": .integer(1)]))
        try request("GET", "/apis/geo.example.org/v1/namespaces/default/regions", expect: 404)
    }

    func testADefinitionMustBeNamedForItsResource() throws {
        let status = try request("POST", definitions, """
            {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"wrong.example.org"},
             "spec":{"group":"example.org","scope":"Namespaced","names":{"plural":"things","kind":"Thing"},
              "versions":[{"name":"v1","served":true,"storage":true}]}}
            """, expect: 422)
        XCTAssertEqual(status["message"], .string(
            "CustomResourceDefinition.apiextensions.k8s.io \"wrong.example.org\" is invalid: metadata.name: Invalid value: \"wrong.example.org\": must be spec.names.plural+\".\"+spec.group"))
    }
}
