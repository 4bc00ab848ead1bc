@testable import SMTQConfig
import SMTQCore
import Testing

/// config/smtq.yaml is the documented example: it must load, and mean what its comments say.
struct ExampleConfigTests {
    let configuration: Configuration

    init() throws {
        configuration = try ConfigLoader.load(path: TestPaths.exampleConfig)
    }

    @Test func devicesAndTransports() throws {
        #expect(configuration.devices.map(\.name) == ["aoi1", "ict1"])
        let aoi = try #require(configuration.device(named: "aoi1"))
        #expect(aoi.transport == .tcp(host: "127.0.0.1", port: 1502))
        #expect(aoi.kind == .aoi)
        #expect(aoi.pollInterval == .milliseconds(500))
        #expect(aoi.backoff == BackoffConfig(initial: .seconds(1), max: .seconds(60), jitter: 0.2))
        let ict = try #require(configuration.device(named: "ict1"))
        guard case let .rtu(settings) = ict.transport else {
            Issue.record("ict1 is not RTU")
            return
        }
        #expect(settings == SerialLineSettings(port: "/dev/ttyUSB0", baud: 19_200, parity: .even, dataBits: 8,
                                               stopBits: 1, mode: .rs485))
        #expect(ict.unitID == 3)
        #expect(ict.quirks.pauseBetweenRequests == .milliseconds(20))
        #expect(configuration.serialBuses.map(\.name) == ["line1-rs485"])
        #expect(configuration.serialBuses.first?.deviceNames == ["ict1"])
        #expect(configuration.serialBuses.first?.interFrameDelay == .microseconds(2006))
    }

    @Test func profilesFromIncludedFiles() throws {
        #expect(Set(configuration.profiles.keys) == ["aoi-reference", "tester-reference", "aoi-counters"])
        let aoi = try #require(configuration.profiles["aoi-reference"])
        #expect(aoi.mode == .fifo)
        #expect(aoi.sequenceAddress == 0 && aoi.pendingAddress == 1 && aoi.ackAddress == 200)
        let record = try #require(aoi.record)
        #expect(record.address == 2 && record.length == 121)
        #expect(record.fields[.serial]?.type == .string(length: 10))
        #expect(record.fields[.result]?.enumMap == [0: "pass", 1: "fail"])
        let defects = try #require(record.defects)
        #expect(defects.registers == 25..<121)
        #expect(defects.fields["code"]?.enumMap?[1] == "BRIDGE")
        #expect(record.defectCategories["BRIDGE"] == "bridge")
        let tester = try #require(configuration.profiles["tester-reference"])
        #expect(tester.wordOrder == .cdab)
        #expect(tester.record?.measurements?.fields["value"]?.type == .f32)
        #expect(tester.record?.measurements?.fields["value"]?.wordOrder == .cdab)
        let counters = try #require(configuration.profiles["aoi-counters"])
        #expect(counters.table == .input)
        #expect(counters.counters.map(\.name) == ["inspected", "passed", "failed", "false_calls"])
    }

    @Test func productsChartsAlertsAndTime() throws {
        let product = try #require(configuration.products["PCB-A"])
        #expect(product.opportunities == 1250)
        #expect(product.targets.fpy == 0.985)
        #expect(product.targets.cpk == 1.33)
        #expect(product.measurements["VCC"] == MeasurementSpec(name: "VCC", unit: "V", lsl: 3.2, usl: 3.4, target: 3.3))
        #expect(configuration.spc.charts.map(\.type) == [.p, .imr])
        #expect(configuration.spc.charts.first?.subgroup == .every(.seconds(3600)))
        #expect(configuration.alerts.rules.map(\.name) == ["feeder-repeat", "aoi-fpy-low", "device-down"])
        #expect(configuration.alerts.rules.first?.condition == .repeatedDefect(count: 3, withinUnits: 20))
        #expect(configuration.alerts.rules.first?.repeatInterval == .seconds(600))
        #expect(configuration.alerts.rules.last?.condition == .device(downAfter: .seconds(120), gaps: true))
        #expect(configuration.alerts.rules[1].condition
            == .threshold(metric: .fpy, below: 0.95, above: nil, window: .time(.seconds(3600)), minUnits: 30))
        #expect(configuration.time.timeZone == "Europe/Berlin")
        let night = try #require(configuration.time.shifts.last)
        #expect(night.contains(minuteOfDay: 23 * 60) && night.contains(minuteOfDay: 5 * 60 + 59))
        #expect(!night.contains(minuteOfDay: 6 * 60))
        #expect(configuration.storage.retention == .seconds(400 * 86_400))
        #expect(configuration.storage.synchronous == .normal)
        #expect(configuration.http == HTTPConfig(host: "127.0.0.1", port: 9464, metricsPath: "/metrics"))
    }

    @Test func summaryNamesWhatWouldBePolled() {
        let summary = configuration.summary
        #expect(summary.contains("aoi1"))
        #expect(summary.contains("tcp 127.0.0.1:1502 unit 1"))
        #expect(summary.contains("rtu /dev/ttyUSB0 19200 8E1 rs485 unit 3"))
        #expect(summary.contains("holding 0–122"))
    }
}

/// A configuration for reporting only: storage, lines and products, no devices (a workstation, a central host).
struct ReportingOnlyConfigTests {
    @Test("no devices: valid, nothing to poll")
    func noDevices() throws {
        let configuration = try ConfigLoader.load(text: """
            storage: {database: /tmp/reports.sqlite}
            lines:
              L1: {route: [AOI-1, ICT-1]}
            products:
              PCB-A: {opportunities: 100, targets: {fpy: 98%}}
            """, file: "reports.yaml", directory: "/tmp")
        #expect(configuration.devices.isEmpty)
        #expect(configuration.line(named: "L1")?.route == ["AOI-1", "ICT-1"])
    }
}
