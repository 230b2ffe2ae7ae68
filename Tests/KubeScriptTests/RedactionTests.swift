import XCTest
@testable import KubeClient

/// Secrets' values never reach `-v` logs, whatever the request: values are planted in every
/// kind of request to Secrets and its answers, and the `-v 10` output is searched for them.
final class RedactionTests: KubeScriptTestCase {
    /// Values (valid base64, for data) each used once below.
    static let planted = (1...10).map { "plant" + String(1000 + $0) + "abc" }

    func testNoPlantedValueReachesTheLog() throws {
        let p = Self.planted
        let code = """
            local c = k8s.client()
            local secrets = c:CoreV1():Secrets("default")
            secrets:Create { apiVersion = "v1", kind = "Secret", metadata = { name = "s" }, data = { a = "\(p[0])" } }
            local s = secrets:Get("s")
            s.kind = nil; s.data.a = "\(p[1])"                                   -- an update without kind
            secrets:Update(s)
            secrets:Patch("s", "merge", { stringData = { b = "\(p[2])" } })
            secrets:Patch("s", "strategic", { data = { c = "\(p[3])" } })
            secrets:Patch("s", "json", { { op = "add", path = "/data/d", value = "\(p[4])" },
                                         { op = "test", path = "/data/d", value = "\(p[4])" },
                                         { op = "replace", path = "/data", value = { e = "\(p[5])" } } })
            secrets:Apply({ apiVersion = "v1", kind = "Secret", metadata = { name = "applied" }, stringData = { f = "\(p[6])" } },
                          { fieldManager = "t" })
            c:RESTClient():Patch("apply"):Namespace("default"):Resource("secrets"):Name("yaml"):Param("fieldManager", "t")
              :Body("apiVersion: v1\\nkind: Secret\\nmetadata:\\n  name: yaml\\nstringData:\\n  g: \(p[7])\\n"):Do():Into()
            c:RESTClient():Post():Namespace("default"):Resource("secrets")
              :Body('{"metadata":{"name":"raw"},"data":{"h":"\(p[8])"}}'):Do():Into()
            secrets:List()
            c:RESTClient():Get():Namespace("default"):Resource("secrets"):Param("includeObject", "Object")
              :SetHeader("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io"):Do():Into()
            c:Apply { apiVersion = "v1", kind = "List", items = { { apiVersion = "v1", kind = "Secret", metadata = { name = "listed" },
                                                                      data = { i = "\(p[9])" } } } }
            secrets:Delete("raw")
            """
        let result = try runProgram(kubescriptExecutable, ["--in-memory", "-v", "10", "-e", code], environment: ["KUBECONFIG": ""])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("Request Body: "), "bodies are logged at -v 10")
        XCTAssertTrue(result.stderr.contains("<redacted>"))
        for value in p.prefix(10) { XCTAssertFalse(result.stderr.contains(value), "\(value) is in the log:\n\(result.stderr)") }
    }

    /// Bodies that are not Secrets' keep their values; what cannot be read is not shown.
    func testOtherBodiesAreShownAsTheyAre() {
        let url = "http://127.0.0.1:1/api/v1/namespaces/default/configmaps/c"
        XCTAssertEqual(Redaction.text(of: Array(#"{"data":{"a":"b"}}"#.utf8), url: url), #"{"data":{"a":"b"}}"#)
        XCTAssertEqual(Redaction.text(of: Array(#"[{"op":"add","path":"/data/a","value":"v"}]"#.utf8), url: url),
                       #"[{"op":"add","path":"/data/a","value":"v"}]"#)
        let secret = "http://127.0.0.1:1/api/v1/namespaces/default/secrets/s?fieldManager=x"
        XCTAssertEqual(Redaction.text(of: [0x6B, 0x38, 0x73, 0x00, 0xFF, 0xFE], url: secret), "(6 bytes, not JSON or YAML)")
        XCTAssertEqual(Redaction.text(of: Array(#"{"data":{"a":null}}"#.utf8), url: secret), #"{"data":{"a":null}}"#,
                       "a key being removed shows as removed")
        XCTAssertTrue(Redaction.targetsSecrets("https://h:6443/api/v1/secrets?watch=true"))
        XCTAssertFalse(Redaction.targetsSecrets("https://h:6443/apis/example.com/v1/namespaces/d/secrets"))
    }

    /// A TokenRequest's token and a TokenReview's are bearer tokens: not shown.
    func testTokensAreNotShown() {
        let request = #"{"kind":"TokenRequest","apiVersion":"authentication.k8s.io/v1","spec":{"audiences":["a"]},"status":{"token":"eyJhbGciOi.secret.part","expirationTimestamp":"x"}}"#
        XCTAssertEqual(Redaction.text(of: Array(request.utf8), url: "http://h/api/v1/namespaces/d/serviceaccounts/r/token"),
                       #"{"kind":"TokenRequest","apiVersion":"authentication.k8s.io/v1","spec":{"audiences":["a"]},"status":{"token":"<redacted>","expirationTimestamp":"x"}}"#)
        let review = #"{"kind":"TokenReview","apiVersion":"authentication.k8s.io/v1","spec":{"token":"abc123"}}"#
        XCTAssertEqual(Redaction.text(of: Array(review.utf8), url: "http://h/apis/authentication.k8s.io/v1/tokenreviews"),
                       #"{"kind":"TokenReview","apiVersion":"authentication.k8s.io/v1","spec":{"token":"<redacted>"}}"#)
    }
}
