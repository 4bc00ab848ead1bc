import Foundation
import GRDB
@testable import SMTQStore
import SMTQTestSupport
import Testing

/// A child process writes until it is killed with SIGKILL at a random moment; every write it had reported
/// durable must then be in the database exactly once, no write may be half there, and the rollups must
/// still equal a direct aggregation.
struct CrashTests {
    static let probe = TestEnvironment.product("smtq-bench")

    @Test("20 kills at random points lose no durable write and duplicate none")
    func killNineTwentyTimes() throws {
        let database = try TemporaryDatabase()
        var random = SystemRandomNumberGenerator()
        var totalDurable = 0
        for run in 1...20 {
            let process = Process()
            process.executableURL = Self.probe
            process.arguments = ["write-probe", "--db", database.path, "--prefix", "K\(run)-"]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            Thread.sleep(forTimeInterval: Double.random(in: 0.15...0.6, using: &random))
            kill(process.processIdentifier, SIGKILL)
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal)
            let durable = text.split(separator: "\n").compactMap { line -> Int? in
                line.hasPrefix("D ") ? Int(line.dropFirst(2)) : nil
            }
            totalDurable += durable.count
            let queue = try StoreDatabase.openReadOnly(path: database.path)
            let counts = try queue.read { db in
                Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: """
                    SELECT serial, count(*) FROM units WHERE serial LIKE ? GROUP BY serial
                    """, arguments: ["K\(run)-%"]).map { ($0[0] as String, $0[1] as Int) })
            }
            for write in durable where counts["K\(run)-\(write)"] != 3 {
                Issue.record("run \(run): durable write \(write) has \(counts["K\(run)-\(write)"] ?? 0) of 3 units")
            }
            #expect(counts.values.allSatisfy { $0 == 3 }, "run \(run): a write was stored in part")
            let cursor = try queue.read { try Int.fetchOne($0, sql: "SELECT seq FROM device_cursors") }
            if let last = durable.max() { #expect((cursor ?? -1) >= last, "run \(run): cursor behind a durable write") }
            try queue.close()
        }
        #expect(totalDurable > 200, "the probe should have written something before most kills")
        let queue = try StoreDatabase.openReadOnly(path: database.path)
        try queue.read { db in
            #expect(try String.fetchAll(db, sql: "PRAGMA integrity_check") == ["ok"])
            let direct = try Row.fetchAll(db, sql: """
                WITH firsts AS (SELECT station_id, serial, min(time) AS t FROM units GROUP BY station_id, serial)
                SELECT f.station_id, f.t / \(StoreSchema.bucketMicroseconds) AS bucket, count(*) AS units,
                       sum(u.result = 0) AS first_pass
                FROM firsts f JOIN units u ON u.serial = f.serial AND u.station_id = f.station_id AND u.time = f.t
                GROUP BY 1, 2 ORDER BY 1, 2
                """).map { "\($0[0] as Int64)/\($0[1] as Int64): \($0[2] as Int64) \($0[3] as Int64)" }
            let rollups = try Row.fetchAll(db, sql: """
                SELECT station_id, bucket, sum(units), sum(first_pass_units) FROM rollups
                GROUP BY 1, 2 HAVING sum(units) > 0 ORDER BY 1, 2
                """).map { "\($0[0] as Int64)/\($0[1] as Int64): \($0[2] as Int64) \($0[3] as Int64)" }
            #expect(direct == rollups)
            let events = try Int.fetchOne(db, sql: "SELECT sum(event_tests) FROM rollups")
            #expect(events == (try Int.fetchOne(db, sql: "SELECT count(*) FROM units")))
        }
    }
}
