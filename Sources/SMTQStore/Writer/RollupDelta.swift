/// Counts a transaction adds to (or, when a cohort moves, removes from) one rollup row.
struct RollupCounts {
    var units: Int64 = 0
    var firstPassUnits: Int64 = 0
    var finalPassUnits: Int64 = 0
    var tests: Int64 = 0
    var fails: Int64 = 0
    var defects: Int64 = 0
    var falseCalls: Int64 = 0
    var eventTests: Int64 = 0
    var eventFails: Int64 = 0
    var eventDefectiveUnits: Int64 = 0
    var eventDefects: Int64 = 0
    var eventFalseCalls: Int64 = 0

    /// The values in the column order of `RollupDelta.upsertSQL`.
    var values: [Int64] {
        [units, firstPassUnits, finalPassUnits, tests, fails, defects, falseCalls,
         eventTests, eventFails, eventDefectiveUnits, eventDefects, eventFalseCalls]
    }
}

/// The rollup row a count belongs to.
struct RollupKey: Hashable {
    var stationID: Int64
    var programID: Int64
    var bucket: Int64
}

/// The rollup changes of one transaction, merged per row and written once at its end.
struct RollupDelta {
    private(set) var rows: [RollupKey: RollupCounts] = [:]

    mutating func update(_ key: RollupKey, _ change: (inout RollupCounts) -> Void) {
        change(&rows[key, default: RollupCounts()])
    }

    static let columns = ["units", "first_pass_units", "final_pass_units", "tests", "fails", "defects", "false_calls",
                          "event_tests", "event_fails", "event_defective_units", "event_defects", "event_false_calls"]

    static let upsertSQL: String = {
        let names = columns.joined(separator: ", ")
        let placeholders = Array(repeating: "?", count: columns.count + 3).joined(separator: ", ")
        let updates = columns.map { "\($0) = \($0) + excluded.\($0)" }.joined(separator: ", ")
        return "INSERT INTO rollups (station_id, program_id, bucket, \(names)) VALUES (\(placeholders)) "
            + "ON CONFLICT (station_id, program_id, bucket) DO UPDATE SET \(updates)"
    }()
}
