/// The control charts and capability of `smtq chart`, by the conventions of `Tests/Reference/README.md`.
/// Pure functions of the input.
public enum Charts {
    public static let types = ["p", "np", "c", "u", "xbar-r", "xbar-s", "imr", "ewma", "cusum", "capability"]

    public static func compute(_ type: String, _ input: ChartInput, _ options: ChartOptions) throws(ChartError) -> ChartResult {
        guard !input.rows.isEmpty else { throw ChartError("the input has no rows") }
        switch type {
        case "p", "np": return try proportion(type, input, options)
        case "c": return try counts(input, options)
        case "u": return try rates(input, options)
        case "xbar-r", "xbar-s": return try subgroups(type, input, options)
        case "imr": return try individuals(input, options)
        case "ewma": return try ewma(input, options)
        case "cusum": return try cusum(input, options)
        case "capability": return try capability(input, options)
        default: throw ChartError("unknown chart '\(type)' (one of \(types.joined(separator: ", ")))")
        }
    }

    /// A series whose statistic has per-point centers and sigmas; limits c ± L·s (LCL floored at 0 if asked).
    static func series(values: [Double?], centers: [Double], sigmas: [Double], center: Double, sigma: Double?,
                       options: ChartOptions, floorAtZero: Bool, xs: [Double]? = nil) -> ChartSeries {
        let limitSigmas = options.limitSigmas
        var points: [ChartPoint] = []
        var rulePoints: [RunRules.Point] = []
        for index in values.indices {
            let ucl = centers[index] + limitSigmas * sigmas[index]
            var lcl = centers[index] - limitSigmas * sigmas[index]
            if floorAtZero { lcl = max(0, lcl) }
            points.append(ChartPoint(index: options.start.count + index + 1, value: values[index], center: centers[index], ucl: ucl, lcl: lcl,
                                     signals: [], x: xs?[index], sigma: sigmas[index]))
            rulePoints.append(RunRules.Point(value: values[index], center: centers[index], sigma: sigmas[index], ucl: ucl, lcl: lcl))
        }
        for (index, signals) in RunRules.evaluate(rulePoints, from: options.signalsFrom).enumerated() { points[index].signals = signals }
        return ChartSeries(center: center, sigma: sigma, points: points)
    }

    static func proportion(_ type: String, _ input: ChartInput, _ options: ChartOptions) throws(ChartError) -> ChartResult {
        let defectives = try input.column("defectives"), sizes = try input.column("size")
        guard sizes.allSatisfy({ $0 > 0 }) else { throw ChartError("every size must be above 0") }
        if let bad = zip(defectives, sizes).first(where: { $0.0 < 0 || $0.0 > $0.1 }) {
            throw ChartError("defectives \(bad.0) is outside 0…size \(bad.1)")
        }
        let pbar = options.center ?? ratio(defectives, sizes)
        guard pbar >= 0, pbar <= 1 else { throw ChartError("the center p-bar \(pbar) is outside 0…1") }
        if type == "np" {
            guard Set(sizes).count == 1 else { throw ChartError("an np chart needs the same size on every row; use a p chart") }
            let n = sizes[0]
            let center = n * pbar, s = (n * pbar * (1 - pbar)).squareRoot()
            return .attribute(type: type, series: series(values: defectives, centers: sizes.map { _ in center },
                                                         sigmas: sizes.map { _ in s }, center: center, sigma: nil,
                                                         options: options, floorAtZero: true))
        }
        return .attribute(type: type, series: series(
            values: zip(defectives, sizes).map { $0 / $1 }, centers: sizes.map { _ in pbar },
            sigmas: sizes.map { (pbar * (1 - pbar) / $0).squareRoot() }, center: pbar, sigma: nil,
            options: options, floorAtZero: true))
    }

    static func counts(_ input: ChartInput, _ options: ChartOptions) throws(ChartError) -> ChartResult {
        let counts = try input.column("count")
        let cbar = options.center ?? Stats.mean(counts)
        return .attribute(type: "c", series: series(values: counts, centers: counts.map { _ in cbar },
                                                    sigmas: counts.map { _ in cbar.squareRoot() }, center: cbar, sigma: nil,
                                                    options: options, floorAtZero: true))
    }

