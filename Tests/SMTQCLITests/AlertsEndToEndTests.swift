import Foundation
import GRDB
import SMTQCore
import SMTQStore
import SMTQTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// smtqd with alert rules against `smtq simulate`: a feeder gone bad fires `repeated_defect` once (with
/// reminders) and resolves; a steady low defect rate fires nothing; a killed simulator fires `device`. Then
/// the quality engineer's side: `smtq alerts`, `ack`, the HTML report.
@Suite(.serialized)
struct AlertsEndToEndTests {
    typealias Running = DaemonPipelineTests.Running
    let folder: URL
    var database: String { folder.appendingPathComponent("smtq.sqlite").path }
    var hookLog: String { folder.appendingPathComponent("alerts.jsonl").path }

    init() throws {
        folder = try BinaryRunner.folderWithProfiles()
        let script = folder.appendingPathComponent("hook.sh").path
        try "#!/bin/sh\n{ cat; echo; } >> \"\(hookLog)\"\n".write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)
    }

    func writeConfig(port: Int, rules: String, pollInterval: String = "50ms") throws -> String {
        let path = folder.appendingPathComponent("smtq.yaml").path
        try """
            storage:
              database: \(database)
              batch: {max_records: 500, max_delay: 20ms}
            include: [profiles/*.yaml]
            lines:
              L1: {route: [AOI-1]}
            devices:
              - {name: aoi1, line: L1, station: AOI-1, kind: aoi, profile: aoi-reference, tcp: "127.0.0.1:\(port)", unit_id: 1, poll_interval: \(pollInterval), timeout: 500ms, backoff: {initial: 100ms, max: 500ms}}
            alerts:
              retry: {initial: 200ms, max: 1s}
              hooks:
                log: {exec: [\(folder.appendingPathComponent("hook.sh").path)], timeout: 5s}
              rules:
            \(rules)
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The notifications the exec hook received, in order.
    func received() -> [[String: Any]] {
        let text = (try? String(contentsOfFile: hookLog, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    func storedUnits() -> Int { BinaryRunner.count(database, "SELECT count(*) FROM units") }

    func wait(seconds: Double, _ condition: () -> Bool) -> Bool { BinaryRunner.wait(seconds: seconds, condition) }

    @Test("a burst of one defect at one refdes fires repeated_defect once, reminds, resolves; ack shows in the report")
    func burst() throws {
        let port = TestNetwork.freePort()
        let config = try writeConfig(port: port, rules: """
                - {name: feeder, type: repeated_defect, line: L1, station: AOI-1, count: 3, within_units: 20,
                   repeat: 1s, cooldown: 10m, severity: critical, hooks: [log]}
            """)
        let simulator = try Running("smtq", ["simulate", "--listen", "127.0.0.1:\(port)", "--rate", "8", "--count", "90",
                                             "--defect-rate", "0", "--burst", "C12:BRIDGE:20:6", "--serial-prefix", "B"])
        defer { simulator.stop() }
        let daemon = try Running("smtqd", ["--config", config, "--log-level", "warning"])
        #expect(wait(seconds: 60) { storedUnits() >= 90 && received().contains { $0["event"] as? String == "resolved" } },
                "\(daemon.output)")
        #expect(daemon.stop().status == 0)
        let events = received().map { $0["event"] as? String ?? "?" }
        #expect(events.first == "firing")
        #expect(events.last == "resolved")
        #expect(events.filter { $0 == "firing" }.count == 1)
        #expect(events.filter { $0 == "reminder" }.count >= 1, "\(events)")
        let firing = try #require(received().first)
        let scope = firing["scope"] as? [String: String] ?? [:]
        #expect(scope["refdes"] == "C12" && scope["code"] == "BRIDGE")
        #expect(firing["first_serial"] as? String == "B20")
        #expect(firing["last_serial"] as? String == "B22")
        #expect(Set(received().compactMap { $0["id"] as? Int }).count == 1, "one alert id for firing, reminders, resolution")

        let id = try #require(firing["id"] as? Int)
        let acked = try BinaryRunner.run("smtq", ["alerts", "ack", String(id), "--note", "replaced nozzle 4 on feeder 12",
                                                  "--by", "qe-anna", "--db", database])
        #expect(acked.status == 0, "\(acked.standardError)")
        let missing = try BinaryRunner.run("smtq", ["alerts", "ack", "999", "--note", "x", "--db", database])
        #expect(missing.status == 65)
        #expect(missing.standardError.contains("there is no alert 999"))
        let list = try BinaryRunner.run("smtq", ["alerts", "--db", database, "--format", "json"])
        let json = try CLIFixtures.json(list)
        let alerts = json["alerts"] as? [[String: Any]] ?? []
        #expect(alerts.count == 1)
        #expect(alerts.first?["state"] as? String == "resolved")
        let acks = alerts.first?["acks"] as? [[String: Any]] ?? []
        #expect(acks.first?["by"] as? String == "qe-anna")
        let deliveries = alerts.first?["deliveries"] as? [String: Any] ?? [:]
        #expect(deliveries["delivered"] as? Int == events.count && deliveries["total"] as? Int == events.count)
        let table = try BinaryRunner.run("smtq", ["alerts", "--db", database, "--format", "table"])
        #expect(table.standardOutput.contains("qe-anna: replaced nozzle 4 on feeder 12"))
        let html = folder.appendingPathComponent("report.html").path
        let report = try BinaryRunner.run("smtq", ["report", "html", "--config", config, "--out", html])
        #expect(report.status == 0, "\(report.standardError)")
        let page = try String(contentsOfFile: html, encoding: .utf8)
        #expect(page.contains("<h2>Alerts</h2>"))
        #expect(page.contains("qe-anna"))
        #expect(page.contains("replaced nozzle 4 on feeder 12"))
    }

    @Test("a steady low defect rate fires nothing over 10,000 units")
    func steady() throws {
        let port = TestNetwork.freePort()
        let config = try writeConfig(port: port, rules: """
                - {name: feeder, type: repeated_defect, line: L1, station: AOI-1, count: 3, within_units: 20, hooks: [log]}
                - {name: fpy, type: threshold, line: L1, station: AOI-1, metric: fpy, below: 90%, window_units: 500,
                   min_units: 100, hooks: [log]}
                - {name: spike, type: spike, line: L1, station: AOI-1, factor: 3, window: 2s, baseline: 10s,
                   min_units: 200, min_defects: 10, hooks: [log]}
            """, pollInterval: "20ms")
        let simulator = try Running("smtq", ["simulate", "--listen", "127.0.0.1:\(port)", "--rate", "1000",
                                             "--count", "10000", "--defect-rate", "0.03", "--serial-prefix", "S"])
        defer { simulator.stop() }
        let daemon = try Running("smtqd", ["--config", config, "--log-level", "warning"])
        #expect(wait(seconds: 120) { storedUnits() >= 10_000 }, "\(daemon.output)")
        usleep(1_500_000)
        #expect(daemon.stop().status == 0)
        let alerts = try StoreDatabase.openReadOnly(path: database).read {
            try Int.fetchOne($0, sql: "SELECT count(*) FROM alerts") ?? -1
        }
        #expect(alerts == 0, "\(received())")
        #expect(received().isEmpty)
    }

    @Test("a killed simulator fires device after down_after; its return resolves it")
    func deviceDown() throws {
        let port = TestNetwork.freePort()
        let config = try writeConfig(port: port, rules: """
                - {name: aoi-down, type: device, device: aoi1, down_after: 2s, hooks: [log]}
            """)
        var simulator = try Running("smtq", ["simulate", "--listen", "127.0.0.1:\(port)", "--rate", "5"])
        let daemon = try Running("smtqd", ["--config", config, "--log-level", "warning"])
        defer { daemon.stop() }
        #expect(wait(seconds: 30) { storedUnits() >= 3 })
        simulator.signal(SIGKILL)
        simulator.stop()
        let killedAt = Date()
        #expect(wait(seconds: 30) { received().contains { $0["event"] as? String == "firing" } }, "\(daemon.output)")
        #expect(Date().timeIntervalSince(killedAt) >= 2)
        let firing = try #require(received().first)
        #expect(firing["kind"] as? String == "device")
        #expect((firing["scope"] as? [String: String])?["device"] == "aoi1")
        simulator = try Running("smtq", ["simulate", "--listen", "127.0.0.1:\(port)", "--rate", "5", "--serial-prefix", "R"])
        defer { simulator.stop() }
        #expect(wait(seconds: 30) { received().contains { $0["event"] as? String == "resolved" } }, "\(daemon.output)")
        #expect(received().filter { $0["event"] as? String == "firing" }.count == 1)
    }
}
