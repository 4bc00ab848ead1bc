/// Plans the reads of one poll: ranges of registers merged into as few requests as the device allows.
public enum RequestPlanner {
    /// Merges `ranges` (sorted or not) when the gap between them is at most `maxGap` registers and the merged
    /// read stays within `maxPerRequest`; splits a range longer than `maxPerRequest`. With `separate`, every
    /// range is read on its own (split if too long).
    public static func plan(_ ranges: [Range<Int>], maxPerRequest: Int, maxGap: Int = 0, separate: Bool = false) -> [Range<Int>] {
        let limit = max(1, maxPerRequest)
        var requests: [Range<Int>] = []
        for range in ranges.filter({ !$0.isEmpty }).sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if !separate, let last = requests.last, range.lowerBound - last.upperBound <= maxGap,
               max(last.upperBound, range.upperBound) - last.lowerBound <= limit {
                requests[requests.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
                continue
            }
            var start = range.lowerBound
            if !separate, let last = requests.last, start < last.upperBound { start = last.upperBound }
            while start < range.upperBound {
                let end = min(range.upperBound, start + limit)
                requests.append(start..<end)
                start = end
            }
        }
        return requests
    }
}

/// Registers read in one poll: the answers of its requests, each kept as read.
public struct RegisterImage: Sendable {
    private var chunks: [(start: Int, values: [UInt16])] = []

    public init() {}

    public mutating func store(_ values: [UInt16], at address: Int) {
        chunks.append((address, values))
    }

    /// One register, or nil when it was not read (no array is made: the FIFO poll reads SEQ and PENDING so).
    public func word(at address: Int) -> UInt16? {
        for chunk in chunks where chunk.start <= address && address < chunk.start + chunk.values.count {
            return chunk.values[address - chunk.start]
        }
        return nil
    }

    /// The registers of `range`, or nil when any was not read.
    public subscript(range: Range<Int>) -> [UInt16]? {
        if let chunk = chunks.first(where: { $0.start <= range.lowerBound && range.upperBound <= $0.start + $0.values.count }) {
            return Array(chunk.values[(range.lowerBound - chunk.start)..<(range.upperBound - chunk.start)])
        }
        var result: [UInt16] = []
        result.reserveCapacity(range.count)
        for address in range {
            guard let chunk = chunks.first(where: { $0.start <= address && address < $0.start + $0.values.count }) else { return nil }
            result.append(chunk.values[address - chunk.start])
        }
        return result
    }
}
