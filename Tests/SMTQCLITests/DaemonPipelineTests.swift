import Foundation
import SMTQCore
import SMTQStore
import SMTQTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The built `smtqd` running the whole pipeline against `smtq simulate` processes: systemd's READY and
/// watchdog, SIGTERM under load, SIGHUP, `/metrics` checked by Debian's promtool, `smtq status`.
@Suite(.serialized)
struct DaemonPipelineTests {
    let folder: URL
    var database: String { folder.appendingPathComponent("smtq.sqlite").path }

    init() throws {
        folder = try BinaryRunner.temporaryFolder()
        try FileManager.default.copyItem(at: BinaryRunner.packageRoot.appendingPathComponent("config/profiles"),
                                         to: folder.appendingPathComponent("profiles"))
    }

    typealias Running = RunningProduct

    func simulator(port: Int, prefix: String, rate: Int = 20, count: Int? = nil, log: String? = nil) throws -> Running {
        var arguments = ["simulate", "--kind", "aoi", "--listen", "127.0.0.1:\(port)", "--rate", "\(rate)",
                         "--serial-prefix", prefix, "--defect-rate", "0.2"]
        if let count { arguments += ["--count", "\(count)"] }
        if let log { arguments += ["--log", log] }
        return try Running("smtq", arguments)
    }

    func device(_ name: String, port: Int, station: String) -> String {
        "  - {name: \(name), line: L1, station: \(station), kind: aoi, profile: aoi-reference, tcp: \"127.0.0.1:\(port)\", unit_id: 1, poll_interval: 50ms, timeout: 500ms, backoff: {initial: 100ms, max: 500ms}}"
    }

    @discardableResult
    func writeConfig(_ devices: [String], metricsPort: Int? = nil, extra: String = "") throws -> String {
        let path = folder.appendingPathComponent("smtq.yaml").path
        var text = """
            storage:
              database: \(database)
              batch: {max_records: 500, max_delay: 20ms}
            include: [profiles/*.yaml]
            devices:

            """ + devices.joined(separator: "\n") + "\n" + extra
        if let metricsPort { text += "\nmetrics:\n  listen: 127.0.0.1:\(metricsPort)\n" }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func status(port: Int) throws -> [String: Any] {
        let result = try BinaryRunner.run("smtq", ["status", "--url", "http://127.0.0.1:\(port)", "--format", "json"])
        return try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any] ?? [:]
    }

    func devices(_ status: [String: Any]) -> [String: [String: Any]] {
        let list = status["devices"] as? [[String: Any]] ?? []
        return Dictionary(list.map { ($0["name"] as? String ?? "", $0) }, uniquingKeysWith: { first, _ in first })
    }

