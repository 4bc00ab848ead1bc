import Foundation
import GRDB
import Logging
import SMTQConfig
import SMTQCore
@testable import SMTQStore

/// A temporary folder with a database path in it, removed at the end of the test.
final class TemporaryDatabase {
    let folder: URL
    var path: String { folder.appendingPathComponent("smtq.sqlite").path }

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("smtq-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: folder)
    }

    func writer(batch: Int = 500, delay: Duration = .milliseconds(5), buffer: Int = 100_000,
                retention: Duration? = nil, logger: Logger = Logger(label: "test")) throws -> StoreWriter {
        try StoreWriter(options: StorageConfig(databasePath: path, retention: retention, synchronous: .off,
                                               batchMaxRecords: batch, batchMaxDelay: delay, memoryBufferRecords: buffer),
                        logger: logger, retryInterval: .milliseconds(20))
    }
}

typealias SeededGenerator = SeededRandom

enum Sample {
    static let start = Date(timeIntervalSince1970: 1_795_500_000)

    static func unit(serial: String, station: String = "AOI-1", line: String = "L1", device: String? = nil,
                     program: String = "PCB-A", result: UnitResult = .pass, at seconds: Double,
                     defects: [DefectRecord]? = nil, measurements: [MeasurementRecord]? = nil) -> UnitRecord {
        UnitRecord(line: line, station: station, device: device ?? station.lowercased(), program: program,
                   serial: serial, position: 1, result: result, time: start.addingTimeInterval(seconds),
                   cycleMilliseconds: 1000, defects: defects, measurements: measurements)
    }

    static func defect(_ code: String = "BRIDGE", refdes: String = "C1", verdict: DefectVerdict = .real) -> DefectRecord {
        DefectRecord(refdes: refdes, part: "CAP", code: code, category: code.lowercased(), verdict: verdict)
    }
}

/// Collects log messages for assertions.
final class CollectingLogHandler: LogHandler, @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [(Logger.Level, String)] = []
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        lock.lock()
        entries.append((event.level, event.message.description))
        lock.unlock()
    }

    func messages(at level: Logger.Level) -> [String] {
        lock.lock()
        defer { lock.unlock() }
        return entries.filter { $0.0 == level }.map(\.1)
    }
}

extension StoreWriter {
    /// Runs `work` on the writer thread in its own transaction and waits for it.
    func runAndWait(_ work: @escaping @Sendable (Database) throws -> Void) {
        let done = DispatchSemaphore(value: 0)
        schedule { db in
            defer { done.signal() }
            try work(db)
        }
        done.wait()
    }
}
