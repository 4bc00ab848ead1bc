import CoreMetrics
import Prometheus

/// swift-metrics → swift-prometheus with a help text for every metric: swift-prometheus's own factory
/// registers swift-metrics handles without help, and `promtool check metrics` refuses metrics without it.
/// The libraries (acquisition, the store) time things through swift-metrics; this names them.
struct HelpfulMetricsFactory: MetricsFactory {
    let registry: PrometheusCollectorRegistry

    /// Help texts of the metrics the libraries make, by label.
    static let help: [String: String] = [
        "smtq_device_poll_duration_seconds": "Time of one poll of a device (every part it reads, and the record's store and ACK).",
        "smtq_writer_commit_duration_seconds": "Time of one database transaction of the store's writer.",
        "smtq_writer_batch_records": "Records per database transaction of the store's writer.",
        "smtq_writer_durable_lag_seconds": "Time from handing the oldest write of a transaction to the store to its commit.",
        "smtq_alerts_total": "Alert notifications decided (and written to the outbox), by rule and event (firing, reminder, resolved).",
        "smtq_alerts_open": "Alerts firing now.",
        "smtq_alert_deliveries_total": "Alert delivery attempts by hook and result (delivered, failed).",
    ]

    static let durationBuckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(5),
        .seconds(10),
    ]
    static let countBuckets: [Double] = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500]

    private func descriptor(_ label: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: label, unitName: "", helpText: Self.help[label] ?? "smtq metric \(label).")
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        registry.makeCounter(descriptor: descriptor(label), labels: dimensions)
    }

    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        registry.makeCounter(descriptor: descriptor(label), labels: dimensions)
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        aggregate
            ? registry.makeValueHistogram(descriptor: descriptor(label), labels: dimensions, buckets: Self.countBuckets)
            : registry.makeGauge(descriptor: descriptor(label), labels: dimensions)
    }

    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        registry.makeGauge(descriptor: descriptor(label), labels: dimensions)
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        registry.makeDurationHistogram(descriptor: descriptor(label), labels: dimensions, buckets: Self.durationBuckets)
    }

    func destroyCounter(_ handler: any CounterHandler) {
        if let counter = handler as? Prometheus.Counter { registry.unregisterCounter(counter) }
    }

    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {
        if let counter = handler as? Prometheus.Counter { registry.unregisterCounter(counter) }
    }

    func destroyRecorder(_ handler: any RecorderHandler) {
        if let gauge = handler as? Prometheus.Gauge { registry.unregisterGauge(gauge) }
        if let histogram = handler as? ValueHistogram { registry.unregisterValueHistogram(histogram) }
    }

    func destroyMeter(_ handler: any MeterHandler) {
        if let gauge = handler as? Prometheus.Gauge { registry.unregisterGauge(gauge) }
    }

    func destroyTimer(_ handler: any TimerHandler) {
        if let histogram = handler as? DurationHistogram { registry.unregisterDurationHistogram(histogram) }
    }
}
