import Foundation

/// The scope one alert is about, beyond its rule: where it happened and, for some kinds, what.
public struct AlertScope: Sendable, Hashable, Codable {
    public var line: String?
    public var station: String?
    public var program: String?
    public var device: String?
    public var chart: String?
    public var series: String?
    public var refdes: String?
    public var code: String?

    public init(line: String? = nil, station: String? = nil, program: String? = nil, device: String? = nil,
                chart: String? = nil, series: String? = nil, refdes: String? = nil, code: String? = nil) {
        self.line = line
        self.station = station
        self.program = program
        self.device = device
        self.chart = chart
        self.series = series
        self.refdes = refdes
        self.code = code
    }

    /// The parts that name the scope, in a fixed order (the deduplication key's tail).
    public var parts: [String] {
        [line, station, program, device, chart, series, refdes, code].map { $0 ?? "" }
    }
}
