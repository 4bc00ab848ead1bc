/// A product (program): defect opportunities, contract targets, measurement specs.
public struct ProductConfig: Sendable, Hashable {
    public var name: String
    /// Defect opportunities per unit, the DPMO denominator.
    public var opportunities: Int
    public var targets: YieldTargets
    public var measurements: [String: MeasurementSpec]
}

/// Agreed figures that reports show beside the measured ones, marking misses.
public struct YieldTargets: Sendable, Hashable {
    /// Minimum first-pass yield, 0…1.
    public var fpy: Double?
    /// Minimum final yield, 0…1.
    public var finalYield: Double?
    /// Maximum defects per million opportunities.
    public var dpmo: Double?
    /// Maximum false-call rate, 0…1.
    public var falseCallRate: Double?
    /// Minimum Cpk of every specified measurement.
    public var cpk: Double?

    public init(fpy: Double? = nil, finalYield: Double? = nil, dpmo: Double? = nil, falseCallRate: Double? = nil,
                cpk: Double? = nil) {
        self.fpy = fpy
        self.finalYield = finalYield
        self.dpmo = dpmo
        self.falseCallRate = falseCallRate
        self.cpk = cpk
    }
}

/// Spec limits of one measurement; at least one limit is given, and LSL < USL when both are.
public struct MeasurementSpec: Sendable, Hashable {
    public var name: String
    public var unit: String?
    public var lsl: Double?
    public var usl: Double?
    public var target: Double?
}
