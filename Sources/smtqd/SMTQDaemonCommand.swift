import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import SMTQConfig
import SMTQCore
import SMTQDaemon

/// `smtqd`: the collector daemon, run by systemd (see systemd/smtqd.service).
@main
struct SMTQDaemonCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "smtqd",
        abstract: "The smtq collector daemon.",
        discussion: """
            Polls the configured devices into the database, keeps the configured control charts live, and \
            serves /metrics, /api/status and the dashboard on http.listen. Tells systemd it is ready (Type=notify), sends \
            STATUS= and WATCHDOG=1 while healthy, reloads the configuration on SIGHUP (a configuration with \
            problems is rejected and the running one kept; devices added, removed or changed apply without \
            touching the others) and on SIGTERM stops polling, stores and acknowledges what it read, and exits. \
            Logs go to standard error (the journal under systemd). Exit status 78 means the configuration has \
            problems, 73 that the database cannot be opened or created; the unit restarts on neither.
            """,
        version: SMTQVersion.current
    )

    /// EX_CANTCREAT: the database cannot be opened or created (the unit does not restart on it).
    static let cannotCreate: Int32 = 73
    /// EX_TEMPFAIL: the database file was deleted or replaced while smtqd ran (systemd restarts it, and the
    /// new run opens or creates the file now at the path).
    static let databaseLost: Int32 = 75

    @Option(name: .shortAndLong, help: "The configuration file.")
    var config = "/etc/smtq/smtq.yaml"

    @Flag(help: "Check the configuration, print what would be polled, and exit.")
    var check = false

    @Option(help: "Log level: trace, debug, info, notice, warning, error or critical.")
    var logLevel: Logger.Level = .info

    func run() async throws {
        // A file-size limit (RLIMIT_FSIZE) makes a write fail with EFBIG, which the writer handles like a full
        // disk (nothing acknowledged, retried), instead of the default SIGXFSZ killing the daemon.
        signal(SIGXFSZ, SIG_IGN)
        let stops = EarlyStopSignals()
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "smtqd")
        let configuration: Configuration
        do {
            configuration = try ConfigLoader.load(path: config)
        } catch {
            for diagnostic in error.diagnostics {
                FileHandle.standardError.write(Data((diagnostic.description + "\n").utf8))
            }
            throw ExitCode(ConfigError.exitCode)
        }
        if check {
            print("\(config): OK")
            print(configuration.summary)
            return
        }
        var options = PipelineOptions(configPath: config)
        options.notifier = SystemdNotifier(environment: ProcessInfo.processInfo.environment)
        let pipeline: Pipeline
        do {
            pipeline = try Pipeline(configuration: configuration, options: options, logger: logger)
        } catch {
            FileHandle.standardError.write(Data("smtqd: \(error.message); nothing could be stored, so smtqd stops\n".utf8))
            throw ExitCode(Self.cannotCreate)
        }
        await stops.attach(pipeline)
        do {
            try await pipeline.run()
        } catch where pipeline.writer.health.snapshot.lost != nil {
            // The lost database explains the stop, whatever the service group made of it.
        }
        if let lost = pipeline.writer.health.snapshot.lost {
            FileHandle.standardError.write(Data("smtqd: \(lost); records read since were not acknowledged and stay on the devices; start smtqd again (systemd does) to continue on the file now at the path\n".utf8))
            throw ExitCode(Self.databaseLost)
        }
        logger.info("stopped")
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
