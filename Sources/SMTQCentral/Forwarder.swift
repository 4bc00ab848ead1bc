import Foundation
import GRDB
import Logging
import PostgresNIO
import ServiceLifecycle
import SMTQConfig
import SMTQCore
import SMTQStore

/// Forwards the local store to the central database (`forward.postgres`), oldest first, in batches, for as
/// long as smtqd runs. It reads the store on threads of its own and confirms positions through the writer's
/// maintenance queue, so neither the writer nor the pollers ever wait on the network. While the central
/// database is away it retries with back-off (1 s doubling to 60 s), logging each change of state once.
public final class Forwarder: Service, Sendable {
    /// How confirmed positions reach the store: through smtqd's writer (between its batches), or directly
    /// (`smtq central push`, a short transaction beside a running smtqd).
    public enum Confirmation: Sendable {
        case writer(StoreWriter)
        case direct(DatabaseQueue)
    }

    let config: CentralConfig
    let reader: DatabaseQueue
    let confirmation: Confirmation
    let logger: Logger
    let state = Locked(ForwardState())

    public init(config: CentralConfig, databasePath: String, confirmation: Confirmation, logger: Logger) throws {
        self.config = config
        self.confirmation = confirmation
        self.logger = logger
        reader = try StoreDatabase.openReadOnly(path: databasePath)
    }

