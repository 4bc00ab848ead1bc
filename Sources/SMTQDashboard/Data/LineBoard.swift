import Foundation
import GRDB
import SMTQConfig
import SMTQReports
import SMTQStatistics
import SMTQStore

/// How a figure stands against its target: the tile's colour.
enum TileState: String, Sendable {
    case green, amber, red
    /// No target to judge by.
    case neutral
    /// No units in the window.
    case idle

    static func judge(_ fpy: Double?, target: Double?, margin: Double) -> TileState {
        guard let fpy else { return .idle }
        guard let target else { return .neutral }
        if fpy >= target { return .green }
        return fpy >= target - margin ? .amber : .red
    }

    /// A station's colour from its products' states: the worst judged one, else neutral with units, else idle.
    static func worst(_ states: [TileState]) -> TileState {
        for state in [TileState.red, .amber, .green, .neutral] where states.contains(state) { return state }
        return .idle
    }
}

/// One product's figures at a station, judged by its own target.
struct ProductFigures: Sendable {
    var program: String
    var target: Double?
    var hourUnits: Int
    var hourFPY: Double?
    var shiftUnits: Int
    var shiftFPY: Double?
    var state: TileState
    var shiftState: TileState
}

/// One station's andon tile: the station's FPY over every product it ran, coloured by the worst of its
/// products, each judged against its own target (a changeover never judges one product by another's).
struct StationTile: Sendable {
    var station: String
    var hourUnits: Int
    var hourFPY: Double?
    var shiftUnits: Int
    var shiftDefects: Int
    var shiftFPY: Double?
    var state: TileState
    var shiftState: TileState
    /// The products with units this shift, by name.
    var products: [ProductFigures]
    var last: LatestUnit?
    var devices: [DashboardDevice]
}

/// Everything the line page shows except the charts, for one viewer at one moment.
struct LineSnapshot: Sendable {
    var line: String
    var clock: ShiftClock
    var tiles: [StationTile]
    var route: [String]
    var rty: Double?
    var pareto: [Pareto.Row]
    var alerts: [AlertListRow]
    var generated: Date
}

enum LineBoard {
    /// The stations a line page shows: the route, then stations of the line's devices not on it.
    static func stations(of line: String, _ configuration: SMTQConfig.Configuration) -> [String] {
        var stations = configuration.line(named: line)?.route ?? []
        for device in configuration.devices where device.line == line && !stations.contains(device.station) {
            stations.append(device.station)
        }
        return stations
    }

    /// Whether the line exists (configured, or with devices).
    static func exists(_ line: String, _ configuration: SMTQConfig.Configuration) -> Bool {
        configuration.line(named: line) != nil || configuration.devices.contains { $0.line == line }
    }

    static func read(_ db: Database, line: String, viewer: Viewer, configuration: SMTQConfig.Configuration, devices: [DashboardDevice],
                     margin: Double, now: Date) throws -> LineSnapshot {
        let clock = ShiftClock(now: now, time: configuration.time)
        let programs = viewer.programs
        /// Figures by station, then by program.
        func yield(since: Date) throws -> [String: [String: StationYield]] {
            let scope = ReportScope(line: line, programs: programs, since: since.storeMicroseconds)
            do {
                let report = try YieldQuery.run(db, scope: scope, by: [.program], configuration: configuration)
                var figures: [String: [String: StationYield]] = [:]
                for row in report.rows { figures[row.keys["station"] ?? "", default: [:]][row.keys["program"] ?? ""] = row.figures }
                return figures
            } catch is UnknownFilterValue {
                return [:]
            }
        }
        func total(_ figures: [String: StationYield]?) -> StationYield? {
            guard let figures, !figures.isEmpty else { return nil }
            return figures.values.reduce(into: StationYield()) { sum, part in
                sum.units += part.units
                sum.firstPassUnits += part.firstPassUnits
                sum.defects += part.defects
            }
        }
        let hour = try yield(since: clock.hourStart)
        let shift = try yield(since: clock.shiftStart)
        let stations = stations(of: line, configuration)
        var tiles: [StationTile] = []
        for station in stations {
            let last = try LatestUnitQuery.run(db, line: line, station: station, programs: programs)
            let ran = (shift[station] ?? [:]).filter { $0.value.units > 0 }.keys.sorted()
            let products = ran.map { program -> ProductFigures in
                let target = configuration.products[program]?.targets.fpy
                let inHour = hour[station]?[program], inShift = shift[station]?[program]
                return ProductFigures(program: program, target: target, hourUnits: inHour?.units ?? 0, hourFPY: inHour?.fpy,
                                      shiftUnits: inShift?.units ?? 0, shiftFPY: inShift?.fpy,
                                      state: TileState.judge(inHour?.fpy, target: target, margin: margin),
                                      shiftState: TileState.judge(inShift?.fpy, target: target, margin: margin))
            }
            let hourFigures = total(hour[station]), shiftFigures = total(shift[station])
            tiles.append(StationTile(
                station: station, hourUnits: hourFigures?.units ?? 0, hourFPY: hourFigures?.fpy, shiftUnits: shiftFigures?.units ?? 0,
                shiftDefects: shiftFigures?.defects ?? 0, shiftFPY: shiftFigures?.fpy, state: TileState.worst(products.map(\.state)),
                shiftState: TileState.worst(products.map(\.shiftState)), products: products, last: last,
                devices: devices.filter { $0.line == line && $0.station == station }))
        }
        let route = configuration.line(named: line)?.route ?? []
        let rty = route.isEmpty ? nil : Yield.rty(route.map { total(shift[$0])?.fpy })
        var pareto: [Pareto.Row] = []
        do {
            pareto = Array(try ParetoQuery.run(db, scope: ReportScope(line: line, programs: programs, since: clock.shiftStart.storeMicroseconds),
                                               keys: [.refdes, .code]).prefix(5))
        } catch is UnknownFilterValue {}
        let alerts = try AlertStore.list(since: now.addingTimeInterval(-86_400), line: line, programs: programs, limit: 20, db)
        return LineSnapshot(line: line, clock: clock, tiles: tiles, route: route, rty: rty, pareto: pareto, alerts: alerts, generated: now)
    }
}
