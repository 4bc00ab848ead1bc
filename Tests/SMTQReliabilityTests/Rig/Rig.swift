import Foundation
import GRDB
import SMTQCore
import SMTQStore
import SMTQTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A folder for one scenario: the reference profiles (and a mailbox map of the reference AOI), the built
/// `smtqd` and `smtq simulate` as separate processes, and the truth the checks compare the store against
/// (the simulators' logs).
final class Rig: @unchecked Sendable {
    let folder: URL
    /// The store (in the folder unless a scenario puts it elsewhere).
    var database: String

    init() throws {
        folder = URL(fileURLWithPath: "/tmp").appendingPathComponent("smtq-rel-\(UUID().uuidString.prefix(8))")
        database = folder.appendingPathComponent("smtq.sqlite").path
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: TestEnvironment.packageRoot.appendingPathComponent("config/profiles"),
                                         to: folder.appendingPathComponent("profiles"))
        try TestProfiles.aoiMailbox.write(toFile: path("profiles/aoi-mailbox.yaml"), atomically: true, encoding: .utf8)
    }

    deinit {
        if ProcessInfo.processInfo.environment["SMTQ_KEEP_RIG"] == nil { try? FileManager.default.removeItem(at: folder) }
    }

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    /// Writes smtq.yaml: the store in this folder, the profiles, `extra` top-level sections and the devices
    /// (each one YAML flow mapping).
    @discardableResult
    func writeConfig(devices: [String], extra: String = "", batch: String = "{max_records: 500, max_delay: 20ms}") throws -> String {
        let config = path("smtq.yaml")
        try """
            storage:
              database: \(database)
              batch: \(batch)
            include: [profiles/*.yaml]
            \(extra)
            devices:
            \(devices.map { "  - " + $0 }.joined(separator: "\n"))

            """.write(toFile: config, atomically: true, encoding: .utf8)
        return config
    }

    /// `smtq simulate` with a log of what it produced (`name.jsonl`).
    func simulator(_ name: String, _ arguments: [String]) throws -> (RunningProduct, URL) {
        let log = folder.appendingPathComponent("\(name).jsonl")
        let process = try RunningProduct("smtq", ["simulate", "--log", log.path] + arguments, logPath: path("\(name).out"))
        return (process, log)
    }

    /// smtqd on this folder's configuration; its output appended to `smtqd.log` across restarts.
    func daemon(environment: [String: String] = [:], level: String = "notice") throws -> RunningProduct {
        try RunningProduct("smtqd", ["--config", path("smtq.yaml"), "--log-level", level], environment: environment,
                           logPath: path("smtqd.log"))
    }

    var daemonLog: String { (try? String(contentsOfFile: path("smtqd.log"), encoding: .utf8)) ?? "" }

    /// An integer from the store (0 while it cannot be read).
    func count(_ sql: String = "SELECT count(*) FROM units", _ arguments: StatementArguments = []) -> Int {
        guard FileManager.default.fileExists(atPath: database) else { return 0 }
        return (try? StoreDatabase.openReadOnly(path: database).read { try Int.fetchOne($0, sql: sql, arguments: arguments) ?? 0 }) ?? 0
    }

    /// Units stored for one device, by device name.
    func units(device: String) -> Int {
        count("SELECT count(*) FROM units u JOIN devices d ON d.id = u.device_id WHERE d.name = ?", [device])
    }

    /// Every stored unit, comparable with the simulator's log (identity the log does not know blanked), by device.
    func storedUnits() throws -> [String: [UnitRecord]] {
        var units: [String: [UnitRecord]] = [:]
        try Exporter(source: StoreDatabase.openReadOnly(path: database)).forEachUnit { record in
            units[record.device, default: []].append(Self.comparable(record))
        }
        return units
    }

    static func comparable(_ record: UnitRecord) -> UnitRecord {
        var copy = record
        (copy.device, copy.line, copy.station, copy.schemaVersion) = ("", "", "", nil)
        copy.measurements = copy.measurements?.map { MeasurementRecord(name: $0.name, value: $0.value, unit: $0.unit) }
        return copy
    }

    /// What the mailbox map reads: serial, program, result and the device's time.
    static func mailboxFields(_ record: UnitRecord) -> UnitRecord {
        var copy = record
        (copy.position, copy.cycleMilliseconds, copy.defects, copy.measurements) = (nil, nil, nil, nil)
        return copy
    }

    /// Records lost in recorded mailbox gaps, per device.
    func gapsRecorded(device: String) -> Int {
        count("SELECT coalesce(sum(e.count), 0) FROM device_events e JOIN devices d ON d.id = e.device_id WHERE d.name = ? AND e.kind = 'gap'", [device])
    }

    /// Polls `condition` every 100 ms for up to `seconds`; whether it came true.
    @discardableResult
    static func wait(seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            usleep(100_000)
        }
        return try condition()
    }
}

