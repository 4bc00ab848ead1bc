import Foundation
import Logging
import SMTQConfig
import SMTQCore
import SMTQModbus

/// A thread that owns one Modbus connection and polls the devices behind it: one TCP device, or every
/// device on one serial bus (one request at a time, with the bus's inter-frame delay). A dead or slow
/// device delays only the devices on its own connection.
final class ConnectionRunner: @unchecked Sendable {
    let name: String
    private let endpoint: ModbusConnection.Endpoint
    let pollers: [DevicePoller]
    private let logger: Logger
    private let condition = NSCondition()
    private var stopping = false
    private var finished = false
    private var connectBackoff: Backoff
    private var connectAllowedAt = ContinuousClock.now
    /// The connection was closed on purpose (`quirks.close_after_poll`): reconnecting is routine, not news.
    private var closedOnPurpose = false
    /// When the loop must have turned again at the latest (liveness): the time it sleeps until plus the
    /// longest a poll may take. A poll blocked on the record sink counts as alive (the sink has its own check).
    private let heartbeat = Locked<(deadline: ContinuousClock.Instant, inSink: Bool)>((.now + .seconds(60), false))
    /// The longest one poll may take: every request timing out on every retry, plus the pauses.
    private let pollBudget: Duration

    init(name: String, endpoint: ModbusConnection.Endpoint, pollers: [DevicePoller], logger: Logger) {
        self.name = name
        self.endpoint = endpoint
        self.pollers = pollers
        self.logger = logger
        let first = pollers[0].device.backoff
        connectBackoff = Backoff(initial: first.initial, max: first.max, jitter: first.jitter)
        let worst = pollers.map { poller -> Duration in
            let attempts = Double(poller.device.retries + 1)
            return poller.device.timeout * (attempts * 4) + poller.pause * 16 + .seconds(5)
        }.max() ?? .seconds(30)
        pollBudget = worst
        for poller in pollers {
            poller.onSink = { [heartbeat] inSink in heartbeat.withLock { $0.inSink = inSink } }
        }
    }

    /// Whether the loop turned within its deadline (or is waiting on the record sink).
    func isAlive(now: ContinuousClock.Instant) -> Bool {
        if hasFinished { return true }
        return heartbeat.withLock { $0.inSink || now <= $0.deadline }
    }

    /// The thread has ended (stopped, or could not create its connection: not a wedged loop).
    private var hasFinished: Bool {
        condition.lock()
        defer { condition.unlock() }
        return finished
    }

    /// Asks the thread to stop after the request in progress, without waiting.
    func requestStop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    func start() {
        heartbeat.withLock { $0.deadline = .now + pollBudget }
        let thread = Thread { [self] in self.run() }
        thread.name = "smtq.poll.\(name)"
        thread.stackSize = 512 * 1024
        thread.start()
    }

