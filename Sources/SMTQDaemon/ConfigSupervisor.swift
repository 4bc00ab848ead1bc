import Foundation
import Logging
import ServiceLifecycle
import SMTQConfig
import SMTQCore
import UnixSignals

/// The daemon's configuration owner: tells systemd it is ready, reloads the configuration on SIGHUP
/// (a new configuration with problems is rejected and the running one kept), and reports stopping.
///
/// Later services (pollers, the writer, the SPC engine, alerts) take the configuration from here.
public final class ConfigSupervisor: Service, Sendable {
    private let path: String
    private let logger: Logger
    private let notifier: SystemdNotifier
    private let current: Locked<Configuration>

    public init(path: String, initial: Configuration, notifier: SystemdNotifier, logger: Logger) {
        self.path = path
        self.logger = logger
        self.notifier = notifier
        self.current = Locked(initial)
    }

    /// The configuration in force.
    public var configuration: Configuration { current.withLock { $0 } }

    public func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        notifier.notify("READY=1\nSTATUS=\(status(of: configuration))")
        logger.info("ready", metadata: ["config": "\(path)", "devices": "\(configuration.devices.count)"])
        await cancelWhenGracefulShutdown {
            for await _ in hangups {
                self.reload()
            }
        }
        notifier.notify("STOPPING=1\nSTATUS=stopping")
        logger.info("stopping")
    }

    /// Loads the file again; keeps the running configuration when the new one has problems.
    func reload() {
        notifier.notify("RELOADING=1\nMONOTONIC_USEC=\(MonotonicClock.microseconds)")
        do {
            let fresh = try ConfigLoader.load(path: path)
            current.withLock { $0 = fresh }
            logger.info("configuration reloaded", metadata: ["config": "\(path)", "devices": "\(fresh.devices.count)"])
        } catch {
            for diagnostic in error.diagnostics {
                logger.error("configuration problem", metadata: ["problem": "\(diagnostic)"])
            }
            logger.error("reload rejected; the running configuration stays in force",
                         metadata: ["config": "\(path)", "problems": "\(error.diagnostics.count)"])
        }
        notifier.notify("READY=1\nSTATUS=\(status(of: configuration))")
    }

    private func status(of configuration: Configuration) -> String {
        "configuration loaded: \(configuration.devices.count) devices; polling runs in smtq collect until the daemon wires it in"
    }
}

/// `CLOCK_MONOTONIC` in microseconds, as systemd's `MONOTONIC_USEC` wants it.
enum MonotonicClock {
    static var microseconds: UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000 + UInt64(time.tv_nsec) / 1000
    }
}
