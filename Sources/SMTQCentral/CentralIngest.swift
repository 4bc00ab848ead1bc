import Foundation
import Logging
import NIOCore
import PostgresNIO
import SMTQStore

/// Writes a line host's batches into the central database on one connection: identities upserted by name,
/// each batch COPYed into temporary staging tables and moved into the real ones in one transaction. Units and
/// device events are idempotent by (site, host, local id): a batch sent again changes nothing, and a row whose
/// key exists with other content is refused (returned as a conflict, never overwritten). Rollup rows, alerts
/// and SPC limit sets are the host's current state and replace the central copy. One task uses it at a time
/// (the forwarder's), hence `@unchecked Sendable`.
public final class CentralIngest: @unchecked Sendable {
    let connection: PostgresConnection
    let logger: Logger
    let site: String
    let hostName: String
    private(set) var hostID: Int32 = 0
    private var lines: [Int64: Int64] = [:]
    private var stations: [Int64: Int64] = [:]
    private var programs: [Int64: Int64] = [:]
    private var devices: [Int64: Int64] = [:]
    private var months: Set<Int> = []

    init(connection: PostgresConnection, site: String, host: String, logger: Logger) {
        self.connection = connection
        self.site = site
        hostName = host
        self.logger = logger
    }

    /// Checks the schema, registers the host and creates the staging tables.
    public static func open(_ connection: PostgresConnection, target: CentralTarget, site: String, host: String,
                            logger: Logger) async throws -> CentralIngest {
        let ingest = CentralIngest(connection: connection, site: site, host: host, logger: logger)
        let exists = try await ingest.rows("SELECT to_regclass('smtq_schema') IS NOT NULL").first?.decode(Bool.self) ?? false
        guard exists else { throw CentralSchema.missing(target) }
        try CentralSchema.check(try await ingest.column("SELECT version FROM smtq_schema"), target: target)
        let now = Date().storeMicroseconds
        // Looked up first: an upsert would take a sequence number on every connection.
        let rows = try await ingest.connection.query("SELECT id FROM hosts WHERE site = \(site) AND name = \(host)", logger: logger).get().rows
        let id: Int64
        if let row = rows.first {
            id = try row.decode(Int64.self)
        } else {
            id = try await ingest.one("""
                INSERT INTO hosts (site, name, first_seen, last_seen) VALUES (\(site), \(host), \(now), \(now))
                ON CONFLICT (site, name) DO UPDATE SET last_seen = excluded.last_seen RETURNING id
                """)
        }
        guard id < CentralKey.maximumHosts else {
            throw CentralError("central database \(target.address) has host number \(id), beyond the \(CentralKey.maximumHosts) line hosts its keys hold")
        }
        ingest.hostID = Int32(id)
        try await ingest.run("""
            CREATE TEMP TABLE stage_units ON COMMIT DELETE ROWS AS SELECT * FROM units WITH NO DATA;
            CREATE TEMP TABLE stage_defects ON COMMIT DELETE ROWS AS SELECT * FROM defects WITH NO DATA;
            CREATE TEMP TABLE stage_measurements ON COMMIT DELETE ROWS AS SELECT * FROM measurements WITH NO DATA;
            CREATE TEMP TABLE stage_rollups ON COMMIT DELETE ROWS AS SELECT * FROM rollups WITH NO DATA;
            CREATE TEMP TABLE stage_events ON COMMIT DELETE ROWS AS SELECT * FROM device_events WITH NO DATA;
            CREATE TEMP TABLE stage_values ON COMMIT DELETE ROWS AS SELECT * FROM process_values WITH NO DATA;
            CREATE TEMP TABLE stage_alerts ON COMMIT DELETE ROWS AS SELECT * FROM alerts WITH NO DATA;
            CREATE TEMP TABLE stage_limits ON COMMIT DELETE ROWS AS SELECT * FROM spc_limits WITH NO DATA;
            CREATE TEMP TABLE stage_first_pass (id bigint, time bigint, first_pass bigint) ON COMMIT DELETE ROWS;
            """)
        return ingest
    }

