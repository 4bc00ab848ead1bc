import DequeModule
import Foundation
import GRDB
import Logging
import Metrics
import SMTQConfig
import SMTQCore

/// The one writer of the database: a dedicated thread that groups incoming writes into transactions
/// (at most `batchMaxRecords` records), tells each caller when its write is durable, and hands every
/// committed batch to its subscribers.
///
/// Group commit: when a queued write has a caller blocked on it (a FIFO poller that ACKs only after
/// durability, an import batch), waiting would only delay that caller, so the writer commits what is queued
/// at once; whatever arrives during that commit forms the next transaction. Only queues of writes nobody
/// waits for (device events, bulk producers) wait up to `batchMaxDelay` to gather company.
///
/// When the disk refuses writes (full, read-only, I/O errors), nothing is reported durable: the writes wait
/// in memory, up to `memoryBufferRecords` records (beyond that new writes are refused, so FIFO devices keep
/// theirs unacknowledged), one error is logged for the episode, and the writer retries until the disk takes
/// them again. A database file deleted or replaced under the writer ends it: nothing more is reported durable
/// (the records stay on the devices) and `health` says why, so the daemon stops and is restarted on the file
/// now at the path.
public final class StoreWriter: RecordSink, @unchecked Sendable {
    public typealias Completion = @Sendable (WriteOutcome) -> Void
    public typealias CommitHandler = @Sendable (CommittedBatch) -> Void

    private struct Pending {
        var write: StoreWrite
        var completion: Completion
        /// A caller blocks until this write is durable.
        var awaited: Bool
        var submitted: ContinuousClock.Instant
    }

    public let path: String
    private let queue: DatabaseQueue
    private let options: StorageConfig
    private let logger: Logger
    /// Row ids of lines, stations, devices and programs (StoreWriter+Apply), reset when a transaction fails.
    let identities = IdentityCache()
    private let retryInterval: Duration
    /// Liveness and figures for the daemon.
    public let health = WriterHealth()
    /// A test-only fault: while this file exists the writer holds its batch and commits nothing (a wedged
    /// writer, for the watchdog test). From `SMTQ_TEST_WEDGE_WRITER_FILE`; unset in production.
    private let wedgeFile = ProcessInfo.processInfo.environment["SMTQ_TEST_WEDGE_WRITER_FILE"]

    // Guarded by `condition`.
    private let condition = NSCondition()
    private var pending = Deque<Pending>()
    /// Queued writes a caller is blocked on (while there is one, nothing waits for company).
    private var awaitedPending = 0
    /// Records queued or being written, not yet durable: what the memory bound counts.
    private var heldRecords = 0
    private var firstPendingAt: ContinuousClock.Instant?
    private var stopping = false
    private var stopped = false
    private var commitHandlers: [CommitHandler] = []
    private var failing = false
    private var maintenance: [@Sendable (Database) throws -> Void] = []
    private var nextRetention = ContinuousClock.now + .seconds(5)
    private let holdUnforwarded: Bool
    /// The file opened (nil when it could not be looked at: no check then).
    private let file: DatabaseFile?
    /// Why the database can no longer be written (deleted or replaced); set once, on the writer thread.
    private var lost: String?

    /// Opens (creating or migrating) the database and starts the writer thread.
    /// `holdUnforwarded`: retention keeps units the central database has not confirmed (forwarding is on).
    public init(options: StorageConfig, logger: Logger = Logger(label: "smtq.store"),
                retryInterval: Duration = .seconds(1), holdUnforwarded: Bool = false) throws(StoreError) {
        self.path = options.databasePath
        self.holdUnforwarded = holdUnforwarded
        self.options = options
        self.logger = logger
        self.retryInterval = retryInterval
        self.queue = try StoreDatabase.openForWriting(path: options.databasePath, synchronous: options.synchronous)
        self.file = DatabaseFile.at(options.databasePath)
        let thread = Thread { [self] in self.run() }
        thread.name = "smtq.store.writer"
        thread.start()
    }

    /// Subscribes to committed batches. The handler runs on the writer thread before the batch's durability
    /// callbacks, so it must only hand off (to its own queue).
    public func onCommit(_ handler: @escaping CommitHandler) {
        condition.lock()
        commitHandlers.append(handler)
        condition.unlock()
    }

