import Foundation
import GRDB
import SMTQCore
import SMTQStore
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// One machine read in several parts over one connection (FIFO records, counters and process values from
/// two register tables), and a mailbox's "has a record" flag, against the simulator serving the same profile.
@Suite(.serialized)
struct ProfilePartsTests: AcquisitionSuite {
    let folder: URL

    init() throws {
        folder = try Self.makeFolder()
    }

    /// The reference AOI's record block, for profiles built around it.
    static let record = referenceAOI(from: "record:")

    static let ovenProfile = """
        mode: fifo
        sequence: 0
        pending: 1
        ack: 200
        \(record)
        counters:
          - {name: inspected, address: 300, type: u32, table: input}
          - {name: passed,    address: 302, type: u32, table: input}
        process_values:
          - {name: zone3,  address: 310, table: input, type: i16, scale: 0.1, unit: C, lsl: 235, usl: 250}
          - {name: o2_ppm, address: 312, table: input, type: f32, word_order: CDAB, unit: ppm, lsl: 100, usl: 900}
          - {name: speed,  address: 250, type: u16, scale: 0.01, unit: m/min}
        """

    @Test("records, counters and process values of one machine over one connection, each as the device had it")
    func recordsCountersAndProcessValues() throws {
        let port = Processes.freePort()
        let log = folder.appendingPathComponent("sim.jsonl")
        let profile = try writeProfile("oven-x", Self.ovenProfile)
        let simulator = try Processes.Running("smtq", [
            "simulate", "--kind", "aoi", "--listen", "127.0.0.1:\(port)", "--rate", "20", "--count", "60",
            "--defect-rate", "0.3", "--serial-prefix", "P-", "--station", "OVEN-1", "--device", "oven1", "--log", log.path,
            "--profile-file", profile, "--profile", "oven-x"])
        defer { simulator.stop() }
        let config = try writeConfig("""
              - {name: oven1, line: L1, station: OVEN-1, kind: aoi, profile: oven-x, tcp: "localhost:\(port)",
                 unit_id: 1, poll_interval: 50ms, timeout: 500ms}
            """)
        let collector = try Processes.Running("smtq", ["collect", "--config", config])
        let complete = Processes.wait(seconds: 30) {
            Processes.count(database) >= 60
                && Processes.count(database, "SELECT coalesce(max(value), 0) FROM counter_samples WHERE counter = 'inspected'") == 60
        }
        let output = collector.stop()
        #expect(complete, "stored \(Processes.count(database)) of 60 units")
        let produced = try Processes.simulatorLog(log)
        let stored = try storedUnits()
        #expect(stored.count == 60)
        for entry in produced { #expect(stored[entry.record.serial] == Self.comparable(entry.record)) }
        let passed = produced.filter { $0.record.result == .pass }.count
        #expect(Processes.count(database, "SELECT max(value) FROM counter_samples WHERE counter = 'passed'") == passed)

        let served = try Processes.simulatorProcessValues(log)
        let sampled = try StoreDatabase.openReadOnly(path: database).read {
            try Row.fetchAll($0, sql: """
                SELECT v.name, v.value, v.unit, v.lsl, v.usl, s.name FROM process_values v JOIN stations s ON s.id = v.station_id
                """)
        }
        #expect(Set(sampled.map { $0[0] as String }) == ["zone3", "o2_ppm", "speed"])
        #expect(sampled.count > 20, "sampled every poll interval (\(sampled.count) values)")
        for row in sampled {
            let name: String = row[0], value: Double = row[1]
            #expect(served[name]?.contains { $0.value == value } == true, "\(name) = \(value) was never in the device's registers")
            #expect(row[5] as String == "OVEN-1")
        }
        let zone = sampled.first { $0[0] as String == "zone3" }
        #expect(zone?[2] as String? == "C" && zone?[3] as Double? == 235 && zone?[4] as Double? == 250)
        #expect(Processes.count(database, "SELECT count(*) FROM device_events WHERE kind = 'connect'") == 1,
                "one connection serves every part")
        let row = Self.statusRow(output, device: "oven1")
        #expect(row["records"] == "60" && row["connected"] == "yes" && row["bad"] == "0", "\(output)")
        #expect(Int(row["samples"] ?? "") ?? 0 >= sampled.count, "\(output)")
        try reportsReadProcessValues(zone3: sampled.filter { $0[0] as String == "zone3" }.count)
    }

