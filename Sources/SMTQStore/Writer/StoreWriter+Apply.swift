import Foundation
import GRDB
import SMTQCore

/// How each kind of write is stored inside the writer's transaction (the batching thread is StoreWriter.swift).
extension StoreWriter {
    func apply(_ write: StoreWrite, _ db: Database, into committed: inout CommittedBatch) throws -> WriteOutcome {
        switch write {
        case let .units(units, cursor):
            var inserter = UnitInserter(db: db, identities: identities)
            for unit in units { try inserter.insert(unit) }
            try inserter.flushRollups()
            if let cursor {
                let device = try identities.deviceID(cursor.device, db)
                try db.cachedStatement(sql: """
                    INSERT INTO device_cursors (device_id, seq, updated_at, content) VALUES (?, ?, ?, ?)
                    ON CONFLICT (device_id) DO UPDATE
                    SET seq = excluded.seq, updated_at = excluded.updated_at, content = excluded.content
                    """).execute(arguments: [device.id, cursor.seq, Date().storeMicroseconds,
                                             cursor.content.map(StoredCursor.blob)])
                for event in cursor.events { try insert(event, db, into: &committed) }
            }
            committed.units.append(contentsOf: inserter.stored)
            return .durable(stored: inserter.stored.count, duplicates: inserter.duplicates)
        case let .counterSamples(samples):
            for sample in samples {
                let device = try identities.deviceID(sample.device, db)
                try db.cachedStatement(sql: """
                    INSERT INTO counter_samples (device_id, counter, time, value, delta, event) VALUES (?, ?, ?, ?, ?, ?)
                    """).execute(arguments: [device.id, sample.counter, sample.time.storeMicroseconds, sample.value,
                                             sample.delta, sample.event])
            }
            return .durable(stored: samples.count, duplicates: 0)
        case let .processValues(values):
            var stored = 0
            for value in values {
                let device = try identities.deviceID(value.identity, db)
                try db.cachedStatement(sql: """
                    INSERT INTO process_values (device_id, station_id, name, time, value, unit, lsl, usl)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                    """).execute(arguments: [device.id, device.stationID, value.name, value.time.storeMicroseconds,
                                             value.value, value.unit, value.lsl, value.usl])
                if db.changesCount > 0 {
                    stored += 1
                    committed.processValues.append(StoredProcessValue(id: db.lastInsertedRowID, record: value))
                }
            }
            return .durable(stored: stored, duplicates: values.count - stored)
        case let .deviceEvent(event):
            try insert(event, db, into: &committed)
            return .durable(stored: 1, duplicates: 0)
        }
    }

    func insert(_ event: DeviceEvent, _ db: Database, into committed: inout CommittedBatch) throws {
        let device = try identities.deviceID(event.device, db)
        try db.cachedStatement(sql: """
            INSERT INTO device_events (device_id, time, kind, count, detail) VALUES (?, ?, ?, ?, ?)
            """).execute(arguments: [device.id, event.time.storeMicroseconds, event.kind.rawValue, event.count,
                                     event.detail])
        committed.events.append(event)
    }
}
