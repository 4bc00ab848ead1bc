import CoreMetrics
import Foundation
import Prometheus
import SMTQAcquisition
import SMTQCore

/// The Prometheus registry behind `/metrics`. Library timings arrive through swift-metrics (bootstrapped
/// once per process onto this registry); counts that the parts keep anyway (device statuses, the engine's
/// points per chart) are carried into Prometheus counters at each scrape by the difference since the last
/// one, so each count has one owner; gauges (connected, backlog, alerts pending, RSS, descriptors) are set
/// at the scrape.
final class DaemonMetrics: Sendable {
    static let shared = DaemonMetrics()

    let registry = PrometheusCollectorRegistry()
    private let carried = Locked<[String: Int]>([:])
    /// What each device's series are, by device, so a device removed by a reload leaves `/metrics`.
    private let series = Locked<[String: [Series]]>([:])

    /// A series with its help text (swift-prometheus stops the process when one name gets two help texts).
    private enum Series {
        case counter(String, String, [(String, String)])
        case gauge(String, String, [(String, String)])
    }

    private init() {
        MetricsSystem.bootstrap(HelpfulMetricsFactory(registry: registry))
    }

    /// The metrics as Prometheus text, brought up to date with the pipeline first.
    func scrape(_ pipeline: Pipeline, status: DaemonStatus) -> [UInt8] {
        forgetRemovedDevices(present: Set(status.devices.map(\.name)))
        for device in status.devices {
            let labels = [("device", device.name)]
            count("smtq_device_polls_total", "Polls of the device.", labels, device.polls)
            count("smtq_device_records_total", "Unit records stored from the device.", labels, device.records)
            count("smtq_device_samples_total", "Counter readings and process values stored from the device.", labels, device.samples)
            count("smtq_device_duplicates_total", "Records read again after they were stored (a lost ACK, a restart), not stored twice.",
                  labels, device.duplicates)
            count("smtq_device_lost_records_total", "Mailbox records lost between polls (gaps).", labels, device.lostRecords)
            count("smtq_device_torn_reads_total", "Mailbox reads repeated because SEQ moved between requests.", labels, device.tornReads)
            count("smtq_device_bad_records_total", "Undecodable records and non-finite process values.", labels, device.badRecords)
            count("smtq_device_reconnects_total", "Connections lost and made again.", labels, device.reconnects)
            for (kind, value) in [("timeout", device.timeouts), ("exception", device.exceptions), ("crc", device.crcErrors),
                                  ("other", device.otherErrors)] {
                count("smtq_device_errors_total", "Failed requests by kind.", labels + [("kind", kind)], value)
            }
            gauge("smtq_device_connected", "1 while the device's connection is open.", labels, device.connected ? 1 : 0)
            gauge("smtq_device_up", "1 while the device is connected and answering.", labels, device.up ? 1 : 0)
        }
        for chart in status.charts {
            let labels = [("chart", chart.chart)]
            count("smtq_spc_points_total", "Points the live SPC engine closed.", labels, chart.points)
            count("smtq_spc_signals_total", "Points with a signal (beyond limits or an enabled run rule).", labels, chart.signals)
        }
        gauge("smtq_writer_backlog_records", "Records handed to the store and not yet committed.", [], Double(status.writer.backlog))
        gauge("smtq_writer_failing", "1 while the database refuses writes (records are held, not acknowledged).", [],
              status.writer.failing ? 1 : 0)
        gauge("smtq_live", "1 while the liveness check passes (the watchdog is fed).", [], status.alive ? 1 : 0)
        if let forwarding = status.forwarding {
            gauge("smtq_forward_connected", "1 while the central database is reachable and taking batches.", [], forwarding.connected ? 1 : 0)
            gauge("smtq_forward_lag_units", "Units stored here and not yet confirmed by the central database.", [],
                  Double(forwarding.lagUnits ?? 0))
            gauge("smtq_forward_lag_seconds", "Age of the oldest unit not yet confirmed by the central database.", [],
                  forwarding.lagSeconds ?? 0)
            count("smtq_forward_units_total", "Units confirmed by the central database since start.", [], forwarding.unitsForwarded)
            count("smtq_forward_conflicts_total", "Records the central database refused (same key, other content); kept here.", [],
                  forwarding.conflicts)
        }
        if let pending = status.alertsPending {
            gauge("smtq_alerts_pending", "Alerts in the outbox not yet delivered.", [], Double(pending))
        }
        for hook in status.hooks ?? [] {
            let labels = [("hook", hook.name)]
            gauge("smtq_alert_hook_failing", "1 while the hook's last delivery attempt failed (its alerts are retried).",
                  labels, hook.consecutiveFailures > 0 ? 1 : 0)
            gauge("smtq_alert_hook_pending", "Notifications waiting for delivery to the hook.", labels, Double(hook.pending))
        }
        if let dashboard = pipeline.dashboard {
            gauge("smtq_dashboard_streams", "Live dashboard streams (Server-Sent Events) connected.", [], Double(dashboard.liveClients))
            count("smtq_dashboard_streams_dropped_total", "Live streams dropped for not reading (their bound reached).", [],
                  dashboard.droppedClients)
        }
        let process = ProcessFigures.read()
        gauge("smtq_process_resident_memory_bytes", "Resident memory of smtqd.", [], Double(process.residentBytes))
        gauge("smtq_process_open_fds", "Open file descriptors of smtqd.", [], Double(process.openDescriptors))
        return registry.emitToBuffer()
    }

