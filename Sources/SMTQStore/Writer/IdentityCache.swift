import GRDB
import SMTQCore

/// Ids of lines, stations, devices and programs, created on first use and cached for the writer's life.
/// The cache is dropped whenever a transaction rolls back, since ids it learnt there may not exist.
final class IdentityCache {
    private var lines: [String: Int64] = [:]
    private var stations: [StationKey: Int64] = [:]
    private var devices: [String: (id: Int64, stationID: Int64)] = [:]
    private var programs: [String: Int64] = [:]

    func reset() {
        lines.removeAll()
        stations.removeAll()
        devices.removeAll()
        programs.removeAll()
    }

    func stationID(_ key: StationKey, _ db: Database) throws -> Int64 {
        if let id = stations[key] { return id }
        let lineID = try self.lineID(key.line, db)
        let id = try upsertReturningID(
            db, sql: "INSERT INTO stations (line_id, name) VALUES (?, ?) ON CONFLICT (line_id, name) DO UPDATE SET name = excluded.name RETURNING id",
            arguments: [lineID, key.station])
        stations[key] = id
        return id
    }

    /// The device's id; a device that moved to another station is updated (its old units keep their station).
    func deviceID(_ identity: DeviceIdentity, _ db: Database) throws -> (id: Int64, stationID: Int64) {
        let stationID = try self.stationID(identity.stationKey, db)
        if let known = devices[identity.device], known.stationID == stationID { return known }
        let id = try upsertReturningID(
            db, sql: "INSERT INTO devices (name, station_id) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET station_id = excluded.station_id RETURNING id",
            arguments: [identity.device, stationID])
        devices[identity.device] = (id, stationID)
        return (id, stationID)
    }

    func programID(_ name: String, _ db: Database) throws -> Int64 {
        if let id = programs[name] { return id }
        let id = try upsertReturningID(
            db, sql: "INSERT INTO programs (name) VALUES (?) ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id",
            arguments: [name])
        programs[name] = id
        return id
    }

    private func lineID(_ name: String, _ db: Database) throws -> Int64 {
        if let id = lines[name] { return id }
        let id = try upsertReturningID(
            db, sql: "INSERT INTO lines (name) VALUES (?) ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id",
            arguments: [name])
        lines[name] = id
        return id
    }

    private func upsertReturningID(_ db: Database, sql: String, arguments: StatementArguments) throws -> Int64 {
        guard let id = try Int64.fetchOne(db.cachedStatement(sql: sql), arguments: arguments) else {
            throw DatabaseError(resultCode: .SQLITE_ERROR, message: "no id returned by: \(sql)")
        }
        return id
    }
}
