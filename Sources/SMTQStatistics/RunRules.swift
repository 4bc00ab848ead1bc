/// The Western Electric and Nelson run rules, per point, with the conventions of
/// `Tests/Reference/README.md`: zones from each point's own center and sigma, strict comparisons,
/// a signal on every point that completes a pattern, points without a value skipped.
public enum RunRules {
    /// Signal ids in reporting order.
    public static let order = ["nelson1", "nelson2", "nelson3", "nelson4", "nelson5", "nelson6", "nelson7", "nelson8",
                               "we1", "we2", "we3", "we4"]

    /// One plotted point as the rules see it.
    public struct Point: Sendable {
        public var value: Double?
        public var center: Double
        public var sigma: Double
        public var ucl: Double
        public var lcl: Double

        public init(value: Double?, center: Double, sigma: Double, ucl: Double, lcl: Double) {
            self.value = value
            self.center = center
            self.sigma = sigma
            self.ucl = ucl
            self.lcl = lcl
        }

        func above(_ k: Double) -> Bool { value! > center + k * sigma }
        func below(_ k: Double) -> Bool { value! < center - k * sigma }
        var side: Int { value! > center ? 1 : (value! < center ? -1 : 0) }
    }

    /// The signals of every point, in `order`; `enabled` limits them (nil: all). Points before `from` are
    /// only looked at as history, their own signals left empty (the live engine needs the newest point's).
    public static func evaluate(_ points: [Point], enabled: Set<String>? = nil, from: Int = 0) -> [[String]] {
        var signals = [[String]](repeating: [], count: points.count)
        let present = points.indices.filter { points[$0].value != nil }
        for (position, index) in present.enumerated() where index >= from {
            let point = points[index]
            func window(_ size: Int) -> [Point]? {
                guard position + 1 >= size else { return nil }
                return present[(position + 1 - size)...position].map { points[$0] }
            }
            var fired: Set<String> = []
            if point.value! > point.ucl || point.value! < point.lcl { fired.formUnion(["nelson1", "we1"]) }
            if let run = window(9), sameSide(run) { fired.insert("nelson2") }
            if let run = window(8), sameSide(run) { fired.insert("we4") }
            if let run = window(6) {
                let steps = zip(run, run.dropFirst()).map { $1.value! - $0.value! }
                if steps.allSatisfy({ $0 > 0 }) || steps.allSatisfy({ $0 < 0 }) { fired.insert("nelson3") }
            }
            if let run = window(14) {
                let steps = zip(run, run.dropFirst()).map { $1.value! - $0.value! }
                let alternating = steps.allSatisfy { $0 != 0 }
                    && zip(steps, steps.dropFirst()).allSatisfy { ($0 > 0) != ($1 > 0) }
                if alternating { fired.insert("nelson4") }
            }
            if let run = window(3), countBeyond(run, 2, point) >= 2 { fired.formUnion(["nelson5", "we2"]) }
            if let run = window(5), countBeyond(run, 1, point) >= 4 { fired.formUnion(["nelson6", "we3"]) }
            if let run = window(15), run.allSatisfy({ !$0.above(1) && !$0.below(1) }) { fired.insert("nelson7") }
            if let run = window(8), run.allSatisfy({ $0.above(1) || $0.below(1) }) { fired.insert("nelson8") }
            signals[index] = order.filter { fired.contains($0) && (enabled?.contains($0) ?? true) }
        }
        return signals
    }

    private static func sameSide(_ run: [Point]) -> Bool {
        let side = run[0].side
        return side != 0 && run.allSatisfy { $0.side == side }
    }

    /// How many points of `run` are beyond `k` sigma on the side the last point is beyond (0 when it is not).
    private static func countBeyond(_ run: [Point], _ k: Double, _ last: Point) -> Int {
        if last.above(k) { return run.filter { $0.above(k) }.count }
        if last.below(k) { return run.filter { $0.below(k) }.count }
        return 0
    }
}
