import ArgumentParser
import Foundation
import Logging
import SMTQAcquisition
import SMTQConfig
import SMTQEngine
import SMTQReports
import SMTQStore

/// `smtq collect`: run acquisition in the foreground into the database, with the daemon's code.
struct CollectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collect",
        abstract: "Poll the configured devices into the database in the foreground, then print each device's status.",
        discussion: """
            The same pollers, bus workers, writer and live SPC engine that smtqd runs; SPC signals are logged as \
            warnings. Stops after --seconds, or on Ctrl-C or SIGTERM; records already read are stored and \
            acknowledged before it exits.
            """
    )

    @Option(help: "The configuration file.") var config: String
    @Option(help: "Run this many seconds (default: until stopped).") var seconds: Double?
    @Option(help: "Write to this database instead of the configuration's.") var db: String?
    @Option(help: "Log level: trace, debug, info, notice, warning, error or critical.") var logLevel: Logger.Level = .warning

    func run() throws {
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
        let writer: StoreWriter
        let engine: SPCEngine
        do {
            writer = try StoreWriter(options: configuration.storage)
            engine = SPCEngine(charts: configuration.spc.charts, time: configuration.time,
                               reader: try StoreDatabase.openReadOnly(path: configuration.storage.databasePath)) { _ in }
        } catch {
            Console.error("smtq: \(error)")
            throw ExitCode.failure
        }
        let collector = Collector(configuration: configuration, writer: writer)
        let signals = StopSignals()
        writer.onCommit { engine.receive($0) }
        engine.start()
        collector.start()
        signals.wait(seconds: seconds)
        collector.stop()
        writer.shutdown()
        engine.stop()
        print(Self.statusTable(collector.statuses), terminator: "")
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