    /// Stores one batch in one transaction; returns the rows refused as conflicts.
    public func write(_ batch: ForwardBatch, identities: @Sendable () async throws -> LocalIdentities) async throws -> [ForwardConflict] {
        try await mapIdentities(batch, identities)
        try await ensurePartitions(batch)
        let host = hostID
        func key(_ value: SQLValue) -> SQLValue {
            guard case let .integer(local) = value else { return value }
            return .integer(CentralKey.id(host: host, local: local))
        }
        func mapped(_ value: SQLValue, _ table: [Int64: Int64]) -> SQLValue {
            guard case let .integer(local) = value, let central = table[local] else { return value }
            return .integer(central)
        }
        try await run("BEGIN")
        do {
            var conflicts: [ForwardConflict] = []
            if !batch.units.isEmpty {
                let units = batch.units.map { row in
                    [key(row[0]), .integer(Int64(host)), mapped(row[1], devices), mapped(row[2], stations), mapped(row[3], programs)]
                        + row[4...]
                }
                let defects = batch.defects.map { [key($0[0])] + $0[1...] }
                let measurements = batch.measurements.map { [key($0[0])] + $0[1...] }
                let ids = units.compactMap { $0[0].integerValue }
                // The usual case: none of the batch's keys is stored yet (one index probe per month), so the rows
                // are COPYed straight into their tables. Otherwise (a batch sent again, a reinstalled host) they
                // go through staging, where stored keys with other content are refused.
                let stored = try await rows("SELECT 1 FROM units WHERE id BETWEEN \(ids.min() ?? 0) AND \(ids.max() ?? 0) LIMIT 1")
                var refusedKeys: Set<[Int64]> = []
                if stored.isEmpty {
                    try await copy("units", units)
                    try await copy("defects", defects)
                    try await copy("measurements", measurements)
                } else {
                    try await copy("stage_units", units)
                    try await copy("stage_defects", defects)
                    try await copy("stage_measurements", measurements)
                    let refused = try await rows("""
                        DELETE FROM stage_units s USING units u WHERE u.id = s.id
                          AND (u.time, u.serial, u.station_id, u.program_id, u.device_id, u.result, u.position, u.cycle_ms,
                               u.defect_count, u.false_call_count)
                          IS DISTINCT FROM (s.time, s.serial, s.station_id, s.program_id, s.device_id, s.result, s.position, s.cycle_ms,
                               s.defect_count, s.false_call_count)
                        RETURNING s.id, s.serial, u.serial, s.time, u.time, s.station_id, s.program_id
                        """)
                    var refusedIDs: [Int64] = []
                    for row in refused {
                        let (id, serial, centralSerial, time, centralTime, station, program) =
                            try row.decode((Int64, String, String, Int64, Int64, Int64, Int64).self)
                        refusedIDs.append(id)
                        refusedKeys.insert([station, program, StoreSchema.bucket(time)])
                        conflicts.append(ForwardConflict(
                            stream: .units, localID: CentralKey.local(id),
                            detail: "unit \(CentralKey.local(id)) (\(serial) at \(time)) is stored centrally for \(site)/\(hostName) as \(centralSerial) at \(centralTime)"))
                    }
                    if !refusedIDs.isEmpty {
                        let list = refusedIDs.map(String.init).joined(separator: ",")
                        try await run("""
                            DELETE FROM stage_defects WHERE unit_id IN (\(list));
                            DELETE FROM stage_measurements WHERE unit_id IN (\(list));
                            """)
                    }
                    // Rows stored identically are left as they are; (id, time) is the key a conflict was not.
                    try await run("""
                        INSERT INTO units SELECT * FROM stage_units ON CONFLICT DO NOTHING;
                        INSERT INTO defects SELECT * FROM stage_defects ON CONFLICT DO NOTHING;
                        INSERT INTO measurements SELECT * FROM stage_measurements ON CONFLICT DO NOTHING;
                        """)
                }
                if !batch.firstPass.isEmpty {
                    try await copy("stage_first_pass", batch.firstPass.map { [key($0[0]), $0[1], $0[2]] })
                    try await run("""
                        UPDATE units u SET first_pass = f.first_pass FROM stage_first_pass f
                        WHERE u.id = f.id AND u.time = f.time AND u.first_pass <> f.first_pass
                        """)
                }
                // The rollup rows of a refused unit's quarter hour are not this store's to replace.
                let rollups = batch.rollups.map { row in
                    [.integer(Int64(host)), mapped(row[0], stations), mapped(row[1], programs)] + row[2...]
                }.filter { row in !refusedKeys.contains(row[1...3].map { $0.integerValue ?? -1 }) }
                if !rollups.isEmpty {
                    try await copy("stage_rollups", rollups)
                    let columns = ["units", "first_pass_units", "final_pass_units", "tests", "fails", "defects", "false_calls",
                                   "event_tests", "event_fails", "event_defective_units", "event_defects", "event_false_calls"]
                    try await run("""
                        INSERT INTO rollups SELECT * FROM stage_rollups ON CONFLICT (host_id, station_id, program_id, bucket)
                        DO UPDATE SET \(columns.map { "\($0) = excluded.\($0)" }.joined(separator: ", "))
                        """)
                }
            }
            if !batch.events.isEmpty {
                try await copy("stage_events", batch.events.map { row in
                    [key(row[0]), .integer(Int64(host)), mapped(row[1], devices)] + row[2...]
                })
                let refused = try await rows("""
                    DELETE FROM stage_events s USING device_events e WHERE e.id = s.id
                      AND (e.time, e.kind, e.count, e.detail) IS DISTINCT FROM (s.time, s.kind, s.count, s.detail)
                    RETURNING s.id
                    """)
                for row in refused {
                    let id = try row.decode(Int64.self)
                    conflicts.append(ForwardConflict(stream: .events, localID: CentralKey.local(id),
                                                     detail: "device event \(CentralKey.local(id)) of \(site)/\(hostName) is stored centrally with other content"))
                }
                try await run("INSERT INTO device_events SELECT * FROM stage_events ON CONFLICT (id) DO NOTHING")
            }
            if !batch.processValues.isEmpty {
                try await copy("stage_values", batch.processValues.map { row in
                    [key(row[0]), .integer(Int64(host)), mapped(row[1], devices), mapped(row[2], stations)] + row[3...]
                })
                try await run("INSERT INTO process_values SELECT * FROM stage_values ON CONFLICT (id) DO NOTHING")
            }
            if !batch.alerts.isEmpty {
                try await copy("stage_alerts", batch.alerts.map { row in [key(row[0]), .integer(Int64(host))] + row[1...] })
                try await run("""
                    INSERT INTO alerts SELECT * FROM stage_alerts ON CONFLICT (id) DO UPDATE SET state = excluded.state,
                      last_notified_at = excluded.last_notified_at, resolved_at = excluded.resolved_at, summary = excluded.summary,
                      payload = excluded.payload, acknowledged_by = excluded.acknowledged_by, acknowledged_at = excluded.acknowledged_at
                    """)
            }
            if !batch.limits.isEmpty {
                try await copy("stage_limits", batch.limits.map { row in [key(row[0]), .integer(Int64(host))] + row[1...] })
                try await run("INSERT INTO spc_limits SELECT * FROM stage_limits ON CONFLICT (id) DO UPDATE SET active = excluded.active")
            }
            try await run("UPDATE hosts SET last_seen = \(Date().storeMicroseconds) WHERE id = \(host)")
            try await run("COMMIT")
            return conflicts
        } catch {
            try? await run("ROLLBACK")
            throw error
        }
    }

