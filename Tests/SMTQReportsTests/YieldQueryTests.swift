import Foundation
import GRDB
import SMTQConfig
import SMTQCore
import SMTQReports
import SMTQStatistics
import SMTQStore
import SMTQTestSupport
import Testing

/// Yield from the rollups, from the units table and from the pure library over the same random data.
struct YieldQueryTests {
    /// Serials through AOI-1, ICT-1, FCT-1 with failures, retests up to a day later and results written out
    /// of time order, in a zone with a half-hour offset and shifts crossing midnight.
    static func store(seed: UInt64) throws -> (TemporaryFolder, String, [YieldObservation], SMTQConfig.Configuration) {
        let folder = try TemporaryFolder("smtq-yield-query")
        let path = folder.path("smtq.sqlite")
        let writer = try StoreWriter(options: StorageConfig(databasePath: path, synchronous: .off))
        var random = SeededRandom(seed: seed)
        var records: [UnitRecord] = []
        let start = Date(timeIntervalSince1970: 1_795_132_800)
        for serial in 0..<600 {
            let base = start.addingTimeInterval(Double(serial) * 337)
            for (offset, station) in ["AOI-1", "ICT-1", "FCT-1"].enumerated() where !(station == "FCT-1" && serial % 5 == 0) {
                var time = base.addingTimeInterval(Double(offset) * 1800)
                for attempt in 0..<3 {
                    let fails = Double.random(in: 0..<1, using: &random) < (attempt == 0 ? 0.15 : 0.4)
                    let defects = (0..<Int.random(in: 0...2, using: &random)).map { _ in
                        DefectRecord(refdes: "C\(Int.random(in: 1...5, using: &random))", part: "CAP", code: "BRIDGE", category: "bridge",
                                     verdict: Double.random(in: 0..<1, using: &random) < 0.5 ? .falseCall : .real)
                    }
                    records.append(UnitRecord(line: "L1", station: station, device: station.lowercased(), program: serial % 3 == 0 ? "PCB-B" : "PCB-A",
                                              serial: "S\(serial)", position: 1, result: fails ? .fail : .pass, time: time,
                                              defects: defects.isEmpty ? nil : defects,
                                              measurements: station == "ICT-1" ? [MeasurementRecord(name: "VCC", value: 3.3 + Double(serial % 7) / 100)] : nil))
                    guard fails else { break }
                    time = time.addingTimeInterval(Double.random(in: 600...86_400, using: &random))
                }
            }
        }
        records.shuffle(using: &random)
        for chunk in stride(from: 0, to: records.count, by: 97) {
            _ = writer.submitAndWait(.units(records[chunk..<min(chunk + 97, records.count)].map { IncomingUnit(record: $0, hostTime: $0.time) },
                                            cursor: nil))
        }
        writer.shutdown()
        let observations = records.map { record in
            YieldObservation(serial: record.serial, station: record.station, program: record.program, time: record.time,
                             passed: record.result == .pass, defects: record.defects?.filter { $0.verdict == .real }.count ?? 0,
                             falseCalls: record.defects?.filter { $0.verdict == .falseCall }.count ?? 0)
        }
        var configuration = SMTQConfig.Configuration.standalone(databasePath: path)
        configuration.time = TimeConfig(timeZone: "Asia/Kolkata", shifts: [
            ShiftConfig(name: "day", startMinute: 7 * 60, endMinute: 19 * 60), ShiftConfig(name: "night", startMinute: 19 * 60, endMinute: 7 * 60),
        ])
        configuration.lines = [LineConfig(name: "L1", route: ["AOI-1", "ICT-1", "FCT-1"])]
        return (folder, path, observations, configuration)
    }

    @Test(arguments: [[YieldKey.station], [.station, .program], [.day], [.hour, .program], [.shift]])
    func rollupsUnitsAndLibraryAgree(keys: [YieldKey]) throws {
        let (folder, path, observations, configuration) = try Self.store(seed: 7)
        defer { _ = folder }
        let db = try StoreDatabase.openReadOnly(path: path)
        let since = Date(timeIntervalSince1970: 1_795_132_800 + 86_400).storeMicroseconds
        for scope in [ReportScope(), ReportScope(since: since), ReportScope(program: "PCB-B", since: since, until: since + 86_400_000_000)] {
            let (fast, slow) = try db.read { db in
                (try YieldQuery.run(db, scope: scope, by: keys, configuration: configuration),
                 try YieldQuery.run(db, scope: scope, by: keys, configuration: configuration, unitsOnly: true))
            }
            #expect(fast.fromRollups && !slow.fromRollups)
            #expect(fast.rows == slow.rows, "\(keys) \(scope)")
            #expect(fast.lines == slow.lines)
            #expect(!fast.rows.isEmpty)
            // The library's cohorts: each station's serials by the first result, inside the scope.
            var periods = Calendar(identifier: .gregorian)
            periods.timeZone = TimeZone(identifier: "Asia/Kolkata")!
            for row in fast.rows {
                let station = row.keys["station"]!
                let figures = Yield.station(observations.filter { $0.station == station }, opportunities: [:]) { first in
                    let time = first.time.storeMicroseconds
                    guard time >= (scope.since ?? .min), time < (scope.until ?? .max), scope.program == nil || first.program == scope.program else { return false }
                    if let program = row.keys["program"], first.program != program { return false }
                    let parts = periods.dateComponents([.year, .month, .day, .hour, .minute], from: first.time)
                    let day = String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
                    if let wanted = row.keys["day"], wanted != day { return false }
                    if let wanted = row.keys["hour"], wanted != day + String(format: "T%02d", parts.hour!) { return false }
                    if let wanted = row.keys["shift"] {
                        let minute = parts.hour! * 60 + parts.minute!
                        let name = minute >= 7 * 60 && minute < 19 * 60 ? "day" : "night"
                        let startDay = minute < 7 * 60 ? periods.date(byAdding: .day, value: -1, to: first.time)! : first.time
                        let p = periods.dateComponents([.year, .month, .day], from: startDay)
                        if wanted != String(format: "%04d-%02d-%02d ", p.year!, p.month!, p.day!) + name { return false }
                    }
                    return true
                }
                var expected = figures
                expected.opportunities = 0
                #expect(row.figures == expected, "\(row.keys)")
            }
            #expect(fast.rows.reduce(0) { $0 + $1.figures.units } == Set(observations.filter { o in
                let first = observations.filter { $0.serial == o.serial && $0.station == o.station }.min { $0.time < $1.time }!
                let time = first.time.storeMicroseconds
                return time >= (scope.since ?? .min) && time < (scope.until ?? .max) && (scope.program == nil || first.program == scope.program)
            }.map { "\($0.serial)/\($0.station)" }).count)
        }
    }
}
