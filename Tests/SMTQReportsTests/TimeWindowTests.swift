import Foundation
import SMTQConfig
import SMTQCore
import SMTQReports
import SMTQStore
import SMTQTestSupport
import Testing

/// `--since/--until` forms, in Europe/Berlin (+01:00 in November) with a night shift across midnight.
struct TimeWindowTests {
    let time = TimeConfig(timeZone: "Europe/Berlin", shifts: [
        ShiftConfig(name: "early", startMinute: 6 * 60, endMinute: 14 * 60),
        ShiftConfig(name: "late", startMinute: 14 * 60, endMinute: 22 * 60),
        ShiftConfig(name: "night", startMinute: 22 * 60, endMinute: 6 * 60),
    ])

    func window(now: String) -> TimeWindow { TimeWindow(time: time, now: RFC3339.date(from: now)!) }

    func text(_ date: Date?) -> String? { date.map(RFC3339.string(from:)) }

    @Test func forms() {
        let window = window(now: "2026-11-25T01:30:00Z")  // 02:30 local on the 25th, in the night shift of the 24th
        #expect(text(window.instant("2026-11-24T08:00:00Z")) == "2026-11-24T08:00:00Z")
        #expect(text(window.instant("2026-11-24")) == "2026-11-23T23:00:00Z")
        #expect(text(window.instant("today")) == "2026-11-24T23:00:00Z")
        #expect(text(window.instant("yesterday")) == "2026-11-23T23:00:00Z")
        #expect(text(window.instant("24h")) == "2026-11-24T01:30:00Z")
        #expect(text(window.instant("7d")) == "2026-11-18T01:30:00Z")
        #expect(text(window.instant("shift")) == "2026-11-24T21:00:00Z")
        #expect(text(self.window(now: "2026-11-25T13:59:00Z").instant("shift")) == "2026-11-25T13:00:00Z")
        for bad in ["", "soon", "2026-13-45", "-5h", "24", "2026-11-24T25:00:00Z"] {
            #expect(window.instant(bad) == nil, "\(bad)")
        }
    }
}

/// The hour repeated when daylight saving time ends is two rows, told apart by their offsets.
struct RepeatedHourTests {
    @Test func theRepeatedAutumnHourIsTwoRows() throws {
        let folder = try TemporaryFolder("smtq-dst")
        let path = folder.path("smtq.sqlite")
        let writer = try StoreWriter(options: StorageConfig(databasePath: path, synchronous: .off))
        let records = ["2026-10-25T00:30:00Z", "2026-10-25T01:30:00Z", "2026-10-25T01:40:00Z"].enumerated().map { index, time in
            UnitRecord(line: "L1", station: "AOI-1", device: "aoi1", program: "PCB-A", serial: "D\(index)", result: .pass,
                       time: RFC3339.date(from: time)!)
        }
        _ = writer.submitAndWait(.units(records.map { IncomingUnit(record: $0, hostTime: $0.time) }, cursor: nil))
        writer.shutdown()
        var configuration = SMTQConfig.Configuration.standalone(databasePath: path)
        configuration.time = TimeConfig(timeZone: "Europe/Berlin")
        let report = try StoreDatabase.openReadOnly(path: path).read { db in
            try YieldQuery.run(db, scope: ReportScope(), by: [.hour], configuration: configuration)
        }
        // In time order: the first 02:00–03:00 (summer time), then the repeated one.
        #expect(report.rows.map { $0.keys["hour"]! } == ["2026-10-25T02+02:00", "2026-10-25T02+01:00"])
        #expect(report.rows.map(\.figures.units) == [1, 2])
    }
}
