import Glibc

/// Where `require` looks for Lua modules, in order: the script's folder, `./lib`, each folder of
/// `KUBESCRIPT_PATH` (separated by `:`), `~/.kubescript/lib`. In each folder, `name.lua` and
/// `name/init.lua`; dots in a module name are folders. After these, the library shipped with
/// kubescript (`scripts/lib`), which is compiled into the binary (the prelude's searcher).
public struct ModuleSearchPath: Sendable {
    /// The folders, in search order.
    public var directories: [String]

    public init(directories: [String]) {
        self.directories = directories
    }

    /// The search path for a script in `scriptDirectory` (nil for `-e` and the REPL).
    public static func standard(scriptDirectory: String? = nil) -> ModuleSearchPath {
        var directories: [String] = []
        if let scriptDirectory { directories.append(scriptDirectory) }
        directories.append("./lib")
        if let path = environment("KUBESCRIPT_PATH") {
            directories += path.split(separator: ":").map(String.init).filter { !$0.isEmpty }
        }
        if let home = environment("HOME") { directories.append(home + "/.kubescript/lib") }
        return ModuleSearchPath(directories: directories)
    }

    /// The value for `package.path`: two templates per folder. Folders whose names contain `;`
    /// or `?` cannot be expressed and are left out.
    public var luaPath: String {
        directories.filter { !$0.contains(";") && !$0.contains("?") }
            .flatMap { ["\($0)/?.lua", "\($0)/?/init.lua"] }
            .joined(separator: ";")
    }

    static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}
