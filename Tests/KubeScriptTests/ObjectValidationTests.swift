import KubeAPI
import XCTest
@testable import KubeServer

/// The embedded server refuses what kube-apiserver v1.24 refuses — ConfigMap and Secret keys,
/// label keys and values, annotation keys and sizes, and each kind's name rule — with its
/// messages (apimachinery's validation; the recorded ConfigMap name error in transcript 02).
final class ObjectValidationTests: KubeScriptTestCase {
    let server = APIServer()
    let configMaps = "/api/v1/namespaces/default/configmaps"

    /// The Status message of a 422 for `body` sent to `path`.
    func refusal(_ path: String, _ body: String, method: String = "POST", type: String? = nil,
                 file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let status = try server.call(method, path, body, type: type, expect: 422, file: file, line: line)
        XCTAssertEqual(status["reason"], .string("Invalid"), file: file, line: line)
        return status["message"]?.stringValue ?? ""
    }

    func testConfigMapAndSecretKeys() throws {
        let keyRule = "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"
        XCTAssertEqual(try refusal("/api/v1/namespaces/default/secrets", #"{"metadata":{"name":"s"},"data":{"bad key!":"eA=="}}"#),
                       #"Secret "s" is invalid: data[bad key!]: Invalid value: "bad key!": "# + keyRule)
        XCTAssertEqual(try refusal("/api/v1/namespaces/default/secrets", #"{"metadata":{"name":"s"},"stringData":{"..x":"y"}}"#),
                       #"Secret "s" is invalid: data[..x]: Invalid value: "..x": must not start with '..'"#)
        XCTAssertEqual(try refusal(configMaps, #"{"metadata":{"name":"c"},"data":{"k":"v","a b":"v"},"binaryData":{"k":"eA=="}}"#),
                       #"ConfigMap "c" is invalid: [data[a b]: Invalid value: "a b": "# + keyRule
                       + #", data[k]: Invalid value: "k": duplicate of key present in binaryData]"#)
        // the same through an update and a patch
        try server.call("POST", configMaps, #"{"metadata":{"name":"ok"},"data":{"good.key_1":"v"}}"#, expect: 201)
        XCTAssertEqual(try refusal(configMaps + "/ok", #"{"data":{"no/slash":"v"}}"#, method: "PATCH", type: "application/merge-patch+json"),
                       #"ConfigMap "ok" is invalid: data[no/slash]: Invalid value: "no/slash": "# + keyRule)
    }

    func testLabelsAndAnnotations() throws {
        let name = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
        let value = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
        XCTAssertEqual(try refusal(configMaps, #"{"metadata":{"name":"c","labels":{"-bad":"ok"}}}"#),
                       #"ConfigMap "c" is invalid: metadata.labels: Invalid value: "-bad": name part "# + name)
        XCTAssertEqual(try refusal(configMaps, #"{"metadata":{"name":"c","labels":{"Example.com/x":"not ok!"}}}"#),
                       #"ConfigMap "c" is invalid: [metadata.labels: Invalid value: "Example.com/x": prefix part "# + ObjectNames.subdomainMessage
                       + #", metadata.labels: Invalid value: "not ok!": "# + value + "]")
        XCTAssertEqual(try refusal(configMaps, #"{"metadata":{"name":"c","labels":{"k":"\#(String(repeating: "v", count: 64))"}}}"#),
                       #"ConfigMap "c" is invalid: metadata.labels: Invalid value: "\#(String(repeating: "v", count: 64))": must be no more than 63 characters"#)
        // annotation keys ignore case; their total size is bounded
        try server.call("POST", configMaps, #"{"metadata":{"name":"a","annotations":{"Example.COM/Key":"x"}}}"#, expect: 201)
        XCTAssertEqual(try refusal(configMaps, #"{"metadata":{"name":"c","annotations":{"a/b/c":"x"}}}"#),
                       #"ConfigMap "c" is invalid: metadata.annotations: Invalid value: "a/b/c": a qualified name "# + name
                       + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')")
        let big = String(repeating: "x", count: 262_145)
        XCTAssertEqual(try refusal(configMaps, #"{"metadata":{"name":"c","annotations":{"big":"\#(big)"}}}"#),
                       #"ConfigMap "c" is invalid: metadata.annotations: Too long: must have at most 262144 bytes"#)
        // and for every kind, on update too
        try server.call("POST", "/api/v1/namespaces", #"{"metadata":{"name":"labelled"}}"#, expect: 201)
        XCTAssertTrue(try refusal("/api/v1/namespaces/labelled", #"{"metadata":{"name":"labelled","labels":{"a":"b c"}}}"#, method: "PUT")
            .hasPrefix(#"Namespace "labelled" is invalid: metadata.labels: Invalid value: "b c": "#))
    }

    func testNamesFollowEachKindsRule() throws {
        XCTAssertEqual(try refusal("/api/v1/namespaces/default/services", #"{"metadata":{"name":"1abc"},"spec":{"ports":[{"port":80}]}}"#),
                       #"Service "1abc" is invalid: metadata.name: Invalid value: "1abc": "# + ObjectNames.dns1035Message)
        try server.call("POST", "/apis/rbac.authorization.k8s.io/v1/clusterroles", #"{"metadata":{"name":"system:Reader"}}"#, expect: 201)
        XCTAssertEqual(try refusal("/apis/rbac.authorization.k8s.io/v1/clusterroles", #"{"metadata":{"name":"a%b"}}"#),
                       #"ClusterRole.rbac.authorization.k8s.io "a%b" is invalid: metadata.name: Invalid value: "a%b": may not contain '%'"#)
        try server.call("POST", "/api/v1/namespaces/default/replicationcontrollers",
                        #"{"metadata":{"name":"dotted.name"},"spec":{"selector":{"a":"b"},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}}"#,
                        expect: 201)
        let long = String(repeating: "c", count: 53)
        XCTAssertEqual(try refusal("/apis/batch/v1/namespaces/default/cronjobs",
                                   #"{"metadata":{"name":"\#(long)"},"spec":{"schedule":"* * * * *","jobTemplate":{"spec":{"template":{"spec":{"containers":[{"name":"c","image":"i"}],"restartPolicy":"Never"}}}}}}"#),
                       #"CronJob.batch "\#(long)" is invalid: metadata.name: Invalid value: "\#(long)": must be no more than 52 characters"#)
    }

    func testValuesAreQuotedAsGoQuotesThem() {
        XCTAssertEqual(ObjectValidation.goQuoted("a\"b\\c\n\u{01}é\u{200B}"), #""a\"b\\c\n\x01é\u200b""#)
    }
}
