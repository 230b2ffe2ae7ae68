import KubeClient
import KubeScript

/// A watch's stream, as Lua holds it. Each event's line is decoded once, straight into tables.
final class WatchHandle: LuaObject {
    let stream: WatchStream
    /// `wakeup` is signalled each time something arrives, for tasks that wait for the stream.
    init(_ stream: WatchStream, wakeup: Wakeup) {
        self.stream = stream
        stream.onArrival { wakeup.signal() }
    }
    deinit { stream.cancel() }

    static let luaTypeName = "k8s.WatchStream"
    static var luaMethods: [LuaFunction] { [
        // next(timeout) → the event as a table | nil at the end | nil, error; Ctrl-C ends the
        // wait (the transport's isCancelled) and the watch
        LuaFunction("next") { call in
            let stream = try call.object(1, as: WatchHandle.self).stream
            let timeout = call.isNone(2) ? nil : try call.number(2)
            let line: [UInt8]
            do {
                guard let read = try stream.nextLine(timeout: timeout) else { return }
                line = read
            } catch let error as KubeError {
                return try call.fail(error)
            }
            let decoded: Result<Void, LuaError> = line.withUnsafeBytes { bytes in
                Result { () throws(LuaError) in try call.stack.pushJSON(bytes) }
            }
            guard case .success = decoded else {
                stream.cancel()
                return try call.fail(WatchStream.malformed(line))
            }
            try call.results.append(stackIndex: call.stack.top)
        },
        // ready() → whether next() returns at once
        LuaFunction("ready") { call in
            try call.results.append(try call.object(1, as: WatchHandle.self).stream.isReady)
        },
        LuaFunction("stop") { call in
            try call.object(1, as: WatchHandle.self).stream.cancel()
        },
    ] }
}
