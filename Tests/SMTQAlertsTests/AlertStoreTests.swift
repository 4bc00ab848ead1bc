import Foundation
import GRDB
import SMTQConfig
import SMTQCore
import SMTQStore
import SMTQTestSupport
import Testing

/// The alert tables: one write per decision, replays refused, order per alert, acknowledgements, retention.
struct AlertStoreTests {
    func decision(_ event: AlertEventKind, alert: Int64? = nil, key: String, at seconds: Double, dedup: String = "r|a",
                  hooks: [String] = ["h1", "h2"]) -> AlertDecisionWrite {
        AlertDecisionWrite(identity: AlertIdentity(rule: "r", kind: "repeated_defect", dedupKey: dedup, severity: "warning"),
                           event: event, alertID: alert, at: Date(timeIntervalSince1970: seconds), decisionKey: key,
                           summary: "s", pointStart: nil, hooks: hooks, payload: { "{\"id\":\($0)}" })
    }

    @Test("a decision is written once with an outbox row per hook; a resolution waits behind its firing")
    func recordAndOrder() throws {
        let folder = try TemporaryFolder("smtq-alert-store")
        let writer = try StoreWriter(options: StorageConfig(databasePath: folder.path("s.sqlite"), synchronous: .off))
        defer { writer.shutdown() }
        let fired = try writer.write { try AlertStore.record(decision(.firing, key: "k1", at: 100), $0) }
        let id = try #require(fired?.alert)
        #expect(try writer.write { try AlertStore.record(decision(.firing, key: "k1", at: 100), $0) } == nil, "a replay")
        _ = try writer.write { try AlertStore.record(decision(.resolved, alert: id, key: "k2", at: 200), $0) }
        let due = try writer.read { try AlertStore.due(hook: "h1", now: Date(timeIntervalSince1970: 300), limit: 10, $0) }
        #expect(due.map(\.event) == [.firing], "the resolution waits until the firing is delivered")
        #expect(due.first?.payload == "{\"id\":\(id)}")
        try writer.write { try AlertStore.markFailed(due[0].id, at: Date(timeIntervalSince1970: 300),
                                                     retryAt: Date(timeIntervalSince1970: 400), error: "HTTP 500", $0) }
        #expect(try writer.read { try AlertStore.due(hook: "h1", now: Date(timeIntervalSince1970: 350), limit: 10, $0) }.isEmpty)
        // The resolution (due at 200) waits behind the firing: the next row that may go is the firing's retry.
        #expect(try writer.read { try AlertStore.nextDue(hook: "h1", $0) } == Date(timeIntervalSince1970: 400))
        let failing = try writer.read { try AlertStore.failingHooks($0) }
        #expect(failing["h1"]?.attempts == 1 && failing["h1"]?.lastError == "HTTP 500")
        #expect(failing["h2"] == nil)
        try writer.write { try AlertStore.markDelivered(due[0].id, at: Date(timeIntervalSince1970: 400), $0) }
        let next = try writer.read { try AlertStore.due(hook: "h1", now: Date(timeIntervalSince1970: 400), limit: 10, $0) }
        #expect(next.map(\.event) == [.resolved])
        let backlog = try writer.read { try AlertStore.backlog($0) }
        #expect(backlog.map(\.hook) == ["h1", "h2"])
        #expect(backlog.map(\.pending) == [1, 2])
        #expect(try writer.write { try AlertStore.acknowledge(id, by: "anna", note: "nozzle 4", at: Date(), $0) })
        #expect(try writer.write { try AlertStore.acknowledge(id + 100, by: "anna", note: "x", at: Date(), $0) } == false)
        let listed = try writer.read { try AlertStore.list(since: nil, limit: 10, $0) }
        #expect(listed.first?.acks.map(\.note) == ["nozzle 4"])
        #expect(listed.first?.state == "resolved")
        #expect(listed.first?.delivered == 1 && listed.first?.deliveries == 4)
    }

    @Test("retention removes old resolved alerts whose deliveries are done, and keeps the rest")
    func retention() throws {
        let folder = try TemporaryFolder("smtq-alert-store")
        let writer = try StoreWriter(options: StorageConfig(databasePath: folder.path("s.sqlite"), synchronous: .off))
        defer { writer.shutdown() }
        func deliverAll() throws {
            try writer.write { db in try db.execute(sql: "UPDATE alert_outbox SET delivered_at = 1") }
        }
        let old = try #require(try writer.write { try AlertStore.record(decision(.firing, key: "a1", at: 10, hooks: ["h"]), $0) })
        _ = try writer.write { try AlertStore.record(decision(.resolved, alert: old.alert, key: "a2", at: 20, hooks: ["h"]), $0) }
        try deliverAll()
        _ = try writer.write { try AlertStore.record(decision(.firing, key: "b1", at: 10, dedup: "r|b", hooks: ["h"]), $0) }
        let undelivered = try #require(try writer.write {
            try AlertStore.record(decision(.firing, key: "c1", at: 10, dedup: "r|c", hooks: ["h"]), $0)
        })
        _ = try writer.write { try AlertStore.record(decision(.resolved, alert: undelivered.alert, key: "c2", at: 20, hooks: ["h"]), $0) }
        try writer.write { db in _ = try Retention.prune(db, before: Date(timeIntervalSince1970: 1000)) }
        let left = try writer.read { try String.fetchAll($0, sql: "SELECT dedup_key FROM alerts ORDER BY id") }
        #expect(left == ["r|b", "r|c"], "firing, and resolved but undelivered, stay")
    }
}
