import Foundation
import SMTQConfig
import SMTQStore

/// The filters every report takes (`--line --station --program`, `--since --until`), resolved against the
/// store's identities. Filter values are bound parameters or ids, never SQL text.
public struct ReportScope: Sendable {
    /// The site of a central database's lines (`--site`); a local store has one site and refuses it.
    public var site: String?
    public var line: String?
    public var station: String?
    public var program: String?
    /// Only these programs (a customer's products); nil: all.
    public var programs: [String]?
    /// Microseconds since 1970 UTC; nil: open.
    public var since: Int64?
    public var until: Int64?

    public init(site: String? = nil, line: String? = nil, station: String? = nil, program: String? = nil, programs: [String]? = nil,
                since: Int64? = nil, until: Int64? = nil) {
        self.site = site
        self.line = line
        self.station = station
        self.program = program
        self.programs = programs
        self.since = since
        self.until = until
    }
}

/// A filter value the store has never seen.
public struct UnknownFilterValue: Error, Sendable, CustomStringConvertible {
    public var option: String
    public var value: String
    public var known: [String]

    public var description: String {
        let list = known.prefix(12).joined(separator: ", ") + (known.count > 12 ? ", …" : "")
        return "\(option) '\(value)' is not in the database (known: \(known.isEmpty ? "none yet" : list))"
    }
}

/// `--site` on a local store, which has no sites.
public struct SiteNeedsCentral: Error, Sendable, CustomStringConvertible {
    public var site: String
    public var description: String {
        "--site '\(site)' filters a central database's lines: give --db postgresql://… (a local store holds one site)"
    }
}

/// Refuses a measurement (or process value) name the store has never seen, listing the ones it has.
public enum MeasurementNames {
    public static func check(_ db: any SQLReader, _ name: String) throws {
        guard try !ChartEventQuery.measurementExists(db, name) else { return }
        throw UnknownFilterValue(option: "--measurement", value: name,
                                 known: try ChartEventQuery.measurementNames(db))
    }
}

/// The store's names by id, read once per report.
struct Identities {
    var stations: [Int64: (line: String, station: String)] = [:]
    var programs: [Int64: String] = [:]
    var devices: [Int64: String] = [:]

    /// `site`: only the stations of that site's lines (a central database; a local store has no sites).
    init(_ db: any SQLReader, site: String? = nil) throws {
        var sql = "SELECT s.id, l.name, s.name FROM stations s JOIN lines l ON l.id = s.line_id"
        var arguments: [SQLValue] = []
        if let site {
            guard db.dialect == .postgres else { throw SiteNeedsCentral(site: site) }
            let known = try db.column("SELECT DISTINCT site FROM lines ORDER BY site", as: String.self)
            guard known.contains(site) else { throw UnknownFilterValue(option: "--site", value: site, known: known) }
            sql += " WHERE l.site = ?"
            arguments.append(.text(site))
        }
        try db.forEachRow(sql, arguments) { row in stations[row[0] as Int64] = (row[1], row[2]) }
        try db.forEachRow("SELECT id, name FROM programs", []) { row in programs[row[0] as Int64] = row[1] }
        try db.forEachRow("SELECT id, name FROM devices", []) { row in devices[row[0] as Int64] = row[1] }
    }

    init(_ db: any SQLReader, scope: ReportScope) throws {
        try self.init(db, site: scope.site)
    }

    /// The station ids the scope allows (nil: all) and the program id (nil: all).
    func resolve(_ scope: ReportScope) throws -> (stations: [Int64]?, program: Int64?) {
        var stationIDs: [Int64]?
        if let line = scope.line {
            guard stations.values.contains(where: { $0.line == line }) else {
                throw UnknownFilterValue(option: "--line", value: line, known: Set(stations.values.map(\.line)).sorted())
            }
        }
        if let station = scope.station {
            guard stations.values.contains(where: { $0.station == station && (scope.line == nil || $0.line == scope.line) }) else {
                throw UnknownFilterValue(option: "--station", value: station,
                                         known: Set(stations.values.filter { scope.line == nil || $0.line == scope.line }.map(\.station)).sorted())
            }
        }
        if scope.line != nil || scope.station != nil || scope.site != nil {
            stationIDs = stations.filter { _, names in
                (scope.line == nil || names.line == scope.line) && (scope.station == nil || names.station == scope.station)
            }.map(\.key).sorted()
        }
        var programID: Int64?
        if let program = scope.program {
            guard let id = programs.first(where: { $0.value == program })?.key else {
                throw UnknownFilterValue(option: "--program", value: program, known: programs.values.sorted())
            }
            programID = id
        }
        return (stationIDs, programID)
    }

    /// The ids of the scope's allowed programs (nil: all); names the store has not seen match nothing.
    func allowedPrograms(_ scope: ReportScope) -> [Int64]? {
        guard let names = scope.programs else { return nil }
        let wanted = Set(names)
        return programs.filter { wanted.contains($0.value) }.map(\.key).sorted()
    }
}