    /// Queues a write; `completion` is called once, from the writer thread, when it is durable or refused.
    /// `awaited`: the caller is blocked until the completion (group commit commits without delay then).
    public func submit(_ write: StoreWrite, awaited: Bool, completion: @escaping Completion) {
        condition.lock()
        let count = write.recordCount
        if let lost {
            condition.unlock()
            completion(.refused(lost))
            return
        }
        if stopping {
            condition.unlock()
            completion(.refused("the store is shutting down"))
            return
        }
        if heldRecords + count > options.memoryBufferRecords {
            condition.unlock()
            completion(.refused("the store's memory buffer is full (\(options.memoryBufferRecords) records) while the database cannot be written"))
            return
        }
        if pending.isEmpty { firstPendingAt = .now }
        pending.append(Pending(write: write, completion: completion, awaited: awaited, submitted: .now))
        if awaited { awaitedPending += 1 }
        heldRecords += count
        condition.signal()
        condition.unlock()
    }

    /// Runs `work` on the writer thread between batches (retention pruning, settings), outside any
    /// transaction: a job that changes data opens its own (`db.inTransaction`).
    public func schedule(_ work: @escaping @Sendable (Database) throws -> Void) {
        condition.lock()
        // Nothing more goes into a database file that was deleted or replaced.
        guard lost == nil else {
            condition.unlock()
            return
        }
        maintenance.append(work)
        condition.signal()
        condition.unlock()
    }

    /// Records waiting to be written.
    public var backlog: Int {
        condition.lock()
        defer { condition.unlock() }
        return heldRecords
    }

    /// Stores what is queued (trying for at most `timeout`), then stops the thread. Writes still queued after
    /// the timeout are refused, so their devices keep them.
    public func shutdown(timeout: Duration = .seconds(10)) {
        condition.lock()
        stopping = true
        condition.signal()
        let deadline = Date().addingTimeInterval(timeout.totalSeconds)
        while !stopped, condition.wait(until: deadline) {}
        let left = Array(pending)
        pending.removeAll()
        awaitedPending = 0
        heldRecords = 0
        condition.unlock()
        for item in left { item.completion(.refused("the store shut down before the write was durable")) }
    }

    /// Reads with the writer's own connection (serialised with the writes).
    public func read<T>(_ work: (Database) throws -> T) throws -> T {
        try queue.read(work)
    }

    /// Writes with the writer's own connection in one transaction, serialised with the batches (settings
    /// such as SPC limits; records go through `submit`).
    public func write<T>(_ work: (Database) throws -> T) throws -> T {
        condition.lock()
        let lost = lost
        condition.unlock()
        if let lost { throw StoreError(.storageUnavailable, path: path, message: lost) }
        return try queue.write(work)
    }

