import Foundation
import GRDB
import Logging
import SMTQCore
@testable import SMTQStore
import Testing

struct WriterTests {
    let device = DeviceIdentity(device: "aoi1", line: "L1", station: "AOI-1")

    @Test("records and the device cursor commit together; subscribers get each committed batch")
    func cursorAndCommitHandler() throws {
        let database = try TemporaryDatabase()
        let writer = try database.writer(batch: 500, delay: .milliseconds(20))
        defer { writer.shutdown() }
        let batches = Locked<[Int]>([])
        writer.onCommit { batch in batches.withLock { $0.append(batch.units.count) } }
        let done = DispatchGroup()
        let outcomes = Locked<[WriteOutcome]>([])
        for seq in 1...1200 {
            done.enter()
            let unit = IncomingUnit(record: Sample.unit(serial: "S\(seq)", at: Double(seq)), sourceSeq: seq)
            writer.submit(.units([unit], cursor: DeviceCursorUpdate(device: device, seq: seq))) { outcome in
                outcomes.withLock { $0.append(outcome) }
                done.leave()
            }
        }
        #expect(done.wait(timeout: .now() + 30) == .success)
        #expect(outcomes.withLock { $0 }.allSatisfy { $0 == .durable(stored: 1, duplicates: 0) })
        #expect(batches.withLock { $0 }.reduce(0, +) == 1200)
        #expect(batches.withLock { $0 }.allSatisfy { $0 <= 500 }, "\(batches.withLock { $0 })")
        #expect(batches.withLock { $0 }.count >= 3)
        let cursor = try writer.read { try Int.fetchOne($0, sql: "SELECT seq FROM device_cursors") }
        #expect(cursor == 1200)
        let sequences = try writer.read { try Int.fetchAll($0, sql: "SELECT source_seq FROM units ORDER BY id") }
        #expect(sequences == Array(1...1200))
    }

    /// How a test makes the database refuse writes, and how it lets it write again.
    enum Refusal: String, CaseIterable, Sendable {
        /// SQLITE_FULL: the file may not grow (as on a full disk).
        case diskFull
        /// SQLITE_READONLY: the connection may not write (as on a read-only file or file system).
        case readOnly
    }

    @Test("a full disk or a read-only database holds records unacknowledged, logs once, bounds memory, and resumes",
          arguments: Refusal.allCases)
    func refusalEpisode(refusal: Refusal) throws {
        let database = try TemporaryDatabase()
        let logs = CollectingLogHandler()
        let writer = try database.writer(batch: 50, delay: .milliseconds(1), buffer: 1000,
                                         logger: Logger(label: "test") { _ in logs })
        defer { writer.shutdown() }
        _ = writer.submitAndWait(.units([IncomingUnit(record: Sample.unit(serial: "warm", at: 0))], cursor: nil))
        let pages = try writer.read { try Int.fetchOne($0, sql: "PRAGMA page_count") ?? 0 }
        writer.runAndWait { db in
            switch refusal {
            case .diskFull: try db.execute(sql: "PRAGMA max_page_count = \(pages)")
            case .readOnly: try db.execute(sql: "PRAGMA query_only = ON")
            }
        }

        let acknowledged = Locked(0)
        let big = (0..<40).map { MeasurementRecord(name: "M\($0)", value: Double($0), unit: String(repeating: "x", count: 200)) }
        for index in 0..<30 {
            let unit = IncomingUnit(record: Sample.unit(serial: "F\(index)", at: Double(index + 10), measurements: big))
            writer.submit(.units([unit], cursor: nil)) { outcome in
                if case .durable = outcome { acknowledged.withLock { $0 += 1 } }
            }
        }
        Thread.sleep(forTimeInterval: 0.5)
        #expect(acknowledged.withLock { $0 } == 0, "nothing may be reported durable while the disk is full")
        #expect(writer.backlog == 30)
        #expect(logs.messages(at: .error).count == 1, "\(logs.messages(at: .error))")
        let overflow = writer.submitAndWait(.units((0..<980).map {
            IncomingUnit(record: Sample.unit(serial: "O\($0)", at: Double($0)))
        }, cursor: nil))
        guard case let .refused(reason) = overflow else {
            Issue.record("a write beyond the memory buffer was accepted")
            return
        }
        #expect(reason.contains("memory buffer is full"))

        writer.schedule { db in
            switch refusal {
            case .diskFull: try db.execute(sql: "PRAGMA max_page_count = 1073741823")
            case .readOnly: try db.execute(sql: "PRAGMA query_only = OFF")
            }
        }
        let deadline = Date().addingTimeInterval(10)
        while acknowledged.withLock({ $0 }) < 30, Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        #expect(acknowledged.withLock { $0 } == 30)
        #expect(writer.backlog == 0)
        #expect(logs.messages(at: .error).count == 1)
        #expect(logs.messages(at: .notice).contains("database writes work again"))
        #expect(try writer.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM units WHERE serial LIKE 'F%'") } == 30)
    }

