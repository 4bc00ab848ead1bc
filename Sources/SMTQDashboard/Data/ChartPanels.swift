import Foundation
import GRDB
import SMTQConfig
import SMTQReports
import SMTQStatistics
import SMTQStore

/// A chart as a page shows it: the SVG from the report renderer, or why there is none yet.
struct ChartView: Sendable {
    var chart: ChartConfig
    var caption: String
    var svg: String?
    var points: Int
    var signals: Int
}

/// The configured charts over their latest points, drawn by `ChartSVG` (the one renderer `smtq report`
/// uses), judged as `smtq report spc` judges them (stored phase II limits when the chart has them).
enum ChartPanels {
    /// Charts a viewer may see: all for the plant; for a customer, charts limited to one of its products (a
    /// chart over all programs mixes other customers' units).
    static func visible(_ viewer: Viewer, _ configuration: SMTQConfig.Configuration) -> [ChartConfig] {
        configuration.spc.charts.filter { chart in viewer.isPlant || chart.program.map { viewer.sees(program: $0) } == true }
    }

    /// The alerts charts are drawn with and the chart page lists: the viewer's of the last 30 days (each view of a
    /// chart, first paint and live, reads the same ones).
    static func recentAlerts(_ db: Database, viewer: Viewer, now: Date) throws -> [AlertListRow] {
        try AlertStore.list(since: now.addingTimeInterval(-30 * 86_400), programs: viewer.programs, limit: 500, db)
    }

    /// What the chart page says when a chart has no alerts in that window.
    static let noAlerts = "No alerts on this chart in the last 30 days."

    static func title(_ chart: ChartConfig) -> String {
        "\(chart.name) — \(chart.type.rawValue) \(chart.line)/\(chart.station)"
            + (chart.program.map { " \($0)" } ?? "") + (chart.measurement.map { " \($0)" } ?? "")
    }

    /// The window that holds about `points` of the chart's latest points (nil: all of it).
    static func since(_ db: Database, _ chart: ChartConfig, points: Int, time: TimeConfig, now: Date) throws -> Int64? {
        let quarter = StoreSchema.bucketMicroseconds
        func quarterFloor(_ value: Int64) -> Int64 { value - ((value % quarter) + quarter) % quarter }
        switch chart.subgroup {
        case let .every(length)?:
            let span = Int64(length.totalMilliseconds) * 1000 * Int64(points + 1)
            return quarterFloor(now.storeMicroseconds - span)
        case .shift?:
            let days = points / max(1, time.shifts.count) + 2
            return quarterFloor(now.storeMicroseconds - Int64(days) * 86_400_000_000)
        case let .units(size)?:
            return try LatestUnitQuery.time(db, line: chart.line, station: chart.station, program: chart.program, offset: points * size - 1)
        case nil:
            return try LatestUnitQuery.time(db, line: chart.line, station: chart.station, program: chart.program, offset: points - 1)
        }
    }

    /// The chart over its latest `points` subgroups, or over `since`..`until`: one window for every dashboard
    /// view of a chart (line page, chart page, `/api/charts`), so all show the same phase I limits.
    static func report(_ db: Database, _ chart: ChartConfig, points: Int, since: Int64?, until: Int64?,
                       configuration: SMTQConfig.Configuration, now: Date) throws -> SPCReport {
        let from = try since ?? self.since(db, chart, points: points, time: configuration.time, now: now)
        var report = try SPCReportQuery.run(db, chart: chart, scope: ReportScope(since: from, until: until), time: configuration.time)
        if since == nil, report.subgroups.count > points {
            let extra = report.subgroups.count - points
            report.subgroups.removeFirst(extra)
            report.result = report.result.droppingFirst(extra)
        }
        return report
    }

    /// The chart over its window (`report`), its last `show` subgroups drawn (all: nil), with its alerts as rings.
    /// `alertIDs`: the plant's view; a customer's rings are labelled without the plant-wide alert numbers.
    static func view(_ db: Database, _ chart: ChartConfig, points: Int, show: Int? = nil, since: Int64? = nil, until: Int64? = nil,
                     configuration: SMTQConfig.Configuration, alerts: [AlertListRow], alertIDs: Bool, now: Date) throws -> ChartView {
        var report: SPCReport
        do {
            report = try self.report(db, chart, points: points, since: since, until: until, configuration: configuration, now: now)
        } catch let error as SPCReportQuery.NoData {
            return ChartView(chart: chart, caption: "\(error)", svg: nil, points: 0, signals: 0)
        } catch let error as ChartError {
            return ChartView(chart: chart, caption: "cannot draw yet: \(error)", svg: nil, points: 0, signals: 0)
        }
        let caption = SPCReportRender.caption(report)
        if let show, report.subgroups.count > show {
            let extra = report.subgroups.count - show
            report.subgroups.removeFirst(extra)
            report.result = report.result.droppingFirst(extra)
        }
        let labels = SPCReportRender.labels(report.subgroups, time: configuration.time)
        let starts = report.subgroups.map(\.start)
        var annotations = ChartAnnotation.from(alerts, chart: chart.name, subgroupStarts: starts)
        if !alertIDs {
            for index in annotations.indices {
                annotations[index].label = annotations[index].acknowledged ? "✔ alert" : "alert"
                annotations[index].detail = annotations[index].detail.replacingOccurrences(of: #"^alert #\d+ "#, with: "alert ",
                                                                                            options: .regularExpression)
            }
        }
        let zone = TimeZone(identifier: configuration.time.timeZone) ?? TimeZone(identifier: "UTC")!
        let svg = ChartSVG.render(report.result, title: title(chart), labels: labels, times: starts, timeZone: zone, annotations: annotations)
        return ChartView(chart: chart, caption: caption, svg: svg, points: report.subgroups.count, signals: report.result.signalCount)
    }
}

extension ChartResult {
    /// Subgroups with a signal in any of the plotted series (a point and its moving range count once).
    var signalCount: Int {
        func signalled(_ series: ChartSeries) -> [Int] { series.points.filter { !$0.signals.isEmpty }.map(\.index) }
        switch self {
        case let .attribute(_, series), let .ewma(_, series): return Set(signalled(series)).count
        case let .subgroups(_, _, xbar, spread): return Set(signalled(xbar) + signalled(spread)).count
        case let .imr(_, individuals, movingRange): return Set(signalled(individuals) + signalled(movingRange)).count
        case let .cusum(_, _, _, _, points): return points.filter { !$0.signals.isEmpty }.count
        case .capability: return 0
        }
    }
}