/// One scenario's figures against the simulators' logs, printed as one summary line (and appended to the
/// file in `SMTQ_RELIABILITY_SUMMARY`, for `scripts/soak`): records produced, stored, stored twice, lost
/// without a trace, and lost in recorded gaps (mailbox devices). Content mismatches count as lost.
struct ScenarioFigures: CustomStringConvertible {
    var name: String
    var produced = 0
    var stored = 0
    var duplicated = 0
    var lost = 0
    var gapsRecorded = 0
    var notes: [String] = []

    init(_ name: String) { self.name = name }

    /// Adds one device's records: every produced record must be stored once with the same content, except,
    /// for a mailbox device, those counted in its recorded gaps.
    /// `fields` keeps what the device's profile reads (a mailbox map may read fewer fields than were produced).
    mutating func add(produced log: [SimulatorLog.Entry], stored: [UnitRecord], gaps: Int = 0, mailbox: Bool = false,
                      fields: (UnitRecord) -> UnitRecord = { $0 }) {
        produced += log.count
        self.stored += stored.count
        gapsRecorded += gaps
        var bySerial: [String: [UnitRecord]] = [:]
        for record in stored { bySerial[record.serial, default: []].append(fields(record)) }
        duplicated += bySerial.values.reduce(0) { $0 + $1.count - 1 }
        let expected = Dictionary(log.map { ($0.record.serial, fields(Rig.comparable($0.record))) }, uniquingKeysWith: { $1 })
        var missing = 0
        for (serial, record) in expected {
            guard let copies = bySerial[serial] else { missing += 1; continue }
            if copies[0] != record {
                lost += 1
                notes.append("\(serial) stored otherwise than produced")
            }
        }
        let strangers = bySerial.keys.filter { expected[$0] == nil }.count
        if strangers > 0 { notes.append("\(strangers) stored serials were never produced") }
        lost += strangers
        lost += mailbox ? abs(missing - gaps) : missing
    }

    var clean: Bool { duplicated == 0 && lost == 0 && produced > 0 }

    var description: String {
        "scenario \(name): produced \(produced), stored \(stored), duplicated \(duplicated), lost \(lost), gaps recorded \(gapsRecorded)"
            + (notes.isEmpty ? "" : " — " + notes.prefix(3).joined(separator: "; "))
    }

    /// Prints the line (and appends it to the soak summary file).
    func report() {
        print(description)
        guard let file = ProcessInfo.processInfo.environment["SMTQ_RELIABILITY_SUMMARY"],
              let handle = FileHandle(forWritingAtPath: file) ?? {
                  _ = FileManager.default.createFile(atPath: file, contents: nil)
                  return FileHandle(forWritingAtPath: file)
              }() else { return }
        handle.seekToEndOfFile()
        handle.write(Data((description + "\n").utf8))
        try? handle.close()
    }
}

extension Rig {
    /// smtqd's view of its devices (`smtq status --format json` against `http.listen`), by device name.
    func deviceStatus(httpPort: Int) -> [String: [String: Any]] {
        guard let result = try? ChildProcess.run(TestEnvironment.product("smtq").path,
                                                 ["status", "--url", "http://127.0.0.1:\(httpPort)", "--format", "json"]),
              let object = try? JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any] else { return [:] }
        let list = object["devices"] as? [[String: Any]] ?? []
        return Dictionary(list.map { ($0["name"] as? String ?? "", $0) }, uniquingKeysWith: { first, _ in first })
    }
}