    /// Asks the thread to stop after the request in progress, and waits for it until `deadline` (nil: until
    /// it has stopped). Returns whether it stopped.
    @discardableResult
    func stop(until deadline: Date? = nil) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        stopping = true
        condition.broadcast()
        while !finished {
            if let deadline {
                guard condition.wait(until: deadline) else { break }
            } else {
                condition.wait()
            }
        }
        return finished
    }

    private var isStopping: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopping
    }

    /// Sleeps until `instant` or until asked to stop.
    private func sleep(until instant: ContinuousClock.Instant) {
        let deadline = max(instant, ContinuousClock.now) + pollBudget
        heartbeat.withLock { $0.deadline = deadline }
        condition.lock()
        while !stopping, ContinuousClock.now < instant {
            _ = condition.wait(until: Date().addingTimeInterval((instant - ContinuousClock.now).totalSeconds))
        }
        condition.unlock()
    }

    private func run() {
        defer {
            condition.lock()
            finished = true
            condition.broadcast()
            condition.unlock()
        }
        let connection: ModbusConnection
        do {
            connection = try ModbusConnection(endpoint: endpoint, responseTimeout: pollers[0].device.timeout, name: name)
        } catch {
            logger.error("cannot create the Modbus context", metadata: ["connection": "\(name)", "problem": "\(error.message)"])
            for poller in pollers { poller.status.withLock { $0.lastError = error.message } }
            return
        }
        if case .rtu = endpoint { connection.setByteTimeout(.milliseconds(100)) }
        while !isStopping {
            guard ensureConnected(connection) else {
                sleep(until: connectAllowedAt)
                continue
            }
            guard let poller = pollers.min(by: { $0.nextPoll < $1.nextPoll }) else { return }
            sleep(until: poller.nextPoll)
            if isStopping { break }
            pollOnce(poller, connection)
        }
        // The statuses keep the state the connection had when it was asked to stop (what `collect` shows).
        connection.close()
    }

    private func ensureConnected(_ connection: ModbusConnection) -> Bool {
        if connection.isConnected { return true }
        guard ContinuousClock.now >= connectAllowedAt else { return false }
        do {
            if let warning = try connection.connect(name: name) {
                logger.warning("serial mode", metadata: ["connection": "\(name)", "problem": "\(warning)"])
            }
            connectBackoff.reset()
            for poller in pollers {
                poller.answeredSinceConnect = false
                poller.status.withLock { $0.connected = true; $0.connectedSince = Date() }
            }
            if !closedOnPurpose {
                for poller in pollers { poller.event(.connect, detail: "\(endpoint)") }
                logger.info("connected", metadata: ["connection": "\(name)"])
            }
            closedOnPurpose = false
            return true
        } catch {
            let delay = connectBackoff.next()
            connectAllowedAt = ContinuousClock.now + delay
            for poller in pollers {
                poller.count(error)
                poller.status.withLock {
                    $0.consecutiveErrors += 1
                    if $0.connectedSince == nil { $0.connectedSince = Date() }
                }
            }
            if connectBackoff.failures == 1 {
                logger.warning("cannot connect; retrying with back-off",
                               metadata: ["connection": "\(name)", "endpoint": "\(endpoint)", "problem": "\(error.message)"])
                for poller in pollers { poller.event(.error, detail: error.message) }
            }
            return false
        }
    }

    private func pollOnce(_ poller: DevicePoller, _ connection: ModbusConnection) {
        connection.setUnit(poller.device.unitID)
        connection.setResponseTimeout(poller.device.timeout)
        do {
            let more = try poller.poll(connection)
            poller.backoff.reset()
            poller.nextPoll = more ? ContinuousClock.now : ContinuousClock.now + poller.device.pollInterval
            if poller.device.quirks.closeAfterPoll, pollers.count == 1 {
                connection.close()
                closedOnPurpose = true
            }
        } catch {
            poller.status.withLock { $0.consecutiveErrors += 1 }
            let delay = poller.backoff.next()
            poller.nextPoll = ContinuousClock.now + max(delay, poller.device.pollInterval)
            if poller.backoff.failures == 1 {
                poller.logger.warning("poll failed", metadata: ["problem": "\(error.message)"])
                poller.event(.error, detail: error.message)
            }
            switch error.kind {
            case .connection, .other:
                drop(connection, reason: error.message)
            case .timeout where pollers.count == 1, .badData where pollers.count == 1:
                drop(connection, reason: error.message)
            default:
                connection.flush()
            }
        }
    }

    /// Closes a broken connection; the next loop reconnects with back-off.
    private func drop(_ connection: ModbusConnection, reason: String) {
        closedOnPurpose = false
        guard connection.isConnected else { return }
        connection.close()
        connectAllowedAt = ContinuousClock.now + connectBackoff.next()
        for poller in pollers {
            poller.status.withLock { $0.connected = false; $0.connectedSince = Date(); $0.reconnects += 1 }
            poller.event(.disconnect, detail: reason)
        }
    }
}
