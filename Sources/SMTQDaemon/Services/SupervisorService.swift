import Foundation
import Logging
import ServiceLifecycle
import SMTQConfig
import SMTQCore
import UnixSignals

/// systemd's side of the daemon: READY=1 once the database is open and the pollers have started (the
/// pipeline starts them before the group runs), a STATUS= line every few seconds, WATCHDOG=1 only while
/// the liveness check passes (the writer is waiting for work or has held its batch for less than its
/// deadline, and every poller loop turned within its interval plus its request budget), reloads on SIGHUP,
/// and STOPPING=1 when the graceful shutdown begins. It starts last, so it is the first to stop.
struct SupervisorService: Service {
    let pipeline: Pipeline
    /// A reload in progress, and whether another SIGHUP came meanwhile (reloads run one at a time, off the
    /// watchdog's loop, and never hold up a shutdown).
    private let reloading = Locked((running: false, again: false))
    /// A status refresh (a database read) in progress.
    private let refreshing = Locked(false)

    private var notifier: SystemdNotifier { pipeline.options.notifier }
    private var logger: Logger { pipeline.logger }

    func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        startRefresh()
        notifier.notify("READY=1\nSTATUS=\(statusLine(alive: true))")
        logger.info("ready", metadata: ["config": "\(pipeline.options.configPath)",
                                        "devices": "\(pipeline.configuration.devices.count)"])
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await _ in hangups { requestReload() }
                }
                group.addTask { await tick() }
                await group.next()
                group.cancelAll()
            }
        }
        notifier.notify("STOPPING=1\nSTATUS=stopping: polling stops, queued records are stored and acknowledged")
        logger.info("stopping")
    }

    /// Every second (or a quarter of the watchdog interval): liveness and the watchdog; every five seconds:
    /// the STATUS line.
    private func tick() async {
        let watchdog = notifier.watchdogInterval
        var lastPing = ContinuousClock.now
        var lastStatus = ContinuousClock.now
        var wasAlive = true
        let period = watchdog.map { min(.seconds(1), $0 / 4) } ?? .seconds(1)
        while !Task.isCancelled {
            try? await Task.sleep(for: period)
            let now = ContinuousClock.now
            if let lost = pipeline.writer.health.snapshot.lost {
                // The group drains as on SIGTERM; this loop goes on until the graceful shutdown cancels it (a
                // service that returned first would make the group cancel the others instead).
                notifier.notify("STATUS=stopping: \(lost)")
                await pipeline.requestStop()
                continue
            }
            let stalled = pipeline.collector.stalledRunners(now: now)
            let writerAlive = pipeline.writer.health.isAlive(now: now, deadline: pipeline.writerDeadline)
            let alive = writerAlive && stalled.isEmpty
            if alive != wasAlive {
                if alive {
                    logger.notice("liveness restored; watchdog pings resume")
                } else {
                    logger.critical("liveness check failed; watchdog pings stop so systemd restarts the service",
                                    metadata: ["writer": "\(writerAlive ? "ok" : "wedged")",
                                               "stalled": "\(stalled.joined(separator: ","))"])
                }
                wasAlive = alive
            }
            if let watchdog, alive, now - lastPing >= watchdog / 2 {
                notifier.notify("WATCHDOG=1")
                lastPing = now
            }
            if now - lastStatus >= .seconds(5) {
                // The figures of the last refresh; the next one reads in the background, so the watchdog
                // never waits for the database.
                notifier.notify("STATUS=\(statusLine(alive: alive))")
                startRefresh()
                lastStatus = now
            }
        }
    }

    /// Samples the record count and reads the outbox on a thread of its own (one at a time).
    private func startRefresh() {
        pipeline.board.sampleRecords(total: pipeline.collector.recordsStored)
        guard refreshing.withLock({ busy in defer { busy = true }; return !busy }) else { return }
        let thread = Thread { [board = pipeline.board, refreshing] in
            board.refreshAlertsPending()
            refreshing.withLock { $0 = false }
        }
        thread.name = "smtq.status.read"
        thread.start()
    }

    /// Starts a reload unless one runs; then the running one is followed by one more.
    private func requestReload() {
        let start = reloading.withLock { state -> Bool in
            if state.running {
                state.again = true
                return false
            }
            state.running = true
            return true
        }
        guard start else { return }
        Task {
            while true {
                await reload()
                let again = reloading.withLock { state -> Bool in
                    if state.again {
                        state.again = false
                        return true
                    }
                    state.running = false
                    return false
                }
                if !again { break }
            }
        }
    }

    /// The STATUS= line, from the same figures as `/api/status`.
    private func statusLine(alive: Bool) -> String {
        let status = pipeline.status(alive: alive)
        var line = "devices \(status.devicesUp)/\(status.devices.count) up, \(status.recordsLastMinute) records in the last minute, "
            + "writer backlog \(status.writer.backlog), alerts pending \(status.alertsPending.map(String.init) ?? "unknown")"
        if status.writer.failing { line += ", DATABASE WRITES FAILING (records held, not acknowledged)" }
        if let forwarding = status.forwarding {
            line += ", forward lag \(forwarding.lagUnits.map(String.init) ?? "?") units"
            if let seconds = forwarding.lagSeconds, seconds >= 1 { line += " (\(Int(seconds)) s)" }
            if !forwarding.connected { line += ", CENTRAL DATABASE AWAY" }
            if forwarding.conflicts > 0 { line += ", \(forwarding.conflicts) refused centrally" }
        }
        if !alive { line += ", NOT LIVE" }
        return line
    }

    /// Re-reads the configuration; a bad one is rejected with check-config's one-line messages and the
    /// running one stays.
    private func reload() async {
        notifier.notify("RELOADING=1\nMONOTONIC_USEC=\(MonotonicClock.microseconds)")
        let path = pipeline.options.configPath
        let loaded: Result<Configuration, ConfigError> = await Blocking.run("config.load") {
            do throws(ConfigError) { return .success(try ConfigLoader.load(path: path)) } catch { return .failure(error) }
        }
        switch loaded {
        case let .failure(error):
            for diagnostic in error.diagnostics {
                logger.error("configuration problem", metadata: ["problem": "\(diagnostic)"])
            }
            logger.error("reload rejected; the running configuration stays in force",
                         metadata: ["config": "\(path)", "problems": "\(error.diagnostics.count)"])
        case let .success(fresh):
            let notes = await Blocking.run("config.apply") { [pipeline] in pipeline.apply(fresh) }
            for note in notes { logger.notice("reload", metadata: ["change": "\(note)"]) }
            logger.info("configuration reloaded", metadata: ["config": "\(path)", "devices": "\(fresh.devices.count)"])
        }
        notifier.notify("READY=1\nSTATUS=\(statusLine(alive: true))")
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