    static func rates(_ input: ChartInput, _ options: ChartOptions) throws(ChartError) -> ChartResult {
        let counts = try input.column("count"), sizes = try input.column("size")
        guard sizes.allSatisfy({ $0 > 0 }) else { throw ChartError("every size must be above 0") }
        let ubar = options.center ?? ratio(counts, sizes)
        return .attribute(type: "u", series: series(values: zip(counts, sizes).map { $0 / $1 }, centers: sizes.map { _ in ubar },
                                                    sigmas: sizes.map { (ubar / $0).squareRoot() }, center: ubar, sigma: nil,
                                                    options: options, floorAtZero: true))
    }

    static func subgroupSize(_ input: ChartInput) throws(ChartError) -> Int {
        let n = input.header.count
        guard SPCConstants.sizes.contains(n) else { throw ChartError("subgroups of \(n) values; X-bar charts take 2 to 25") }
        return n
    }

    static func subgroups(_ type: String, _ input: ChartInput, _ options: ChartOptions) throws(ChartError) -> ChartResult {
        let n = try subgroupSize(input)
        let means = input.rows.map(Stats.mean)
        let useRange = type == "xbar-r"
        let spreads = input.rows.map { useRange ? ($0.max()! - $0.min()!) : Stats.sampleSD($0) }
        let spreadBar = Stats.mean(spreads)
        let c4 = SPCConstants.c4(n), d2 = SPCConstants.d2(n), d3 = SPCConstants.d3(n)
        let sigma = options.sigma ?? (useRange ? spreadBar / d2 : spreadBar / c4)
        guard sigma > 0 else { throw ChartError(Self.noSpread) }
        let grand = options.target ?? Stats.mean(means)
        let xbarSigma = sigma / Double(n).squareRoot()
        let spreadCenter = options.sigma == nil ? spreadBar : (useRange ? d2 * sigma : c4 * sigma)
        let spreadSigma = useRange ? d3 * sigma : sigma * (1 - c4 * c4).squareRoot()
        let xbar = series(values: means, centers: means.map { _ in grand }, sigmas: means.map { _ in xbarSigma }, center: grand,
                          sigma: xbarSigma, options: options, floorAtZero: false)
        let spread = series(values: spreads, centers: spreads.map { _ in spreadCenter }, sigmas: spreads.map { _ in spreadSigma },
                            center: spreadCenter, sigma: spreadSigma, options: options, floorAtZero: true)
        return .subgroups(type: type, sigma: sigma, xbar: xbar, spread: spread)
    }

    /// Sum of `numerators` over sum of `sizes` (p-bar, u-bar).
    static func ratio(_ numerators: [Double], _ sizes: [Double]) -> Double {
        numerators.reduce(0, +) / sizes.reduce(0, +)
    }

    /// MR-bar / d2(2) of the observations.
    static func movingRangeSigma(_ values: [Double]) throws(ChartError) -> Double {
        guard values.count >= 2 else { throw ChartError("at least 2 observations are needed to estimate sigma") }
        return Stats.mean(Stats.movingRanges(values)) / SPCConstants.d2(2)
    }

    static let noSpread = "the data has no spread (sigma estimates to 0, so every limit would equal the center); give --sigma or data that varies"

    /// `--sigma` when given, else MR-bar / d2(2); a zero estimate is refused.
    static func sigmaOrEstimate(_ options: ChartOptions, _ values: [Double]) throws(ChartError) -> Double {
        if let sigma = options.sigma { return sigma }
        let sigma = try movingRangeSigma(values)
        guard sigma > 0 else { throw ChartError(noSpread) }
        return sigma
    }

    static func individuals(_ input: ChartInput, _ options: ChartOptions) throws(ChartError) -> ChartResult {
        let values = try input.column("value")
        let sigma = try sigmaOrEstimate(options, values)
        let center = options.target ?? Stats.mean(values)
        let ranges = Stats.movingRanges(values)
        let mrCenter = options.sigma == nil ? Stats.mean(ranges) : SPCConstants.d2(2) * sigma
        let firstRange = options.start.previous.map { abs(values[0] - $0) }
        let mrSigma = SPCConstants.d3(2) * sigma
        let individuals = series(values: values, centers: values.map { _ in center }, sigmas: values.map { _ in sigma },
                                 center: center, sigma: sigma, options: options, floorAtZero: false)
        let movingRange = series(values: [firstRange] + ranges, centers: values.map { _ in mrCenter }, sigmas: values.map { _ in mrSigma },
                                 center: mrCenter, sigma: mrSigma, options: options, floorAtZero: true)
        return .imr(sigma: sigma, individuals: individuals, movingRange: movingRange)
    }

