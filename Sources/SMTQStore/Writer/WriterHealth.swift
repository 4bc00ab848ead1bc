import Foundation
import Metrics
import SMTQCore

/// What the writer thread tells the daemon about itself: whether it is alive (one batch or maintenance job
/// in hand for longer than a deadline is a wedged writer; waiting for work is alive), its last commit, whether the disk is
/// refusing writes, and the figures smtqd's metrics show.
public final class WriterHealth: Sendable {
    /// One look at the writer.
    public struct Snapshot: Sendable, Equatable {
        /// When the thread took the work it is doing now (nil: waiting for work).
        public var busySince: ContinuousClock.Instant?
        public var lastCommit: Date?
        /// The disk refuses writes (full, read-only): records are held in memory.
        public var failing: Bool
        public var commits: Int
        public var recordsCommitted: Int
        /// The database file was deleted or replaced: the writer has stopped reporting anything durable.
        public var lost: String?
    }

    private let state = Locked(Snapshot(busySince: nil, lastCommit: nil, failing: false, commits: 0, recordsCommitted: 0))
    private let commitTimer = Metrics.Timer(label: "smtq_writer_commit_duration_seconds")
    private let batchSizes = Recorder(label: "smtq_writer_batch_records", aggregate: true)
    private let durableLag = Metrics.Timer(label: "smtq_writer_durable_lag_seconds")

    public var snapshot: Snapshot { state.withLock { $0 } }

    /// Whether the writer is waiting for work, or has been at its current work for less than `deadline`.
    public func isAlive(now: ContinuousClock.Instant = .now, deadline: Duration) -> Bool {
        state.withLock { $0.busySince.map { now - $0 < deadline } ?? true }
    }

    /// The thread took new work (a batch, maintenance): its deadline starts again.
    func working() {
        state.withLock { $0.busySince = .now }
    }

    func waiting() {
        state.withLock { $0.busySince = nil }
    }

    /// A transaction committed `records` records in `took`; `lag` is how long its oldest write waited.
    func committed(records: Int, took: Duration, lag: Duration) {
        state.withLock {
            $0.lastCommit = Date()
            $0.commits += 1
            $0.recordsCommitted += records
        }
        commitTimer.recordNanoseconds(took.nanoseconds)
        batchSizes.record(records)
        durableLag.recordNanoseconds(lag.nanoseconds)
    }

    func lost(_ problem: String) {
        state.withLock { $0.lost = problem }
    }

    func failing(_ failing: Bool) {
        state.withLock { $0.failing = failing }
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
