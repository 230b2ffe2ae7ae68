import Foundation
import GRDB
import KubeAPI

/// Where `kubescript serve --data FILE` keeps the cluster between runs: a SQLite database (through
/// GRDB) with every object, as JSON, and the cluster's resourceVersion. Each change the store
/// makes is written through at once; a server started on the file carries on where the last one
/// stopped (watch history starts afresh, as after an etcd compaction).
final class ClusterFile: @unchecked Sendable {
    private let database: DatabaseQueue
    let path: String
    /// The first failed write, reported once: the server goes on from memory.
    private var failed = false

    /// Opens (creating if needed) the database at `path`.
    init(path: String) throws(ClusterFileError) {
        self.path = path
        do {
            var configuration = Configuration()
            configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL") }
            database = try DatabaseQueue(path: path, configuration: configuration)
            try database.write { db in
                try db.execute(sql: """
                    CREATE TABLE IF NOT EXISTS objects (storage_key TEXT NOT NULL, key TEXT NOT NULL, object BLOB NOT NULL,
                                                        PRIMARY KEY (storage_key, key)) WITHOUT ROWID;
                    CREATE TABLE IF NOT EXISTS cluster (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
                    """)
            }
        } catch {
            throw ClusterFileError(path: path, problem: Self.describe(error))
        }
    }

    /// What the file holds: the revision and every object; nil for a new file.
    func load() throws(ClusterFileError) -> (revision: Int64, objects: [(storageKey: String, key: String, object: JSONValue)])? {
        do {
            return try database.read { db in
                guard let revision = try Int64.fetchOne(db, sql: "SELECT value FROM cluster WHERE name = 'revision'") else { return nil }
                var objects: [(storageKey: String, key: String, object: JSONValue)] = []
                let rows = try Row.fetchCursor(db, sql: "SELECT storage_key, key, object FROM objects")
                while let row = try rows.next() {
                    let bytes: [UInt8] = Array(row["object"] as Data? ?? Data())
                    guard let object = try? JSONValue.parse(bytes) else {
                        throw ClusterFileError(path: path, problem: "the object \(row["storage_key"] as String? ?? "")/\(row["key"] as String? ?? "") is not JSON")
                    }
                    objects.append((row["storage_key"], row["key"], object))
                }
                return (revision, objects)
            }
        } catch let error as ClusterFileError {
            throw error
        } catch {
            throw ClusterFileError(path: path, problem: Self.describe(error))
        }
    }

    /// Records an object's new version (or its removal, when `object` is nil) and the revision.
    func record(storageKey: String, key: String, object: JSONValue?, revision: Int64) {
        do {
            try database.write { db in
                if let object {
                    try db.execute(sql: "INSERT OR REPLACE INTO objects (storage_key, key, object) VALUES (?, ?, ?)",
                                   arguments: [storageKey, key, Data(object.serialized())])
                } else {
                    try db.execute(sql: "DELETE FROM objects WHERE storage_key = ? AND key = ?", arguments: [storageKey, key])
                }
                try db.execute(sql: "INSERT OR REPLACE INTO cluster (name, value) VALUES ('revision', ?)", arguments: [revision])
            }
        } catch {
            guard !failed else { return }
            failed = true
            FileHandle.standardError.write(Data("kubescript: cannot write \(path): \(Self.describe(error)); the cluster goes on in memory only\n".utf8))
        }
    }

    static func describe(_ error: Error) -> String {
        (error as? DatabaseError)?.message ?? String(describing: error)
    }
}

/// A data file that cannot be opened or read.
public struct ClusterFileError: Error, CustomStringConvertible {
    public var path: String
    public var problem: String
    public var description: String { "cannot use the data file \(path): \(problem)" }
}
