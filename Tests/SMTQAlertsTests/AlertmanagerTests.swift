import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
@testable import SMTQAlerts
import SMTQTestSupport
import Testing

/// Debian's prometheus-alertmanager, started on loopback, receives a firing and then a resolved alert.
@Suite(.serialized)
struct AlertmanagerTests {
    static let binary = "/usr/bin/prometheus-alertmanager"

    /// A throwaway Alertmanager on a free port; stopped when the value goes away.
    final class Server {
        let port: Int
        let process: Process
        let folder: TemporaryFolder

        init() async throws {
            folder = try TemporaryFolder("smtq-alertmanager")
            port = TestNetwork.freePort()
            let config = folder.path("alertmanager.yml")
            try "route:\n  receiver: blackhole\nreceivers:\n  - name: blackhole\n".write(toFile: config, atomically: true, encoding: .utf8)
            process = Process()
            process.executableURL = URL(fileURLWithPath: AlertmanagerTests.binary)
            process.arguments = ["--config.file=\(config)", "--storage.path=\(folder.path("data"))",
                                 "--web.listen-address=127.0.0.1:\(port)", "--cluster.listen-address=", "--log.level=warn"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle(forWritingAtPath: "/dev/null")
            try process.run()
            try await TestNetwork.waitForListener(port: port)
        }

        /// The alerts Alertmanager holds as active, as JSON objects.
        func alerts() async throws -> [[String: Any]] {
            let url = URL(string: "http://127.0.0.1:\(port)/api/v2/alerts")!
            let (data, _) = try await URLSession.shared.data(from: url)
            return try JSONSerialization.jsonObject(with: data) as? [[String: Any]] ?? []
        }

        func stop() {
            guard process.isRunning else { return }
            process.terminate()
            process.waitUntilExit()
        }

        deinit { stop() }
    }

    @Test("a firing alert shows in Alertmanager's API with smtq's labels; its resolution ends it")
    func firingThenResolved() async throws {
        #expect(FileManager.default.isExecutableFile(atPath: Self.binary),
                "install prometheus-alertmanager (./scripts/bootstrap --tests)")
        let server = try await Server()
        defer { server.stop() }
        let rig = try AlertRig(alerts: """
              retry: {initial: 200ms, max: 1s}
              hooks:
                am: {alertmanager: "http://127.0.0.1:\(server.port)", timeout: 5s}
              rules:
                - {name: feeder, type: repeated_defect, line: L1, station: AOI-1, count: 2, within_units: 3,
                   cooldown: 0s, severity: critical, hooks: [am]}
            """)
        rig.startDispatcher()
        rig.commit([[("C7", "TOMBSTONE")], [("C7", "TOMBSTONE")]])
        #expect(await rig.wait { rig.outbox.first?.delivered == true })
        let firing = try await server.alerts()
        #expect(firing.count == 1)
        let labels = firing.first?["labels"] as? [String: String] ?? [:]
        #expect(labels["alertname"] == "feeder")
        #expect(labels["severity"] == "critical")
        #expect(labels["refdes"] == "C7" && labels["code"] == "TOMBSTONE")
        #expect(labels["station"] == "AOI-1")
        #expect((firing.first?["status"] as? [String: Any])?["state"] as? String == "active")
        let annotations = firing.first?["annotations"] as? [String: String] ?? [:]
        #expect(annotations["summary"]?.contains("C7 TOMBSTONE on 2 of the last 2 units") == true)

        rig.commit([[], [], []])
        #expect(await rig.wait { rig.outbox.count == 2 && rig.outbox.allSatisfy(\.delivered) })
        #expect(rig.outbox.map(\.event) == ["firing", "resolved"])
        var resolved = false
        for _ in 0..<50 where !resolved {
            resolved = try await server.alerts().isEmpty
            if !resolved { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(resolved, "Alertmanager still lists the alert as active after its resolution")
        await rig.stop()
    }
}
