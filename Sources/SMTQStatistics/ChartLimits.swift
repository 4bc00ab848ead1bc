/// The frozen parameters of a phase II chart: what a baseline stores and what later points are judged by.
/// Attribute charts freeze their center (p-bar, c-bar, u-bar); variable charts their center line and
/// process sigma. Per-point limits still follow each point's own subgroup size.
public struct ChartLimits: Sendable, Equatable {
    public var type: String
    /// p-bar (p and np), c-bar (c) or u-bar (u).
    public var center: Double?
    /// The center line of a variable chart (X-double-bar, the individuals' mean, the EWMA/CUSUM target).
    public var target: Double?
    /// The process sigma of a variable chart.
    public var sigma: Double?
    /// Limit width in sigmas.
    public var limitSigmas: Double

    public init(type: String, center: Double? = nil, target: Double? = nil, sigma: Double? = nil, limitSigmas: Double = 3) {
        self.type = type
        self.center = center
        self.target = target
        self.sigma = sigma
        self.limitSigmas = limitSigmas
    }

    /// Phase I: the parameters a chart computed from `input` estimates (the baseline), under `options`.
    public static func baseline(_ type: String, _ input: ChartInput, _ options: ChartOptions) throws(ChartError) -> ChartLimits {
        var limits = ChartLimits(type: type, limitSigmas: options.limitSigmas)
        switch try Charts.compute(type, input, options) {
        case let .attribute(_, series):
            limits.center = series.center
            if type == "np", let size = input.rows.first?[1] { limits.center = series.center / size }
        case let .subgroups(_, sigma, xbar, _):
            (limits.target, limits.sigma) = (xbar.center, sigma)
        case let .imr(sigma, individuals, _):
            (limits.target, limits.sigma) = (individuals.center, sigma)
        case let .ewma(sigma, series):
            (limits.target, limits.sigma) = (series.center, sigma)
        case let .cusum(_, _, target, sigma, _):
            (limits.target, limits.sigma) = (target, sigma)
        case .capability:
            throw ChartError("capability has no control limits")
        }
        return limits
    }

    /// `options` with these parameters frozen in.
    public func applied(to options: ChartOptions) -> ChartOptions {
        var options = options
        options.center = center
        options.target = target
        options.sigma = sigma
        options.limitSigmas = limitSigmas
        return options
    }
}