    /// Process values are measurements of their station for the reports and the export.
    private func reportsReadProcessValues(zone3: Int) throws {
        let export = try Processes.Running("smtq", ["export", "process-values", "--db", database])
        let lines = export.finish().split(separator: "\n")
        #expect(lines.count == Processes.count(database, "SELECT count(*) FROM process_values"))
        #expect(lines.allSatisfy { $0.hasPrefix(#"{"v":1,"type":"process_value","line":"L1","station":"OVEN-1","device":"oven1","#) })
        let capability = try Processes.Running("smtq", ["report", "capability", "--db", database, "--measurement", "zone3",
                                                        "--format", "json"]).finish()
        #expect(capability.contains("(process value)") && capability.contains("\"n\":\(zone3)"), "\(capability)")
        let chart = try Processes.Running("smtq", ["report", "spc", "--db", database, "--chart", "imr", "--line", "L1",
                                                   "--station", "OVEN-1", "--measurement", "zone3", "--format", "json"]).finish()
        let object = try JSONSerialization.jsonObject(with: Data(chart.utf8)) as? [String: Any]
        let individuals = (object?["individuals"] as? [String: Any])?["points"] as? [Any]
        #expect(individuals?.count == zone3, "\(chart.prefix(400))")
    }

    @Test("a value at an address the device refuses loses only itself: records drain, the other samples are stored")
    func refusedValueLosesOnlyItself() throws {
        let port = Processes.freePort()
        let log = folder.appendingPathComponent("sim.jsonl")
        let served = try writeProfile("oven-x", Self.ovenProfile)
        let simulator = try Processes.Running("smtq", [
            "simulate", "--kind", "aoi", "--listen", "127.0.0.1:\(port)", "--rate", "1000", "--count", "200",
            "--serial-prefix", "X-", "--log", log.path, "--profile-file", served, "--profile", "oven-x"])
        defer { simulator.stop() }
        // The collector's profile also asks for a value the device does not have: the simulator has 4096
        // registers, so holding 5000 is refused with "illegal data address".
        _ = try writeProfile("oven-y", Self.ovenProfile + "\n  - {name: ghost, address: 5000, type: u16}")
        Processes.wait(seconds: 15) { (try? Processes.simulatorLog(log).count) == 200 }
        let config = try writeConfig("""
              - {name: oven1, line: L1, station: OVEN-1, kind: aoi, profile: oven-y, tcp: "127.0.0.1:\(port)",
                 unit_id: 1, poll_interval: 50ms, timeout: 500ms}
            """)
        let collector = try Processes.Running("smtq", ["collect", "--config", config])
        let complete = Processes.wait(seconds: 20) { Processes.count(database) >= 200 }
        Thread.sleep(forTimeInterval: 0.5)
        let output = collector.stop()
        #expect(complete, "the backlog drains although one value is refused (\(Processes.count(database)) of 200)")
        let names = Set(try StoreDatabase.openReadOnly(path: database).read {
            try String.fetchAll($0, sql: "SELECT DISTINCT name FROM process_values")
        })
        #expect(names == ["zone3", "o2_ppm", "speed"], "the other values are stored: \(names)")
        #expect(Processes.count(database, "SELECT count(*) FROM counter_samples") > 0)
        let row = Self.statusRow(output, device: "oven1")
        #expect(row["exceptions"] != "0" && row["last error"]?.contains("no holding register 5000") == true, "\(output)")
        #expect(Processes.count(database, "SELECT count(*) FROM device_events WHERE kind = 'error' AND detail LIKE '%illegal data address%'") == 1,
                "the refusal is recorded once per episode")
    }

    @Test("a mailbox device that restarts its numbering is a reset, not 65,000 lost records")
    func mailboxRestart() throws {
        let port = Processes.freePort()
        let profile = try writeProfile("aoi-mb", Self.mailbox.replacingOccurrences(of: "sequence: 0\n", with: "sequence: 0\npending: 1\n"))
        let simulator = try Processes.Running("smtq", [
            "simulate", "--kind", "aoi", "--mode", "mailbox", "--listen", "127.0.0.1:\(port)", "--rate", "10", "--count", "40",
            "--first-seq", "50", "--reboot-after", "15", "--serial-prefix", "RB-", "--profile-file", profile, "--profile", "aoi-mb"])
        defer { simulator.stop() }
        let config = try writeConfig("""
              - {name: aoi1, line: L1, station: AOI-1, kind: aoi, profile: aoi-mb, tcp: "127.0.0.1:\(port)",
                 unit_id: 1, poll_interval: 20ms, timeout: 500ms}
            """)
        let collector = try Processes.Running("smtq", ["collect", "--config", config])
        Processes.wait(seconds: 20) { Processes.count(database, "SELECT count(*) FROM units WHERE serial = 'RB-40'") == 1 }
        let output = collector.stop()
        #expect(Processes.count(database, "SELECT count(*) FROM device_events WHERE kind = 'reset'") == 2, "\(output)")
        let lost = Processes.count(database, "SELECT coalesce(sum(count), 0) FROM device_events WHERE kind = 'gap'")
        #expect(lost < 10, "records lost at 10 records/s with a 20 ms poll: \(lost)")
        #expect(Int(Self.statusRow(output, device: "aoi1")["lost"] ?? "") == lost)
    }

    static let mailbox = """
        mode: mailbox
        sequence: 0
        \(record)
        """

    @Test("a mailbox's has-a-record flag: the empty block before the first board is not read as a bad record",
          arguments: [true, false])
    func mailboxFlag(flag: Bool) throws {
        let port = Processes.freePort()
        let profile = try writeProfile("aoi-mb", Self.mailbox.replacingOccurrences(of: "sequence: 0\n", with: flag ? "sequence: 0\npending: 1\n" : "sequence: 0\n"))
        let simulator = try Processes.Running("smtq", [
            "simulate", "--kind", "aoi", "--mode", "mailbox", "--listen", "127.0.0.1:\(port)", "--rate", "1", "--count", "0",
            "--profile-file", profile, "--profile", "aoi-mb"])
        defer { simulator.stop() }
        let config = try writeConfig("""
              - {name: aoi1, line: L1, station: AOI-1, kind: aoi, profile: aoi-mb, tcp: "127.0.0.1:\(port)",
                 unit_id: 1, poll_interval: 50ms, timeout: 500ms}
            """)
        let collector = try Processes.Running("smtq", ["collect", "--config", config])
        // Connected (or already failing), then polled for a while.
        Processes.wait(seconds: 30) { Processes.count(database, "SELECT count(*) FROM device_events WHERE kind IN ('connect', 'error')") > 0 }
        Thread.sleep(forTimeInterval: 1.5)
        let output = collector.stop()
        let row = Self.statusRow(output, device: "aoi1")
        let errors = Processes.count(database, "SELECT count(*) FROM device_events WHERE kind = 'error' AND detail LIKE 'undecodable record%'")
        if flag {
            #expect(row["bad"] == "0" && row["records"] == "0" && errors == 0, "\(output)")
        } else {
            #expect(row["bad"] != "0" && errors > 0, "without the flag the empty block is an undecodable record: \(output)")
        }
    }

    @Test("a mailbox with the flag stores its records once the first one is there")
    func mailboxFlagThenRecords() throws {
        let port = Processes.freePort()
        let log = folder.appendingPathComponent("sim.jsonl")
        let profile = try writeProfile("aoi-mb", Self.mailbox.replacingOccurrences(of: "sequence: 0\n", with: "sequence: 0\npending: 1\n"))
        let simulator = try Processes.Running("smtq", [
            "simulate", "--kind", "aoi", "--mode", "mailbox", "--listen", "127.0.0.1:\(port)", "--rate", "4", "--count", "8",
            "--serial-prefix", "MB-", "--log", log.path, "--profile-file", profile, "--profile", "aoi-mb"])
        defer { simulator.stop() }
        let config = try writeConfig("""
              - {name: aoi1, line: L1, station: AOI-1, kind: aoi, profile: aoi-mb, tcp: "127.0.0.1:\(port)",
                 unit_id: 1, poll_interval: 20ms, timeout: 500ms}
            """)
        let collector = try Processes.Running("smtq", ["collect", "--config", config])
        // A mailbox keeps only the latest record: records produced before the collector connected are gone
        // (and later ones missed under load are gaps); the last one must arrive.
        let complete = Processes.wait(seconds: 15) {
            Processes.count(database, "SELECT count(*) FROM units WHERE source_seq = 8") == 1
        }
        let output = collector.stop()
        #expect(complete, "stored \(Processes.count(database)) records, not the last one")
        let produced = Dictionary(uniqueKeysWithValues: try Processes.simulatorLog(log).map { ($0.record.serial, $0.record) })
        let stored = try storedUnits()
        #expect(!stored.isEmpty)
        for (serial, record) in stored { #expect(produced[serial].map { Self.comparable($0) } == record) }
        #expect(Self.statusRow(output, device: "aoi1")["bad"] == "0", "\(output)")
    }
}
