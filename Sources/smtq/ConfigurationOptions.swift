import ArgumentParser
import Foundation
import SMTQConfig

/// `--config FILE` (default /etc/smtq/smtq.yaml) and `--db PATH` for commands that need the configuration
/// itself (charts, products, time zone), not only the database path.
struct ConfigurationOptions: ParsableArguments {
    @Option(help: "The configuration file (default: /etc/smtq/smtq.yaml).")
    var config: String?

    @Option(help: "The SQLite database file (default: the configuration's storage.database), or postgresql://USER@HOST/DB for the central database (reports, trace, export).")
    var db: String?

    /// The loaded configuration, with `--db` applied; a configuration problem is reported and exits 78.
    func load() throws -> SMTQConfig.Configuration {
        let file = config ?? DatabaseOptions.defaultConfig
        guard config != nil || FileManager.default.fileExists(atPath: file) else {
            throw ValidationError("no configuration: give one with --config FILE")
        }
        do {
            var configuration = try ConfigLoader.load(path: file)
            if let db { configuration.storage.databasePath = db }
            return configuration
        } catch {
            for diagnostic in error.diagnostics { Console.error(diagnostic.description) }
            throw ExitCode(ConfigError.exitCode)
        }
    }
}
