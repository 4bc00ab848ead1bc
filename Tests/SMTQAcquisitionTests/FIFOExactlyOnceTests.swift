import Foundation
import SMTQCore
import SMTQStore
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// FIFO acquisition stays exactly once when an ACK is lost on the way (a proxy swallows it and answers for
/// the device), with and without a kill of the collector afterwards, with and without a device clock in the
/// record (without one, the stored unit's time is the host's, so the store's own key cannot recognise a
/// copy); and a device that restarts its SEQ numbering still gets every new record stored.
@Suite(.serialized)
struct FIFOExactlyOnceTests: AcquisitionSuite {
    let folder: URL

    init() throws {
        folder = try Self.makeFolder()
    }

    /// The reference AOI map without its `device_time` field.
    static let noClockProfile = referenceAOI(from: "mode:", without: "device_time:")

    @Test("a lost ACK is only re-ACKed (with and without a device clock, with and without a kill)",
          arguments: [true, false], [false, true])
    func lostAck(clock: Bool, kill: Bool) throws {
        let port = Processes.freePort()
        let log = folder.appendingPathComponent("sim.jsonl")
        var profile = "aoi-reference"
        var profileArguments: [String] = []
        if !clock {
            profile = "aoi-noclock"
            profileArguments = ["--profile-file", try writeProfile(profile, Self.noClockProfile), "--profile", profile]
        }
        let produced = 40
        let simulator = try Processes.Running("smtq", [
            "simulate", "--kind", "aoi", "--listen", "127.0.0.1:\(port)", "--rate", "20", "--count", "\(produced)",
            "--defect-rate", "0.3", "--serial-prefix", "A-", "--log", log.path] + profileArguments)
        defer { simulator.stop() }
        let proxy = try AckDroppingProxy(upstreamPort: port, ackAddress: 200, drop: 10, holdAfterDrop: kill)
        defer { proxy.stop() }
        let config = try writeConfig("""
              - {name: aoi1, line: L1, station: AOI-1, kind: aoi, profile: \(profile), program: PCB-A,
                 tcp: "127.0.0.1:\(proxy.port)", unit_id: 1, poll_interval: 20ms, timeout: 500ms,
                 backoff: {initial: 20ms, max: 200ms}}
            """)
        var collector = try Processes.Running("smtq", ["collect", "--config", config])
        #expect(Processes.wait(seconds: 20) { proxy.dropped }, "the proxy saw \(proxy.acksSeen) ACKs")
        if kill {
            collector.stop(SIGKILL)
            proxy.release()
            #expect(Processes.count(database) == 10, "the record whose ACK was lost is stored, nothing after it")
            collector = try Processes.Running("smtq", ["collect", "--config", config])
        }
        let complete = Processes.wait(seconds: 30) {
            Processes.count(database) >= produced && (try? Processes.simulatorLog(log).count) == produced
        }
        Thread.sleep(forTimeInterval: 0.5)
        let output = collector.stop()
        #expect(complete, "stored \(Processes.count(database)) of \(produced)")
        let stored = try storedUnits(blankTime: !clock)
        let entries = try Processes.simulatorLog(log)
        #expect(entries.count == produced)
        #expect(stored.count == produced, "produced \(produced), stored \(stored.count)")
        for entry in entries where stored[entry.record.serial] != Self.comparable(entry.record, blankTime: !clock) {
            Issue.record("seq \(entry.seq): stored \(String(describing: stored[entry.record.serial])) produced \(entry.record)")
        }
        let row = Self.statusRow(output, device: "aoi1")
        #expect(row["duplicates"] == "1", "\(output)")
        #expect(row["records"] == (kill ? "\(produced - 10)" : "\(produced)"), "\(output)")
        #expect(Processes.count(database, "SELECT count(*) FROM device_events WHERE kind = 'duplicate'") == 1)
        #expect(Processes.count(database, "SELECT count(DISTINCT source_seq) FROM units") == produced)
    }

    @Test("a device that restarts its numbering shows SEQ 1 again with a new record: it is stored")
    func reusedSequence() throws {
        let port = Processes.freePort()
        let log = folder.appendingPathComponent("sim.jsonl")
        let profile = "aoi-noclock"
        let simulator = try Processes.Running("smtq", [
            "simulate", "--kind", "aoi", "--listen", "127.0.0.1:\(port)", "--rate", "5", "--count", "15",
            "--reboot-after", "1", "--serial-prefix", "R-", "--log", log.path,
            "--profile-file", try writeProfile(profile, Self.noClockProfile), "--profile", profile])
        defer { simulator.stop() }
        let config = try writeConfig("""
              - {name: aoi1, line: L1, station: AOI-1, kind: aoi, profile: \(profile), program: PCB-A,
                 tcp: "127.0.0.1:\(port)", unit_id: 1, poll_interval: 20ms, timeout: 500ms}
            """)
        let collector = try Processes.Running("smtq", ["collect", "--config", config])
        let complete = Processes.wait(seconds: 20) { Processes.count(database) >= 15 }
        Thread.sleep(forTimeInterval: 0.3)
        let output = collector.stop()
        #expect(complete, "stored \(Processes.count(database)) of 15")
        let produced = try Processes.simulatorLog(log)
        #expect(Set(produced.map(\.seq)) == [1], "every record has SEQ 1 after its device's restart")
        #expect(try storedUnits(blankTime: true).count == 15)
        #expect(Self.statusRow(output, device: "aoi1")["duplicates"] == "0", "\(output)")
    }
}
