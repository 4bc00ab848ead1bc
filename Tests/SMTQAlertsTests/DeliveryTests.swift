import Crypto
import Foundation
import GRDB
@testable import SMTQAlerts
import SMTQCore
import SMTQStore
import SMTQTestSupport
import Testing

/// Decisions go through the durable outbox to real hooks: a real HTTP receiver, a real exec hook script.
@Suite(.serialized)
struct DeliveryTests {
    static func rule(hooks: String) -> String {
        """
              rules:
                - {name: feeder, type: repeated_defect, line: L1, station: AOI-1, count: 2, within_units: 5,
                   cooldown: 0s, hooks: [\(hooks)]}
            """
    }

    @Test("webhook: signed with timestamp and HMAC; a 500 is retried with back-off, then delivered once")
    func webhookRetry() async throws {
        let receiver = try WebhookReceiver(statuses: [500])
        let folder = try TemporaryFolder("smtq-alerts")
        let secretFile = folder.path("webhook.key")
        try "s3cret-key\n".write(toFile: secretFile, atomically: true, encoding: .utf8)
        chmod(secretFile, 0o600)
        let rig = try AlertRig(alerts: """
              retry: {initial: 200ms, max: 1s}
              hooks:
                qms: {webhook: "http://127.0.0.1:\(receiver.port)/hook", secret_file: \(secretFile), timeout: 20s}
            \(Self.rule(hooks: "qms"))
            """, folder: folder)
        rig.startDispatcher()
        let serials = rig.commit([[("C12", "BRIDGE")], [], [("C12", "BRIDGE")]])
        #expect(await rig.wait(.seconds(90)) { rig.outbox.first?.delivered == true })
        await rig.stop()
        receiver.stop()
        #expect(rig.outbox == [AlertRig.OutboxRow(hook: "qms", event: "firing", attempts: 2, delivered: true,
                                                  lastError: "HTTP 500 from http://127.0.0.1:\(receiver.port)/hook")])
        let requests = receiver.requests
        #expect(requests.count == 2)
        for request in requests {
            let timestamp = try #require(request.headers["x-smtq-timestamp"].flatMap { Int64($0) })
            // Signed when sent: within a few seconds of its arrival at the receiver.
            #expect(abs(Double(timestamp) - request.at.timeIntervalSince1970) < 10)
            let expected = HMAC<SHA256>.authenticationCode(for: Data("\(timestamp).".utf8) + request.body,
                                                           using: SymmetricKey(data: Data("s3cret-key".utf8)))
            #expect(request.headers["x-smtq-signature"] == "sha256=" + expected.map { String(format: "%02x", $0) }.joined())
            #expect(request.headers["x-smtq-event"] == "firing")
        }
        #expect(requests[1].at.timeIntervalSince(requests[0].at) >= 0.19)
        let payload = try JSONDecoder().decode(AlertPayload.self, from: requests[1].body)
        #expect(payload.rule == "feeder")
        #expect(payload.kind == .repeatedDefect)
        #expect(payload.event == .firing)
        #expect(payload.scope.refdes == "C12" && payload.scope.code == "BRIDGE")
        #expect(payload.figures["occurrences"] == 2)
        #expect(payload.firstSerial == serials[0] && payload.lastSerial == serials[2])
        #expect(payload.threshold["count"] == 2)
    }

    @Test("a receiver that hangs is cut off at the hook's timeout and retried; the failing hook is visible")
    func webhookTimeout() async throws {
        let receiver = try WebhookReceiver(hang: .seconds(3))
        let rig = try AlertRig(alerts: """
              retry: {initial: 500ms, max: 500ms}
              hooks:
                slow: {webhook: "http://127.0.0.1:\(receiver.port)/hang", timeout: 300ms}
            \(Self.rule(hooks: "slow"))
            """)
        rig.startDispatcher()
        rig.commit([[("R7", "MISSING")], [("R7", "MISSING")]])
        #expect(await rig.wait { (rig.outbox.first?.attempts ?? 0) >= 2 })
        let health = try #require(rig.dispatcher.hookHealth.first)
        #expect(health.failing)
        #expect(health.lastError?.contains("no answer from http://127.0.0.1:\(receiver.port)/hang within 300ms") == true)
        #expect(rig.outbox.first?.delivered == false)
        await rig.stop()
        receiver.stop()
    }

    @Test("alerts decided while the receiver is down are delivered after a restart, exactly once")
    func restartDelivers() async throws {
        let port = TestNetwork.freePort()
        let folder = try TemporaryFolder("smtq-alerts")
        // A long back-off: the restart, not the back-off, sends the backlog.
        let alerts = """
              retry: {initial: 1m, max: 10m}
              hooks:
                qms: {webhook: "http://127.0.0.1:\(port)/hook", timeout: 2s}
            \(Self.rule(hooks: "qms"))
            """
        do {
            let rig = try AlertRig(alerts: alerts, folder: folder)
            rig.startDispatcher()
            rig.commit([[("C1", "BRIDGE")], [("C1", "BRIDGE")], [], [], [], [], []])
            #expect(await rig.wait { (rig.outbox.first?.attempts ?? 0) >= 1 && rig.outbox.count == 2 })
            #expect(rig.outbox.map(\.event) == ["firing", "resolved"])
            #expect(rig.outbox.allSatisfy { !$0.delivered })
            await rig.stop()
        }
        let receiver = try WebhookReceiver(statuses: [], port: port)
        do {
            let rig = try AlertRig(alerts: alerts, folder: folder)
            rig.startDispatcher()
            #expect(await rig.wait { rig.outbox.allSatisfy(\.delivered) })
            await rig.stop()
        }
        do {
            // A third start finds nothing to send.
            let rig = try AlertRig(alerts: alerts, folder: folder)
            rig.startDispatcher()
            try await Task.sleep(for: .milliseconds(500))
            await rig.stop()
        }
        receiver.stop()
        let events = try receiver.requests.map { try JSONDecoder().decode(AlertPayload.self, from: $0.body).event }
        #expect(events == [.firing, .resolved])
    }

    @Test("exec hook: the alert JSON on stdin and SMTQ_* variables; a failing hook is retried")
    func execHook() async throws {
        let folder = try TemporaryFolder("smtq-alerts")
        let script = folder.path("andon.sh")
        let flag = folder.path("fail-once")
        #expect(FileManager.default.createFile(atPath: flag, contents: nil))
        try """
            #!/bin/sh
            if [ -e "\(flag)" ]; then rm "\(flag)"; echo "andon light busy" >&2; exit 2; fi
            cat >> "\(folder.path("alerts.jsonl"))"
            echo "$SMTQ_ALERT_EVENT $SMTQ_ALERT_RULE $SMTQ_ALERT_SEVERITY $1" >> "\(folder.path("env"))"
            """.write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)
        let rig = try AlertRig(alerts: """
              retry: {initial: 100ms, max: 200ms}
              hooks:
                andon: {exec: [\(script), "line 1; $(reboot)"], timeout: 5s}
            \(Self.rule(hooks: "andon"))
            """, folder: folder)
        rig.startDispatcher()
        rig.commit([[("U3", "LIFTED")], [("U3", "LIFTED")]])
        #expect(await rig.wait(.seconds(90)) { rig.outbox.first?.delivered == true })
        await rig.stop()
        #expect(rig.outbox.first?.attempts == 2)
        #expect(rig.outbox.first?.lastError == "exit status 2: andon light busy")
        let lines = try String(contentsOfFile: folder.path("alerts.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 1)
        let payload = try JSONDecoder().decode(AlertPayload.self, from: Data(lines[0].utf8))
        #expect(payload.scope.refdes == "U3")
        #expect(try String(contentsOfFile: folder.path("env"), encoding: .utf8) == "firing feeder warning line 1; $(reboot)\n")
    }
}

