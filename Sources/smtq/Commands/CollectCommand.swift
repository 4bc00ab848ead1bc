import ArgumentParser
import Foundation
import Logging
import SMTQAcquisition
import SMTQConfig
import SMTQEngine
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
        print("device       connected  records  duplicates  lost  torn  bad  timeouts  exceptions  crc  reconnects  last error")
        for status in collector.statuses {
            print(String(format: "%-12@ %-9@ %8d %11d %5d %5d %4d %9d %11d %4d %11d  %@", status.device, status.connected ? "yes" : "no",
                         status.recordsRead, status.duplicates, status.lostRecords, status.tornReads, status.badRecords,
                         status.timeouts, status.exceptions, status.crcErrors, status.reconnects, status.lastError ?? "-"))
        }
    }
}
