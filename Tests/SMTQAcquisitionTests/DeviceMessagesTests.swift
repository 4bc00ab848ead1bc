import Foundation
import SMTQCore
import SMTQStore
import Testing

/// What a user reads when a device is configured wrong: an illegal-address answer names the registers asked
/// for and the addressing, and a TCP device that never answers at its unit id says the unit id may be wrong.
@Suite(.serialized)
struct DeviceMessagesTests: AcquisitionSuite {
    let folder: URL

    init() throws {
        folder = try Self.makeFolder()
    }

    @Test("an illegal data address names the register range requested and the addressing mode")
    func illegalAddress() throws {
        let port = Processes.freePort()
        let simulator = try Processes.Running("smtq", ["simulate", "--kind", "aoi", "--listen", "127.0.0.1:\(port)", "--rate", "0"])
        defer { simulator.stop() }
        let config = try writeConfig("""
              - {name: far, line: L1, station: AOI-1, kind: aoi, profile: far-away, tcp: "127.0.0.1:\(port)", unit_id: 1,
                 poll_interval: 50ms, timeout: 500ms}
            """, extra: """
            profiles:
              far-away:
                addressing: one_based
                counters:
                  - {name: inspected, address: 5001, type: u32}
            """)
        let collector = try Processes.Running("smtq", ["collect", "--config", config])
        #expect(Processes.wait(seconds: 30) {
            Processes.count(database, "SELECT count(*) FROM device_events WHERE detail LIKE '%illegal data address%'") > 0
        })
        let output = collector.stop()
        let row = Self.statusRow(output, device: "far")
        #expect(row["exceptions"] != "0", "\(output)")
        #expect(row["last error"]?.contains("illegal data address: the device has no holding registers 5001–5002 (profile addresses, one_based; protocol address 5000, count 2)") == true,
                "\(output)")
    }

    @Test("a TCP device that never answers at its unit id: the message says the unit id may be wrong")
    func wrongUnitID() throws {
        let port = Processes.freePort()
        let simulator = try Processes.Running("smtq", ["simulate", "--kind", "aoi", "--listen", "127.0.0.1:\(port)", "--rate", "0",
                                                       "--unit-id", "1"])
        defer { simulator.stop() }
        let config = try writeConfig("""
              - {name: aoi7, line: L1, station: AOI-1, kind: aoi, profile: aoi-reference, tcp: "127.0.0.1:\(port)", unit_id: 7,
                 poll_interval: 50ms, timeout: 200ms, retries: 0, backoff: {initial: 50ms, max: 100ms}}
            """)
        let collector = try Processes.Running("smtq", ["collect", "--config", config])
        #expect(Processes.wait(seconds: 30) {
            Processes.count(database, "SELECT count(*) FROM device_events WHERE detail LIKE '%unit id may be wrong%'") > 0
        })
        let output = collector.stop()
        let row = Self.statusRow(output, device: "aoi7")
        #expect(row["timeouts"] != "0", "\(output)")
        #expect(row["last error"]?.contains("no answer from unit id 7 while the TCP connection is up: the unit id may be wrong") == true,
                "\(output)")
    }
}