    /// A round trip (the forwarder's check while idle).
    func ping() async throws {
        _ = try await rows("SELECT 1")
    }

    /// Whether the connection is gone (the server closed it, or `close`).
    var isClosed: Bool { connection.isClosed }

    /// Closes the connection, failing any statement that waits on it.
    func close() async {
        try? await connection.close()
    }

    /// Central ids for every local id the batch uses (read from the local store on a miss).
    private func mapIdentities(_ batch: ForwardBatch, _ read: () async throws -> LocalIdentities) async throws {
        let neededDevices = Set(batch.units.compactMap { $0[1].integerValue } + batch.events.compactMap { $0[1].integerValue }
                                + batch.processValues.compactMap { $0[1].integerValue })
        let neededStations = Set(batch.units.compactMap { $0[2].integerValue } + batch.rollups.compactMap { $0[0].integerValue }
                                 + batch.processValues.compactMap { $0[2].integerValue })
        let neededPrograms = Set(batch.units.compactMap { $0[3].integerValue } + batch.rollups.compactMap { $0[1].integerValue })
        guard !neededDevices.isSubset(of: devices.keys) || !neededStations.isSubset(of: stations.keys)
                || !neededPrograms.isSubset(of: programs.keys) else { return }
        let local = try await read()
        for (id, name) in local.lines where lines[id] == nil {
            lines[id] = try await one("""
                INSERT INTO lines (site, name) VALUES (\(site), \(name)) ON CONFLICT (site, name) DO UPDATE SET name = excluded.name RETURNING id
                """)
        }
        for (id, station) in local.stations where stations[id] == nil {
            guard let line = lines[station.line] else { continue }
            stations[id] = try await one("""
                INSERT INTO stations (line_id, name) VALUES (\(line), \(station.name))
                ON CONFLICT (line_id, name) DO UPDATE SET name = excluded.name RETURNING id
                """)
        }
        for (id, name) in local.programs where programs[id] == nil {
            programs[id] = try await one("""
                INSERT INTO programs (name) VALUES (\(name)) ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id
                """)
        }
        for (id, device) in local.devices where devices[id] == nil {
            guard let station = stations[device.station] else { continue }
            devices[id] = try await one("""
                INSERT INTO devices (host_id, name, station_id) VALUES (\(hostID), \(device.name), \(station))
                ON CONFLICT (host_id, name) DO UPDATE SET station_id = excluded.station_id RETURNING id
                """)
        }
    }

