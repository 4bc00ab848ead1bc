/// A Pareto table: categories by count, largest first, with percent and cumulative percent. Pure.
public enum Pareto {
    public struct Row: Sendable, Equatable {
        public var key: String
        public var count: Int
        /// Share of the total, 0…100.
        public var percent: Double
        /// Running share up to and including this row, 0…100 (exactly 100 on the last row).
        public var cumulativePercent: Double
    }

    /// Counts `keys` (defect codes, reference designators, parts, stations …); ties are ordered by key so the
    /// table is the same every time. An empty input gives an empty table.
    public static func table(_ keys: some Sequence<String>) -> [Row] {
        var counts: [String: Int] = [:]
        for key in keys { counts[key, default: 0] += 1 }
        return table(counts: counts)
    }

    public static func table(counts: [String: Int]) -> [Row] {
        let total = counts.values.reduce(0, +)
        guard total > 0 else { return [] }
        var running = 0
        return counts.filter { $0.value > 0 }.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { key, count in
            running += count
            return Row(key: key, count: count, percent: 100 * Double(count) / Double(total),
                       cumulativePercent: running == total ? 100 : 100 * Double(running) / Double(total))
        }
    }
}
