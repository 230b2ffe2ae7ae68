import Glibc

/// Where `require` looks for Lua modules, in order: the script's folder, `./lib`, each folder of
/// `KUBESCRIPT_PATH` (separated by `:`), `~/.kubescript/lib`, and the library shipped with
/// kubescript (`scripts/lib` in a source tree, `share/kubescript/lib` beside an installed
/// binary). In each folder, `name.lua` and `name/init.lua`; dots in a module name are folders.
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
        if let shipped = shippedLibrary() { directories.append(shipped) }
        return ModuleSearchPath(directories: directories)
    }

    /// The value for `package.path`: two templates per folder. Folders whose names contain `;`
    /// or `?` cannot be expressed and are left out.
    public var luaPath: String {
        directories.filter { !$0.contains(";") && !$0.contains("?") }
            .flatMap { ["\($0)/?.lua", "\($0)/?/init.lua"] }
            .joined(separator: ";")
    }

    /// The library shipped with kubescript, found from the running executable.
    static func shippedLibrary() -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        var directory = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        for _ in 0..<6 {
            guard let slash = directory.lastIndex(of: "/"), slash != directory.startIndex else { return nil }
            directory = String(directory[..<slash])
            for candidate in [directory + "/scripts/lib", directory + "/share/kubescript/lib"] where isDirectory(candidate) {
                return candidate
            }
        }
        return nil
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}
