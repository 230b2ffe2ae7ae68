import CEditLine
import Foundation
import Glibc
import KubeBindings

/// The prompt's line editing, through libedit: history kept in `~/.kubescript_history` (Up,
/// Down, Ctrl-R search), Tab completion from `ReplSupport`. Ctrl-C at the prompt is ignored
/// (it stops a running call instead); Ctrl-D at an empty prompt ends the session.
final class LineEditor {
    nonisolated(unsafe) static var support: ReplSupport?
    let historyPath: String

    init(support: ReplSupport) {
        Self.support = support
        historyPath = (ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()) + "/.kubescript_history"
        ks_editline_setup { line, word in
            guard let line, let word, let support = LineEditor.support else { return nil }
            let candidates = support.complete(line: String(cString: line), word: String(cString: word))
            return LineEditor.matches(candidates)
        }
        stifle_history(1000)
        _ = read_history(historyPath)
    }

    /// The candidates as readline wants them: the common prefix, then each match, then NULL.
    static func matches(_ candidates: [String]) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? {
        guard !candidates.isEmpty else { return nil }
        var common = candidates[0]
        for candidate in candidates.dropFirst() {
            while !candidate.hasPrefix(common) { common.removeLast() }
        }
        let list = candidates.count == 1 ? [candidates[0]] : [common] + candidates
        // libedit frees the array and its strings with free(): they come from malloc
        guard let memory = malloc(MemoryLayout<UnsafeMutablePointer<CChar>?>.stride * (list.count + 1)) else { return nil }
        let array = memory.bindMemory(to: UnsafeMutablePointer<CChar>?.self, capacity: list.count + 1)
        for (index, text) in list.enumerated() { array[index] = strdup(text) }
        array[list.count] = nil
        return array
    }

    /// A line, or nil at the end of input (Ctrl-D).
    func read(prompt: String) -> String? {
        signal(SIGINT, SIG_IGN)
        guard let raw = readline(prompt) else { return nil }
        defer { free(raw) }
        let line = String(cString: raw)
        if !line.trimmingCharacters(in: .whitespaces).isEmpty { add_history(raw) }
        return line
    }

    func close() {
        _ = write_history(historyPath)
    }
}
