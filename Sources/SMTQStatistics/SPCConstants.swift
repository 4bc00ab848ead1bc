import Foundation

/// Control chart constants for subgroup sizes 2…25, computed (not typed in): c4 from the exact Gamma ratio,
/// d2 and d3 (mean and standard deviation of the range of n standard normals) by Gauss–Legendre panels,
/// rounded to 12 decimals as in `Tests/Reference/constants.csv`; A2, A3, B3, B4, D3, D4 derived from them.
public enum SPCConstants {
    public static let sizes = 2...25

    public struct Row: Sendable, Equatable {
        public var n: Int
        public var d2, d3, c4, a2, a3, b3, b4, lowerD3, upperD4: Double
    }

    public static func row(_ n: Int) -> Row? {
        guard sizes.contains(n) else { return nil }
        lock.lock()
        defer { lock.unlock() }
        if let known = rows[n] { return known }
        let (d2, d3) = rangeMoments(n)
        let c4 = c4Exact(n)
        let root = Double(n).squareRoot()
        let spread = (1 - c4 * c4).squareRoot() / c4
        let row = Row(n: n, d2: d2, d3: d3, c4: c4, a2: 3 / (d2 * root), a3: 3 / (c4 * root),
                      b3: max(0, 1 - 3 * spread), b4: 1 + 3 * spread,
                      lowerD3: max(0, 1 - 3 * d3 / d2), upperD4: 1 + 3 * d3 / d2)
        rows[n] = row
        return row
    }

    public static func d2(_ n: Int) -> Double { row(n)!.d2 }
    public static func d3(_ n: Int) -> Double { row(n)!.d3 }
    public static func c4(_ n: Int) -> Double { row(n)!.c4 }

    /// Rows are computed when first asked for (a chart needs one or two sizes) and kept.
    nonisolated(unsafe) private static var rows: [Int: Row] = [:]
    private static let lock = NSLock()

    /// c4(n) = sqrt(2/(n−1)) Γ(n/2)/Γ((n−1)/2), the Gamma ratio from factorials (exact in Double up to n = 25).
    static func c4Exact(_ n: Int) -> Double {
        func factorial(_ k: Int) -> Double { k <= 1 ? 1 : (2...k).reduce(1.0) { $0 * Double($1) } }
        let ratio: Double
        if n % 2 == 0 {
            let m = n / 2 - 1
            ratio = factorial(m) * pow(4, Double(m)) * factorial(m) / factorial(2 * m) / Double.pi.squareRoot()
        } else {
            let m = (n - 1) / 2
            ratio = factorial(2 * m) / (pow(4, Double(m)) * factorial(m) * factorial(m - 1)) * Double.pi.squareRoot()
        }
        return (2 / Double(n - 1)).squareRoot() * ratio
    }

    /// Gauss–Legendre nodes and weights of `order` on [-1, 1] (Newton's method on the Legendre polynomial).
    static func gaussLegendre(_ order: Int) -> [(node: Double, weight: Double)] {
        (1...order).map { i in
            var x = cos(Double.pi * (Double(i) - 0.25) / (Double(order) + 0.5))
            var derivative = 0.0
            for _ in 0..<100 {
                var (p0, p1) = (1.0, x)
                for k in 2...order {
                    (p0, p1) = (p1, ((2 * Double(k) - 1) * x * p1 - (Double(k) - 1) * p0) / Double(k))
                }
                derivative = Double(order) * (x * p1 - p0) / (x * x - 1)
                let step = p1 / derivative
                x -= step
                if abs(step) < 1e-16 { break }
            }
            return (x, 2 / ((1 - x * x) * derivative * derivative))
        }
    }

    static func panels(_ lower: Double, _ upper: Double, _ count: Int, _ order: Int) -> [(Double, Double)] {
        let rule = gaussLegendre(order)
        let width = (upper - lower) / Double(count)
        return (0..<count).flatMap { panel -> [(Double, Double)] in
            let start = lower + Double(panel) * width, half = width / 2
            return rule.map { (start + half * ($0.node + 1), half * $0.weight) }
        }
    }

    static func cdf(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }
    static func survival(_ x: Double) -> Double { 0.5 * erfc(x / 2.0.squareRoot()) }

    /// The integration grid: Gauss–Legendre panels on [-12, 12] for x and [0, 16] for the range w, with Φ
    /// precomputed (both integrands decay like a normal density, so the truncation is far below 1e-15).
    private struct Grid {
        var xWeights: [Double] = [], wWeights: [Double] = []
        var cdfX: [Double] = [], sfX: [Double] = []
        /// Φ(x+w) and Φ(x+w) − Φ(x) (by survival functions for x > 0), row-major by x.
        var cdfXW: [Double] = [], band: [Double] = []
    }

    private static let grid: Grid = {
        var grid = Grid()
        let xs = panels(-12, 12, 96, 20), ws = panels(0, 16, 64, 20)
        grid.xWeights = xs.map(\.1)
        grid.wWeights = ws.map(\.1)
        grid.cdfX = xs.map { cdf($0.0) }
        grid.sfX = xs.map { survival($0.0) }
        for (i, (x, _)) in xs.enumerated() {
            for (w, _) in ws {
                let upper = cdf(x + w)
                grid.cdfXW.append(upper)
                grid.band.append(x > 0 ? grid.sfX[i] - survival(x + w) : upper - grid.cdfX[i])
            }
        }
        return grid
    }()

    /// d2 = ∫ 1 − Φ(x)^n − (1 − Φ(x))^n dx; E[R²] = 2 ∬_{w≥0} 1 − Φ(x+w)^n − (1−Φ(x))^n + (Φ(x+w) − Φ(x))^n,
    /// d3 = sqrt(E[R²] − d2²); both rounded to 12 decimals.
    static func rangeMoments(_ n: Int) -> (Double, Double) {
        let grid = self.grid
        let power = Double(n)
        let columns = grid.wWeights.count
        var d2 = 0.0
        for i in grid.xWeights.indices {
            d2 += grid.xWeights[i] * (1 - pow(grid.cdfX[i], power) - pow(grid.sfX[i], power))
        }
        var secondMoment = 0.0
        grid.cdfXW.withUnsafeBufferPointer { cdfXW in
            grid.band.withUnsafeBufferPointer { band in
                var inner = [Double](repeating: 0, count: columns)
                for i in grid.xWeights.indices {
                    let weight = grid.xWeights[i], tail = pow(grid.sfX[i], power)
                    let row = i * columns
                    for j in 0..<columns {
                        inner[j] += weight * (1 - pow(cdfXW[row + j], power) - tail + pow(band[row + j], power))
                    }
                }
                for j in 0..<columns { secondMoment += grid.wWeights[j] * inner[j] }
            }
        }
        secondMoment *= 2
        let round12 = { (value: Double) in (value * 1e12).rounded() / 1e12 }
        return (round12(d2), round12((secondMoment - d2 * d2).squareRoot()))
    }
}
