import Glibc

/// Where `k8s.log` writes: standard error, one line per message in klog's layout
/// (`I1123 09:17:16.123456 deploy.lua:12] message`), filtered by verbosity.
public final class ScriptLog: @unchecked Sendable {  // each line is one write(2); verbosity is set before use
    /// `-v`: debug messages are written at 1 and above; info, warnings and errors always.
    public var verbosity: Int

    public init(verbosity: Int = 0) {
        self.verbosity = verbosity
    }

    /// Whether messages of `level` (`debug`, `info`, `warn`, `error`) are written.
    public func enabled(_ level: String) -> Bool {
        level != "debug" || verbosity >= 1
    }

    /// Writes one message, if its level is enabled.
    public func write(level: String, source: String, message: String) {
        guard enabled(level) else { return }
        let letter = level == "warn" ? "W" : level == "error" ? "E" : level == "debug" ? "D" : "I"
        var now = timeval()
        gettimeofday(&now, nil)
        var seconds = now.tv_sec
        var parts = tm()
        localtime_r(&seconds, &parts)
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let micros = String(now.tv_usec)
        let stamp = "\(two(parts.tm_mon + 1))\(two(parts.tm_mday)) \(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))."
            + String(repeating: "0", count: max(0, 6 - micros.count)) + micros
        var line = "\(letter)\(stamp) \(source)] \(message)\n"
        line.withUTF8 { bytes in _ = Glibc.write(2, bytes.baseAddress, bytes.count) }
    }
}
