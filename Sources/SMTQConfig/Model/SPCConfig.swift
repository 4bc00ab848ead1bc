/// The control charts the live engine keeps.
public struct SPCConfig: Sendable, Hashable {
    public var charts: [ChartConfig]

    public init(charts: [ChartConfig] = []) {
        self.charts = charts
    }
}

/// One control chart over one line/station (optionally one program).
public struct ChartConfig: Sendable, Hashable {
    public var name: String
    public var type: ChartType
    public var line: String
    public var station: String
    public var program: String?
    /// The measurement plotted by variable charts.
    public var measurement: String?
    public var subgroup: Subgrouping?
    public var rules: [RunRule]
    /// Limit width in sigmas.
    public var limitSigmas: Double
    /// EWMA weight.
    public var lambda: Double
    /// CUSUM reference value and decision interval, in sigmas.
    public var cusumK: Double
    public var cusumH: Double

    public init(name: String, type: ChartType, line: String, station: String, program: String? = nil,
                measurement: String? = nil, subgroup: Subgrouping? = nil, rules: [RunRule] = [.nelson1],
                limitSigmas: Double = 3, lambda: Double = 0.2, cusumK: Double = 0.5, cusumH: Double = 5) {
        self.name = name
        self.type = type
        self.line = line
        self.station = station
        self.program = program
        self.measurement = measurement
        self.subgroup = subgroup
        self.rules = rules
        self.limitSigmas = limitSigmas
        self.lambda = lambda
        self.cusumK = cusumK
        self.cusumH = cusumH
    }
}

public enum ChartType: String, Sendable, Hashable, CaseIterable {
    case p, np, c, u
    case xbarR = "xbar-r"
    case xbarS = "xbar-s"
    case imr, ewma, cusum

    public var isAttribute: Bool { [.p, .np, .c, .u].contains(self) }
    public var needsSubgroups: Bool { isAttribute || self == .xbarR || self == .xbarS }
}

/// How units or measurements are grouped into chart points.
public enum Subgrouping: Sendable, Hashable {
    /// Fixed time buckets, e.g. every hour.
    case every(Duration)
    /// A fixed number of consecutive units (or measurements).
    case units(Int)
    /// One subgroup per shift.
    case shift
}

/// Run rules by their ids in the reference README.
public enum RunRule: String, Sendable, Hashable, CaseIterable {
    case nelson1, nelson2, nelson3, nelson4, nelson5, nelson6, nelson7, nelson8
    case we1, we2, we3, we4
}
