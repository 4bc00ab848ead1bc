import Foundation
import SMTQConfig
import SMTQCore
import SMTQStore

/// `device`: a device disconnected (or never connected since smtqd started) for longer than `downAfter`,
/// resolved when it connects or delivers again; with `gaps`, lost records (a mailbox gap), resolved when
/// records arrive in a later commit.
final class DeviceRule {
    let rule: String
    let downAfter: Duration
    let gaps: Bool
    /// The devices the rule watches, by name.
    let devices: [String: DeviceConfig]
    private var downSince: [String: Date] = [:]
    /// Devices whose down time was reported (not again until they were up).
    private var reportedDown: Set<String> = []
    /// Devices with an open gap alert, and the commit that carried the gap.
    private var gapBatch: [String: Int] = [:]

    init(rule: String, downAfter: Duration, gaps: Bool, devices: [DeviceConfig], startedAt: Date) {
        self.rule = rule
        self.downAfter = downAfter
        self.gaps = gaps
        self.devices = Dictionary(devices.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for device in devices { downSince[device.name] = startedAt }
    }

    /// Takes over what an earlier instance knew (a configuration reload): devices it saw up stay up, the
    /// down times it reported stay reported; devices new to the configuration count from `startedAt`.
    func adopt(_ earlier: DeviceRule) {
        for name in devices.keys where earlier.devices[name] != nil {
            downSince[name] = earlier.downSince[name]
            if earlier.rule == rule, earlier.reportedDown.contains(name) { reportedDown.insert(name) }
            if earlier.rule == rule { gapBatch[name] = earlier.gapBatch[name] }
        }
    }

    private func scope(_ device: DeviceConfig, what: String) -> AlertScope {
        AlertScope(line: device.line, station: device.station, device: device.name, code: what)
    }

    func event(_ event: DeviceEvent, batch: Int) -> [Observation] {
        guard let device = devices[event.device.device] else { return [] }
        switch event.kind {
        case .disconnect:
            if downSince[device.name] == nil { downSince[device.name] = event.time }
            return []
        case .connect:
            return up(device, at: event.time, evidence: "event:\(event.time.storeMicroseconds)")
        case .gap where gaps:
            gapBatch[device.name] = batch
            return [Observation(
                rule: rule, scope: scope(device, what: "lost_records"), active: true,
                figures: ["lost_records": Double(event.count)], threshold: [:],
                summary: "\(device.name) (\(device.line)/\(device.station)) lost \(event.count) record(s): \(event.detail ?? "SEQ gap")",
                dataTime: event.time, evidence: "gap:\(event.time.storeMicroseconds)")]
        default:
            return []
        }
    }

    /// A unit from the device: it is up, and records flow again after a gap.
    func delivered(device name: String, at time: Date, unitID: Int64, batch: Int) -> [Observation] {
        guard let device = devices[name] else { return [] }
        var observations = up(device, at: time, evidence: "unit:\(unitID)")
        // Also after a restart (no gap known here): the lifecycle ignores a clear reading of a quiet alert.
        if gaps, (gapBatch[name] ?? -1) < batch {
            gapBatch[name] = nil
            observations.append(Observation(
                rule: rule, scope: scope(device, what: "lost_records"), active: false,
                summary: "\(device.name) delivers records again", dataTime: time, evidence: "unit:\(unitID)"))
        }
        return observations
    }

    private func up(_ device: DeviceConfig, at time: Date, evidence: String) -> [Observation] {
        guard downSince.removeValue(forKey: device.name) != nil else { return [] }
        reportedDown.remove(device.name)
        return [Observation(rule: rule, scope: scope(device, what: "down"), active: false,
                            summary: "\(device.name) (\(device.line)/\(device.station)) is connected again",
                            dataTime: time, evidence: evidence)]
    }

    func tick(now: Date) -> [Observation] {
        var observations: [Observation] = []
        for (name, since) in downSince.sorted(by: { $0.key < $1.key }) where !reportedDown.contains(name) {
            let down = now.timeIntervalSince(since)
            guard down >= downAfter.totalSeconds, let device = devices[name] else { continue }
            reportedDown.insert(name)
            observations.append(Observation(
                rule: rule, scope: scope(device, what: "down"), active: true,
                figures: ["down_seconds": down.rounded()], threshold: ["down_after_seconds": downAfter.totalSeconds],
                summary: "\(name) (\(device.line)/\(device.station)) has been down for \(Int(down)) s (since \(RFC3339.string(from: since)))",
                dataTime: now, evidence: "down:\(since.storeMicroseconds)"))
        }
        return observations
    }
}
