import Crypto
import Foundation
import GRDB
import SMTQCore
import SMTQStore
import SMTQTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The composed smtqd SIGKILLed at random moments while it polls simulators at full speed (a FIFO and a
/// mailbox machine over TCP, two FIFO testers on an RTU bus), fires webhook alerts and forwards to a central
/// PostgreSQL; restarted each time. Afterwards the store equals the simulators' logs, alert notifications
/// match what the store decided, and the central database holds every unit once.
@Suite(.serialized)
struct DaemonCrashTests {
    /// Kills per run: 30 in CI, `SMTQ_SOAK_KILLS` (300 in `scripts/soak`).
    static var kills: Int { Int(ProcessInfo.processInfo.environment["SMTQ_SOAK_KILLS"] ?? "") ?? 30 }

    @Test("smtqd killed with SIGKILL at random moments and restarted: nothing lost, nothing twice, alerts and forwarding intact")
    func killedRepeatedly() throws {
        let rig = try Rig()
        let kills = Self.kills
        let seed = UInt64(ProcessInfo.processInfo.environment["SMTQ_CRASH_SEED"] ?? "") ?? UInt64(Date().timeIntervalSince1970)
        var random = SeededRandom(seed: seed)
        // Production lasts about as long as the kills (1.1 s apart on average, plus restarts).
        let seconds = Double(kills) * 1.4 + 5
        let fifoCount = Int(seconds * 100), mailboxCount = Int(seconds * 20), testerCount = Int(seconds * 8)

        try #require(PostgresCluster.isInstalled, "Debian's postgresql (the central database) is not installed: ./scripts/bootstrap --tests")
        let central = try PostgresCluster()
        let environment = ["SMTQ_TEST_PG": central.password]
        let migrate = try ChildProcess.run("/usr/bin/env", ["PGPASSWORD=\(central.password)", TestEnvironment.product("smtq").path,
                                                             "central", "migrate", "--db", central.url])
        #expect(migrate.status == 0, "\(migrate.error)")
        let forward = "forward:\n  postgres: {url: \"\(central.url)\", password_env: SMTQ_TEST_PG, host: line1, batch: 200}\n"
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        let secret = rig.path("webhook.secret")
        try "crash-test-secret\n".write(toFile: secret, atomically: true, encoding: .utf8)
        chmod(secret, 0o600)

        let tcp = TestNetwork.freePort(), mailbox = TestNetwork.freePort()
        let ttyCollector = rig.path("ttyA"), ttyDevice = rig.path("ttyB")
        let socat = try RunningProduct("/usr/bin/socat", ["pty,raw,echo=0,link=\(ttyCollector)", "pty,raw,echo=0,link=\(ttyDevice)"])
        defer { socat.stop() }
        try #require(Rig.wait(seconds: 5) { FileManager.default.fileExists(atPath: ttyDevice) && FileManager.default.fileExists(atPath: ttyCollector) },
                     "socat made no pty pair (is socat installed? ./scripts/bootstrap --tests)")
        try rig.writeConfig(devices: [
            #"{name: aoi1, line: L1, station: AOI-1, kind: aoi, profile: aoi-reference, tcp: "127.0.0.1:\#(tcp)", unit_id: 1, poll_interval: 10ms, timeout: 500ms, backoff: {initial: 50ms, max: 200ms}}"#,
            #"{name: aoi2, line: L1, station: AOI-2, kind: aoi, profile: aoi-mailbox, tcp: "127.0.0.1:\#(mailbox)", unit_id: 1, poll_interval: 10ms, timeout: 500ms, backoff: {initial: 50ms, max: 200ms}}"#,
            "{name: ict1, line: L1, station: ICT-1, kind: tester, profile: tester-reference, rtu: {bus: rs485}, unit_id: 3, poll_interval: 10ms, timeout: 300ms}",
            "{name: ict2, line: L1, station: ICT-2, kind: tester, profile: tester-reference, rtu: {bus: rs485}, unit_id: 5, poll_interval: 10ms, timeout: 300ms}",
        ], extra: """
            site: plant-a
            serial_buses:
              rs485: {port: \(ttyCollector), baud: 115200, parity: none}
            lines:
              L1: {route: [AOI-1, AOI-2, ICT-1, ICT-2]}
            alerts:
              retry: {initial: 100ms, max: 500ms}
              hooks:
                qms: {webhook: "http://127.0.0.1:\(receiver.port)/hook", secret_file: \(secret), timeout: 2s}
              rules:
                - {name: feeder, type: repeated_defect, line: L1, station: AOI-1, count: 3, within_units: 20, cooldown: 0s, hooks: [qms]}
            \(forward)
            """)
        // The daemon runs before the simulators, so the mailbox's first record is seen.
        var daemon = try rig.daemon(environment: environment)
        let (fifoSimulator, fifoLog) = try rig.simulator("aoi1", [
            "--kind", "aoi", "--listen", "127.0.0.1:\(tcp)", "--rate", "100", "--count", "\(fifoCount)", "--defect-rate", "0.2",
            "--burst", "C12:BRIDGE:50:4:250", "--serial-prefix", "F-", "--seed", "\(seed % 1000)"])
        defer { fifoSimulator.stop() }
        let (mailboxSimulator, mailboxLog) = try rig.simulator("aoi2", [
            "--kind", "aoi", "--mode", "mailbox", "--listen", "127.0.0.1:\(mailbox)", "--rate", "20", "--count", "\(mailboxCount)",
            "--serial-prefix", "M-"])
        defer { mailboxSimulator.stop() }
        let (rtuSimulator, rtuLog) = try rig.simulator("ict", [
            "--kind", "tester", "--serial", ttyDevice, "--baud", "115200", "--parity", "none", "--unit-id", "3", "--unit-id", "5",
            "--rate", "8", "--count", "\(testerCount)", "--defect-rate", "0.1"])
        defer { rtuSimulator.stop() }

        var killedAt: [Int] = []
        for _ in 0..<kills {
            usleep(UInt32(Double.random(in: 0.2...2.0, using: &random) * 1_000_000))
            try #require(daemon.isRunning, "smtqd exited by itself: \(rig.daemonLog.suffix(3000))")
            killedAt.append(rig.count())
            daemon.crash()
            daemon = try rig.daemon(environment: environment)
        }
        // Then let it finish: every record produced and stored, every notification delivered, forwarding caught up.
        let finished = Rig.wait(seconds: 240) {
            let fifoDone = rig.units(device: "aoi1") >= fifoCount
            let testersDone = rig.units(device: "ict1") >= testerCount && rig.units(device: "ict2") >= testerCount
            let mailboxProduced = (try? SimulatorLog.records(mailboxLog)) ?? []
            let mailboxDone = mailboxProduced.count >= mailboxCount
                && rig.count("SELECT count(*) FROM units WHERE serial = ?", [mailboxProduced.last?.record.serial ?? ""]) > 0
            let delivered = rig.count("SELECT count(*) FROM alert_outbox WHERE delivered_at IS NULL") == 0
            let forwarded = (try? central.psql("SELECT count(*) FROM units")) == String(rig.count())
            return fifoDone && testersDone && mailboxDone && delivered && forwarded
        }
        let drained = daemon.stop()
        #expect(finished, "the run did not finish within 4 minutes: \(rig.count()) units stored")
        #expect(drained.status == 0, "smtqd's last stop: \(rig.daemonLog.suffix(2000))")

        let stored = try rig.storedUnits()
        let rtu = try SimulatorLog.records(rtuLog)
        var figures = ScenarioFigures("crash: \(kills) SIGKILLs (seed \(seed))")
        figures.add(produced: try SimulatorLog.records(fifoLog), stored: stored["aoi1"] ?? [])
        figures.add(produced: rtu.filter { $0.unit == 3 }, stored: stored["ict1"] ?? [])
        figures.add(produced: rtu.filter { $0.unit == 5 }, stored: stored["ict2"] ?? [])
        // A mailbox shows only its latest record: what it produced before smtqd's first look is unknown to it.
        let mailboxStored = Set((stored["aoi2"] ?? []).map(\.serial))
        let mailboxAll = try SimulatorLog.records(mailboxLog)
        let mailboxProduced = Array(mailboxAll.drop { !mailboxStored.contains($0.record.serial) })
        figures.notes.append("\(mailboxAll.count - mailboxProduced.count) mailbox records before the first poll")
        figures.add(produced: mailboxProduced, stored: stored["aoi2"] ?? [], gaps: rig.gapsRecorded(device: "aoi2"), mailbox: true,
                    fields: Rig.mailboxFields)
        figures.notes.append("killed at \(killedAt.count) points between \(killedAt.min() ?? 0) and \(killedAt.max() ?? 0) stored units")
        figures.report()
        #expect(figures.clean, "\(figures)")
        #expect(Set(killedAt).count > kills / 2, "the kills landed at different moments: \(killedAt)")
        #expect(rig.gapsRecorded(device: "aoi2") > 0, "the kills made the mailbox machine lose records, and the gaps are recorded")

        try checkGaps(rig, produced: mailboxProduced)
        try checkAlerts(rig, receiver, secret: "crash-test-secret")
        try checkCentral(rig, central)
    }

    /// The mailbox's records not stored are exactly the SEQs inside its recorded gaps ("SEQ a → b" holds a+1 … b-1),
    /// not just as many.
    func checkGaps(_ rig: Rig, produced: [SimulatorLog.Entry]) throws {
        let (storedSeqs, details) = try StoreDatabase.openReadOnly(path: rig.database).read { db in
            (Set(try Int.fetchAll(db, sql: "SELECT u.source_seq FROM units u JOIN devices d ON d.id = u.device_id WHERE d.name = 'aoi2'")),
             try String.fetchAll(db, sql: "SELECT e.detail FROM device_events e JOIN devices d ON d.id = e.device_id WHERE d.name = 'aoi2' AND e.kind = 'gap'"))
        }
        var covered: [Int] = []
        for detail in details {
            let numbers = detail.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
            guard numbers.count == 2, numbers[1] > numbers[0] else { Issue.record("gap detail '\(detail)'"); continue }
            covered += Array((numbers[0] + 1)..<numbers[1])
        }
        let missing = Set(produced.map(\.seq)).subtracting(storedSeqs)
        #expect(covered.count == Set(covered).count, "no SEQ counted in two gaps")
        #expect(Set(covered) == missing, "missing \(missing.sorted().prefix(20)), in gaps \(covered.sorted().prefix(20))")
    }

    /// Every notification the store decided reached the webhook, correctly signed; counted on the key
    /// receivers deduplicate on (id, event, time). Copies sent again because a kill came between the
    /// delivery and its record are reported, never missing ones.
    func checkAlerts(_ rig: Rig, _ receiver: WebhookReceiver, secret: String) throws {
        let decided = try StoreDatabase.openReadOnly(path: rig.database).read { db in
            try String.fetchAll(db, sql: "SELECT payload FROM alert_events ORDER BY id")
        }
        #expect(decided.count >= 4, "the bursts fired and resolved alerts (\(decided.count) notifications)")
        func key(_ body: Data) -> String {
            let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:]
            return "\(object["id"] ?? "?") \(object["event"] ?? "?") \(object["time"] ?? "?")"
        }
        let expected = decided.map { key(Data($0.utf8)) }
        var received: [String: Int] = [:]
        for request in receiver.requests {
            received[key(request.body), default: 0] += 1
            let timestamp = request.headers["x-smtq-timestamp"] ?? ""
            let code = HMAC<SHA256>.authenticationCode(for: Data("\(timestamp).".utf8) + request.body,
                                                       using: SymmetricKey(data: Data(secret.utf8)))
            #expect(request.headers["x-smtq-signature"] == "sha256=" + code.map { String(format: "%02x", $0) }.joined())
        }
        #expect(Set(received.keys) == Set(expected), "delivered \(received.count) distinct notifications, decided \(expected.count)")
        let copies = received.values.reduce(0) { $0 + $1 - 1 }
        print("scenario crash alerts: decided \(expected.count), delivered \(received.count) distinct, \(copies) sent again after a kill")
    }

    /// The central database holds each stored unit once: the forwarding cursor skipped none and repeated none.
    func checkCentral(_ rig: Rig, _ central: PostgresCluster) throws {
        let counts = try central.psql("SELECT count(*) || ' ' || count(DISTINCT id) || ' ' || count(DISTINCT serial) FROM units")
        let local = rig.count()
        #expect(counts == "\(local) \(local) \(local)", "central count, distinct ids, distinct serials: \(counts); local \(local)")
        let centralSerials = Set(try central.psql("SELECT serial FROM units").split(separator: "\n").map(String.init))
        let localSerials = try StoreDatabase.openReadOnly(path: rig.database).read { Set(try String.fetchAll($0, sql: "SELECT serial FROM units")) }
        #expect(centralSerials == localSerials)
        print("scenario crash forwarding: local \(local), central \(counts.split(separator: " ").first ?? "?") (distinct ids and serials equal)")
    }
}
