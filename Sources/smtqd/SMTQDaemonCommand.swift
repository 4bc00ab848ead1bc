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
            Loads the configuration, tells systemd it is ready (Type=notify), reloads the configuration on \
            SIGHUP (a configuration with problems is rejected and the running one kept) and stops on SIGTERM. \
            Logs go to standard error (the journal under systemd). Exit status 78 means the configuration has \
            problems; the unit does not restart on it.
            """,
        version: SMTQVersion.current
    )

    @Option(name: .shortAndLong, help: "The configuration file.")
    var config = "/etc/smtq/smtq.yaml"

    @Flag(help: "Check the configuration, print what would be polled, and exit.")
    var check = false

    @Option(help: "Log level: trace, debug, info, notice, warning, error or critical.")
    var logLevel: Logger.Level = .info

    func run() async throws {
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
        let supervisor = ConfigSupervisor(
            path: config, initial: configuration,
            notifier: SystemdNotifier(environment: ProcessInfo.processInfo.environment), logger: logger)
        let group = ServiceGroup(configuration: .init(
            services: [supervisor], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
