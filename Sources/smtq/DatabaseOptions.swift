import ArgumentParser
import Foundation
import SMTQConfig

/// Where the database is: `--db PATH`, or the `storage.database` of `--config FILE`, or of the default
/// configuration /etc/smtq/smtq.yaml when it exists.
struct DatabaseOptions: ParsableArguments {
    @Option(help: "The SQLite database file, or postgresql://USER@HOST/DB for the central database (export).")
    var db: String?

    @Option(help: "Take the database path from this configuration file.")
    var config: String?

    static let defaultConfig = "/etc/smtq/smtq.yaml"

    /// The resolved path; a problem with the configuration is reported and exits 78.
    func path() throws -> String {
        if let db { return db }
        let file = config ?? (FileManager.default.fileExists(atPath: Self.defaultConfig) ? Self.defaultConfig : nil)
        guard let file else {
            throw ValidationError("no database given: use --db PATH or --config FILE")
        }
        do {
            return try ConfigLoader.load(path: file).storage.databasePath
        } catch {
            for diagnostic in error.diagnostics { Console.error(diagnostic.description) }
            throw ExitCode(ConfigError.exitCode)
        }
    }

    /// The storage settings for a command that writes (the configuration's, or defaults for a bare --db).
    func storage() throws -> StorageConfig {
        if let db {
            return StorageConfig(databasePath: db)
        }
        let file = config ?? Self.defaultConfig
        do {
            return try ConfigLoader.load(path: file).storage
        } catch {
            for diagnostic in error.diagnostics { Console.error(diagnostic.description) }
            throw ExitCode(ConfigError.exitCode)
        }
    }
}
