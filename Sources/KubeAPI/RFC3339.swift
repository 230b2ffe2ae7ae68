#if canImport(Glibc)
import Glibc
#endif

/// Times as the API writes them: RFC 3339 in UTC, to the second (metav1.Time) or to the
/// microsecond (metav1.MicroTime, as Leases and events.k8s.io Events carry them).
public enum RFC3339 {
    /// The time `seconds` after the epoch, with `micros` microseconds written when given.
    public static func string(seconds: Int64, micros: Int64? = nil) -> String {
        var time = time_t(seconds), parts = tm()
        gmtime_r(&time, &parts)
        func pad(_ n: Int64, _ width: Int) -> String { String(repeating: "0", count: max(0, width - String(n).count)) + String(n) }
        var text = "\(pad(Int64(parts.tm_year) + 1900, 4))-\(pad(Int64(parts.tm_mon) + 1, 2))-\(pad(Int64(parts.tm_mday), 2))T"
            + "\(pad(Int64(parts.tm_hour), 2)):\(pad(Int64(parts.tm_min), 2)):\(pad(Int64(parts.tm_sec), 2))"
        if let micros { text += "." + pad(micros, 6) }
        return text + "Z"
    }

    /// Now, to the second, or to the microsecond when `micros`.
    public static func now(micros: Bool = false) -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return string(seconds: Int64(now.tv_sec), micros: micros ? Int64(now.tv_nsec / 1000) : nil)
    }
}