    func wait(seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool { try BinaryRunner.wait(seconds: seconds, condition) }

    func storedSerials() throws -> [String] {
        var serials: [String] = []
        try Exporter(source: StoreDatabase.openReadOnly(path: database)).forEachUnit { serials.append($0.serial) }
        return serials
    }

    @Test("READY after the pollers start; WATCHDOG=1 while healthy, none while the writer is wedged, again after")
    func watchdog() throws {
        let port = TestNetwork.freePort()
        let simulator = try simulator(port: port, prefix: "W-")
        defer { simulator.stop() }
        let config = try writeConfig([device("aoi1", port: port, station: "AOI-1")])
        let receiver = try DaemonCLITests.NotifyReceiver(path: folder.appendingPathComponent("notify.sock").path)
        let wedge = folder.appendingPathComponent("wedge").path
        let daemon = try Running("smtqd", ["--config", config], environment: [
            "NOTIFY_SOCKET": receiver.path, "WATCHDOG_USEC": "1000000", "SMTQ_TEST_WEDGE_WRITER_FILE": wedge])
        defer { daemon.stop() }
        #expect(receiver.waitFor("READY=1")?.contains("STATUS=devices") == true)
        let healthy = receiver.messages(for: 3).filter { $0.contains("WATCHDOG=1") }.count
        #expect(healthy >= 4, "pings every half watchdog interval while healthy (\(healthy) in 3 s)")
        #expect(FileManager.default.createFile(atPath: wedge, contents: nil))
        _ = receiver.messages(for: 3.5)
        let wedged = receiver.messages(for: 3).filter { $0.contains("WATCHDOG=1") }.count
        #expect(wedged == 0, "a wedged writer must stop the pings (\(wedged) in 3 s)")
        try FileManager.default.removeItem(atPath: wedge)
        #expect(receiver.messages(for: 3).contains { $0.contains("WATCHDOG=1") }, "pings resume when the writer works again")
        #expect(daemon.stop().status == 0)
    }

    @Test("SIGTERM under load exits 0 quickly; every record the device let go of is stored, once")
    func sigtermUnderLoad() throws {
        let port = TestNetwork.freePort()
        let log = folder.appendingPathComponent("sim.jsonl").path
        let simulator = try simulator(port: port, prefix: "T-", rate: 1000, count: 3000, log: log)
        defer { simulator.stop() }
        let config = try writeConfig([device("aoi1", port: port, station: "AOI-1")])
        let daemon = try Running("smtqd", ["--config", config, "--log-level", "warning"])
        #expect(wait(seconds: 30) { (try? storedSerials().count) ?? 0 >= 300 })
        let (status, seconds) = daemon.stop()
        #expect(status == 0)
        #expect(seconds < 10, "stopped in \(seconds) s")
        let afterStop = try storedSerials()
        #expect(afterStop.count < 3000, "the stop must land mid-run (\(afterStop.count) stored)")
        // What the device still holds was never acknowledged: a second run takes it, and nothing is twice.
        let again = try Running("smtq", ["collect", "--config", config])
        #expect(wait(seconds: 60) { (try? storedSerials().count) ?? 0 >= 3000 })
        again.stop()
        let serials = try storedSerials()
        #expect(serials.count == 3000)
        #expect(Set(serials).count == serials.count, "a record stored twice")
        let produced = Set((try String(contentsOfFile: log, encoding: .utf8)).split(separator: "\n").compactMap { line -> String? in
            guard let range = line.range(of: "\"serial\":\"") else { return nil }
            return String(line[range.upperBound...].prefix { $0 != "\"" })
        })
        #expect(produced == Set(serials))
    }

    @Test("SIGHUP: a broken configuration keeps the running one; an added device is polled, the other keeps its connection")
    func reload() throws {
        let first = TestNetwork.freePort(), second = TestNetwork.freePort(), metrics = TestNetwork.freePort()
        let simulatorA = try simulator(port: first, prefix: "A-")
        defer { simulatorA.stop() }
        let simulatorB = try simulator(port: second, prefix: "B-")
        defer { simulatorB.stop() }
        let config = try writeConfig([device("aoi1", port: first, station: "AOI-1")], metricsPort: metrics)
        let daemon = try Running("smtqd", ["--config", config])
        defer { daemon.stop() }
        #expect(wait(seconds: 20) { (devices((try? status(port: metrics)) ?? [:])["aoi1"]?["records"] as? Int ?? 0) > 5 })

        try "devices: [{name: broken".write(toFile: config, atomically: true, encoding: .utf8)
        daemon.signal(SIGHUP)
        usleep(1_000_000)
        let before = devices(try status(port: metrics))["aoi1"]?["records"] as? Int ?? 0
        #expect(wait(seconds: 10) { (devices((try? status(port: metrics)) ?? [:])["aoi1"]?["records"] as? Int ?? 0) > before + 5 },
                "still polling with the old configuration")

        try writeConfig([device("aoi1", port: first, station: "AOI-1"), device("aoi2", port: second, station: "AOI-2")],
                        metricsPort: metrics)
        daemon.signal(SIGHUP)
        #expect(wait(seconds: 20) { (devices((try? status(port: metrics)) ?? [:])["aoi2"]?["records"] as? Int ?? 0) > 5 })
        let after = devices(try status(port: metrics))
        #expect(after["aoi1"]?["reconnects"] as? Int == 0 && after["aoi1"]?["connected"] as? Bool == true)

        // A changed device restarts with its counts kept; a removed one leaves /metrics.
        let counted = after["aoi1"]?["records"] as? Int ?? 0
        let since = after["aoi1"]?["since"] as? String
        try writeConfig([device("aoi1", port: first, station: "AOI-1").replacingOccurrences(of: "poll_interval: 50ms", with: "poll_interval: 60ms"),
                         device("aoi2", port: second, station: "AOI-2")], metricsPort: metrics)
        daemon.signal(SIGHUP)
        #expect(wait(seconds: 20) {
            let aoi1 = devices((try? status(port: metrics)) ?? [:])["aoi1"]
            return aoi1?["since"] as? String != since && (aoi1?["records"] as? Int ?? 0) > counted
        }, "aoi1 restarted (its settings changed) and counts on from \(counted)")
        try writeConfig([device("aoi2", port: second, station: "AOI-2")], metricsPort: metrics)
        daemon.signal(SIGHUP)
        #expect(wait(seconds: 20) { devices((try? status(port: metrics)) ?? [:])["aoi1"] == nil })
        let scraped = try scrape(metrics)
        #expect(!scraped.contains(#"device="aoi1""#) && scraped.contains(#"device="aoi2""#),
                "\(scraped.split(separator: "\n").filter { $0.contains(#"device="aoi1""#) })")
        #expect(daemon.stop().status == 0)
        let events = try BinaryRunner.run("smtq", ["events", "--db", database, "--device", "aoi1", "--kind", "connect", "--format", "csv"])
        #expect(events.standardOutput.split(whereSeparator: \.isNewline).count == 3,
                "aoi1 connected once, and once more after its settings changed: \(events.standardOutput)")
    }

    @Test("/metrics passes promtool and its counters move; smtq status names a dead device among live ones")
    func metricsAndStatus() throws {
        let live = TestNetwork.freePort(), dead = TestNetwork.freePort(), metrics = TestNetwork.freePort()
        let simulator = try simulator(port: live, prefix: "M-")
        defer { simulator.stop() }
        let config = try writeConfig([device("aoi1", port: live, station: "AOI-1"), device("dead", port: dead, station: "AOI-2")],
                                     metricsPort: metrics, extra: "spc:\n  charts:\n    - {name: aoi-p, chart: p, line: L1, station: AOI-1, subgroup: {units: 10}}\n")
        let daemon = try Running("smtqd", ["--config", config])
        defer { daemon.stop() }
        #expect(wait(seconds: 20) { (devices((try? status(port: metrics)) ?? [:])["aoi1"]?["records"] as? Int ?? 0) > 20 })
        let first = try scrape(metrics)
        usleep(1_500_000)
        let second = try scrape(metrics)
        for text in [first, second] {
            let check = try promtool(text)
            #expect(check.status == 0, "promtool: \(check.output)")
        }
        let records = { (text: String) in Self.value(text, #"smtq_device_records_total{device="aoi1"}"#) }
        #expect(records(second) > records(first), "the records counter moves between scrapes")
        #expect(Self.value(second, #"smtq_device_connected{device="dead"}"#) == 0)
        #expect(Self.value(second, #"smtq_spc_points_total{chart="aoi-p"}"#) > 0)
        #expect(second.contains("smtq_device_poll_duration_seconds_bucket"))
        #expect(second.contains("smtq_writer_commit_duration_seconds_count"))

        let result = try BinaryRunner.run("smtq", ["status", "--config", config, "--format", "json"])
        #expect(result.status == 1, "a device is down: exit 1")
        let object = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any] ?? [:]
        let listed = devices(object)
        #expect(Set(listed.keys) == ["aoi1", "dead"])
        #expect(listed["aoi1"]?["connected"] as? Bool == true && listed["dead"]?["connected"] as? Bool == false)
        #expect((listed["dead"]?["last_error"] as? String)?.contains("Connection refused") == true)
        let table = try BinaryRunner.run("smtq", ["status", "--config", config])
        #expect(table.standardOutput.contains("devices 1/2 up"))
        #expect(daemon.stop().status == 0)
        let none = try BinaryRunner.run("smtq", ["status", "--config", config])
        #expect(none.status == 3)
        #expect(none.standardError.contains("no smtqd is answering at http://127.0.0.1:\(metrics)"))
    }

    @Test("a port already in use is one log line and collection goes on; a database that cannot be opened is a clear exit")
    func faultsAtStart() throws {
        let port = TestNetwork.freePort(), taken = TestNetwork.freePort()
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(taken).bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(bound == 0 && listen(listener, 1) == 0)
        let simulator = try simulator(port: port, prefix: "P-")
        defer { simulator.stop() }
        let config = try writeConfig([device("aoi1", port: port, station: "AOI-1")], metricsPort: taken)
        let daemon = try Running("smtqd", ["--config", config])
        #expect(wait(seconds: 20) { (try? storedSerials().count) ?? 0 > 5 }, "collection goes on without the HTTP server")
        #expect(daemon.stop().status == 0)
        let log = daemon.output
        #expect(log.contains("cannot serve HTTP") && log.contains("127.0.0.1:\(taken)"), "\(log.suffix(600))")

        let blocked = folder.appendingPathComponent("not-a-folder")
        try "x".write(to: blocked, atomically: true, encoding: .utf8)
        let badPath = folder.appendingPathComponent("bad.yaml").path
        try "storage:\n  database: \(blocked.path)/smtq.sqlite\ndevices: []\n".write(toFile: badPath, atomically: true, encoding: .utf8)
        let result = try BinaryRunner.run("smtqd", ["--config", badPath])
        #expect(result.status == 73, "EX_CANTCREAT: the unit does not restart on it")
        let lines = result.standardError.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasPrefix("smtqd: cannot open the database") && lines[0].contains("nothing could be stored"),
                "\(result.standardError)")
    }

    func scrape(_ port: Int) throws -> String {
        let result = try BinaryRunner.run("/usr/bin/curl", ["-sf", "http://127.0.0.1:\(port)/metrics"])
        return result.standardOutput
    }

    func promtool(_ text: String) throws -> (status: Int32, output: String) {
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/promtool"), "Debian's prometheus package (promtool) is missing: run scripts/bootstrap --tests")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/promtool")
        process.arguments = ["check", "metrics"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func value(_ text: String, _ series: String) -> Double {
        text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") } ?? -1
    }
}
