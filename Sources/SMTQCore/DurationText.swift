/// Durations written as text in config and on the command line: `500ms`, `2s`, `1m30s`, `1h`, `400d`.
///
/// Units: `ms`, `s`, `m`, `h`, `d` (24 h), `w` (7 d); parts may be combined largest first (`1h30m`) and a
/// part may have a decimal fraction (`1.5s`). A bare number is refused, because `5` could mean seconds or
/// minutes and a config must say which.
public enum DurationText {
    /// The accepted units, for messages.
    public static let expected = "a duration such as 500ms, 2s, 1m30s, 1h or 400d"

    private static let units: [(suffix: String, milliseconds: Double)] = [
        ("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000), ("w", 604_800_000),
    ]

    /// Parses the text, or returns `nil` when it is not a duration.
    public static func parse(_ text: String) -> Duration? {
        let trimmed = text.trimmingWhitespace()
        guard !trimmed.isEmpty else { return nil }
        var rest = Substring(trimmed)
        var total = 0.0
        var lastRank = Int.max
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !digits.isEmpty, let amount = Double(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            let letters = rest.prefix { $0.isLetter }
            rest = rest.dropFirst(letters.count)
            guard let rank = units.firstIndex(where: { $0.suffix == letters.lowercased() }) else { return nil }
            guard rank < lastRank else { return nil }
            lastRank = rank
            total += amount * units[rank].milliseconds
        }
        guard total.isFinite, total < 1e15 else { return nil }
        return .milliseconds(Int64(total.rounded()))
    }

    /// Formats a duration in the largest units that represent it exactly: `1h30m`, `500ms`, `0s`.
    public static func format(_ duration: Duration) -> String {
        var remaining = duration.totalMilliseconds
        guard remaining != 0 else { return "0s" }
        var text = remaining < 0 ? "-" : ""
        remaining = abs(remaining)
        for unit in units.reversed() where unit.suffix != "w" {
            let size = Int64(unit.milliseconds)
            if remaining >= size {
                text += "\(remaining / size)\(unit.suffix)"
                remaining %= size
            }
        }
        return text
    }
}

extension Duration {
    /// The duration in whole milliseconds (rounded toward zero).
    public var totalMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    /// The duration in seconds as a floating-point number.
    public var totalSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces, tabs and newlines.
    public func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[start...end])
    }
}
