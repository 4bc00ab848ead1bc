import Crypto
import Foundation
import SMTQCore
import SMTQTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Input an attacker or an accident can send: SQL in every CLI filter, shell syntax in hook arguments, forged
/// and replayed webhook signatures, the files smtqd creates, and its HTTP server against oversized headers,
/// slow clients and path traversal.
@Suite(.serialized)
struct HostileInputTests {
    static let injections = ["L1' OR '1'='1", "L1\"; DROP TABLE units; --", "') UNION SELECT serial, 1, 1 FROM units --",
                             "%' OR 1=1 --", "1; DELETE FROM units", "x' || (SELECT group_concat(serial) FROM units) || '"]

    func run(_ arguments: [String]) throws -> ChildProcess.Result {
        try ChildProcess.run(TestEnvironment.product("smtq").path, arguments)
    }

    @Test("SQL fragments in every CLI filter are values: no rows match, the store is unchanged, nothing fails oddly")
    func sqlInFilters() throws {
        let rig = try Rig()
        let units = TestEnvironment.referenceFolder.appendingPathComponent("yield/units.jsonl").path
        let imported = try run(["import", units, "--db", rig.database])
        try #require(imported.status == 0, "\(imported.error)")
        let before = rig.count()
        let fingerprint = try run(["export", "units", "--db", rig.database]).output
        var commands: [[String]] = []
        for text in Self.injections {
            for report in ["yield", "pareto", "escapes"] {
                for filter in ["--line", "--station", "--program"] { commands.append(["report", report, filter, text]) }
            }
            commands.append(["report", "capability", "--measurement", text])
            commands.append(["report", "spc", "--chart", text])
            commands.append(["report", "pareto", "--key", text])
            commands.append(["report", "yield", "--by", text])
            commands.append(["trace", text])
            commands.append(["events", "--device", text])
            commands.append(["events", "--kind", text])
            commands.append(["alerts", "list", "--rule", text])
            commands.append(["report", "yield", "--since", text])
        }
        var statuses: [Int32: Int] = [:]
        for command in commands {
            let result = try run(command + ["--db", rig.database, "--format", "json"])
            statuses[result.status, default: 0] += 1
            // Exit 0 with nothing found, or a usage error naming the value; never a crash or an SQL error.
            #expect([0, 1, 64, 65].contains(result.status), "\(command): exit \(result.status) \(result.error)")
            #expect(!result.error.localizedCaseInsensitiveContains("syntax error") && !result.error.contains("SQLite error"),
                    "\(command): \(result.error)")
            #expect(!result.output.contains("SN0001"), "\(command) matched data: \(result.output.prefix(300))")
        }
        #expect(rig.count() == before)
        #expect(try run(["export", "units", "--db", rig.database]).output == fingerprint)
        print("scenario SQL in CLI filters: \(commands.count) commands, exits \(statuses.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: " ")), store unchanged")
    }

    @Test("shell syntax in an exec hook's arguments reaches the program as literal text")
    func shellMetacharactersInHooks() throws {
        let rig = try Rig()
        let marker = rig.path("pwned")
        let arguments = ["$(touch \(marker))", "`touch \(marker)`", "; touch \(marker)", "| touch \(marker)", "&& touch \(marker)",
                         "> \(marker)", "$HOME", "*", "'quoted'", "\"double\"", "a\\nb"]
        let script = rig.path("hook.sh")
        try "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > \(rig.path("argv.txt"))\ncat > /dev/null\n"
            .write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)
        let port = TestNetwork.freePort()
        let quoted = arguments.map { "'" + $0.replacingOccurrences(of: "'", with: "''") + "'" }.joined(separator: ", ")
        try rig.writeConfig(devices: [
            #"{name: aoi1, line: L1, station: AOI-1, kind: aoi, profile: aoi-reference, tcp: "127.0.0.1:\#(port)", unit_id: 1, poll_interval: 50ms}"#,
        ], extra: """
            lines:
              L1: {route: [AOI-1]}
            alerts:
              hooks:
                shell: {exec: [\(script), \(quoted)], timeout: 5s}
              rules:
                - {name: feeder, type: repeated_defect, line: L1, station: AOI-1, count: 3, within_units: 20, hooks: [shell]}
            """)
        let daemon = try rig.daemon()
        defer { daemon.stop() }
        let (simulator, _) = try rig.simulator("aoi1", ["--listen", "127.0.0.1:\(port)", "--rate", "20", "--count", "40",
                                                        "--defect-rate", "0", "--burst", "C12:BRIDGE:5:5"])
        defer { simulator.stop() }
        #expect(Rig.wait(seconds: 30) { FileManager.default.fileExists(atPath: rig.path("argv.txt")) }, "\(rig.daemonLog.suffix(1500))")
        usleep(300_000)
        let received = (try? String(contentsOfFile: rig.path("argv.txt"), encoding: .utf8)) ?? ""
        #expect(received == arguments.joined(separator: "\n") + "\n", "argv as given:\n\(received)")
        #expect(!FileManager.default.fileExists(atPath: marker), "no shell ran the arguments")
    }

    @Test("webhook signatures: a changed body, another secret or a replayed timestamp fail the documented check")
    func forgedAndReplayedSignatures() throws {
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        let rig = try Rig()
        let secret = "s3cret-\(UUID().uuidString)"
        try secret.write(toFile: rig.path("secret"), atomically: true, encoding: .utf8)
        chmod(rig.path("secret"), 0o600)
        let port = TestNetwork.freePort()
        try rig.writeConfig(devices: [
            #"{name: aoi1, line: L1, station: AOI-1, kind: aoi, profile: aoi-reference, tcp: "127.0.0.1:\#(port)", unit_id: 1, poll_interval: 50ms}"#,
        ], extra: """
            lines:
              L1: {route: [AOI-1]}
            alerts:
              hooks:
                qms: {webhook: "http://127.0.0.1:\(receiver.port)/hook", secret_file: \(rig.path("secret")), timeout: 2s}
              rules:
                - {name: feeder, type: repeated_defect, line: L1, station: AOI-1, count: 3, within_units: 20, repeat: 1s, hooks: [qms]}
            """)
        let daemon = try rig.daemon()
        defer { daemon.stop() }
        let (simulator, _) = try rig.simulator("aoi1", ["--listen", "127.0.0.1:\(port)", "--rate", "10", "--count", "60",
                                                        "--defect-rate", "0", "--burst", "C12:BRIDGE:5:30"])
        defer { simulator.stop() }
        #expect(Rig.wait(seconds: 30) { receiver.requests.count >= 2 })
        /// The receiver's check from docs/alerts.md: HMAC-SHA256 over "timestamp.body", timestamp within 5 minutes.
        func accepted(_ body: Data, _ timestamp: String, _ signature: String?, key: String = secret, now: Date = Date()) -> Bool {
            guard let seconds = Double(timestamp), abs(now.timeIntervalSince1970 - seconds) <= 300 else { return false }
            let code = HMAC<SHA256>.authenticationCode(for: Data("\(timestamp).".utf8) + body, using: SymmetricKey(data: Data(key.utf8)))
            return signature == "sha256=" + code.map { String(format: "%02x", $0) }.joined()
        }
        let requests = receiver.requests
        for request in requests {
            let timestamp = request.headers["x-smtq-timestamp"] ?? "", signature = request.headers["x-smtq-signature"]
            #expect(accepted(request.body, timestamp, signature), "smtqd's own deliveries pass")
            var forged = request.body
            forged[forged.startIndex] ^= 1
            #expect(!accepted(forged, timestamp, signature), "a changed body fails")
            #expect(!accepted(request.body, timestamp, signature, key: "guess"), "another secret fails")
            #expect(!accepted(request.body, String((Int(timestamp) ?? 0) + 1), signature), "a changed timestamp fails")
            #expect(!accepted(request.body, timestamp, signature, now: Date().addingTimeInterval(301)), "a replay after 5 minutes fails")
        }
        let timestamps = Set(requests.compactMap { $0.headers["x-smtq-timestamp"] })
        let signatures = Set(requests.compactMap { $0.headers["x-smtq-signature"] })
        #expect(signatures.count == requests.count, "no two deliveries share a signature (each is signed afresh)")
        #expect(!rig.daemonLog.contains(secret), "the secret is never logged")
        print("scenario webhook signatures: \(requests.count) deliveries, \(timestamps.count) timestamps, every forgery and replay refused")
    }

    @Test("files smtqd creates are not readable by others whatever the umask; secrets others can read are refused")
    func fileModes() throws {
        let rig = try Rig()
        let previous = umask(0o000)
        defer { umask(previous) }
        let port = TestNetwork.freePort()
        try rig.writeConfig(devices: [
            #"{name: aoi1, line: L1, station: AOI-1, kind: aoi, profile: aoi-reference, tcp: "127.0.0.1:\#(port)", unit_id: 1, poll_interval: 50ms}"#,
        ])
        let daemon = try rig.daemon()
        #expect(Rig.wait(seconds: 20) { FileManager.default.fileExists(atPath: rig.database + "-wal") })
        #expect(daemon.stop().status == 0)
        for file in [rig.database, rig.database + "-wal", rig.database + "-shm"] where FileManager.default.fileExists(atPath: file) {
            var info = stat()
            stat(file, &info)
            #expect(info.st_mode & 0o007 == 0, "\(file) is \(String(info.st_mode & 0o777, radix: 8))")
            #expect(info.st_uid == getuid(), "owned by the user smtqd runs as")
        }
        let secret = rig.path("open.secret")
        try "abc".write(toFile: secret, atomically: true, encoding: .utf8)
        chmod(secret, 0o644)
        try rig.writeConfig(devices: [], extra: """
            alerts:
              hooks:
                qms: {webhook: "http://127.0.0.1:9/hook", secret_file: \(secret)}
            http: {listen: "127.0.0.1:\(TestNetwork.freePort())", plant_token_file: \(secret)}
            """)
        let check = try ChildProcess.run(TestEnvironment.product("smtqd").path, ["--check", "--config", rig.path("smtq.yaml")])
        #expect(check.status == 78, "\(check.error)")
        #expect(check.error.contains(secret) && !check.error.contains("abc\n"), "\(check.error)")
    }
}
