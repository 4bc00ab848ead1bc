/// The state of a chart series before its first given point, so that a chart computed over only the latest
/// points (the live engine's window) equals the same points of the chart over the whole series.
public struct SeriesStart: Sendable, Equatable {
    /// Points before the window; the window's first point has index `count + 1`.
    public var count = 0
    /// I-MR: the observation just before the window (its moving range needs it).
    public var previous: Double?
    /// EWMA: z before the window; nil means the series starts at the target.
    public var ewma: Double?
    /// EWMA: (1 - lambda)^(2·count), the factor of the time-varying limits.
    public var ewmaDecay = 1.0
    /// CUSUM: the upper and lower sums before the window.
    public var cusumUpper = 0.0
    public var cusumLower = 0.0

    public init() {}

    /// One EWMA step: the new z and decay factor after observation `x`.
    static func ewmaStep(z: Double, decay: Double, x: Double, lambda: Double) -> (z: Double, decay: Double) {
        (lambda * x + (1 - lambda) * z, decay * (1 - lambda) * (1 - lambda))
    }

    /// One tabular CUSUM step with reference value `bigK` (in data units).
    static func cusumStep(upper: Double, lower: Double, x: Double, target: Double, bigK: Double) -> (upper: Double, lower: Double) {
        (max(0, x - (target + bigK) + upper), max(0, (target - bigK) - x + lower))
    }

    /// The state after one more point leaves the window: `value` is the plotted observation (individual
    /// charts) and `options` the chart's frozen parameters (target, sigma, lambda, k).
    public mutating func advance(past value: Double?, options: ChartOptions) {
        count += 1
        guard let value else { return }
        previous = value
        if let target = options.target {
            (ewma, ewmaDecay) = Self.ewmaStep(z: ewma ?? target, decay: ewmaDecay, x: value, lambda: options.lambda)
            if let sigma = options.sigma {
                (cusumUpper, cusumLower) = Self.cusumStep(upper: cusumUpper, lower: cusumLower, x: value, target: target,
                                                          bigK: options.k * sigma)
            }
        }
    }
}