    /// Forwards everything stored so far and returns (`smtq central push`); throws the first failure.
    public func catchUp() async throws -> ForwardState {
        var cursors = try await Blocking.run("forward.read") { [reader] in try reader.read { try ForwardOutbox.cursors($0) } }
        let target = try CentralTarget(config)
        let connection = try await target.connect(logger: logger)
        do {
            let ingest: CentralIngest
            do {
                ingest = try await CentralIngest.open(connection, target: target, site: config.site, host: config.host, logger: logger)
            } catch let error as CentralError {
                throw error
            } catch {
                throw CentralError(target.describe(error))
            }
            try await drain(ingest, target: target, cursors: &cursors, untilEmpty: true)
            try? await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
        await refreshLag()
        return status
    }

    /// What `smtq status`, `/metrics` and the STATUS line show.
    public var status: ForwardState { state.withLock { $0 } }

    public func run() async throws {
        var cursors = try await Blocking.run("forward.read") { [reader] in try reader.read { try ForwardOutbox.cursors($0) } }
        var delay: Duration = .seconds(1)
        await refreshLag()
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                let target = try CentralTarget(config)
                let connection = try await target.connect(logger: logger)
                defer { Task { [connection] in try? await connection.close() } }
                let ingest: CentralIngest
                do {
                    ingest = try await CentralIngest.open(connection, target: target, site: config.site, host: config.host, logger: logger)
                } catch {
                    throw CentralError(target.describe(error))
                }
                connected(target)
                delay = .seconds(1)
                try await drain(ingest, target: target, cursors: &cursors)
            } catch {
                if Task.isShuttingDownGracefully || Task.isCancelled { break }
                failed(error)
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(60))
                await refreshLag()
            }
        }
    }

    /// Sends batch after batch; when nothing is left, looks again every second (a batch is at most one
    /// second behind the writer's commits).
    private func drain(_ ingest: CentralIngest, target: CentralTarget, cursors: inout [ForwardOutbox.Stream: Int64],
                       untilEmpty: Bool = false) async throws {
        var lastLag = ContinuousClock.now
        var lastPing = ContinuousClock.now
        // The next batch, read while the one before it was being written.
        var prefetched: (after: [ForwardOutbox.Stream: Int64], batch: ForwardBatch)?
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            let after = cursors
            let batch: ForwardBatch
            if let prefetched, prefetched.after == after {
                batch = prefetched.batch
            } else {
                batch = try await read(after: after)
            }
            prefetched = nil
            if batch.isEmpty {
                if batch.cursors != cursors { try await confirm(batch.cursors, conflicts: []) }
                cursors = batch.cursors
                if untilEmpty { return }
                // Idle: a cheap question now and then, so a server that went away shows in the status at once.
                if ContinuousClock.now - lastPing >= .seconds(5) {
                    do {
                        try await bounded(.seconds(15), ingest, "a check that the server is there") { try await ingest.ping() }
                    } catch let error as CentralError {
                        throw error
                    } catch {
                        throw CentralError(target.describe(error))
                    }
                    lastPing = .now
                }
                await refreshLag()
                lastLag = .now
                try? await Task.sleep(for: .seconds(1))
                continue
            }
            let conflicts: [ForwardConflict]
            let next = batch.cursors
            async let following = try? read(after: next)
            do {
                // A minute, and a second more per thousand rows (a slow link with big batches still gets through).
                let rows = batch.units.count + batch.defects.count + batch.measurements.count + batch.processValues.count
                conflicts = try await bounded(.seconds(60 + rows / 1000), ingest, "a batch of \(batch.units.count) units") { [reader] in
                    try await ingest.write(batch) {
                        try await Blocking.run("forward.read") { try reader.read { try ForwardOutbox.identities($0) } }
                    }
                }
            } catch let error as CentralError {
                throw error
            } catch {
                throw CentralError(target.describe(error))
            }
            cursors = batch.cursors
            if let following = await following { prefetched = (next, following) }
            try await confirm(batch.cursors, conflicts: conflicts)
            state.withLock {
                $0.unitsForwarded += batch.units.count - conflicts.filter { $0.stream == .units }.count
                $0.conflicts += conflicts.count
                $0.lastBatch = Date()
            }
            for conflict in conflicts.prefix(5) {
                logger.error("the central database refused a record: same key, other content; it stays here and is counted",
                             metadata: ["detail": "\(conflict.detail)"])
            }
            if conflicts.count > 5 {
                logger.error("the central database refused more records", metadata: ["count": "\(conflicts.count - 5)"])
            }
            if ContinuousClock.now - lastLag >= .seconds(5) {
                await refreshLag()
                lastLag = .now
            }
        }
    }

    /// The batch after `after`, read from the store on a thread of its own.
    private func read(after: [ForwardOutbox.Stream: Int64]) async throws -> ForwardBatch {
        let size = config.batchUnits
        return try await Blocking.run("forward.read") { [reader] in
            try reader.read { try ForwardOutbox.batch($0, after: after, units: size) }
        }
    }

    /// Runs `operation` on the connection for at most `limit`; then closes the connection and throws, without
    /// waiting for the operation (postgres-nio can leave a statement sent on a connection the server just closed
    /// waiting for good), so a server that vanished cannot stall forwarding.
    private func bounded<T: Sendable>(_ limit: Duration, _ ingest: CentralIngest, _ what: String,
                                      _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        guard !ingest.isClosed else {
            throw CentralError("central database \(config.address): the connection was closed by the server; connecting again")
        }
        let once = Locked(false)
        let address = config.address
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            func finish(_ result: Result<T, any Error>) {
                guard once.withLock({ done in defer { done = true }; return !done }) else { return }
                continuation.resume(with: result)
            }
            let work = Task {
                do { finish(.success(try await operation())) } catch { finish(.failure(error)) }
            }
            Task {
                try? await Task.sleep(for: limit)
                guard once.withLock({ !$0 }) else { return }
                await ingest.close()
                work.cancel()
                finish(.failure(CentralError("central database \(address): no answer within \(Int(limit.totalSeconds)) s to \(what); connecting again")))
            }
        }
    }

    /// Stores the confirmed positions (a position lost to a crash only means a batch is sent again).
    private func confirm(_ cursors: [ForwardOutbox.Stream: Int64], conflicts: [ForwardConflict]) async throws {
        switch confirmation {
        case let .writer(writer):
            writer.schedule { db in
                try db.inTransaction {
                    try ForwardOutbox.confirm(db, cursors: cursors, conflicts: conflicts)
                    return .commit
                }
            }
        case let .direct(queue):
            try await Blocking.run("forward.confirm") {
                try queue.write { try ForwardOutbox.confirm($0, cursors: cursors, conflicts: conflicts) }
            }
        }
    }

    private func refreshLag() async {
        let lag = try? await Blocking.run("forward.lag") { [reader] in try reader.read { try ForwardOutbox.lag($0) } }
        guard let lag else { return }
        state.withLock { $0.lag = lag }
    }

    private func connected(_ target: CentralTarget) {
        let was = state.withLock { state -> String? in
            defer {
                state.connected = true
                state.lastError = nil
            }
            return state.lastError
        }
        logger.notice(was == nil ? "forwarding to the central database" : "the central database is back; forwarding resumes",
                      metadata: ["central": "\(target.address)", "site": "\(config.site)", "host": "\(config.host)"])
    }

    private func failed(_ error: any Error) {
        let message = (error as? CentralError)?.message ?? "\(error)"
        let repeated = state.withLock { state -> Bool in
            defer {
                state.connected = false
                state.lastError = message
                state.failures += 1
            }
            return state.lastError == message
        }
        if !repeated {
            logger.error("forwarding paused; records stay here and go when the central database is back",
                         metadata: ["problem": "\(message)"])
        }
    }
}

/// Forwarding's figures.
public struct ForwardState: Sendable, Equatable {
    public var connected = false
    public var lastError: String?
    public var failures = 0
    public var unitsForwarded = 0
    public var conflicts = 0
    public var lastBatch: Date?
    /// Read from the store every few seconds (nil until the first read).
    public var lag: ForwardLag?
}