    @Test("a read-only reader sees consistent data while the writer writes")
    func readerDuringWrites() throws {
        let database = try TemporaryDatabase()
        let writer = try database.writer(batch: 100, delay: .milliseconds(1))
        defer { writer.shutdown() }
        _ = writer.submitAndWait(.units([IncomingUnit(record: Sample.unit(serial: "first", at: 0))], cursor: nil))
        let reader = try StoreDatabase.openReadOnly(path: database.path)
        let writing = Thread {
            for index in 0..<40 {
                let units = (0..<50).map { IncomingUnit(record: Sample.unit(serial: "R\(index)-\($0)", at: Double(index * 50 + $0),
                                                                             defects: [Sample.defect()])) }
                _ = writer.submitAndWait(.units(units, cursor: nil))
            }
        }
        writing.start()
        var last = 0
        for _ in 0..<200 {
            let (units, defects, events) = try reader.read { db in
                (try Int.fetchOne(db, sql: "SELECT count(*) FROM units") ?? 0,
                 try Int.fetchOne(db, sql: "SELECT count(*) FROM defects") ?? 0,
                 try Int.fetchOne(db, sql: "SELECT coalesce(sum(event_tests), 0) FROM rollups") ?? 0)
            }
            #expect(units >= last)
            #expect(defects == units - 1, "defects and units commit together")
            #expect(events == units, "rollups commit with their units")
            last = units
            if units == 2001 { break }
            Thread.sleep(forTimeInterval: 0.005)
        }
        let deadline = Date().addingTimeInterval(30)
        while try reader.read({ try Int.fetchOne($0, sql: "SELECT count(*) FROM units") }) != 2001, Date() < deadline {
            Thread.sleep(forTimeInterval: 0.01)
        }
        #expect(try reader.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM units") } == 2001)
        #expect(throws: (any Error).self) { try reader.write { try $0.execute(sql: "DELETE FROM units") } }
    }

