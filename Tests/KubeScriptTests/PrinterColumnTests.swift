import KubeAPI
import XCTest
@testable import KubeServer

/// Custom resources' Tables (`kubectl get`) against kube-apiserver v1.24's recorded answers: a
/// CRD's `additionalPrinterColumns` of every type (a filter, `[*]`, a date, a priority-1
/// column, missing values), and Name and Age for a CRD that names none. Date cells are ages,
/// so those are compared by form.
final class PrinterColumnTests: XCTestCase {
    func testTablesAsTheRecordedServerGivesThem() throws {
        let fixture = try JSONValue.parse(String(contentsOfFile: fixturePath("tables/crd-printer-columns.json"), encoding: .utf8))
        let server = APIServer()
        for crd in fixture["crds"]?.arrayValue ?? [] {
            try server.call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd.jsonString(), expect: 201)
        }
        server.settle()
        for object in fixture["objects"]?.arrayValue ?? [] {
            let plural = object["kind"] == .string("Gadget") ? "gadgets" : "plains"
            try server.call("POST", "/apis/cols.example.com/v1/namespaces/default/" + plural, object.jsonString(), expect: 201)
        }
        XCTAssertEqual(fixture["tables"]?.objectValue?.count, 2)
        for (target, recorded) in fixture["tables"]?.objectValue ?? [:] {
            let path = String(target.prefix { $0 != "?" })
            let response = server.handle(APIRequest(method: "GET", path: path, query: ["includeObject": "None"],
                                                    headers: ["accept": "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"]))
            let table = try JSONValue.parse(response.body)
            XCTAssertEqual(table["columnDefinitions"], recorded["columnDefinitions"], target)
            XCTAssertEqual(rows(table), rows(recorded), target)
        }
    }

    /// The rows' cells, an age written as `<age>`.
    func rows(_ table: JSONValue) -> [[JSONValue]] {
        (table["rows"]?.arrayValue ?? []).map { row in
            (row["cells"]?.arrayValue ?? []).map { cell in
                guard let text = cell.stringValue, text.range(of: #"^[0-9]+[smhdy]([0-9]+[smh])?$"#, options: .regularExpression) != nil else { return cell }
                return .string("<age>")
            }
        }
    }

    func testJSONPaths() throws {
        let object = try JSONValue.parse(#"{"a":{"b":[{"k":"x","v":1},{"k":"y","v":2.5}],"m":{"p":true}},"n":null}"#)
        func first(_ path: String) -> JSONValue? { JSONPath(path).first(in: object) }
        XCTAssertEqual(first(".a.b[0].k"), .string("x"))
        XCTAssertEqual(first(".a.b[-1].v"), .number(2.5))
        XCTAssertEqual(first(".a.b[*].k"), .string("x"))
        XCTAssertEqual(first(#".a.b[?(@.k=="y")].v"#), .number(2.5))
        XCTAssertEqual(first(".a.b[?(@.k!='x')].v"), .number(2.5))
        XCTAssertEqual(first(".a.b[?(@.v==1)].k"), .string("x"))
        XCTAssertEqual(first(".a['m'].p"), .bool(true))
        XCTAssertEqual(first("{.a.m.p}"), .bool(true))
        for missing in [".a.c", ".a.b[5].k", #".a.b[?(@.k=="z")].v"#, ".a.m[0]", "a.b", ".a.b[", ".a..b", ".a.b[?(@.k=~x)]"] {
            XCTAssertNil(first(missing), missing)
        }
        let date = PrinterColumn(name: "When", type: "date", description: "", path: JSONPath(".t"))
        XCTAssertEqual(date.cell(try JSONValue.parse(#"{"t":"2026-11-23T06:18:47Z"}"#), now: 1_795_414_727 + 90), .string("90s"))
        XCTAssertEqual(date.cell(try JSONValue.parse(#"{"t":"yesterday"}"#), now: 0), .string("<invalid>"))
        let count = PrinterColumn(name: "N", type: "integer", description: "", path: JSONPath(".n"))
        XCTAssertEqual(count.cell(try JSONValue.parse(#"{"n":2.9}"#), now: 0), .integer(2))
        XCTAssertEqual(count.cell(try JSONValue.parse(#"{"n":"2"}"#), now: 0), .null, "a value of another type is no cell")
        XCTAssertEqual(count.cell(try JSONValue.parse(#"{"n":1e300}"#), now: 0), .null)
    }
}
