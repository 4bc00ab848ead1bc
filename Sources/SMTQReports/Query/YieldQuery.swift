import Foundation
import SMTQConfig
import SMTQStatistics
import SMTQStore

/// What a yield row can be split by, besides its station.
public enum YieldKey: String, Sendable, CaseIterable {
    case line, station, program, device, shift, day, hour
}

/// One row of `smtq report yield`: a station's cohort figures for one combination of the `--by` keys.
public struct YieldRow: Sendable, Equatable {
    /// The row's key values by key name (`line` and `station` always; the others as asked).
    public var keys: [String: String]
    public var figures: StationYield
    /// False when a unit's program has no `opportunities` in the configuration (DPMO is then undefined).
    public var opportunitiesKnown: Bool
    /// The programs of the row's units (targets apply when there is exactly one).
    public var programs: Set<String>
    /// The earliest first-result time in the row (orders day, hour and shift rows by time, also across a
    /// DST change where labels alone would not).
    public var firstTime: Int64

    public var dpmo: Double? { opportunitiesKnown ? figures.dpmo : nil }
}

/// RTY of a line for one combination of the non-station keys.
public struct LineYield: Sendable, Equatable {
    public var keys: [String: String]
    public var route: [String]
    /// Station FPYs along the route (nil: no units there).
    public var fpys: [Double?]
    public var rty: Double? { Yield.rty(fpys) }
}

public struct YieldReport: Sendable {
    public var rows: [YieldRow]
    public var lines: [LineYield]
    /// Whether the figures came from the rollups (true) or from the units themselves.
    public var fromRollups: Bool
}