    /// Moves a Prometheus counter up to a count kept elsewhere (a count that went down, a restarted device,
    /// starts again from its new value).
    private func count(_ name: String, _ help: String, _ labels: [(String, String)], _ value: Int) {
        remember(.counter(name, help, labels), labels)
        let key = name + labels.map { "|\($0.0)=\($0.1)" }.joined()
        let counter = registry.makeCounter(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help),
                                           labels: labels)
        let delta = carried.withLock { carried -> Int in
            let previous = carried[key] ?? 0
            carried[key] = value
            return value >= previous ? value - previous : value
        }
        if delta > 0 { counter.increment(by: Int64(delta)) }
    }

    private func gauge(_ name: String, _ help: String, _ labels: [(String, String)], _ value: Double) {
        remember(.gauge(name, help, labels), labels)
        registry.makeGauge(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help), labels: labels)
            .set(value)
    }
}

extension DaemonMetrics {
    /// Notes a series of a device (its `device` label) the first time it is set.
    private func remember(_ entry: Series, _ labels: [(String, String)]) {
        guard let device = labels.first(where: { $0.0 == "device" })?.1 else { return }
        series.withLock { known in
            let name: String
            switch entry {
            case let .counter(metric, _, _), let .gauge(metric, _, _): name = metric
            }
            let already = known[device, default: []].contains { existing in
                switch existing {
                case let .counter(metric, _, existingLabels), let .gauge(metric, _, existingLabels):
                    return metric == name && existingLabels.elementsEqual(labels) { $0 == $1 }
                }
            }
            if !already { known[device, default: []].append(entry) }
        }
    }

    /// Unregisters every series of devices that are no longer configured (their poll-duration histogram goes
    /// with their poller: `Collector.apply`).
    private func forgetRemovedDevices(present: Set<String>) {
        let removed = series.withLock { known -> [String: [Series]] in
            let gone = known.filter { !present.contains($0.key) }
            for device in gone.keys { known[device] = nil }
            return gone
        }
        for entries in removed.values {
            for entry in entries {
                switch entry {
                case let .counter(name, help, labels):
                    registry.unregisterCounter(registry.makeCounter(
                        descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help), labels: labels))
                    carried.withLock { $0[name + labels.map { "|\($0.0)=\($0.1)" }.joined()] = nil }
                case let .gauge(name, help, labels):
                    registry.unregisterGauge(registry.makeGauge(
                        descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help), labels: labels))
                }
            }
        }
    }
}

/// Resident memory and open descriptors of this process, from /proc.
enum ProcessFigures {
    static func read() -> (residentBytes: Int, openDescriptors: Int) {
        // /proc files report a size of 0, so read them through a handle (STACK.md).
        let statm = FileHandle(forReadingAtPath: "/proc/self/statm").flatMap { try? $0.readToEnd() }
        let pages = statm.flatMap { String(decoding: $0, as: UTF8.self).split(separator: " ").dropFirst().first }.flatMap { Int($0) } ?? 0
        let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0
        return (pages * Int(sysconf(Int32(_SC_PAGESIZE))), descriptors)
    }
}