/// A restart refills every station's window from its own recent units: a busy station does not crowd a
/// quiet one's history out, so an open alert neither resolves nor fires again for nothing.
@Suite(.serialized)
struct AlertRestartTests {
    @Test("after a restart with a busier second station, the first station's open alert stays one alert")
    func windowsPerStation() async throws {
        let folder = try TemporaryFolder("smtq-alerts")
        let alerts = """
              hooks:
                log: {exec: [/bin/true]}
              rules:
                - {name: feeder, type: repeated_defect, line: L1, count: 3, within_units: 20, cooldown: 0s, hooks: [log]}
            """
        func events(_ rig: AlertRig) throws -> [String] {
            try rig.writer.read { try String.fetchAll($0, sql: "SELECT event FROM alert_events ORDER BY id") }
        }
        do {
            let rig = try AlertRig(alerts: alerts, folder: folder)
            rig.commit([[("C12", "BRIDGE")], [], [("C12", "BRIDGE")], [], [("C12", "BRIDGE")]])
            rig.commit(Array(repeating: [], count: 60), station: "AOI-2")
            #expect(try events(rig) == ["firing"])
            await rig.stop()
        }
        let rig = try AlertRig(alerts: alerts, folder: folder)
        // With AOI-1's last 20 units back in its window, one more C12 makes 4 of 20: still the same alert.
        rig.commit([[("C12", "BRIDGE")]])
        #expect(try events(rig) == ["firing"])
        await rig.stop()
    }
}

/// While the database refuses the alert writes, nothing decided is lost: the decision waits, later readings
/// are held in order and judged once it is written.
@Suite(.serialized)
struct AlertWriteFailureTests {
    @Test("a firing that cannot be written and the clearing after it are both written once the database takes them")
    func heldReadings() async throws {
        let rig = try AlertRig(alerts: """
              hooks:
                log: {exec: [/bin/true]}
              rules:
                - {name: feeder, type: repeated_defect, line: L1, station: AOI-1, count: 2, within_units: 2,
                   cooldown: 0s, hooks: [log]}
            """)
        // Another connection holds the write lock longer than the writer's 5 s busy timeout.
        let blocker = try DatabaseQueue(path: rig.database)
        let locked = DispatchSemaphore(value: 0)
        let holder = Thread {
            try? blocker.inTransaction(.immediate) { _ in
                locked.signal()
                Thread.sleep(forTimeInterval: 7)
                return .commit
            }
        }
        holder.start()
        locked.wait()
        func unit(_ id: Int64, _ defects: [(String, String)]) -> StoredUnit {
            StoredUnit(id: 1000 + id, record: UnitRecord(
                line: "L1", station: "AOI-1", device: "aoi1", program: "PCB-A", serial: "W\(id)",
                result: defects.isEmpty ? .pass : .fail, time: Date(),
                defects: defects.map { DefectRecord(refdes: $0.0, code: $0.1, verdict: .real) }), isFirstPass: true)
        }
        // Trips (2 of 2) and clears (the next two are clean) in one batch, while the database is locked.
        rig.evaluator.receive(CommittedBatch(units: [unit(1, [("C1", "X")]), unit(2, [("C1", "X")]), unit(3, []), unit(4, [])]))
        rig.evaluator.drain()
        #expect(try rig.writer.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM alert_events") } == 0)
        while !holder.isFinished { try await Task.sleep(for: .milliseconds(100)) }
        rig.evaluator.tick(now: Date())
        let events = try rig.writer.read { try String.fetchAll($0, sql: "SELECT event FROM alert_events ORDER BY id") }
        #expect(events == ["firing", "resolved"])
        await rig.stop()
    }
}
