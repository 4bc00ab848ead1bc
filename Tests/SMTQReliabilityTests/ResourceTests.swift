import Foundation
import SMTQCore
import SMTQTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// What smtqd holds over time: file descriptors and threads across a thousand reconnects, and memory
/// (resident set) while it polls 200 devices (90 s in CI, `SMTQ_SOAK_SECONDS` in `scripts/soak`).
@Suite(.serialized)
struct ResourceTests {
    static func descriptors(_ pid: Int32) -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1
    }

    static func threads(_ pid: Int32) -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task").count) ?? -1
    }

    /// Resident set in KiB (VmRSS).
    static func resident(_ pid: Int32) -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return line.split(separator: " ").compactMap { Int($0) }.first ?? -1
    }

    @Test("1,000 reconnects (the machine closes after every answer) and 500 HTTP requests: descriptors and threads do not grow")
    func reconnects() throws {
        let rig = try Rig()
        let port = TestNetwork.freePort(), http = TestNetwork.freePort()
        try rig.writeConfig(devices: [
            #"{name: aoi1, line: L1, station: AOI-1, kind: aoi, profile: aoi-reference, tcp: "127.0.0.1:\#(port)", unit_id: 1, poll_interval: 10ms, timeout: 500ms, backoff: {initial: 10ms, max: 20ms}}"#,
        ], extra: "http: {listen: \"127.0.0.1:\(http)\"}")
        let (simulator, _) = try rig.simulator("aoi1", ["--listen", "127.0.0.1:\(port)", "--rate", "20", "--drop-connection-every", "1"])
        defer { simulator.stop() }
        let daemon = try rig.daemon()
        defer { daemon.stop() }
        func reconnects() -> Int { rig.deviceStatus(httpPort: http)["aoi1"]?["reconnects"] as? Int ?? 0 }
        #expect(Rig.wait(seconds: 60) { reconnects() >= 50 })
        let (fdsBefore, threadsBefore, at) = (Self.descriptors(daemon.pid), Self.threads(daemon.pid), reconnects())
        #expect(Rig.wait(seconds: 240) { reconnects() >= at + 1000 }, "reconnects: \(reconnects())")
        for _ in 0..<500 { _ = try? ChildProcess.run("/usr/bin/curl", ["-s", "-o", "/dev/null", "http://127.0.0.1:\(http)/api/status"]) }
        usleep(500_000)
        let (fdsAfter, threadsAfter) = (Self.descriptors(daemon.pid), Self.threads(daemon.pid))
        print("scenario reconnects: \(reconnects() - at) reconnects and 500 HTTP requests; descriptors \(fdsBefore) → \(fdsAfter), threads \(threadsBefore) → \(threadsAfter)")
        #expect(fdsAfter <= fdsBefore + 2, "descriptors \(fdsBefore) → \(fdsAfter)")
        #expect(threadsAfter <= threadsBefore + 2, "threads \(threadsBefore) → \(threadsAfter)")
        #expect(daemon.stop().status == 0)
    }

    @Test("200 devices at 1 Hz: the resident set stays flat after warm-up (growth under 5 %)")
    func memoryFlat() throws {
        let seconds = Double(ProcessInfo.processInfo.environment["SMTQ_SOAK_SECONDS"] ?? "") ?? 90
        let rig = try Rig()
        var devices: [String] = []
        var simulators: [RunningProduct] = []
        defer { simulators.forEach { $0.stop() } }
        for group in 0..<4 {
            let port = TestNetwork.freePort()
            let units = (1...50).map { $0 }
            simulators.append(try RunningProduct("smtq", ["simulate", "--listen", "127.0.0.1:\(port)", "--rate", "1", "--defect-rate", "0.1",
                                                          "--seed", "\(group + 1)"] + units.flatMap { ["--unit-id", "\($0)"] },
                                                 logPath: rig.path("sim\(group).out")))
            devices += units.map { unit in
                #"{name: d\#(group)-\#(unit), line: L1, station: AOI-\#(group), kind: aoi, profile: aoi-reference, tcp: "127.0.0.1:\#(port)", unit_id: \#(unit), poll_interval: 1s, timeout: 1s}"#
            }
        }
        try rig.writeConfig(devices: devices, extra: """
            lines:
              L1: {route: [AOI-0, AOI-1, AOI-2, AOI-3]}
            spc:
              charts:
                - {name: p0, chart: p, line: L1, station: AOI-0, subgroup: {units: 50}}
            """)
        let daemon = try rig.daemon()
        defer { daemon.stop() }
        let warmUp = seconds / 3
        var samples: [(Double, Int)] = []
        let started = Date()
        while Date().timeIntervalSince(started) < seconds {
            usleep(5_000_000)
            samples.append((Date().timeIntervalSince(started), Self.resident(daemon.pid)))
        }
        let after = samples.filter { $0.0 >= warmUp }.map(\.1)
        let base = after.first ?? 0, peak = after.max() ?? 0
        let growth = base > 0 ? Double(peak - base) / Double(base) * 100 : 100
        print("scenario memory, 200 devices for \(Int(seconds)) s: RSS \(samples.first?.1 ?? 0) KiB at 5 s, \(base) KiB after warm-up, peak \(peak) KiB (+\(String(format: "%.1f", growth)) %), \(rig.count()) units stored")
        #expect(rig.count() > Int(seconds) * 100, "the devices were polled (\(rig.count()) units)")
        #expect(growth < 5, "\(samples)")
        #expect(daemon.stop().status == 0)
    }
}
