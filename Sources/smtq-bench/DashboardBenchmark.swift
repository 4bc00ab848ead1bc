import ArgumentParser
import Foundation
import SMTQCore

/// The dashboard under load, measured from outside on the built `smtqd`: the line page's first paint (the
/// `/lines/L1` HTML with its inline SVG charts, one request) over a database of N results that ends now (so
/// the current hour and shift are full, as on a running line), timed by curl; then the daemon's CPU and RSS
/// with a simulated AOI at R units/s, first without live clients and then with C Server-Sent Events clients
/// on the line page's stream, in the same run, side by side.
struct DashboardBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "Line page first paint over a 10-million-result database; smtqd's CPU and RSS with 50 live SSE clients beside none."
    )

    @Option(help: "Results in the database (one serial every 3 s, ending now).") var units = 10_000_000
    @Option(help: "The database (generated unless --reuse; --reuse keeps its times, so reuse it the same day).")
    var db = NSTemporaryDirectory() + "/smtq-bench-dashboard.sqlite"
    @Flag(help: "Reuse the database at --db.") var reuse = false
    @Option(help: "Timed first paints.") var paints = 20
    @Option(help: "Live clients.") var clients = 50
    @Option(help: "Units per second from the simulated AOI.") var rate = 10.0
    @Option(help: "Seconds measured, with clients and without (after a warm-up each).") var seconds = 30.0

    func run() throws {
        if !reuse {
            // One serial every 3 s and about 2.7 results per serial: the data ends about now.
            let start = Date().addingTimeInterval(-Double(units) / 2.7 * 3)
            try ReportBenchmark.generate(db: db, units: units, start: start)
        }
        let folder = NSTemporaryDirectory() + "smtq-bench-dashboard-\(getpid())"
        try FileManager.default.createDirectory(atPath: folder + "/profiles", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try String(contentsOfFile: DaemonBenchmark.repository + "/config/profiles/aoi-reference.yaml", encoding: .utf8)
            .write(toFile: folder + "/profiles/aoi-reference.yaml", atomically: true, encoding: .utf8)
        let modbus = Bench.freePort(), http = Bench.freePort()
        try """
            storage: {database: \(db), synchronous: normal}
            include: [profiles/*.yaml]
            timezone: Europe/Berlin
            shifts:
              - {name: early, start: "06:00", end: "14:00"}
              - {name: late, start: "14:00", end: "22:00"}
              - {name: night, start: "22:00", end: "06:00"}
            lines:
              L1: {route: [AOI-1, ICT-1, FCT-1]}
            products:
              PCB-A: {opportunities: 1250, targets: {fpy: 97%, final_yield: 99.5%, dpmo: 400}}
              PCB-B: {opportunities: 840, targets: {fpy: 97%}}
            customers:
              acme: {products: [PCB-A]}
            devices:
              - {name: aoi-live, line: L1, station: AOI-1, kind: aoi, profile: aoi-reference, tcp: "127.0.0.1:\(modbus)", unit_id: 1, poll_interval: 200ms}
            spc:
              charts:
                - {name: aoi-p-hourly, chart: p, line: L1, station: AOI-1, subgroup: {every: 1h}, rules: [nelson1, nelson2, we2]}
                - {name: aoi-p-50, chart: p, line: L1, station: AOI-1, subgroup: {units: 50}, rules: [nelson1, nelson2]}
                - {name: ict-u, chart: u, line: L1, station: ICT-1, subgroup: {every: 1h}, rules: [nelson1]}
            http: {listen: "127.0.0.1:\(http)"}
            """.write(toFile: folder + "/smtq.yaml", atomically: true, encoding: .utf8)
        let simulator = try DaemonBenchmark.start(DaemonBenchmark.smtq, ["simulate", "--kind", "aoi", "--listen", "127.0.0.1:\(modbus)",
                                                                          "--rate", String(rate), "--serial-prefix", "LIVE-", "--program", "PCB-A"])
        defer { simulator.terminate(); simulator.waitUntilExit() }
        let daemon = try DaemonBenchmark.start(DaemonBenchmark.smtqd, ["--config", folder + "/smtq.yaml", "--log-level", "warning"])
        defer { daemon.terminate(); daemon.waitUntilExit() }
        let base = "http://127.0.0.1:\(http)"
        _ = try Bench.process("/usr/bin/curl", ["-sf", "-o", "/dev/null", "--retry", "30", "--retry-connrefused", "--retry-delay", "1", base + "/lines/L1"])

        // First paint: the whole page (HTML with its SVGs inline), then the line's JSON.
        var pages: [Double] = []
        var size = 0
        for _ in 0..<paints {
            let (_, out) = try Bench.process("/usr/bin/curl", ["-sf", "-o", "/dev/null", "-w", "%{time_total} %{size_download}", base + "/lines/L1"])
            let fields = out.split(separator: " ")
            pages.append((Double(fields.first ?? "") ?? .nan) * 1000)
            size = Int(fields.last ?? "") ?? 0
        }
        var api: [Double] = []
        for _ in 0..<paints {
            let (_, out) = try Bench.process("/usr/bin/curl", ["-sf", "-o", "/dev/null", "-w", "%{time_total}", base + "/api/lines/L1"])
            api.append((Double(out) ?? .nan) * 1000)
        }
        print(String(format: "dashboard: %d results; /lines/L1 (%d kB with its charts) first paint median %.1f ms, p95 %.1f ms, max %.1f ms "
                     + "(limit 200 ms); /api/lines/L1 median %.1f ms", units, size / 1024, Self.percentile(pages, 0.5),
                     Self.percentile(pages, 0.95), pages.max() ?? .nan, Self.percentile(api, 0.5)))
        Figures.record("dashboard.first_paint_median", Self.percentile(pages, 0.5), "ms", note: "/lines/L1, \(size / 1024) kB, \(units) results")
        Figures.limit("dashboard.first_paint_p95", Self.percentile(pages, 0.95), unit: " ms", target: .atMost(200),
                      comparison: "\(paints) requests timed by curl")

        // The same daemon without live clients, then with them.
        let pid = daemon.processIdentifier
        Thread.sleep(forTimeInterval: 5)
        let quiet = measure(pid)
        let readers = (0..<clients).map { _ in StreamReader(port: http, path: "/events?line=L1") }
        for reader in readers { reader.start() }
        Thread.sleep(forTimeInterval: 5)
        let counted = readers.map(\.events)
        let busy = measure(pid)
        let events = zip(readers.map(\.events), counted).map { $0 - $1 }
        for reader in readers { reader.stop() }
        print(String(format: "dashboard: %.0f units/s over %.0f s: without clients CPU %.2f %% of one core, RSS peak %.1f MB; "
                     + "with %d SSE clients CPU %.2f %% (%.2fx), RSS peak %.1f MB (+%.1f MB); events per client in the window min %d, max %d",
                     rate, seconds, quiet.cpu, quiet.rss, clients, busy.cpu, busy.cpu / max(quiet.cpu, 0.01), busy.rss, busy.rss - quiet.rss,
                     events.min() ?? 0, events.max() ?? 0))
        Figures.record("dashboard.quiet_cpu", quiet.cpu, "% of a core", note: "\(Figures.format(rate)) units/s, no clients")
        Figures.record("dashboard.clients_cpu", busy.cpu, "% of a core", note: "\(clients) SSE clients, \(events.min() ?? 0)–\(events.max() ?? 0) events each in \(Int(seconds)) s")
        Figures.record("dashboard.clients_rss_added", busy.rss - quiet.rss, "MB")
    }

    private func measure(_ pid: Int32) -> (cpu: Double, rss: Double) {
        let before = DaemonBenchmark.cpuSeconds(pid)
        let start = Date()
        var peak = 0
        while Date().timeIntervalSince(start) < seconds {
            Thread.sleep(forTimeInterval: 0.5)
            peak = max(peak, DaemonBenchmark.residentKB(pid))
        }
        return (100 * (DaemonBenchmark.cpuSeconds(pid) - before) / Date().timeIntervalSince(start), Double(peak) / 1024)
    }

    static func percentile(_ values: [Double], _ share: Double) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * share).rounded()))]
    }
}

/// One live client: a socket on a thread of its own reading an event stream and counting its events.
final class StreamReader: @unchecked Sendable {
    let port: Int
    let path: String
    private let lock = NSLock()
    private var count = 0
    private var running = true
    private var thread: Thread?

    init(port: Int, path: String) {
        self.port = port
        self.path = path
    }

    var events: Int { lock.withLock { count } }

    func start() {
        let thread = Thread { [self] in read() }
        thread.start()
        self.thread = thread
    }

    func stop() { lock.withLock { running = false } }

    private func read() {
        guard let descriptor = LoopbackPort.connect(port: port, receiveTimeout: 0.2) else { return }
        defer { close(descriptor) }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(descriptor, $0.baseAddress, request.count, Int32(MSG_NOSIGNAL)) }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let marker = Array("event: ".utf8)
        while lock.withLock({ running }) {
            let got = recv(descriptor, &buffer, buffer.count, 0)
            if got == 0 { return }
            guard got > 0 else { continue }
            var found = 0
            var index = 0
            while index + marker.count <= got {
                if buffer[index] == marker[0], Array(buffer[index..<index + marker.count]) == marker { found += 1 }
                index += 1
            }
            lock.withLock { count += found }
        }
    }
}
