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

    /// The seconds after the epoch and the nanoseconds a timestamp names, read as Go's
    /// `time.Parse(time.RFC3339, text)` reads it: `2006-01-02T15:04:05` with an optional
    /// fraction (digits past the ninth are dropped) and `Z` or an offset `±07:00`; nil for
    /// anything else.
    public static func parse(_ text: String) -> (seconds: Int64, nanos: Int64)? {
        let bytes = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int64? {
            guard range.upperBound <= bytes.count else { return nil }
            var n: Int64 = 0
            for i in range {
                guard (48...57).contains(bytes[i]) else { return nil }
                n = n * 10 + Int64(bytes[i] - 48)
            }
            return n
        }
        func at(_ i: Int, _ character: Character) -> Bool { i < bytes.count && bytes[i] == character.asciiValue }
        guard at(4, "-"), at(7, "-"), at(10, "T"), at(13, ":"), at(16, ":"),
              let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 60 else { return nil }
        var index = 19, nanos: Int64 = 0
        if at(index, ".") {
            var digits = 0
            index += 1
            while index < bytes.count, (48...57).contains(bytes[index]) {
                if digits < 9 { nanos = nanos * 10 + Int64(bytes[index] - 48) }  // past nine, cut as Go cuts
                digits += 1
                index += 1
            }
            guard digits > 0 else { return nil }
            for _ in min(digits, 9)..<9 { nanos *= 10 }
        }
        var offset: Int64 = 0
        if at(index, "Z"), index + 1 == bytes.count {
            offset = 0
        } else if at(index, "+") || at(index, "-"), index + 6 == bytes.count, at(index + 3, ":"),
                  let hours = number(index + 1..<index + 3), let minutes = number(index + 4..<index + 6), hours < 24, minutes < 60 {
            offset = (hours * 3600 + minutes * 60) * (at(index, "-") ? -1 : 1)
        } else {
            return nil
        }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        return (Int64(timegm(&parts)) - offset, nanos)
    }

    /// Now, to the second, or to the microsecond when `micros`.
    public static func now(micros: Bool = false) -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return string(seconds: Int64(now.tv_sec), micros: micros ? Int64(now.tv_nsec / 1000) : nil)
    }
}
