/// What `smtq chart` computes from: the CSV's columns and rows, and the flags.
public struct ChartInput: Sendable {
    public var header: [String]
    public var rows: [[Double]]

    public init(header: [String], rows: [[Double]]) {
        self.header = header
        self.rows = rows
    }

    func column(_ name: String) throws(ChartError) -> [Double] {
        guard let index = header.firstIndex(of: name) else {
            throw ChartError("the input has no '\(name)' column (columns: \(header.joined(separator: ", ")))")
        }
        return rows.map { $0[index] }
    }
}

public struct ChartOptions: Sendable {
    /// Limit width in sigmas.
    public var limitSigmas = 3.0
    public var lambda = 0.2
    public var k = 0.5
    public var h = 5.0
    public var target: Double?
    public var sigma: Double?
    public var lsl: Double?
    public var usl: Double?
    /// rbar, sbar or mr.
    public var within: String?
    /// A frozen (phase II) center of an attribute chart: p-bar for p and np, c-bar for c, u-bar for u.
    public var center: Double?
    /// Where the series continues from when only its latest points are given (the live engine's window).
    public var start = SeriesStart()
    /// Run rules are evaluated for the points from this offset on (earlier ones serve as history only).
    public var signalsFrom = 0

    public init() {}
}

/// Why a chart cannot be computed from this input, in a sentence.
public struct ChartError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

enum Stats {
    static func mean(_ values: [Double]) -> Double {
        values.reduce(0, +) / Double(values.count)
    }

    static func sampleSD(_ values: [Double]) -> Double {
        let average = mean(values)
        return (values.reduce(0) { $0 + ($1 - average) * ($1 - average) } / Double(values.count - 1)).squareRoot()
    }

    static func movingRanges(_ values: [Double]) -> [Double] {
        zip(values, values.dropFirst()).map { abs($1 - $0) }
    }
}
