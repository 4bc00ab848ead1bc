/// Phase I limits kept as running sums over every closed subgroup, so that a live chart without a stored
/// baseline judges each new point by the same center and sigma a batch chart over all points so far would
/// estimate (the sums are added in the same order as the batch formulas add them). EWMA and CUSUM depend on
/// their target from the first point on, so they have no running estimate and need a stored baseline.
public struct PhaseOneEstimate: Sendable, Equatable {
    public let type: String
    public private(set) var subgroups = 0
    private var defectives = 0.0
    private var sizes = 0.0
    private var counts = 0.0
    private var means = 0.0
    private var spreads = 0.0
    private var movingRanges = 0.0
    private var previous: Double?
    private var size = 0

    public init(type: String) {
        self.type = type
    }

    /// Adds one closed subgroup.
    public mutating func add(_ subgroup: Subgroup) {
        subgroups += 1
        defectives += Double(subgroup.fails)
        sizes += Double(subgroup.tests)
        counts += Double(subgroup.defects)
        guard let first = subgroup.values.first else { return }
        size = subgroup.values.count
        means += type == "imr" ? first : Stats.mean(subgroup.values)
        if type == "xbar-r" { spreads += subgroup.values.max()! - subgroup.values.min()! }
        if type == "xbar-s" { spreads += Stats.sampleSD(subgroup.values) }
        if type == "imr" {
            if let previous { movingRanges += abs(first - previous) }
            previous = first
        }
    }

    /// The limits estimated so far; nil until there is enough data with some spread (or for EWMA and CUSUM).
    public func limits(limitSigmas: Double) -> ChartLimits? {
        guard subgroups > 0 else { return nil }
        let k = Double(subgroups)
        switch type {
        case "p", "np":
            guard sizes > 0 else { return nil }
            return ChartLimits(type: type, center: defectives / sizes, limitSigmas: limitSigmas)
        case "c": return ChartLimits(type: type, center: counts / k, limitSigmas: limitSigmas)
        case "u":
            guard sizes > 0 else { return nil }
            return ChartLimits(type: type, center: counts / sizes, limitSigmas: limitSigmas)
        case "xbar-r", "xbar-s":
            guard SPCConstants.sizes.contains(size) else { return nil }
            let divisor = type == "xbar-r" ? SPCConstants.d2(size) : SPCConstants.c4(size)
            guard spreads > 0 else { return nil }
            return ChartLimits(type: type, target: means / k, sigma: spreads / k / divisor, limitSigmas: limitSigmas)
        case "imr":
            guard subgroups >= 2, movingRanges > 0 else { return nil }
            return ChartLimits(type: type, target: means / k, sigma: movingRanges / (k - 1) / SPCConstants.d2(2),
                               limitSigmas: limitSigmas)
        default:
            return nil
        }
    }
}
