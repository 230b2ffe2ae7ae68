import Foundation
import KubeClient
import KubeScript

/// `kubescript test`: runs every `*_test.lua` file. A test file registers tests with
/// `test(name, [{ fixtures = { "fixtures/app.yaml" } },] function(t, c) ... end)`; each test
/// gets a fresh embedded cluster (seeded with its fixtures) and a client `c` for it, or with a
/// kubeconfig, a throw-away namespace in that cluster, deleted afterwards. `t:eq`, `t:ok` and
/// `t:raises` assert; a failure shows where, and for tables, the differing paths.
public enum TestRunner {
    /// The outcome of a run.
    public struct Summary: Sendable {
        public var passed = 0
        public var failed = 0
    }

    /// The `*_test.lua` files under `paths` (files as given, folders searched), sorted.
    public static func files(in paths: [String]) -> [String] {
        var result: [String] = []
        for path in paths.isEmpty ? ["."] : paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
            if !isDirectory.boolValue {
                result.append(path)
                continue
            }
            let found = (FileManager.default.enumerator(atPath: path)?.compactMap { $0 as? String } ?? [])
                .filter { $0.hasSuffix("_test.lua") && !$0.split(separator: "/").contains { $0.hasPrefix(".") } }
                .map { path == "." ? $0 : path + "/" + $0 }
            result += found.sorted()
        }
        return result
    }

    /// Where a test file's `require` looks: its folder, and for a library's `tests` folder, the
    /// library's folder and the one holding it (so `require "canary"` finds `canary/init.lua`
    /// and `require "rollout"` finds `lib/rollout.lua`), then the usual places.
    static func searchPath(for file: String) -> ModuleSearchPath {
        let folder = (file as NSString).deletingLastPathComponent
        var path = ModuleSearchPath.standard(scriptDirectory: folder.isEmpty ? "." : folder)
        if (folder as NSString).lastPathComponent == "tests" {
            let library = (folder as NSString).deletingLastPathComponent
            let holder = (library as NSString).deletingLastPathComponent
            path.directories.insert(contentsOf: [library.isEmpty ? "." : library, holder.isEmpty ? "." : holder], at: 1)
        }
        return path
    }

    /// Runs the tests of `files`, printing a line per test and a closing count.
    public static func run(files: [String], defaults: ClientDefaults, verbosity: Int) throws(LuaError) -> Summary {
        var summary = Summary()
        let real = defaults.clusterFactory == nil
        for file in files {
            let current = CurrentDefaults(defaults)
            let runtime = try Runtime(verbosity: verbosity, searchPath: searchPath(for: file))
            try KubeModule.install(in: runtime, current: current)
            let counts = Counts()
            let started = Date()
            let run = try runtime.extend(chunkName: EmbeddedLua.test.name, source: EmbeddedLua.test.source, primitives: [
                LuaFunction("cluster") { call in
                    if let factory = current.defaults.clusterFactory {
                        let cluster: TestCluster
                        do {
                            cluster = try factory()
                        } catch {
                            throw LuaError("cannot start an embedded cluster: \(error)")
                        }
                        current.defaults.configuration = cluster.configuration
                        try call.results.append(object: ClusterHandle(cluster))
                    }
                },
                LuaFunction("endcluster") { call in
                    if !call.isNone(1) { try call.object(1, as: ClusterHandle.self).stop() }
                    current.defaults = defaults
                },
                LuaFunction("usenamespace") { call in
                    current.defaults.namespace = call.isNone(1) ? defaults.namespace : try call.string(1)
                },
                LuaFunction("real") { call in try call.results.append(real) },
                LuaFunction("now") { call in try call.results.append(number: Date().timeIntervalSince(started)) },
                LuaFunction("report") { call in
                    counts.passed += Int(try call.integer(1))
                    counts.failed += Int(try call.integer(2))
                },
            ])
            try runtime.state.register(ClusterHandle.self)
            if let run { try runtime.call(run, .string(file)) }
            summary.passed += counts.passed
            summary.failed += counts.failed
        }
        print("\(summary.passed) passed, \(summary.failed) failed")
        return summary
    }

    final class Counts: @unchecked Sendable {
        var passed = 0
        var failed = 0
    }

    /// A test's embedded cluster, as Lua holds it; stopped when the test ends.
    final class ClusterHandle: LuaObject {
        private var cluster: TestCluster?
        init(_ cluster: TestCluster) { self.cluster = cluster }
        deinit { stop() }

        func stop() {
            cluster?.stop()
            cluster = nil
        }

        static let luaTypeName = "k8s.TestCluster"
        static var luaMethods: [LuaFunction] { [] }
    }
}
