import Foundation
import KubeAPI
import NIOCore
import NIOHTTP1

/// One change a watch reports.
public struct WatchEvent: Sendable, Equatable {
    /// `ADDED`, `MODIFIED`, `DELETED`, `BOOKMARK` or `ERROR`.
    public var type: String
    public var object: JSONValue
    /// A DELETED event a `Reflector` made from a relist rather than a watch: the object is the
    /// last one it saw (client-go's DeletedFinalStateUnknown).
    public var finalStateUnknown: Bool

    public init(type: String, object: JSONValue, finalStateUnknown: Bool = false) {
        self.type = type
        self.object = object
        self.finalStateUnknown = finalStateUnknown
    }
}

/// A watch's events as they arrive: the response is split into lines on the network thread and
/// each line handed to the reader, never buffered whole. `next` blocks until an event, the end of
/// the stream, or its deadline, and decodes it; `nextLine` gives the line as the server sent it,
/// for a reader that decodes it into its own values (the Lua binding, straight into tables).
///
/// A stream keeps the transport it came from alive, so a watch outlives the client that started
/// it. It ends only when the server ends it, when its reader cancels it (or lets go of it), or
/// with an error: a cancellation the reader did not ask for fails, never ends quietly.
public final class WatchStream: @unchecked Sendable {
    enum Item {
        case line([UInt8])
        case failure(KubeError)
        case end
    }

    private let condition = NSCondition()
    private var items: [Item] = []
    private var finished = false
    /// Whether the reader cancelled the watch (an HTTP cancellation is then its end).
    private var cancelled = false
    var exchange: Exchange?
    /// The transport the watch runs on, kept alive as long as the stream.
    let transport: Transport

    init(transport: Transport) {
        self.transport = transport
    }

    deinit {
        exchange?.cancel()
    }

    /// Called (on an event loop) each time something arrives: an event, an error or the end. A
    /// reader that waits for several things at once (tasks) wakes up on it, then reads with
    /// `isReady` and `nextLine` without blocking.
    private var arrival: (@Sendable () -> Void)?

    /// Sets what is called each time something arrives (and calls it once when something waits).
    public func onArrival(_ call: @escaping @Sendable () -> Void) {
        condition.lock()
        arrival = call
        let waiting = !items.isEmpty
        condition.unlock()
        if waiting { call() }
    }

    /// Whether `nextLine` would return at once: an event, an error or the end is there.
    public var isReady: Bool {
        condition.lock()
        defer { condition.unlock() }
        return !items.isEmpty
    }

    /// Whether the reader asked for the end (`cancel`).
    var wasCancelled: Bool {
        condition.lock()
        defer { condition.unlock() }
        return cancelled
    }

    func put(_ item: Item) {
        condition.lock()
        if !finished {
            items.append(item)
            if case .line = item {} else { finished = true }
        }
        condition.signal()
        let arrival = self.arrival
        condition.unlock()
        arrival?()
    }

    /// The next event; nil when the server ended the watch. Waits at most `timeout` seconds
    /// (throwing a transport error that says so), or until `stop` returns true (checked every
    /// tenth of a second; nil is returned then, and the watch is cancelled). Without `stop`, the
    /// transport's `isCancelled` is asked, as every other wait of the client does. An event that
    /// is not JSON ends the watch with a decoding error.
    public func next(timeout: Double? = nil, stop: (() -> Bool)? = nil) throws(KubeError) -> WatchEvent? {
        guard let line = try nextLine(timeout: timeout, stop: stop) else { return nil }
        guard let value = try? JSONValue.parse(line), let type = value["type"]?.stringValue, let object = value["object"] else {
            cancel()
            throw Self.malformed(line)
        }
        return WatchEvent(type: type, object: object)
    }

    /// The error for a line that is not a watch event.
    public static func malformed(_ line: [UInt8]) -> KubeError {
        .decoding("a watch event is not JSON: \(String(decoding: line.prefix(200), as: UTF8.self))")
    }

    /// The next event's line, `{"type":...,"object":...}` as the server sent it; nil when the
    /// server ended the watch. Waits as `next` does.
    public func nextLine(timeout: Double? = nil, stop: (() -> Bool)? = nil) throws(KubeError) -> [UInt8]? {
        let stop = stop ?? transport.isCancelled
        let deadline = timeout.map { Date().addingTimeInterval($0) }
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty {
            if let stop, stop() {
                condition.unlock()
                cancel()
                condition.lock()
                return nil
            }
            let until = min(deadline ?? .distantFuture, stop == nil ? .distantFuture : Date().addingTimeInterval(0.1))
            if !condition.wait(until: until), let deadline, Date() >= deadline {
                throw .transport("no watch event within \(timeout ?? 0) seconds")
            }
        }
        switch items.removeFirst() {
        case .line(let line): return line
        case .failure(let error): throw error
        case .end:
            items = [.end]  // stays ended
            return nil
        }
    }

    /// Stops the watch; `next` then returns nil.
    public func cancel() {
        condition.lock()
        cancelled = true
        condition.unlock()
        exchange?.cancel()
        put(.end)
    }
}

/// Reads a watch's answer into a stream, a line at a time. It holds the stream weakly, so that
/// a stream its reader let go of is freed, and its deinit cancels the exchange.
final class WatchReceiver: AnswerReceiver, @unchecked Sendable {
    private weak var stream: WatchStream?
    private var status = 200
    private var pending: [UInt8] = []
    private let started = Date()

    init(stream: WatchStream) {
        self.stream = stream
    }

    func head(_ head: HTTPResponseHead) {
        status = Int(head.status.code)
        // counted once its answer begins, as client-go counts a watch
        stream?.transport.recordMetrics(method: "GET", code: String(status), seconds: Date().timeIntervalSince(started))
    }

    func body(_ part: ByteBuffer) {
        pending.append(contentsOf: part.readableBytesView)
        guard status == 200 else { return }
        while let newline = pending.firstIndex(of: 0x0A) {
            let line = Array(pending[..<newline])
            pending.removeSubrange(...newline)
            deliver(line)
        }
    }

    func deliver(_ line: [UInt8]) {
        guard line.contains(where: { $0 != 0x20 && $0 != 0x0D }) else { return }
        stream?.put(.line(line))
    }

    func fail(_ error: any Error) {
        guard let stream else { return }
        if error as? ExchangeError == .cancelled, stream.wasCancelled { return stream.put(.end) }
        stream.put(.failure(.transport("the watch failed: \(Transport.describe(error))")))
    }

    func end() {
        if status != 200 {
            stream?.put(.failure(KubeError.status(code: status, body: pending)))
            return
        }
        if !pending.isEmpty { deliver(pending) }
        stream?.put(.end)
    }
}

extension Transport {
    /// Starts a watch request and returns its stream at once.
    public func watch(_ request: RESTRequest) throws(KubeError) -> WatchStream {
        if let error = request.error { throw error }
        let stream = WatchStream(transport: self)
        stream.exchange = try exchange(request, headers: try headers(for: request), deadline: nil, to: WatchReceiver(stream: stream))
        return stream
    }
}