/// Yield by the cohort definitions (DESIGN.md): a serial counts in the window, and the day, hour or shift, of
/// its first result at a station, with all its results there. Read from the rollups when every period
/// boundary is a quarter hour (fast, thousands of rows); from the units otherwise (`--by device`, windows
/// such as "24h" that do not start on a quarter hour).
public enum YieldQuery {
    /// `unitsOnly` skips the rollups even where they would serve (tests compare both ways).
    public static func run(_ db: any SQLReader, scope: ReportScope, by keys: [YieldKey], configuration: SMTQConfig.Configuration,
                           unitsOnly: Bool = false) throws -> YieldReport {
        let identities = try Identities(db, scope: scope)
        let (stationIDs, programID) = try identities.resolve(scope)
        let allowed = identities.allowedPrograms(scope)
        let quarter = StoreSchema.bucketMicroseconds
        let zone = TimeZone(identifier: configuration.time.timeZone) ?? TimeZone(identifier: "UTC")!
        let aligned = [scope.since, scope.until].allSatisfy { ($0 ?? 0) % quarter == 0 }
        let quarterShifts = configuration.time.shifts.allSatisfy { $0.startMinute % 15 == 0 && $0.endMinute % 15 == 0 }
        let useRollups = !unitsOnly && !keys.contains(.device) && aligned && zone.secondsFromGMT() % 900 == 0
            && (quarterShifts || !keys.contains(.shift))
        var periods = LocalPeriods(time: configuration.time)
        var groups: [[String]: (StationYield, Bool, Set<String>)] = [:]
        var firstTimes: [[String]: Int64] = [:]
        let rowKeys = [YieldKey.line, .station] + YieldKey.allCases.filter { keys.contains($0) && $0 != .line && $0 != .station }

        func add(stationID: Int64, programID: Int64, deviceID: Int64?, time: Int64, figures: StationYield) {
            guard let station = identities.stations[stationID] else { return }
            let program = identities.programs[programID] ?? "?"
            let labels = rowKeys.contains(.day) || rowKeys.contains(.hour) || rowKeys.contains(.shift) ? periods.labels(time) : nil
            var key: [String] = []
            for rowKey in rowKeys {
                switch rowKey {
                case .line: key.append(station.line)
                case .station: key.append(station.station)
                case .program: key.append(program)
                case .device: key.append(deviceID.flatMap { identities.devices[$0] } ?? "?")
                case .day: key.append(labels!.day)
                case .hour: key.append(labels!.hour)
                case .shift: key.append(labels!.shift ?? "(no shift)")
                }
            }
            let opportunities = configuration.products[program]?.opportunities
            var entry = groups[key] ?? (StationYield(), true, [])
            entry.0.units += figures.units
            entry.0.tests += figures.tests
            entry.0.firstPassUnits += figures.firstPassUnits
            entry.0.finalPassUnits += figures.finalPassUnits
            entry.0.defects += figures.defects
            entry.0.falseCalls += figures.falseCalls
            entry.0.opportunities += figures.units * (opportunities ?? 0)
            if figures.units > 0 {
                entry.1 = entry.1 && opportunities != nil
                entry.2.insert(program)
            }
            groups[key] = entry
            // The quarter hour, so rollups and units give the same row.
            let quarterStart = time - ((time % quarter) + quarter) % quarter
            firstTimes[key] = min(firstTimes[key] ?? quarterStart, quarterStart)
        }

        if useRollups {
            let conditions = ScopeConditions(stations: stationIDs, program: programID, programs: allowed, since: scope.since.map { $0 / quarter },
                                             until: scope.until.map { $0 / quarter }, timeColumn: "bucket")
            try db.forEachRow("""
                SELECT station_id, program_id, bucket, units, tests, first_pass_units, final_pass_units, defects, false_calls
                FROM rollups WHERE \(conditions.sql) AND units > 0
                """, conditions.arguments) { row in
                let bucket: Int64 = row[2]
                add(stationID: row[0], programID: row[1], deviceID: nil, time: bucket * quarter,
                    figures: StationYield(units: row[3], tests: row[4], firstPassUnits: row[5], finalPassUnits: row[6],
                                          defects: row[7], falseCalls: row[8]))
            }
        } else {
            let conditions = ScopeConditions(stations: stationIDs, program: programID, programs: allowed, since: scope.since, until: scope.until, table: "f.")
            try db.forEachRow("""
                SELECT f.station_id, f.program_id, f.device_id, f.time, f.result, count(*), sum(x.defect_count), sum(x.false_call_count),
                  (SELECT y.result FROM units y WHERE y.serial = f.serial AND y.station_id = f.station_id ORDER BY y.time DESC, y.id DESC LIMIT 1)
                FROM units f JOIN units x ON x.serial = f.serial AND x.station_id = f.station_id
                WHERE f.first_pass = 1 AND \(conditions.sql)
                GROUP BY f.id, f.station_id, f.program_id, f.device_id, f.time, f.result, f.serial
                """, conditions.arguments) { row in
                let first: Int = row[4], last: Int = row[8]
                add(stationID: row[0], programID: row[1], deviceID: row[2], time: row[3],
                    figures: StationYield(units: 1, tests: row[5], firstPassUnits: first == 0 ? 1 : 0, finalPassUnits: last == 0 ? 1 : 0,
                                          defects: row[6], falseCalls: row[7]))
            }
        }
        // A station of a configured route without units in the window is a row of its own (0 units, undefined
        // ratios), for every combination of the other keys its line has rows for.
        if !rowKeys.contains(.device) {
            let stationIndex = rowKeys.firstIndex(of: .station)!
            let lineIndex = rowKeys.firstIndex(of: .line)!
            let present = Set(groups.keys)
            for key in present {
                guard let route = configuration.line(named: key[lineIndex])?.route else { continue }
                for station in route where scope.station == nil || scope.station == station {
                    var missing = key
                    missing[stationIndex] = station
                    guard groups[missing] == nil else { continue }
                    groups[missing] = (StationYield(), true, [])
                    firstTimes[missing] = firstTimes[key]
                }
            }
            if let line = scope.line, let route = configuration.line(named: line)?.route, groups.isEmpty, rowKeys.count == 2 {
                for station in route where scope.station == nil || scope.station == station {
                    groups[[line, station]] = (StationYield(), true, [])
                }
            }
        }
        /// Stations in their line's route order, then the others by name.
        func stationOrder(_ line: String, _ station: String) -> (Int, String) {
            (configuration.line(named: line)?.route.firstIndex(of: station) ?? Int.max, station)
        }
        let rows = groups.map { key, value in
            YieldRow(keys: Dictionary(uniqueKeysWithValues: zip(rowKeys.map(\.rawValue), key)), figures: value.0,
                     opportunitiesKnown: value.1, programs: value.2, firstTime: firstTimes[key] ?? 0)
        }.sorted { a, b in
            for key in rowKeys {
                if [.day, .hour, .shift].contains(key) {
                    if a.keys[key.rawValue] != b.keys[key.rawValue] { return a.firstTime < b.firstTime }
                } else if key == .station, a.keys["station"] != b.keys["station"] {
                    return stationOrder(a.keys["line"]!, a.keys["station"]!) < stationOrder(b.keys["line"]!, b.keys["station"]!)
                } else if a.keys[key.rawValue] != b.keys[key.rawValue] {
                    return a.keys[key.rawValue]! < b.keys[key.rawValue]!
                }
            }
            return false
        }
        // RTY needs every station of the route: none when the rows are limited to one station.
        let lines = scope.station == nil ? lineYields(rows, keys: rowKeys, configuration: configuration) : []
        return YieldReport(rows: rows, lines: lines, fromRollups: useRollups)
    }

    /// RTY per line and per combination of the keys other than station and device, along the configured route
    /// (a line without a route in the configuration has none: its order and stations are not known).
    static func lineYields(_ rows: [YieldRow], keys: [YieldKey], configuration: SMTQConfig.Configuration) -> [LineYield] {
        let groupKeys = keys.filter { $0 != .station && $0 != .device }.map(\.rawValue)
        guard !keys.contains(.device) else { return [] }
        let grouped = Dictionary(grouping: rows) { row in groupKeys.map { row.keys[$0]! } }
        return grouped.compactMap { key, rows -> LineYield? in
            let line = rows[0].keys["line"]!
            guard let route = configuration.lines.first(where: { $0.name == line })?.route else { return nil }
            let fpys = route.map { station in rows.first { $0.keys["station"] == station }?.figures.fpy }
            return LineYield(keys: Dictionary(uniqueKeysWithValues: zip(groupKeys, key)), route: route, fpys: fpys)
        }.sorted { a, b in groupKeys.map { a.keys[$0]! }.lexicographicallyPrecedes(groupKeys.map { b.keys[$0]! }) }
    }
}
