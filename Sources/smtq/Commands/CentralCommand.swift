import ArgumentParser
import Foundation
import Logging
import PostgresNIO
import SMTQCentral
import SMTQCore
import SMTQStore

/// `smtq central`: the plant's central PostgreSQL database that line hosts forward to.
struct CentralCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "central",
        abstract: "The plant's central PostgreSQL database: create or upgrade its schema, see what each line host sent.",
        subcommands: [CentralMigrate.self, CentralPush.self, CentralHosts.self, CentralPrune.self])
}

/// What every `smtq central` command takes.
struct CentralOptions: ParsableArguments {
    @Option(help: "postgresql://USER@HOST:PORT/DATABASE[?sslmode=disable|require|verify-ca|verify-full]; the password from PGPASSWORD or --password-file.")
    var db: String

    @Option(help: "A file holding the password (instead of PGPASSWORD).")
    var passwordFile: String?

    func target(_ command: String) throws -> CentralTarget {
        do {
            return try CentralTarget(url: db, passwordFile: passwordFile)
        } catch let error as CentralError {
            Console.error("\(command): \(error)")
            throw ExitCode(64)
        }
    }

    /// Connects (without requiring a schema: migrate makes one) and runs `work`; failures are one line, exit 1.
    func withConnection<T>(_ command: String, _ work: (PostgresConnection, CentralTarget, Logger) throws -> T) throws -> T {
        let target = try target(command)
        do {
            let logger = Logger(label: "smtq.central")
            let connection = try target.connectBlocking(logger: logger)
            defer { try? connection.close().wait() }
            return try work(connection, target, logger)
        } catch let error as CentralError {
            Console.error("\(command): \(error)")
            throw ExitCode.failure
        }
    }

    /// Connects (with the current schema required) and runs `work`; failures are one line, exit 1.
    func read<T>(_ command: String, _ work: (any SQLReader) throws -> T) throws -> T {
        let target = try target(command)
        do {
            let source = try PostgresSource(target: target)
            defer { source.close() }
            return try source.withReader(work)
        } catch let error as CentralError {
            Console.error("\(command): \(error)")
            throw ExitCode.failure
        }
    }
}

struct CentralMigrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Create the central schema, or upgrade it to this smtq's version (refuses a newer one).",
        discussion: "Run it once before the first line host forwards, and after each smtq upgrade on the central side.")

    @OptionGroup var options: CentralOptions

    func run() throws {
        try options.withConnection("smtq central migrate") { connection, target, logger in
            let applied = try CentralSchema.migrate(connection, target: target, logger: logger)
            print(applied.isEmpty ? "central database \(target.address): schema \(CentralSchema.current), already current"
                                  : "central database \(target.address): applied \(applied.joined(separator: ", ")); schema \(CentralSchema.current)")
        }
    }
}

struct CentralHosts: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hosts",
        abstract: "The line hosts forwarding here: site, host, units stored, the newest unit and when each last sent.")

    @OptionGroup var options: CentralOptions

    func run() throws {
        let rows = try options.read("smtq central hosts") { db in
            try db.rows("""
                SELECT h.site, h.name, h.last_seen, (SELECT count(*) FROM units u WHERE u.host_id = h.id),
                       (SELECT max(time) FROM units u WHERE u.host_id = h.id)
                FROM hosts h ORDER BY h.site, h.name
                """)
        }
        guard !rows.isEmpty else {
            print("no line host has forwarded to \(options.db) yet")
            return
        }
        print("site\thost\tunits\tnewest unit\tlast batch")
        for row in rows {
            let newest: Int64? = row[4]
            print([row[0] as String, row[1] as String, String(row[3] as Int64),
                   newest.map { RFC3339.string(from: Date(storeMicroseconds: $0)) } ?? "-",
                   RFC3339.string(from: Date(storeMicroseconds: row[2]))].joined(separator: "\t"))
        }
    }
}

struct CentralPrune: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Drop the monthly partitions of results (units, defects, measurements) that end before a date.",
        discussion: "Whole months only: a partition goes when every unit in it is older than --before. Rollups stay (they are small and keep the long-term yield).")

    @OptionGroup var options: CentralOptions

    @Option(help: "RFC 3339 time or date (e.g. 2025-01-01): months ending at or before it are dropped.")
    var before: String

    @Flag(help: "List what would be dropped without dropping it.")
    var dryRun = false

    func run() throws {
        guard let cutoff = RFC3339.date(from: before) ?? RFC3339.date(from: before + "T00:00:00Z") else {
            Console.error("smtq central prune: --before '\(before)' is not a date such as 2025-01-01")
            throw ExitCode(64)
        }
        try options.withConnection("smtq central prune") { connection, target, logger in
            let dropped = try CentralSchema.dropPartitions(connection, before: cutoff.storeMicroseconds, dryRun: dryRun, target: target, logger: logger)
            print(dropped.isEmpty ? "no partition ends before \(before)"
                                  : (dryRun ? "would drop: " : "dropped: ") + dropped.joined(separator: ", "))
        }
    }
}

struct CentralPush: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract: "Forward everything this host stored and not yet sent to the configuration's forward.postgres, then stop.",
        discussion: """
            What smtqd does continuously, once: for a host without smtqd (an import), a backfill, or to see a \
            forwarding problem's message at once. Safe beside a running smtqd: batches are idempotent.
            """)

    @OptionGroup var source: ConfigurationOptions

    func run() async throws {
        let configuration = try source.load()
        guard let central = configuration.central else {
            Console.error("smtq central push: \(configuration.file) has no forward.postgres; add one (docs/central.md)")
            throw ExitCode(78)
        }
        let path = configuration.storage.databasePath
        guard FileManager.default.fileExists(atPath: path) else {
            Console.error("smtq central push: \(path) does not exist; give the line host's database (--db or storage.database)")
            throw ExitCode(66)
        }
        do {
            let queue = try StoreDatabase.openForWriting(path: path, synchronous: configuration.storage.synchronous)
            let forwarder = try Forwarder(config: central, databasePath: path, confirmation: .direct(queue),
                                          logger: Logger(label: "smtq.forward"))
            let started = ContinuousClock.now
            let state = try await forwarder.catchUp()
            let seconds = (ContinuousClock.now - started).totalSeconds
            print("forwarded \(state.unitsForwarded) units to \(central.site)/\(central.host) at \(central.address) in "
                + String(format: "%.1f s", seconds) + (state.conflicts > 0 ? "; \(state.conflicts) refused as conflicts (kept here)" : ""))
        } catch let error as CentralError {
            Console.error("smtq central push: \(error)")
            throw ExitCode.failure
        } catch let error as StoreError {
            Console.error("smtq central push: \(error)")
            throw ExitCode.failure
        }
    }
}
