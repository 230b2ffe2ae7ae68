import CLua
import Glibc

/// The host's part of the `k8s` module: the value bridge (`k8s.json`, `k8s.yaml`, `k8s.null`,
/// `k8s.array`, `k8s.object`), `k8s.sleep` and `k8s.log`. The Lua half is `Prelude.swift`.
enum CoreModule {
    /// The Swift primitives the prelude builds `k8s` from.
    static func primitives(log: ScriptLog) -> [LuaFunction] {
        [
            LuaFunction("json.encode") { call in
                let indent = try call.options(2)["indent"].flatMap { value -> Int? in
                    if case .integer(let n) = value { return Int(clamping: n) }
                    return nil
                } ?? 0
                try encodeJSON(&call, indent: indent)
            },
            LuaFunction("json.decode") { call in
                try call.stack.pushJSON(try call.bytes(1))
                try call.results.append(stackIndex: call.stack.top)
            },
            LuaFunction("yaml.encode") { call in
                try encodeYAML(&call, all: false)
            },
            LuaFunction("yaml.encodeAll") { call in
                try encodeYAML(&call, all: true)
            },
            LuaFunction("yaml.decode") { call in
                try call.stack.pushYAML(try call.bytes(1), all: false)
                try call.results.append(stackIndex: call.stack.top)
            },
            LuaFunction("yaml.decodeAll") { call in
                try call.stack.pushYAML(try call.bytes(1), all: true)
                try call.results.append(stackIndex: call.stack.top)
            },
            LuaFunction("sleep") { call in
                let seconds = try call.number(1)
                guard seconds >= 0, seconds.isFinite else { throw call.argumentError(1, "seconds must be a finite number ≥ 0") }
                sleep(seconds: seconds)
            },
            // library(name) → source, chunk name | nothing: a module of the shipped library
            LuaFunction("library") { call in
                guard let chunk = EmbeddedLua.libraries[try call.string(1)] else { return }
                try call.results.append(string: chunk.source)
                try call.results.append(string: chunk.name)
            },
            LuaFunction("readdir") { call in
                let path = try call.string(1)
                var names: [String] = []
                guard let directory = opendir(path) else {
                    throw LuaError("cannot read the folder \(path): \(String(cString: strerror(errno)))")
                }
                defer { closedir(directory) }
                while let entry = readdir(directory) {
                    let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                    if name != "." && name != ".." { names.append(name) }
                }
                names.sort()
                try call.results.beginArray(count: names.count)
                for name in names { try call.results.append(string: name) }
                try call.results.end()
            },
            LuaFunction("logenabled") { call in
                try call.results.append(log.enabled(try call.string(1)))
            },
            LuaFunction("log") { call in
                log.write(level: try call.string(1), source: try call.string(2), message: try call.string(3))
            },
        ]
    }

    static func encodeJSON(_ call: inout LuaCall, indent: Int) throws(LuaError) {
        if call.argumentCount < 1 { throw call.argumentError(1, "value expected") }
        let text = try call.stack.encodeJSON(at: 1, into: call.results.tape, indent: indent)
        try call.results.appendScratchString(offset: text.offset, count: text.count)
    }

    static func encodeYAML(_ call: inout LuaCall, all: Bool) throws(LuaError) {
        if call.argumentCount < 1 { throw call.argumentError(1, "value expected") }
        let stack = call.stack
        let text = try stack.withTape { input throws(LuaError) in
            try stack.read(at: 1, into: input, sortKeys: true)
            return try YAML.encode(input, all: all)
        }
        guard let text else { throw call.argumentError(1, "a list of documents expected") }
        try call.results.append(string: text)
    }

    /// Sleeps, returning early when Ctrl-C (or a SIGTERM's interrupt) arrives so the interrupt
    /// hook can fire: Ctrl-C's signal cuts the sleep short, and an interrupt asked for from
    /// another thread is seen within 20 ms. Durations past about 68 years are cut to that.
    static func sleep(seconds: Double) {
        func now() -> Double {
            var spec = timespec()
            clock_gettime(CLOCK_MONOTONIC, &spec)
            return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
        }
        let end = now() + min(seconds, Double(Int32.max))
        while !Runtime.interruptPending {
            let left = end - now()
            guard left > 0 else { return }
            let slice = min(left, 0.02)
            var request = timespec(tv_sec: 0, tv_nsec: Int(slice * 1e9)), remaining = timespec()
            _ = nanosleep(&request, &remaining)  // cut short by a signal: Ctrl-C's is pending by now, others are not ours
        }
    }
}
