import Foundation
import GRDB
import SMTQCore
import SMTQStore
import SMTQEngine

/// What the daemon keeps for its status line, `/api/status` and the metrics that no part keeps itself:
/// the engine's points and signals per chart (it subscribes to the engine), the signals of the last hour,
/// the records stored in the last minute (from samples of the devices' counts), and the alerts pending in
/// the outbox (read from the database by the supervisor, off the concurrency pool).
final class StatusBoard: Sendable {
    struct ChartCounts: Sendable, Equatable {
        var points = 0
        var signals = 0
    }

    private struct State {
        var charts: [String: ChartCounts] = [:]
        var signals: [LivePoint] = []
        var recordSamples: [(time: ContinuousClock.Instant, total: Int)] = []
        var alertsPending: Int?
        var backlog: [HookBacklog] = []
    }

    private let state = Locked(State())
    private let reader: DatabaseQueue
    let startedAt = Date()

    init(reader: DatabaseQueue) {
        self.reader = reader
    }

    /// An engine point (called on the engine's queue: only bookkeeping).
    func record(_ point: LivePoint) {
        state.withLock { state in
            state.charts[point.chart, default: ChartCounts()].points += 1
            if !point.signals.isEmpty {
                state.charts[point.chart, default: ChartCounts()].signals += 1
                state.signals.append(point)
                let hourAgo = Date().addingTimeInterval(-3600).storeMicroseconds
                state.signals.removeAll { $0.end < hourAgo }
                if state.signals.count > 1000 { state.signals.removeFirst(state.signals.count - 1000) }
            }
        }
    }

    var charts: [String: ChartCounts] { state.withLock { $0.charts } }

    /// Signals of points that ended within the last hour, oldest first.
    var signalsLastHour: [LivePoint] {
        let hourAgo = Date().addingTimeInterval(-3600).storeMicroseconds
        return state.withLock { $0.signals.filter { $0.end >= hourAgo } }
    }

    /// Notes the devices' total of stored records (`recordsLastMinute` compares against these samples).
    func sampleRecords(total: Int, now: ContinuousClock.Instant = .now) {
        state.withLock { state in
            state.recordSamples.append((now, total))
            state.recordSamples.removeAll { now - $0.time > .seconds(61) }
        }
    }

    /// Records stored in the last minute, given the devices' total now (as far back as the samples go).
    func recordsLastMinute(total: Int, now: ContinuousClock.Instant = .now) -> Int {
        state.withLock { state in
            total - (state.recordSamples.first { now - $0.time <= .seconds(61) }?.total ?? total)
        }
    }

    /// Alerts in the outbox not yet delivered, as last read (nil before the first read).
    var alertsPending: Int? { state.withLock { $0.alertsPending } }

    /// Each hook's undelivered rows, as last read.
    var backlog: [HookBacklog] { state.withLock { $0.backlog } }

    /// Reads the outbox (blocking: call it off the concurrency pool).
    func refreshAlertsPending() {
        let backlog = try? reader.read { db in try AlertStore.backlog(db) }
        state.withLock {
            $0.alertsPending = backlog.map { $0.reduce(0) { $0 + $1.pending } }
            $0.backlog = backlog ?? []
        }
    }
}
