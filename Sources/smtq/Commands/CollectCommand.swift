import ArgumentParser
import Foundation
import Logging
import SMTQAcquisition
import SMTQConfig
import SMTQDaemon
import SMTQReports

/// `smtq collect`: the daemon's pipeline (`SMTQDaemon.Pipeline`, the very composition smtqd runs) in the
/// foreground, then each device's status.
struct CollectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collect",
        abstract: "Poll the configured devices into the database in the foreground, then print each device's status.",
        discussion: """
            The same pipeline smtqd runs (pollers and bus workers, the store's writer, the live SPC engine; SPC \
            signals are logged as warnings), without systemd. --http also serves http.listen (/metrics, the dashboard and \
            /api/status). Stops after --seconds, or on Ctrl-C or SIGTERM; records already read are stored and \
            acknowledged before it exits. SIGHUP re-reads the configuration as smtqd does.
            """
    )

    @Option(help: "The configuration file.") var config: String
    @Option(help: "Run this many seconds (default: until stopped).") var seconds: Double?
    @Option(help: "Write to this database instead of the configuration's.") var db: String?
    @Flag(help: "Serve http.listen (/metrics, /api/status, the dashboard) as smtqd does.") var http = false
    @Option(help: "Log level: trace, debug, info, notice, warning, error or critical.") var logLevel: Logger.Level = .warning

    func validate() throws {
        if let seconds, !(seconds > 0) { throw ValidationError("--seconds must be above 0") }
    }

    func run() async throws {
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var configuration: Configuration
        do {
            configuration = try ConfigLoader.load(path: config)
        } catch {
            for diagnostic in error.diagnostics { Console.error(diagnostic.description) }
            throw ExitCode(ConfigError.exitCode)
        }
        if let db { configuration.storage.databasePath = db }
        var options = PipelineOptions(configPath: config)
        options.serveHTTP = http
        options.databaseOverridden = db != nil
        options.stopAfter = seconds.map { .milliseconds(Int64($0 * 1000)) }
        let pipeline: Pipeline
        do {
            pipeline = try Pipeline(configuration: configuration, options: options, logger: Logger(label: "smtq.collect"))
        } catch {
            Console.error("smtq collect: \(error.message)")
            throw ExitCode.failure
        }
        try await pipeline.run()
        print(Self.statusTable(pipeline.statuses), terminator: "")
    }

    /// The final per-device table: `records` counts stored unit records (undecodable ones only under `bad`),
    /// `samples` counter readings and process values, `connected` the state when collection stopped.
    static func statusTable(_ statuses: [DeviceStatus]) -> String {
        let header = ["device", "connected", "records", "duplicates", "lost", "torn", "bad", "samples", "timeouts",
                      "exceptions", "crc", "reconnects", "last error"]
        let rows = statuses.map { status -> [String] in
            [status.device, status.connected ? "yes" : "no", String(status.recordsRead), String(status.duplicates),
             String(status.lostRecords), String(status.tornReads), String(status.badRecords),
             String(status.counterSamples + status.processValues), String(status.timeouts), String(status.exceptions),
             String(status.crcErrors), String(status.reconnects), status.lastError ?? "-"]
        }
        return TextTable.render(header: header, rows: rows)
    }
}