    /// The last SEQ stored from a device (FIFO and mailbox) with the registers of its record, or nil when
    /// none was.
    public func storedCursor(device: String) throws -> StoredCursor? {
        try queue.read { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT c.seq, c.content FROM device_cursors c JOIN devices d ON d.id = c.device_id WHERE d.name = ?
                """, arguments: [device]) else { return nil }
            let content: Data? = row[1]
            return StoredCursor(seq: row[0], content: content.map(StoredCursor.words))
        }
    }

    // MARK: The writer thread

    private func run() {
        while true {
            condition.lock()
            if pending.isEmpty, maintenance.isEmpty, !stopping, !retentionDue { health.waiting() }
            while pending.isEmpty, maintenance.isEmpty, !stopping, !retentionDue {
                if options.retention == nil {
                    condition.wait()
                } else {
                    _ = condition.wait(until: Date().addingTimeInterval((nextRetention - ContinuousClock.now).totalSeconds))
                }
            }
            if !pending.isEmpty, !stopping, !failing {
                let deadline = (firstPendingAt ?? .now) + options.batchMaxDelay
                while heldRecords < options.batchMaxRecords, awaitedPending == 0, !stopping, ContinuousClock.now < deadline {
                    _ = condition.wait(until: Date().addingTimeInterval((deadline - ContinuousClock.now).totalSeconds))
                }
            }
            var batch: [Pending] = []
            var count = 0
            while let next = pending.first, batch.isEmpty || count + next.write.recordCount <= options.batchMaxRecords {
                batch.append(pending.removeFirst())
                if next.awaited { awaitedPending -= 1 }
                count += next.write.recordCount
            }
            let jobs = maintenance
            maintenance.removeAll()
            let handlers = commitHandlers
            let finishing = stopping && pending.isEmpty
            condition.unlock()
            health.working()

            if !batch.isEmpty { commit(batch, count: count, handlers: handlers) }
            for job in jobs { runMaintenance(job) }
            if retentionDue, !failing, lost == nil { pruneOnce() }
            if finishing || (stopping && failing) {
                condition.lock()
                if pending.isEmpty || failing {
                    stopped = true
                    condition.broadcast()
                    condition.unlock()
                    return
                }
                condition.unlock()
            }
        }
    }

    private func commit(_ batch: [Pending], count: Int, handlers: [CommitHandler]) {
        while let wedgeFile, FileManager.default.fileExists(atPath: wedgeFile) { Thread.sleep(forTimeInterval: 0.05) }
        let started = ContinuousClock.now
        var outcomes: [WriteOutcome] = []
        var committed = CommittedBatch(units: [])
        do {
            try queue.inTransaction(.immediate) { db in
                outcomes = []
                committed = CommittedBatch(units: [])
                for item in batch {
                    outcomes.append(try self.apply(item.write, db, into: &committed))
                }
                return .commit
            }
        } catch {
            identities.reset()
            let problem = StoreError.from(error, path: path, doing: "writing \(count) records")
            requeue(batch)
            if !failing {
                failing = true
                health.failing(true)
                logger.error("database write failed; records are held in memory and not acknowledged until it works again",
                             metadata: ["database": "\(path)", "problem": "\(problem.message)", "held": "\(count)"])
            }
            health.waiting()
            sleepBeforeRetry()
            return
        }
        if let file, let problem = file.moved(at: path) {
            abandon(batch, problem)
            return
        }
        let now = ContinuousClock.now
        health.committed(records: count, took: now - started, lag: now - (batch.first?.submitted ?? started))
        if failing {
            failing = false
            health.failing(false)
            logger.notice("database writes work again", metadata: ["database": "\(path)"])
        }
        condition.lock()
        heldRecords -= count
        condition.unlock()
        // Subscribers first: once a caller hears "durable", the batch has been handed onward.
        if !committed.isEmpty {
            for handler in handlers { handler(committed) }
        }
        for (item, outcome) in zip(batch, outcomes) { item.completion(outcome) }
    }

    /// The database file is gone: the batch just committed went into an orphaned file, so it is refused (its
    /// devices keep the records), and so is everything after it.
    private func abandon(_ batch: [Pending], _ problem: String) {
        condition.lock()
        lost = problem
        let left = Array(pending)
        pending.removeAll()
        awaitedPending = 0
        heldRecords = 0
        condition.unlock()
        logger.critical("\(problem); nothing more is acknowledged, and smtqd must be restarted to use the file now at the path",
                        metadata: ["database": "\(path)"])
        health.lost(problem)
        for item in batch + left { item.completion(.refused(problem)) }
    }

    /// Puts a failed batch back at the head of the queue; its records stay counted as held.
    private func requeue(_ batch: [Pending]) {
        condition.lock()
        if pending.isEmpty { firstPendingAt = .now }
        pending.prepend(contentsOf: batch)
        awaitedPending += batch.filter(\.awaited).count
        condition.unlock()
    }

    private func sleepBeforeRetry() {
        condition.lock()
        if !stopping {
            _ = condition.wait(until: Date().addingTimeInterval(retryInterval.totalSeconds))
        }
        condition.unlock()
    }

    /// Whether a retention batch should run now (only when retention is configured).
    private var retentionDue: Bool {
        options.retention != nil && ContinuousClock.now >= nextRetention
    }

    /// Deletes one batch of expired records; runs again soon while there is more, else in ten minutes.
    private func pruneOnce() {
        guard let retention = options.retention else { return }
        let cutoff = Date().addingTimeInterval(-retention.totalSeconds)
        let deleted = Locked((0, 0))
        runMaintenance { [holdUnforwarded] db in
            try db.inTransaction(.immediate) {
                let hold = holdUnforwarded ? try ForwardOutbox.hold(db) : nil
                let count = try Retention.prune(db, before: cutoff, hold: hold)
                let held = hold == nil || count >= Retention.batchSize ? 0
                    : try Int.fetchOne(db, sql: "SELECT count(*) FROM units WHERE time < ? AND id > ?",
                                       arguments: [cutoff.storeMicroseconds, hold?.units ?? 0]) ?? 0
                deleted.withLock { $0 = (count, held) }
                return .commit
            }
        }
        let (count, held) = deleted.withLock { $0 }
        if count > 0 {
            logger.debug("retention pruned units", metadata: ["units": "\(count)"])
        }
        if held > 0 {
            logger.warning("retention keeps units past their retention because the central database has not confirmed them yet",
                           metadata: ["units": "\(held)", "database": "\(path)"])
        }
        nextRetention = ContinuousClock.now + (count >= Retention.batchSize ? .milliseconds(200) : .seconds(600))
    }

    private func runMaintenance(_ job: @Sendable (Database) throws -> Void) {
        do {
            try queue.writeWithoutTransaction { db in try job(db) }
        } catch {
            identities.reset()
            logger.warning("maintenance failed", metadata: ["database": "\(path)", "problem": "\(StoreError.from(error, path: path, doing: "maintenance").message)"])
        }
    }
}
