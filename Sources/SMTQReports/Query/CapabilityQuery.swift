import GRDB
import SMTQConfig
import SMTQStatistics

/// Capability of one measurement per program: Cp/Cpk (within sigma by moving ranges over the values in time
/// order), Pp/Ppk (overall sample standard deviation), mean, and the share of values out of spec. Spec
/// limits come from the product's configuration, else from the limits stored with the values (the latest).
public struct CapabilityRow: Sendable {
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
    public static func run(_ db: Database, scope: ReportScope, measurement: String,
                           configuration: SMTQConfig.Configuration) throws -> [CapabilityRow] {
        let identities = try Identities(db)
        let (stations, program) = try identities.resolve(scope)
        let conditions = ScopeConditions(stations: stations, program: program, since: scope.since, until: scope.until, table: "u.")
        let rows = try Row.fetchCursor(db, sql: """
            SELECT u.program_id, m.value, m.lsl, m.usl FROM units u JOIN measurements m ON m.unit_id = u.id
            WHERE \(conditions.sql) AND u.has_measurements = 1 AND m.name = ? ORDER BY u.program_id, u.time, u.id, m.slot
            """, arguments: conditions.arguments + [measurement])
        var values: [Int64: [Double]] = [:]
        var storedLimits: [Int64: (Double?, Double?)] = [:]
        while let row = try rows.next() {
            let programID: Int64 = row[0]
            values[programID, default: []].append(row[1])
            if row[2] as Double? != nil || row[3] as Double? != nil { storedLimits[programID] = (row[2], row[3]) }
        }
        return values.keys.sorted { (identities.programs[$0] ?? "") < (identities.programs[$1] ?? "") }.map { programID in
            let name = identities.programs[programID] ?? "?"
            let data = values[programID]!
            let spec = configuration.products[name]?.measurements[measurement]
            let lsl = spec?.lsl ?? (spec == nil ? storedLimits[programID]?.0 : nil)
            let usl = spec?.usl ?? (spec == nil ? storedLimits[programID]?.1 : nil)
            var row = CapabilityRow(program: name, measurement: measurement, n: data.count, lsl: lsl, usl: usl,
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
