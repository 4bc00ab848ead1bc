import Foundation
import SMTQAcquisition
import SMTQConfig
import SMTQCore
import SMTQDashboard
import SMTQStore

/// The daemon as the dashboard sees it: the configuration in force, the devices' state (what `smtq status`
/// shows) and acknowledgements written through the store's writer, as `smtq alerts ack` writes them.
struct DashboardBridge: DashboardHost {
    let current: Locked<Configuration>
    let collector: Collector
    let writer: StoreWriter

    var configuration: Configuration { current.withLock { $0 } }

    func devices() -> [DashboardDevice] {
        Pipeline.deviceStates(configuration: configuration, statuses: collector.statuses, now: Date()).map { device in
            let facts: [(String, String)] = [
                ("endpoint", device.endpoint), ("connected since", device.since ?? "-"), ("last record", device.lastRecord ?? "-"),
                ("last answer", device.lastSuccess ?? "-"), ("records", String(device.records)), ("samples", String(device.samples)),
                ("duplicates", String(device.duplicates)), ("records lost in gaps", String(device.lostRecords)),
                ("torn reads", String(device.tornReads)), ("bad records", String(device.badRecords)), ("polls", String(device.polls)),
                ("timeouts", String(device.timeouts)), ("exceptions", String(device.exceptions)), ("CRC errors", String(device.crcErrors)),
                ("other errors", String(device.otherErrors)), ("reconnects", String(device.reconnects)), ("last error", device.lastError ?? "-"),
            ]
            let state: DashboardDevice.State = device.up ? .up : device.connected ? .silent : .down
            return DashboardDevice(name: device.name, line: device.line, station: device.station, state: state, facts: facts)
        }
    }

    func acknowledge(alert: Int64, by: String, note: String) async throws -> Bool {
        let writer = self.writer
        return try await Blocking.run("ack") {
            try writer.write { db in try AlertStore.acknowledge(alert, by: by, note: note, at: Date(), db) }
        }
    }
}
