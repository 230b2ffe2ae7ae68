// bench/server: the embedded API server's own cost, in process (no HTTP): requests per second
// for creating, getting, listing and watching 10,000 ConfigMaps, the memory each object takes,
// and creates again with the cluster kept in a SQLite file (`serve --data`). Not part of the tests.
//
//   swift run -c release server-bench [objects]
import Foundation
import KubeAPI
import KubeServer

let count = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 10_000

/// Resident memory of this process, in bytes.
func residentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
          let pages = text.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

func measure(_ label: String, requests: Int, _ body: () -> Void) {
    let start = DispatchTime.now().uptimeNanoseconds
    body()
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    let padded = label.padding(toLength: 28, withPad: " ", startingAt: 0)
    print(padded + String(format: "%9.0f requests/s  (%d in %.2f s)", Double(requests) / seconds, requests, seconds))
}

let server = APIServer()
let path = "/api/v1/namespaces/default/configmaps"

func createAll(_ server: APIServer) {
    for i in 0..<count {
        let body = #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm-\#(i)","labels":{"app":"bench","shard":"\#(i % 10)"}},"data":{"key":"value-\#(i)","config.yaml":"replicas: 3\nimage: nginx:1.25\n"}}"#
        precondition(server.handle(APIRequest(method: "POST", path: path, body: Array(body.utf8))).status == 201)
    }
}

let before = residentBytes()
measure("create", requests: count) { createAll(server) }
let after = residentBytes()
measure("get", requests: count) {
    for i in 0..<count {
        precondition(server.handle(APIRequest(method: "GET", path: "\(path)/cm-\(i)")).status == 200)
    }
}
let pages = count / 500
measure("list (pages of 500)", requests: pages) {
    var token = ""
    for _ in 0..<pages {
        var query = ["limit": "500"]
        if !token.isEmpty { query["continue"] = token }
        let response = server.handle(APIRequest(method: "GET", path: path, query: query))
        token = (try? JSONValue.parse(response.body))?[path: "metadata", "continue"]?.stringValue ?? ""
    }
}
measure("list (label selector, 1/10)", requests: 10) {
    for shard in 0..<10 {
        precondition(server.handle(APIRequest(method: "GET", path: path, query: ["labelSelector": "shard=\(shard)"])).status == 200)
    }
}
measure("watch from 0 (events)", requests: count) {
    let response = server.handle(APIRequest(method: "GET", path: path, query: ["watch": "true"]))
    precondition(response.body.filter { $0 == 0x0A }.count == count)
}
let file = NSTemporaryDirectory() + "server-bench-\(getpid()).db"
defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: file + suffix) } }
let kept = APIServer()
try kept.keep(inFile: file)
measure("create (kept in SQLite)", requests: count) { createAll(kept) }
print(String(format: "memory per stored object: %.1f KiB (resident growth over %d creates)",
             Double(after - before) / Double(count) / 1024, count))
