import Foundation
import PackagePlugin

/// Compiles a target's Lua files (`Lua/*.lua` in its folder) into the target, as
/// `EmbeddedLua.<name>` (see `Sources/embed-lua`), so that the binary carries them and no Lua
/// lives in Swift string literals. A target that also lists `library` folders below the package
/// root in `EmbedLua.libraries` gets their top-level modules as well.
@main
struct EmbedLua: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        guard let target = target as? SourceModuleTarget else { return [] }
        let root = context.package.directoryURL
        var files: [(name: String, url: URL)] = []
        func add(_ folder: URL, prefix: String) throws {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            for file in names.sorted() where file.hasSuffix(".lua") && !file.hasSuffix("_test.lua") {
                files.append((prefix + String(file.dropLast(4)), folder.appendingPathComponent(file)))
            }
        }
        try add(target.directoryURL.appendingPathComponent("Lua"), prefix: "")
        for library in Self.libraries[target.name] ?? [] {
            try add(root.appendingPathComponent(library), prefix: "library_")
        }
        guard !files.isEmpty else { return [] }
        let output = context.pluginWorkDirectoryURL.appendingPathComponent("EmbeddedLua.swift")
        return [.buildCommand(
            displayName: "Embedding \(files.count) Lua files in \(target.name)",
            executable: try context.tool(named: "embed-lua").url,
            arguments: [output.path, root.path] + files.map { "\($0.name)=\($0.url.path)" },
            inputFiles: files.map(\.url),
            outputFiles: [output])]
    }

    /// Library folders (below the package root) whose modules a target also carries.
    static let libraries = ["KubeScript": ["scripts/lib"]]
}