    @Test("retention removes old units with their defects, measurements and rollups, in batches")
    func retention() throws {
        let database = try TemporaryDatabase()
        let writer = try database.writer()
        defer { writer.shutdown() }
        let now = Date()
        let old = (0..<4500).map { index in
            IncomingUnit(record: UnitRecord(line: "L1", station: "AOI-1", device: "aoi1", program: "PCB-A", serial: "OLD\(index)",
                                            result: .fail, time: now.addingTimeInterval(-40 * 86_400 - Double(index)),
                                            defects: [Sample.defect()], measurements: [MeasurementRecord(name: "V", value: 1)]))
        }
        let recent = (0..<10).map { index in
            IncomingUnit(record: UnitRecord(line: "L1", station: "AOI-1", device: "aoi1", program: "PCB-A", serial: "NEW\(index)",
                                            result: .pass, time: now.addingTimeInterval(-Double(index) * 60), defects: [Sample.defect()]))
        }
        _ = writer.submitAndWait(.units(old + recent, cursor: nil))
        let cutoff = now.addingTimeInterval(-30 * 86_400)
        func pruneOnce() -> Int {
            let deleted = Locked(0)
            writer.runAndWait { db in
                try db.inTransaction {
                    let count = try Retention.prune(db, before: cutoff)
                    deleted.withLock { $0 = count }
                    return .commit
                }
            }
            return deleted.withLock { $0 }
        }
        var rounds = 1
        while pruneOnce() == Retention.batchSize { rounds += 1 }
        #expect(rounds == 3)
        let counts = try writer.read { db in
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM units") ?? -1,
             try Int.fetchOne(db, sql: "SELECT count(*) FROM defects") ?? -1,
             try Int.fetchOne(db, sql: "SELECT count(*) FROM measurements") ?? -1,
             try Int.fetchOne(db, sql: "SELECT coalesce(sum(units), 0) FROM rollups") ?? -1)
        }
        #expect(counts.0 == 10 && counts.1 == 10 && counts.2 == 0 && counts.3 == 10, "\(counts)")
    }

    @Test("retention keeps each table's highest id (never reused), and with forwarding on what is not yet confirmed")
    func retentionKeepsIDsAndTheForwardingBacklog() throws {
        let database = try TemporaryDatabase()
        let writer = try database.writer()
        defer { writer.shutdown() }
        let old = Date().addingTimeInterval(-40 * 86_400)
        func units(_ prefix: String, _ count: Int, at time: Date) -> [IncomingUnit] {
            (0..<count).map { index in
                IncomingUnit(record: UnitRecord(line: "L1", station: "AOI-1", device: "aoi1", program: "PCB-A", serial: "\(prefix)\(index)",
                                                result: .pass, time: time.addingTimeInterval(Double(index)), defects: [Sample.defect()]))
            }
        }
        _ = writer.submitAndWait(.units(units("A", 20, at: old), cursor: nil))
        let cutoff = Date().addingTimeInterval(-30 * 86_400)
        func prune(hold: Bool) throws -> Int {
            try writer.write { db in
                try Retention.prune(db, before: cutoff, hold: hold ? try ForwardOutbox.hold(db) : nil)
            }
        }
        // Forwarding confirmed the first 8: only those go; the rollup rows of the backlog's quarter hours stay.
        try writer.write { try ForwardOutbox.confirm($0, cursors: [.units: 8], conflicts: [ForwardConflict(stream: .units, localID: 3, detail: "x")]) }
        #expect(try prune(hold: true) == 7)
        #expect(try writer.read { try Int.fetchOne($0, sql: "SELECT min(id) FROM units WHERE id <> 3") } == 9)
        #expect(try writer.read { try Int.fetchOne($0, sql: "SELECT coalesce(sum(units), 0) FROM rollups") } ?? 0 >= 12)
        // Without a hold everything old goes but the highest id, so the next unit gets a fresh id.
        _ = try prune(hold: false)
        #expect(try writer.read { try Int.fetchAll($0, sql: "SELECT id FROM units") } == [20])
        _ = writer.submitAndWait(.units(units("B", 1, at: Date()), cursor: nil))
        #expect(try writer.read { try Int.fetchOne($0, sql: "SELECT max(id) FROM units") } == 21)
    }

    @Test("the writer prunes by itself when storage.retention is set")
    func automaticRetention() throws {
        let database = try TemporaryDatabase()
        let writer = try database.writer(retention: .seconds(86_400))
        defer { writer.shutdown() }
        let stale = UnitRecord(line: "L1", station: "AOI-1", device: "aoi1", program: "P", serial: "stale", result: .pass,
                               time: Date().addingTimeInterval(-3 * 86_400))
        let fresh = UnitRecord(line: "L1", station: "AOI-1", device: "aoi1", program: "P", serial: "fresh", result: .pass,
                               time: Date())
        _ = writer.submitAndWait(.units([IncomingUnit(record: stale), IncomingUnit(record: fresh)], cursor: nil))
        let deadline = Date().addingTimeInterval(15)
        var serials: [String] = []
        repeat {
            Thread.sleep(forTimeInterval: 0.2)
            serials = try writer.read { try String.fetchAll($0, sql: "SELECT serial FROM units") }
        } while serials.count > 1 && Date() < deadline
        #expect(serials == ["fresh"])
    }

    @Test("a writer idle for longer than its first retention check still answers (no busy wait)", arguments: [nil, Duration.seconds(86_400 * 400)])
    func idleWriterStaysResponsive(retention: Duration?) throws {
        let database = try TemporaryDatabase()
        let writer = try database.writer(retention: retention)
        defer { writer.shutdown() }
        Thread.sleep(forTimeInterval: 6)
        // Answered at all (a writer stuck in its wait would never answer); no bound on how fast, the machine is shared.
        let answered = DispatchSemaphore(value: 0)
        let outcome = Locked<WriteOutcome?>(nil)
        writer.submit(.units([IncomingUnit(record: Sample.unit(serial: "late", at: 0))], cursor: nil), awaited: true) { result in
            outcome.withLock { $0 = result }
            answered.signal()
        }
        #expect(answered.wait(timeout: .now() + 60) == .success, "the idle writer never answered")
        #expect(outcome.withLock { $0 } == .durable(stored: 1, duplicates: 0))
    }

    @Test("counter samples and device events are stored")
    func acquisitionRecords() throws {
        let database = try TemporaryDatabase()
        let writer = try database.writer()
        defer { writer.shutdown() }
        let samples = [CounterSample(device: device, counter: "inspected", time: Date(), value: 10, delta: nil),
                       CounterSample(device: device, counter: "inspected", time: Date(), value: 3, delta: nil, event: "reset")]
        #expect(writer.submitAndWait(.counterSamples(samples)) == .durable(stored: 2, duplicates: 0))
        #expect(writer.submitAndWait(.deviceEvent(DeviceEvent(device: device, time: Date(), kind: .gap, count: 4))) == .durable(stored: 1, duplicates: 0))
        let gap = try writer.read { try Int.fetchOne($0, sql: "SELECT count FROM device_events WHERE kind = 'gap'") }
        #expect(gap == 4)
        #expect(try writer.read { try String.fetchAll($0, sql: "SELECT event FROM counter_samples WHERE event IS NOT NULL") } == ["reset"])
    }
}
