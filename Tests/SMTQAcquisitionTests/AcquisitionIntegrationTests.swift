import Foundation
import GRDB
import SMTQCore
import SMTQStore
import SMTQTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The collector against the project's simulator over loopback TCP and over RTU on a socat pty pair, each
/// a separate process, with the simulator's log as the truth.
@Suite(.serialized)
struct AcquisitionIntegrationTests: AcquisitionSuite {
    let folder: URL

    init() throws {
        folder = try Self.makeFolder()
    }

    @Test("2,000 FIFO records through connection drops and a kill -9 of the collector: stored exactly once")
    func fifoExactlyOnce() throws {
        let port = Processes.freePort()
        let log = folder.appendingPathComponent("sim.jsonl")
        let simulator = try Processes.Running("smtq", [
            "simulate", "--kind", "aoi", "--listen", "127.0.0.1:\(port)", "--rate", "400", "--count", "2000",
            "--defect-rate", "0.3", "--serial-prefix", "F-", "--drop-connection-every", "97", "--log", log.path, "--seed", "7"])
        defer { simulator.stop() }
        let config = try writeConfig("""
              - {name: aoi1, line: L1, station: AOI-1, kind: aoi, profile: aoi-reference, tcp: "127.0.0.1:\(port)",
                 unit_id: 1, poll_interval: 20ms, timeout: 500ms, retries: 2, backoff: {initial: 20ms, max: 200ms}}
            """)
        let first = try Processes.Running("smtq", ["collect", "--config", config])
        Processes.wait(seconds: 20) { Processes.count(database) >= 300 }
        first.stop(SIGKILL)
        let second = try Processes.Running("smtq", ["collect", "--config", config])
        let complete = Processes.wait(seconds: 90) { Processes.count(database) >= 2000 }
        let status = second.stop()
        #expect(complete, "stored \(Processes.count(database)) of 2000")
        let produced = try Processes.simulatorLog(log)
        #expect(produced.count == 2000)
        let stored = try storedUnits()
        #expect(stored.count == 2000)
        for entry in produced where stored[entry.record.serial] != Self.comparable(entry.record) {
            Issue.record("seq \(entry.seq): stored \(String(describing: stored[entry.record.serial])) produced \(entry.record)")
        }
        #expect(Processes.count(database, "SELECT count(*) FROM device_events WHERE kind = 'disconnect'") > 5,
                "the simulator's connection drops are recorded")
        #expect(status.contains("aoi1"))
    }

    @Test("mailbox with a slow poll: every record not stored is counted in a recorded gap")
    func mailboxGaps() throws {
        let port = Processes.freePort()
        let log = folder.appendingPathComponent("sim.jsonl")
        let simulator = try Processes.Running("smtq", [
            "simulate", "--kind", "aoi", "--mode", "mailbox", "--listen", "127.0.0.1:\(port)", "--rate", "40",
            "--count", "200", "--serial-prefix", "M-", "--log", log.path])
        defer { simulator.stop() }
        let config = try writeConfig("""
              - {name: aoi1, line: L1, station: AOI-1, kind: aoi, profile: aoi-mailbox, tcp: "127.0.0.1:\(port)",
                 unit_id: 1, poll_interval: 110ms, timeout: 500ms}
            """)
        try TestProfiles.aoiMailbox.write(toFile: folder.appendingPathComponent("profiles/aoi-mailbox.yaml").path,
                                          atomically: true, encoding: .utf8)
        let collector = try Processes.Running("smtq", ["collect", "--config", config])
        Processes.wait(seconds: 15) { (try? Processes.simulatorLog(log).count) == 200 }
        Thread.sleep(forTimeInterval: 0.5)
        collector.stop()
        let sequences = try StoreDatabase.openReadOnly(path: database).read {
            try Int.fetchAll($0, sql: "SELECT source_seq FROM units ORDER BY source_seq")
        }
        let gaps = Processes.count(database, "SELECT coalesce(sum(count), 0) FROM device_events WHERE kind = 'gap'")
        #expect(sequences.last == 200)
        let missed = zip(sequences, sequences.dropFirst()).reduce(0) { $0 + ($1.1 - $1.0 - 1) }
        #expect(missed == gaps, "\(missed) records missed between stored ones, \(gaps) recorded as lost")
        #expect(missed > 0)
        let produced = Dictionary(uniqueKeysWithValues: try Processes.simulatorLog(log).map { ($0.seq, $0.record) })
        let stored = try storedUnits()
        for seq in sequences {
            let serial = try #require(produced[seq]?.serial)
            #expect(stored[serial]?.result == produced[seq]?.result)
        }
    }

    @Test("three testers on one RTU bus (socat pty pair), one simulator process answering three unit ids")
    func rtuBus() throws {
        let a = folder.appendingPathComponent("ttyA").path, b = folder.appendingPathComponent("ttyB").path
        let socat = try Processes.Running("/usr/bin/socat", ["pty,raw,echo=0,link=\(a)", "pty,raw,echo=0,link=\(b)"])
        defer { socat.stop() }
        #expect(Processes.wait(seconds: 5) { FileManager.default.fileExists(atPath: a) && FileManager.default.fileExists(atPath: b) })
        let log = folder.appendingPathComponent("sim.jsonl")
        let simulator = try Processes.Running("smtq", [
            "simulate", "--kind", "tester", "--serial", b, "--baud", "19200", "--parity", "even", "--unit-id", "3",
            "--unit-id", "5", "--unit-id", "9", "--rate", "10", "--count", "30", "--defect-rate", "0.2", "--log", log.path])
        defer { simulator.stop() }
        let config = try writeConfig("""
              - {name: ict1, line: L1, station: ICT-1, kind: tester, profile: tester-reference, rtu: {bus: rs485}, unit_id: 3, poll_interval: 50ms, timeout: 300ms}
              - {name: ict2, line: L1, station: ICT-2, kind: tester, profile: tester-reference, rtu: {bus: rs485}, unit_id: 5, poll_interval: 50ms, timeout: 300ms}
              - {name: ict3, line: L1, station: ICT-3, kind: tester, profile: tester-reference, rtu: {bus: rs485}, unit_id: 9, poll_interval: 50ms, timeout: 300ms}
            """, extra: """
            serial_buses:
              rs485: {port: \(a), baud: 19200, parity: even}
            """)
        let collector = try Processes.Running("smtq", ["collect", "--config", config])
        let complete = Processes.wait(seconds: 40) { Processes.count(database) >= 90 }
        collector.stop()
        #expect(complete, "stored \(Processes.count(database)) of 90")
        let produced = try Processes.simulatorLog(log)
        let stored = try storedUnits()
        #expect(stored.count == 90)
        for entry in produced {
            #expect(stored[entry.record.serial] == Self.comparable(entry.record), "unit \(entry.unit) seq \(entry.seq)")
        }
        let perDevice = try StoreDatabase.openReadOnly(path: database).read {
            try Row.fetchAll($0, sql: "SELECT d.name, count(*) FROM units u JOIN devices d ON d.id = u.device_id GROUP BY d.name ORDER BY d.name")
                .map { "\($0[0] as String)=\($0[1] as Int)" }
        }
        #expect(perDevice == ["ict1=30", "ict2=30", "ict3=30"])
    }

    @Test("exceptions, garbage answers and the SEQ wrap at 65535 lose nothing")
    func faultsAndWrap() throws {
        let port = Processes.freePort()
        let log = folder.appendingPathComponent("sim.jsonl")
        let simulator = try Processes.Running("smtq", [
            "simulate", "--kind", "aoi", "--listen", "127.0.0.1:\(port)", "--rate", "200", "--count", "300",
            "--first-seq", "65400", "--exception-rate", "0.05", "--garbage-rate", "0.03", "--serial-prefix", "W-",
            "--log", log.path])
        defer { simulator.stop() }
        let config = try writeConfig("""
              - {name: aoi1, line: L1, station: AOI-1, kind: aoi, profile: aoi-reference, tcp: "127.0.0.1:\(port)",
                 unit_id: 1, poll_interval: 20ms, timeout: 300ms, retries: 3, backoff: {initial: 20ms, max: 200ms}}
            """)
        let collector = try Processes.Running("smtq", ["collect", "--config", config])
        let complete = Processes.wait(seconds: 60) { Processes.count(database) >= 300 }
        let status = collector.stop()
        #expect(complete, "stored \(Processes.count(database)) of 300")
        let produced = try Processes.simulatorLog(log)
        #expect(Set(produced.map(\.seq)).contains(65_535) && Set(produced.map(\.seq)).contains(0))
        let stored = try storedUnits()
        #expect(stored.count == 300)
        #expect(Set(stored.keys) == Set(produced.map(\.record.serial)))
        let row = status.split(separator: "\n").first { $0.hasPrefix("aoi1") }.map(String.init) ?? ""
        let numbers = row.split(separator: " ").compactMap { Int($0) }
        #expect(numbers.count >= 10 && numbers[7] > 0, "exceptions were answered and counted: \(row)")
    }

    @Test("counters: deltas, a machine reboot recorded as a reset, never a negative delta")
    func countersWithReboot() throws {
        let port = Processes.freePort()
        let simulator = try Processes.Running("smtq", [
            "simulate", "--kind", "aoi", "--mode", "counters", "--listen", "127.0.0.1:\(port)", "--rate", "50",
            "--count", "300", "--reboot-after", "100"])
        defer { simulator.stop() }
        let config = try writeConfig("""
              - {name: aoi1, line: L1, station: AOI-1, kind: aoi, profile: aoi-counters, tcp: "127.0.0.1:\(port)",
                 unit_id: 1, poll_interval: 50ms, timeout: 500ms}
            """)
        let collector = try Processes.Running("smtq", ["collect", "--config", config])
        // Until both reboots are recorded and the counter shows the 100 boards made after the second one.
        let settled = Processes.wait(seconds: 90) {
            Processes.count(database, "SELECT count(*) FROM device_events WHERE kind = 'reset'") == 2
                && Processes.count(database, "SELECT value FROM counter_samples WHERE counter = 'inspected' ORDER BY id DESC LIMIT 1") == 100
        }
        collector.stop()
        #expect(settled, "the counters did not settle at 100 after two reboots")
        let samples = try StoreDatabase.openReadOnly(path: database).read {
            try Row.fetchAll($0, sql: "SELECT value, delta, event FROM counter_samples WHERE counter = 'inspected' ORDER BY id")
        }
        #expect(samples.count > 50)
        let deltas = samples.compactMap { $0["delta"] as Int64? }
        #expect(deltas.allSatisfy { $0 >= 0 })
        #expect(samples.filter { ($0["event"] as String?) == "reset" }.count == 2)
        // Boards counted between the last poll and a reboot are erased by the reboot before anyone can read
        // them: counters mode cannot see them (FIFO mode can). At 50 boards/s and a 50 ms poll, that is at
        // most a few per reboot; nothing may be counted twice.
        let first: Int64 = samples.first?["value"] ?? 0
        let total = first + deltas.reduce(0, +)
        #expect(total <= 300 && total >= 300 - 2 * 5, "\(total) of 300 boards counted")
        #expect(Processes.count(database, "SELECT count(*) FROM device_events WHERE kind = 'reset'") == 2)
    }

    @Test("quirks (one request per field, small requests, a pause, reconnect per poll) and a dead device beside a live one")
    func quirksAndDeadDevice() throws {
        let port = Processes.freePort(), deadPort = Processes.freePort()
        let log = folder.appendingPathComponent("sim.jsonl")
        let simulator = try Processes.Running("smtq", [
            "simulate", "--kind", "aoi", "--listen", "127.0.0.1:\(port)", "--rate", "50", "--count", "100",
            "--defect-rate", "0.5", "--serial-prefix", "Q-", "--log", log.path])
        defer { simulator.stop() }
        let config = try writeConfig("""
              - name: quirky
                line: L1
                station: AOI-1
                kind: aoi
                profile: aoi-reference
                tcp: "127.0.0.1:\(port)"
                unit_id: 1
                poll_interval: 20ms
                quirks: {one_request_per_field: true, max_registers_per_request: 50, pause_between_requests: 1ms, close_after_poll: true}
              - {name: dead, line: L1, station: AOI-2, kind: aoi, profile: aoi-reference, tcp: "127.0.0.1:\(deadPort)",
                 unit_id: 1, poll_interval: 20ms, timeout: 2s, backoff: {initial: 100ms, max: 1s}}
            """)
        let collector = try Processes.Running("smtq", ["collect", "--config", config])
        let complete = Processes.wait(seconds: 30) { Processes.count(database) >= 100 }
        let status = collector.stop()
        #expect(complete, "stored \(Processes.count(database)) of 100 next to a dead device")
        let produced = try Processes.simulatorLog(log)
        let stored = try storedUnits()
        for entry in produced { #expect(stored[entry.record.serial] == Self.comparable(entry.record)) }
        let quirky = status.split(separator: "\n").first { $0.hasPrefix("quirky") }.map(String.init) ?? ""
        let dead = status.split(separator: "\n").first { $0.hasPrefix("dead") }.map(String.init) ?? ""
        #expect(quirky.contains(" 100 "), "\(quirky)")
        #expect(dead.contains("Connection refused"), "\(dead)")
        #expect(Processes.count(database, "SELECT count(*) FROM device_events e JOIN devices d ON d.id = e.device_id WHERE d.name = 'quirky' AND e.kind = 'connect'") == 1,
                "reconnecting after a deliberate close (close_after_poll) is not an event")
    }
}
