import Foundation
import GRDB
import SMTQCore
@testable import SMTQStore
import Testing

/// Process values in the store (stored once, handed to subscribers, pruned, exported and imported), the
/// device cursor's record content, and group commit.
struct ProcessValueStoreTests {
    static func value(_ name: String, _ value: Double, at seconds: Double, station: String = "OVEN-1") -> ProcessValueRecord {
        ProcessValueRecord(line: "L1", station: station, device: "oven1", name: name, time: Sample.start.addingTimeInterval(seconds),
                           value: value, unit: "C", lsl: 235, usl: 250)
    }

    @Test("process values are stored once, handed to subscribers, and exported and imported unchanged")
    func storeExportImport() throws {
        let database = try TemporaryDatabase()
        let committed = Locked<[ProcessValueRecord]>([])
        let values = (0..<50).flatMap { index in
            [Self.value("zone1", 240 + Double(index) / 10, at: Double(index)), Self.value("zone2", 245.25, at: Double(index))]
        }
        do {
            let writer = try database.writer()
            defer { writer.shutdown() }
            writer.onCommit { batch in committed.withLock { $0 += batch.processValues.map(\.record) } }
            #expect(writer.submitAndWait(.processValues(values)) == .durable(stored: 100, duplicates: 0))
            #expect(writer.submitAndWait(.processValues(Array(values.prefix(10)))) == .durable(stored: 0, duplicates: 10))
            #expect(writer.submitAndWait(.units([IncomingUnit(record: Sample.unit(serial: "S1", station: "OVEN-1", at: 3))],
                                                cursor: nil)) == .durable(stored: 1, duplicates: 0))
        }
        #expect(committed.withLock { $0 } == values)
        let exporter = Exporter(source: try StoreDatabase.openReadOnly(path: database.path))
        var exported: [ProcessValueRecord] = []
        try exporter.forEachProcessValue { exported.append($0) }
        #expect(exported == values.sorted { $0.time < $1.time })

        let file = database.folder.appendingPathComponent("mixed.jsonl")
        #expect(FileManager.default.createFile(atPath: file.path, contents: nil))
        let output = try FileHandle(forWritingTo: file)
        let buffer = OutputBuffer(handle: output)
        #expect(try exporter.write(.units, as: .jsonl, to: buffer) == 1)
        #expect(try exporter.write(.processValues, as: .jsonl, to: buffer) == 100)
        try output.close()
        let text = try String(contentsOf: file, encoding: .utf8)
        #expect(text.split(separator: "\n")[1] == #"{"v":1,"type":"process_value","line":"L1","station":"OVEN-1","device":"oven1","name":"zone1","time":"2026-11-24T06:00:00Z","value":240,"unit":"C","lsl":235,"usl":250}"#)

        let second = try TemporaryDatabase()
        let writer = try second.writer()
        defer { writer.shutdown() }
        let report = try JSONLImporter(path: file.path).run(into: writer, skipBad: false)
        #expect(report.problems.isEmpty && report.stored == 101)
        #expect(try JSONLImporter(path: file.path).run(into: writer, skipBad: false).duplicates == 101)
        var imported: [ProcessValueRecord] = []
        try Exporter(source: StoreDatabase.openReadOnly(path: second.path)).forEachProcessValue { imported.append($0) }
        #expect(imported == exported)
        let csv = Exporter(source: try StoreDatabase.openReadOnly(path: second.path))
        let csvFile = second.folder.appendingPathComponent("values.csv")
        #expect(FileManager.default.createFile(atPath: csvFile.path, contents: nil))
        let csvHandle = try FileHandle(forWritingTo: csvFile)
        try csv.write(.processValues, as: .csv, to: OutputBuffer(handle: csvHandle))
        try csvHandle.close()
        let rows = try String(contentsOf: csvFile, encoding: .utf8).split(separator: "\r\n")
        #expect(rows.first == "line,station,device,name,time,value,unit,lsl,usl")
        #expect(rows[1] == "L1,OVEN-1,oven1,zone1,2026-11-24T06:00:00Z,240,C,235,250")
        #expect(rows.count == 101)
    }

    @Test("bad process-value lines are refused with FILE:LINE")
    func badLines() throws {
        let database = try TemporaryDatabase()
        let file = database.folder.appendingPathComponent("bad.jsonl")
        try [
            #"{"type":"process_value","line":"L1","station":"OVEN-1","device":"o","name":"z","time":"2026-11-24T08:00:00Z","value":1,"lsl":5,"usl":4}"#,
            #"{"type":"process_value","line":"L1","station":"OVEN-1","device":"o","time":"2026-11-24T08:00:00Z","value":1}"#,
            #"{"type":"reading","line":"L1"}"#,
            #"{"type":"process_value","line":"L1","station":"OVEN-1","device":"o","name":"z","time":"2026-11-24T08:00:00Z","value":"hot"}"#,
            #"{"line":"L1","station":"OVEN-1","device":"o","name":"z","time":"2026-11-24T08:00:00Z","value":1}"#,
        ].joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        let writer = try database.writer()
        defer { writer.shutdown() }
        let report = try JSONLImporter(path: file.path, displayName: "bad.jsonl").run(into: writer, skipBad: false)
        #expect(report.problems.map(\.description) == [
            "bad.jsonl:1: 'lsl': lsl 5.0 must be below usl 4.0",
            "bad.jsonl:2: missing key 'name'",
            "bad.jsonl:3: 'type': 'reading' is not a record type (unit or process_value)",
            "bad.jsonl:4: 'value' should be a number",
            #"bad.jsonl:5: missing key 'program' (a process value line needs "type":"process_value")"#,
        ])
        #expect(report.stored == 0)
    }

    @Test("retention prunes process values with the rest")
    func retention() throws {
        let database = try TemporaryDatabase()
        let writer = try database.writer()
        defer { writer.shutdown() }
        _ = writer.submitAndWait(.processValues([Self.value("zone1", 240, at: 0), Self.value("zone1", 241, at: 7200)]))
        try writer.write { db in _ = try Retention.prune(db, before: Sample.start.addingTimeInterval(3600)) }
        #expect(try writer.read { try Double.fetchAll($0, sql: "SELECT value FROM process_values") } == [241])
    }

    @Test("the device cursor keeps the registers of the record stored at it")
    func cursorContent() throws {
        let database = try TemporaryDatabase()
        let writer = try database.writer()
        defer { writer.shutdown() }
        let device = DeviceIdentity(device: "aoi1", line: "L1", station: "AOI-1")
        let words: [UInt16] = [0, 1, 0xFFFF, 0x8000, 0x1234]
        _ = writer.submitAndWait(.units([], cursor: DeviceCursorUpdate(device: device, seq: 7, content: words)))
        #expect(try writer.storedCursor(device: "aoi1") == StoredCursor(seq: 7, content: words))
        _ = writer.submitAndWait(.units([], cursor: DeviceCursorUpdate(device: device, seq: 8)))
        #expect(try writer.storedCursor(device: "aoi1") == StoredCursor(seq: 8, content: nil))
        #expect(try writer.storedCursor(device: "other") == nil)
    }

    @Test("group commit: a write nobody waits for gathers company; one a caller waits for commits the queue at once")
    func groupCommit() throws {
        let database = try TemporaryDatabase()
        let writer = try database.writer(delay: .seconds(30))
        defer { writer.shutdown() }
        let batches = Locked<[Int]>([])
        writer.onCommit { batch in batches.withLock { $0.append(batch.units.count) } }
        let first = Locked<WriteOutcome?>(nil)
        writer.submit(.units([IncomingUnit(record: Sample.unit(serial: "U1", at: 1))], cursor: nil)) { outcome in first.withLock { $0 = outcome } }
        Thread.sleep(forTimeInterval: 0.3)
        #expect(first.withLock { $0 } == nil, "a write nobody waits for waits for company (batch max_delay 30 s)")
        let started = Date()
        let second = writer.submitAndWait(.units([IncomingUnit(record: Sample.unit(serial: "U2", at: 2))], cursor: nil))
        #expect(second == .durable(stored: 1, duplicates: 0))
        #expect(Date().timeIntervalSince(started) < 15, "an awaited write does not wait for max_delay")
        #expect(first.withLock { $0 } == .durable(stored: 1, duplicates: 0))
        #expect(batches.withLock { $0 } == [2], "both writes in one transaction")
    }
}
