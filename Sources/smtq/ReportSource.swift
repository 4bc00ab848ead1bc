import ArgumentParser
import Foundation
import GRDB
import SMTQCentral
import SMTQConfig
import SMTQStore

/// Where a report reads: the local SQLite store, or with `--db postgresql://…` the plant's central database
/// (the password from `PGPASSWORD`, else from the configuration's `forward.postgres` when it names the same
/// server). Every failure is one line: exit 64 for a URL that cannot be used, else 1.
enum ReportSource {
    static func isCentral(_ path: String) -> Bool {
        path.hasPrefix("postgresql://") || path.hasPrefix("postgres://")
    }

    /// Runs `work` with a reader of the database `path` names.
    static func read<T>(_ path: String, configuration: SMTQConfig.Configuration? = nil, command: String,
                        _ work: (any SQLReader) throws -> T) throws -> T {
        try withSource(path, configuration: configuration, command: command) { try $0.withReader(work) }
    }

    /// Runs `work` with the source `path` names (opened and closed around it).
    static func withSource<T>(_ path: String, configuration: SMTQConfig.Configuration? = nil, command: String,
                              _ work: (any SQLSource) throws -> T) throws -> T {
        guard isCentral(path) else {
            return try SPCCommands.withStore(path) { try work(StoreDatabase.openReadOnly(path: path)) }
        }
        let target: CentralTarget
        do {
            target = try Self.target(path, configuration: configuration)
        } catch let error as CentralError {
            Console.error("\(command): \(error)")
            throw ExitCode(64)
        }
        let source: PostgresSource
        do {
            source = try PostgresSource(target: target)
        } catch let error as CentralError {
            Console.error("\(command): \(error)")
            throw ExitCode.failure
        }
        defer { source.close() }
        do {
            return try work(source)
        } catch let error as CentralError {
            Console.error("\(command): \(error)")
            throw ExitCode.failure
        }
    }

    static func target(_ url: String, configuration: SMTQConfig.Configuration?) throws -> CentralTarget {
        try CentralTarget(url: url, configured: configuration?.central)
    }

    /// Refuses the central database for a command that reads or writes what only the local store has.
    static func requireLocal(_ path: String, command: String) throws {
        guard isCentral(path) else { return }
        Console.error("\(command) works on a line host's SQLite store, not on the central database (--db PATH)")
        throw ExitCode(64)
    }
}
