/// A chart point the live engine closed: its value, center and limits, and the run-rule signals it carries.
/// The alert layer turns points with signals into alerts.
public struct LivePoint: Sendable, Equatable {
    /// The chart's name in `spc.charts`.
    public var chart: String
    /// The plotted series: `points` (p, np, c, u, ewma), `xbar`, `range`, `stdev`, `individuals`,
    /// `moving_range` or `cusum`.
    public var series: String
    /// The point's 1-based number in the chart's series (which starts at the baseline's start, or at the
    /// first stored data without a baseline).
    public var index: Int
    /// The subgroup's time span (microseconds since 1970 UTC) and shift name, if any.
    public var start: Int64
    public var end: Int64
    public var shift: String?
    public var value: Double?
    public var center: Double
    public var ucl: Double
    public var lcl: Double
    /// Enabled run rules (`nelson1`…`we4`) the point completes, or `cusum_upper`/`cusum_lower`.
    public var signals: [String]
    /// Whether the limits are a stored baseline (phase II) or estimated from all points so far (phase I).
    public var phase: Phase

    public enum Phase: String, Sendable {
        case baseline
        case estimated
    }
}

/// What the engine knows about one chart, for `smtq status` and logs.
public struct ChartStatus: Sendable, Equatable {
    public var chart: String
    public var points: Int
    public var signals: Int
    /// Events older than the chart's open subgroup when they arrived (not charted live; reports include them).
    public var lateEvents: Int
    /// Events dated more than an hour ahead of the host's clock (not charted live).
    public var futureEvents: Int
    public var phase: LivePoint.Phase?
    /// Why the chart evaluates nothing yet, if it does not.
    public var waiting: String?
}
