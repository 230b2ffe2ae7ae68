import Foundation
import KubeAPI
import KubeClient
import KubeScript

/// A `Reflector` run on a worker thread for an informer (Lua/informer.lua): its events queue up
/// and wake the scheduler; the informer's task takes them in batches, decoded into tables on the
/// Lua thread. The list/watch/relist logic is the Reflector's alone.
final class InformerSource: LuaObject, @unchecked Sendable {
    private let reflector: Reflector
    private let wakeup: Wakeup
    private let lock = NSLock()
    private var events: [WatchEvent] = []
    private var failure: KubeError?
    private var started = false
    private var stopped = false
    /// How many events had been queued when the reflector said it had synced; nil before.
    private var syncedAt: Int?
    /// Whether `take` has told of the sync (it is news once).
    private var syncTold = false
    private var queued = 0
    private var taken = 0

    init(_ reflector: Reflector, wakeup: Wakeup) {
        self.reflector = reflector
        self.wakeup = wakeup
        reflector.onSynced = { [weak self] in
            guard let self else { return }
            lock.lock()
            syncedAt = queued  // every event of the first list is queued by now
            lock.unlock()
            wakeup.signal()
        }
    }

    deinit { stop() }

    func stop() {
        lock.lock()
        stopped = true
        lock.unlock()
    }

    private var isStopped: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopped
    }

    func start() {
        lock.lock()
        defer { lock.unlock() }
        guard !started else { return }
        started = true
        DispatchQueue.global().async { [self] in
            while !isStopped {
                let next = Result { () throws(KubeError) in try reflector.next(stop: { [self] in isStopped }) }
                switch next {
                case .success(let event?):
                    lock.lock()
                    events.append(event)
                    queued += 1
                    lock.unlock()
                case .success(nil):
                    return  // stopped
                case .failure(let error):
                    lock.lock()
                    failure = error
                    lock.unlock()
                    wakeup.signal()
                    return
                }
                wakeup.signal()
            }
        }
    }

    static let luaTypeName = "k8s.InformerSource"
    static var luaMethods: [LuaFunction] { [
        LuaFunction("start") { call in try call.object(1, as: InformerSource.self).start() },
        LuaFunction("stop") { call in try call.object(1, as: InformerSource.self).stop() },
        // ready() → whether take() has something: events, a failure, or the news of the sync
        LuaFunction("ready") { call in
            let source = try call.object(1, as: InformerSource.self)
            source.lock.lock()
            let syncNews = !source.syncTold && source.syncedAt.map { source.taken >= $0 } == true
            let ready = !source.events.isEmpty || source.failure != nil || syncNews
            source.lock.unlock()
            try call.results.append(ready)
        },
        // take() → the events queued ({ type, object, finalStateUnknown }), and whether the first
        // list has been taken whole | nil, error
        LuaFunction("take") { call in
            let source = try call.object(1, as: InformerSource.self)
            source.lock.lock()
            let batch = source.events
            source.events.removeAll()
            source.taken += batch.count
            let failure = source.failure
            let synced = source.syncedAt.map { source.taken >= $0 } ?? false
            if synced { source.syncTold = true }
            source.lock.unlock()
            if let failure { return try call.fail(failure) }
            let list = JSONValue.array(batch.map { event in
                var fields: JSONObject = ["type": .string(event.type), "object": event.object]
                if event.finalStateUnknown { fields["finalStateUnknown"] = .bool(true) }
                return .object(fields)
            })
            try call.results.append(json: list)
            try call.results.append(synced)
        },
    ] }
}
