/// A computed chart in the output schema of `Tests/Reference/README.md` (what `smtq chart --format json`
/// writes): one or two series of points, or CUSUM sums, or capability indices.
public struct ChartPoint: Sendable, Equatable {
    public var index: Int
    public var value: Double?
    public var center: Double
    public var ucl: Double
    public var lcl: Double
    public var signals: [String]
    /// EWMA: the observation behind the plotted z.
    public var x: Double?
    /// The statistic's standard deviation at this point (zones), not part of the output.
    public var sigma: Double

    public init(index: Int, value: Double?, center: Double, ucl: Double, lcl: Double, signals: [String], x: Double? = nil,
                sigma: Double) {
        self.index = index
        self.value = value
        self.center = center
        self.ucl = ucl
        self.lcl = lcl
        self.signals = signals
        self.x = x
        self.sigma = sigma
    }
}

/// One plotted series with its center line and the standard deviation of the plotted statistic.
public struct ChartSeries: Sendable, Equatable {
    public var center: Double
    public var sigma: Double?
    public var points: [ChartPoint]

    public init(center: Double, sigma: Double?, points: [ChartPoint]) {
        self.center = center
        self.sigma = sigma
        self.points = points
    }
}

public struct CusumPoint: Sendable, Equatable {
    public var index: Int
    public var x: Double
    public var cplus: Double
    public var cminus: Double
    public var signals: [String]
}

public struct CapabilityResult: Sendable, Equatable {
    public var n: Int
    public var mean: Double
    public var sigmaWithin: Double
    public var sigmaOverall: Double
    public var cp: Double
    public var cpk: Double
    public var pp: Double
    public var ppk: Double
    public var lsl: Double
    public var usl: Double
    public var withinMethod: String
}

/// The result of one `smtq chart` computation.
public enum ChartResult: Sendable, Equatable {
    /// p, np, c, u.
    case attribute(type: String, series: ChartSeries)
    /// xbar-r / xbar-s: the process sigma, the X-bar series and the range or stdev series.
    case subgroups(type: String, sigma: Double, xbar: ChartSeries, spread: ChartSeries)
    case imr(sigma: Double, individuals: ChartSeries, movingRange: ChartSeries)
    case ewma(sigma: Double, series: ChartSeries)
    case cusum(k: Double, h: Double, target: Double, sigma: Double, points: [CusumPoint])
    case capability(CapabilityResult)
}

extension ChartResult {
    /// The chart without its first `count` points (each keeps its index in the whole series).
    public func droppingFirst(_ count: Int) -> ChartResult {
        func drop(_ series: ChartSeries) -> ChartSeries {
            ChartSeries(center: series.center, sigma: series.sigma, points: Array(series.points.dropFirst(count)))
        }
        switch self {
        case let .attribute(type, series): return .attribute(type: type, series: drop(series))
        case let .subgroups(type, sigma, xbar, spread): return .subgroups(type: type, sigma: sigma, xbar: drop(xbar), spread: drop(spread))
        case let .imr(sigma, individuals, movingRange): return .imr(sigma: sigma, individuals: drop(individuals), movingRange: drop(movingRange))
        case let .ewma(sigma, series): return .ewma(sigma: sigma, series: drop(series))
        case let .cusum(k, h, target, sigma, points): return .cusum(k: k, h: h, target: target, sigma: sigma, points: Array(points.dropFirst(count)))
        case .capability: return self
        }
    }
}
