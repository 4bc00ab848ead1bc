import Foundation
import GRDB
import SMTQCore
import SMTQStore
import SMTQTestSupport
import Testing

/// `smtq demo` as a newcomer runs it: the whole line, an alert, the reports, and nothing left running.
@Suite(.serialized)
struct DemoTests {
    @Test("smtq demo --seconds 20: every record stored once, the printed yield is the report's, the alert fired")
    func demo() throws {
        let parent = try BinaryRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: parent) }
        let folder = parent.appendingPathComponent("kept")
        let result = try BinaryRunner.run("smtq", ["demo", "--seconds", "20", "--keep", folder.path])
        #expect(result.status == 0, "\(result.standardError)")
        let output = result.standardOutput
        #expect(output.contains("== configuration"))
        #expect(output.contains("feeder-repeat"))

        // Every record a simulated machine logged is stored exactly once.
        let database = folder.appendingPathComponent("smtq.sqlite").path
        let stored = try StoreDatabase.openReadOnly(path: database).read { db in
            try Row.fetchAll(db, sql: """
                SELECT d.name, u.serial, count(*) FROM units u JOIN devices d ON d.id = u.device_id GROUP BY d.name, u.serial
                """).map { ("\($0[0] as String) \($0[1] as String)", $0[2] as Int) }
        }
        #expect(stored.allSatisfy { $0.1 == 1 })
        let storedKeys = Set(stored.map(\.0))
        var logged: Set<String> = []
        var loggedLines = 0
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) where name.hasPrefix("sim-") {
            let device = String(name.dropFirst(4).dropLast(6))
            let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            for line in text.split(separator: "\n") {
                guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                      let serial = object["serial"] as? String else { continue }
                logged.insert("\(device) \(serial)")
                loggedLines += 1
            }
        }
        #expect(logged.count > 100)
        #expect(loggedLines == logged.count, "a machine logged the same board twice")
        #expect(stored.count == logged.count)
        // The counters-only machine was read too.
        let counts = try StoreDatabase.openReadOnly(path: database).read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM counter_samples") ?? 0
        }
        #expect(counts > 10)
        #expect(output.contains("== control chart signals"))
        #expect(!output.contains("still in its queue"))
        #expect(logged == storedKeys, "logged but not stored: \(logged.subtracting(storedKeys).sorted().prefix(5))")

        // The yield it printed is `smtq report yield` over the kept data.
        let config = folder.appendingPathComponent("smtq.yaml").path
        let table = try BinaryRunner.run("smtq", ["report", "yield", "--config", config, "--format", "table"])
        #expect(output.contains(table.standardOutput), "\(table.standardOutput)")
        let json = try CLIFixtures.json(try BinaryRunner.run("smtq", ["report", "yield", "--config", config, "--format", "json"]))
        let rows = json["rows"] as? [[String: Any]] ?? []
        #expect(rows.count >= 2)
        for row in rows {
            let station = row["station"] as? String ?? "?"
            let units = row["units"] as? Int ?? -1
            #expect(output.split(separator: "\n").contains { $0.contains(" \(station) ") && $0.contains(" \(units) ") },
                    "\(station) \(units)")
        }

        // The feeder fault fired through the exec hook.
        let alerts = try String(contentsOf: folder.appendingPathComponent("alerts.jsonl"), encoding: .utf8)
        let firings = alerts.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }.filter { $0["event"] as? String == "firing" }
        #expect(firings.contains { $0["rule"] as? String == "feeder-repeat"
            && ($0["scope"] as? [String: String])?["refdes"] == "C12" })
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("report.html").path))

        // Nothing it started is left (socat runs with the folder's path in its arguments).
        let left = try BinaryRunner.run("/usr/bin/pgrep", ["-f", folder.path])
        #expect(left.standardOutput.isEmpty, "\(left.standardOutput)")
    }

    @Test("bad arguments: one line, exit 64")
    func badArguments() throws {
        for arguments in [["demo", "--seconds", "0"], ["demo", "--seconds", "1e19"], ["demo", "--speed=-1"]] {
            let result = try BinaryRunner.run("smtq", arguments)
            #expect(result.status == 64, "\(arguments): \(result.standardError)")
            #expect(result.standardError.split(separator: "\n").count == 1, "\(result.standardError)")
        }
        let unknown = try BinaryRunner.run("smtq", ["demo", "--frobnicate"])
        #expect(unknown.status == 64)
        let folder = try BinaryRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try "x".write(to: folder.appendingPathComponent("smtq.yaml"), atomically: true, encoding: .utf8)
        let occupied = try BinaryRunner.run("smtq", ["demo", "--keep", folder.path])
        #expect(occupied.status == 64)
        #expect(occupied.standardError.contains("not empty"))
    }
}