    static func ewma(_ input: ChartInput, _ options: ChartOptions) throws(ChartError) -> ChartResult {
        let values = try input.column("value")
        let lambda = options.lambda
        guard lambda > 0, lambda <= 1 else { throw ChartError("--lambda \(lambda) is outside (0, 1]") }
        let sigma = try sigmaOrEstimate(options, values)
        let target = options.target ?? Stats.mean(values)
        var z = options.start.ewma ?? target
        var decay = options.start.ewmaDecay
        var zs: [Double] = [], sigmas: [Double] = []
        for value in values {
            (z, decay) = SeriesStart.ewmaStep(z: z, decay: decay, x: value, lambda: lambda)
            zs.append(z)
            sigmas.append(sigma * (lambda / (2 - lambda) * (1 - decay)).squareRoot())
        }
        return .ewma(sigma: sigma, series: series(values: zs, centers: values.map { _ in target }, sigmas: sigmas, center: target,
                                                  sigma: sigma, options: options, floorAtZero: false, xs: values))
    }

    static func cusum(_ input: ChartInput, _ options: ChartOptions) throws(ChartError) -> ChartResult {
        let values = try input.column("value")
        let sigma = try sigmaOrEstimate(options, values)
        let target = options.target ?? Stats.mean(values)
        let bigK = options.k * sigma, bigH = options.h * sigma
        var upper = options.start.cusumUpper, lower = options.start.cusumLower
        var points: [CusumPoint] = []
        for (index, value) in values.enumerated() {
            (upper, lower) = SeriesStart.cusumStep(upper: upper, lower: lower, x: value, target: target, bigK: bigK)
            var signals: [String] = []
            if upper > bigH { signals.append("cusum_upper") }
            if lower > bigH { signals.append("cusum_lower") }
            points.append(CusumPoint(index: options.start.count + index + 1, x: value, cplus: upper, cminus: lower, signals: signals))
        }
        return .cusum(k: options.k, h: options.h, target: target, sigma: sigma, points: points)
    }

    static func capability(_ input: ChartInput, _ options: ChartOptions) throws(ChartError) -> ChartResult {
        guard let lsl = options.lsl, let usl = options.usl else {
            throw ChartError("capability needs both --lsl and --usl")
        }
        guard lsl < usl else { throw ChartError("--lsl \(lsl) must be below --usl \(usl)") }
        let individualsInput = input.header == ["value"]
        let all = input.rows.flatMap { $0 }
        guard all.count >= 2 else { throw ChartError("capability needs at least 2 values") }
        let method = options.within ?? (individualsInput ? "mr" : "rbar")
        let sigmaWithin: Double
        switch (method, individualsInput) {
        case ("mr", true): sigmaWithin = try movingRangeSigma(all)
        case ("rbar", false):
            let n = try subgroupSize(input)
            sigmaWithin = Stats.mean(input.rows.map { $0.max()! - $0.min()! }) / SPCConstants.d2(n)
        case ("sbar", false):
            let n = try subgroupSize(input)
            sigmaWithin = Stats.mean(input.rows.map(Stats.sampleSD)) / SPCConstants.c4(n)
        case ("mr", false): throw ChartError("--within mr is for individual values (a 'value' column)")
        default: throw ChartError("--within \(method) needs subgroups (columns x1…xn); individual values use mr")
        }
        let mean = Stats.mean(all), overall = Stats.sampleSD(all)
        guard sigmaWithin > 0, overall > 0 else { throw ChartError("the data has no spread; capability is undefined") }
        return .capability(CapabilityResult(
            n: all.count, mean: mean, sigmaWithin: sigmaWithin, sigmaOverall: overall,
            cp: (usl - lsl) / (6 * sigmaWithin), cpk: min(usl - mean, mean - lsl) / (3 * sigmaWithin),
            pp: (usl - lsl) / (6 * overall), ppk: min(usl - mean, mean - lsl) / (3 * overall),
            lsl: lsl, usl: usl, withinMethod: method))
    }
}