    private func ensurePartitions(_ batch: ForwardBatch) async throws {
        let needed = Set(batch.units.compactMap { $0[8].integerValue }.map(CentralPartitions.month)).subtracting(months)
        for month in needed.sorted() {
            do {
                try await run(CentralPartitions.create(month))
            } catch let error as PSQLError where error.serverInfo?[.sqlState] == "42P07" {
                // Another host created it between the check and the create.
            }
            months.insert(month)
        }
    }

    // MARK: Statements

    /// Runs a script, one statement at a time (the extended protocol takes one per message).
    private func run(_ sql: String) async throws {
        for statement in CentralSchema.statements(sql) {
            try open()
            _ = try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger).get()
        }
    }

    /// Refuses to send on a connection the server closed (postgres-nio would wait for an answer for good).
    private func open() throws {
        if connection.isClosed { throw CentralError("the central database closed the connection (shut down or restarted?)") }
    }

    private func rows(_ sql: String) async throws -> [PostgresRow] {
        try open()
        return try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger).get().rows
    }

    private func column(_ sql: String) async throws -> [String] {
        try await rows(sql).map { try $0.decode(String.self) }
    }

    private func one(_ query: PostgresQuery) async throws -> Int64 {
        try open()
        let rows = try await connection.query(query, logger: logger).get().rows
        guard let row = rows.first else { throw CentralError("the central database returned no row for an identity") }
        return try row.decode(Int64.self)
    }

    /// COPY rows into a staging table (text format).
    private func copy(_ table: String, _ rows: [[SQLValue]]) async throws {
        guard !rows.isEmpty else { return }
        try open()
        var buffer = ByteBufferAllocator().buffer(capacity: rows.count * 96)
        for row in rows {
            for (index, value) in row.enumerated() {
                if index > 0 { buffer.writeInteger(UInt8(ascii: "\t")) }
                CopyText.write(value, to: &buffer)
            }
            buffer.writeInteger(UInt8(ascii: "\n"))
        }
        try await connection.copyFrom(table: table, logger: logger) { writer in
            try await writer.write(buffer)
        }
    }
}

/// PostgreSQL's COPY text format: `\N` for NULL, backslash escapes for the separators.
enum CopyText {
    static func write(_ value: SQLValue, to buffer: inout ByteBuffer) {
        switch value {
        case .null: buffer.writeString("\\N")
        case let .integer(integer): buffer.writeString(String(integer))
        case let .real(real): buffer.writeString(real.isNaN ? "NaN" : real.isInfinite ? (real < 0 ? "-Infinity" : "Infinity") : "\(real)")
        case let .text(text): buffer.writeString(escaped(text))
        case let .blob(bytes): buffer.writeString("\\\\x" + bytes.map { String(format: "%02x", $0) }.joined())
        }
    }

    /// Escapes per Unicode scalar: "\r\n" is one Character in Swift and must still become two escapes.
    static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0 == "\\" || $0 == "\t" || $0 == "\n" || $0 == "\r" }) else { return text }
        var output = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": output.append(contentsOf: "\\\\".unicodeScalars)
            case "\t": output.append(contentsOf: "\\t".unicodeScalars)
            case "\n": output.append(contentsOf: "\\n".unicodeScalars)
            case "\r": output.append(contentsOf: "\\r".unicodeScalars)
            default: output.append(scalar)
            }
        }
        return String(output)
    }
}

extension SQLValue {
    var integerValue: Int64? {
        if case let .integer(value) = self { return value }
        return nil
    }
}
