import SMTQStore
import SMTQConfig
import SMTQStatistics

/// Capability of one measurement per station and program (values of different stations are never pooled): Cp/Cpk (within sigma by moving ranges over the values in time
/// order), Pp/Ppk (overall sample standard deviation), mean, and the share of values out of spec. Spec
/// limits come from the product's configuration, else from the limits stored with the values (the latest).
public struct CapabilityRow: Sendable {
    /// `LINE/STATION`.
    public var station: String
    public var program: String
    public var measurement: String
    public var n: Int
    public var lsl: Double?
    public var usl: Double?
    /// Values outside [lsl, usl].
    public var outOfSpec: Int
    public var result: CapabilityResult?
    /// Why there are no indices (no spec, too few values, no spread), if there are none.
    public var refusal: String?
    public var target: Double?

    public var outOfSpecShare: Double? { n == 0 ? nil : Double(outOfSpec) / Double(n) }
}

public enum CapabilityQuery {
    /// The program key and label of a station's process values (sampled, not tied to a unit or program).
    static let processValueProgram: Int64 = -1
    public static let processValueLabel = "(process value)"

    public static func run(_ db: any SQLReader, scope: ReportScope, measurement: String,
                           configuration: SMTQConfig.Configuration) throws -> [CapabilityRow] {
        let identities = try Identities(db, scope: scope)
        let (stations, program) = try identities.resolve(scope)
        try MeasurementNames.check(db, measurement)
        let conditions = ScopeConditions(stations: stations, program: program, programs: identities.allowedPrograms(scope), since: scope.since, until: scope.until, table: "u.")
        struct Key: Hashable {
            var station: Int64
            var program: Int64
        }
        var values: [Key: [Double]] = [:]
        var storedLimits: [Key: (Double?, Double?)] = [:]
        try db.forEachRow("""
            SELECT u.station_id, u.program_id, m.value, m.lsl, m.usl FROM units u JOIN measurements m ON m.unit_id = u.id
            WHERE \(conditions.sql) AND u.has_measurements = 1 AND m.name = ? ORDER BY u.station_id, u.program_id, u.time, u.id, m.slot
            """, conditions.arguments + [.text(measurement)]) { row in
            let key = Key(station: row[0], program: row[1])
            values[key, default: []].append(row[2])
            if row[3] as Double? != nil || row[4] as Double? != nil { storedLimits[key] = (row[3], row[4]) }
        }
        if program == nil, scope.programs == nil {
            // Process values of the station, as their own row (they belong to no program).
            let sampled = ScopeConditions(stations: stations, program: nil, since: scope.since, until: scope.until)
            try db.forEachRow("""
                SELECT station_id, value, lsl, usl FROM process_values WHERE \(sampled.sql) AND name = ? ORDER BY station_id, time, id
                """, sampled.arguments + [.text(measurement)]) { row in
                let key = Key(station: row[0], program: Self.processValueProgram)
                values[key, default: []].append(row[1])
                if row[2] as Double? != nil || row[3] as Double? != nil { storedLimits[key] = (row[2], row[3]) }
            }
        }
        func stationName(_ id: Int64) -> String { identities.stations[id].map { "\($0.line)/\($0.station)" } ?? "?" }
        let keys = values.keys.sorted { (stationName($0.station), identities.programs[$0.program] ?? "") < (stationName($1.station), identities.programs[$1.program] ?? "") }
        return keys.map { key in
            let programID = key.program
            let name = programID == Self.processValueProgram ? Self.processValueLabel : identities.programs[programID] ?? "?"
            let data = values[key]!
            let spec = configuration.products[name]?.measurements[measurement]
            let lsl = spec?.lsl ?? (spec == nil ? storedLimits[key]?.0 : nil)
            let usl = spec?.usl ?? (spec == nil ? storedLimits[key]?.1 : nil)
            var row = CapabilityRow(station: stationName(key.station), program: name, measurement: measurement, n: data.count, lsl: lsl, usl: usl,
                                    outOfSpec: data.filter { ($0 < (lsl ?? -.infinity)) || ($0 > (usl ?? .infinity)) }.count,
                                    target: configuration.products[name]?.targets.cpk)
            var options = ChartOptions()
            options.lsl = lsl
            options.usl = usl
            do {
                guard lsl != nil, usl != nil else {
                    throw ChartError("capability needs both spec limits; \(measurement) of \(name) has \(lsl == nil ? "no LSL" : "no USL") (products.\(name).measurements)")
                }
                if case let .capability(result) = try Charts.compute("capability", ChartInput(header: ["value"], rows: data.map { [$0] }), options) {
                    row.result = result
                }
            } catch {
                row.refusal = "\(error)"
            }
            return row
        }
    }
}
