// bench/client: the Swift client's cost per request. 1,000 ConfigMaps created, read, updated
// and deleted against the embedded server (`kubescript serve`, started as its own process, so
// that this process's CPU time is the client's alone) over HTTP on loopback, reporting requests
// per second and this process's CPU time (user + system) per request. Not part of the tests.
//
//   swift build -c release --product kubescript && swift run -c release client-bench [count]
import Foundation
import KubeAPI
import KubeClient

let count = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 1000

/// User + system CPU seconds of this process so far.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

func body(_ i: Int, _ value: String) -> JSONValue {
    .object([
        "apiVersion": .string("v1"), "kind": .string("ConfigMap"),
        "metadata": .object(["name": .string("cm-\(i)"), "labels": .object(["app": .string("bench")])]),
        "data": .object(["key": .string(value), "config.yaml": .string("replicas: 3\nimage: nginx:1.25\n")]),
    ])
}

// The server: `kubescript serve` beside this executable, on a free port.
let serve = Process()
serve.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("kubescript")
serve.arguments = ["serve", "--port", "0", "--no-controllers"]
let out = Pipe()
serve.standardOutput = out
try serve.run()
defer { serve.terminate() }
let line = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
guard let range = line.range(of: #"http://127\.0\.0\.1:[0-9]+"#, options: .regularExpression) else {
    fatalError("kubescript serve did not start (build it: swift build -c release --product kubescript): \(line)")
}
let client = try KubeClient(ClientConfiguration(server: String(line[range])), discoveryCache: "")
let configMaps = try client.resource(group: "", version: "v1", resource: "configmaps")

func measure(_ label: String, _ body: () throws -> Void) rethrows -> (seconds: Double, cpu: Double) {
    let cpu = cpuSeconds()
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    let used = cpuSeconds() - cpu
    print(label.padding(toLength: 10, withPad: " ", startingAt: 0)
          + String(format: "%8.0f requests/s   %6.1f µs of the client's CPU per request", Double(count) / seconds, used / Double(count) * 1e6))
    return (seconds, used)
}

var objects: [JSONValue] = []
let runs = [
    try measure("create") { for i in 0..<count { _ = try configMaps.create(body(i, "v")) } },
    try measure("get") { for i in 0..<count { objects.append(try configMaps.get("cm-\(i)")) } },
    try measure("update") {
        for var object in objects {
            object["data"]?["key"] = .string("updated")
            _ = try configMaps.update(object)
        }
    },
    try measure("delete") { for i in 0..<count { try configMaps.delete("cm-\(i)") } },
]
let total = (seconds: runs.map(\.seconds).reduce(0, +), cpu: runs.map(\.cpu).reduce(0, +))
let requests = Double(4 * count)
print(String(format: "all       %8.0f requests/s   %6.1f µs of the client's CPU per request", requests / total.seconds, total.cpu / requests * 1e6))
