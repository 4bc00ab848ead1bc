import Foundation
import Logging
import SMTQConfig
import SMTQCore
import SMTQModbus

/// Acquisition for a whole configuration: a connection runner per TCP device and per serial bus, all
/// writing through one record sink. `apply` changes the configuration while it runs: only the runners whose
/// devices were added, removed or changed are started or stopped, so the other devices keep their
/// connections.
public final class Collector: @unchecked Sendable {
    private struct Plan {
        var key: String
        var signature: RunnerSignature
        var make: () -> ConnectionRunner
    }

    /// What a runner was built from; a runner whose signature is unchanged keeps running across a reload.
    struct RunnerSignature: Equatable {
        var devices: [DeviceConfig]
        var profiles: [DeviceProfile]
        var bus: SerialBusConfig?
    }

    private let sink: any RecordSink
    private let logger: Logger
    private let state = Locked<State>(State())
    private struct State {
        var runners: [String: (signature: RunnerSignature, runner: ConnectionRunner)] = [:]
        var order: [String] = []
        var started = false
        /// Stopped for good (a reload after that changes nothing).
        var stopped = false
        /// Records stored by devices that were removed (the total stays monotonic).
        var retiredRecords = 0
    }

    public init(configuration: Configuration, writer: any RecordSink, logger: Logger = Logger(label: "smtq.acquisition")) {
        self.sink = writer
        self.logger = logger
        let plans = plan(configuration)
        state.withLock { state in
            for plan in plans { state.runners[plan.key] = (plan.signature, plan.make()) }
            state.order = Self.deviceOrder(configuration)
        }
    }

    /// The runners a configuration needs, by key (`tcp DEVICE` or `bus PORT`).
    private func plan(_ configuration: Configuration) -> [Plan] {
        var plans: [Plan] = []
        let products = configuration.products
        for device in configuration.devices {
            guard case let .tcp(host, port) = device.transport, let profile = configuration.profiles[device.profile] else { continue }
            let signature = RunnerSignature(devices: [device.comparable], profiles: [profile], bus: nil)
            plans.append(Plan(key: "tcp \(device.name)", signature: signature) { [sink, logger] in
                let poller = DevicePoller(device: device, profile: profile, products: products, writer: sink, logger: logger)
                return ConnectionRunner(name: device.name, endpoint: .tcp(host: host, port: port), pollers: [poller], logger: logger)
            })
        }
        for bus in configuration.serialBuses {
            let members = bus.deviceNames.compactMap(configuration.device(named:)).compactMap { device in
                configuration.profiles[device.profile].map { (device, $0) }
            }
            guard !members.isEmpty else { continue }
            var comparableBus = bus
            comparableBus.deviceNames = []
            let signature = RunnerSignature(devices: members.map(\.0.comparable), profiles: members.map(\.1), bus: comparableBus)
            plans.append(Plan(key: "bus \(bus.settings.port)", signature: signature) { [sink, logger] in
                let pollers = members.map { device, profile in
                    DevicePoller(device: device, profile: profile, products: products, writer: sink, logger: logger,
                                 minimumPause: bus.interFrameDelay)
                }
                return ConnectionRunner(name: bus.name, endpoint: .rtu(bus.settings.modbusLine), pollers: pollers, logger: logger)
            })
        }
        return plans
    }

    private static func deviceOrder(_ configuration: Configuration) -> [String] {
        configuration.devices.map(\.name)
    }

    public func start() {
        let runners = state.withLock { state -> [ConnectionRunner] in
            state.started = true
            return state.runners.values.map(\.runner)
        }
        for runner in runners { runner.start() }
    }

    /// Stops every runner after its request in progress, waiting at most `timeout` in all (a poller blocked
    /// on the record sink finishes once the sink answers; its record is acknowledged only if durable).
    public func stop(timeout: Duration = .seconds(10)) {
        let runners = state.withLock { state -> [ConnectionRunner] in
            state.started = false
            state.stopped = true
            return state.runners.values.map(\.runner)
        }
        for runner in runners { runner.requestStop() }
        let deadline = Date().addingTimeInterval(timeout.totalSeconds)
        let stuck = runners.filter { !$0.stop(until: deadline) }.map(\.name)
        if !stuck.isEmpty {
            logger.warning("pollers still waiting for the store at shutdown; their records are acknowledged only if stored",
                           metadata: ["connections": "\(stuck.joined(separator: ","))"])
        }
    }

    /// What a reload changed.
    public struct Changes: Sendable, Equatable {
        public var started: [String] = []
        public var stopped: [String] = []
        public var restarted: [String] = []
        public var unchanged = 0
        public var isEmpty: Bool { started.isEmpty && stopped.isEmpty && restarted.isEmpty }
    }

    /// Moves to `configuration`: starts the runners of added devices, stops those of removed ones, restarts
    /// those whose device, profile or bus changed; every other runner keeps its connection. Blocks while
    /// stopping runners.
    @discardableResult
    public func apply(_ configuration: Configuration) -> Changes {
        let plans = plan(configuration)
        var changes = Changes()
        var toStop: [ConnectionRunner] = []
        var removed: [ConnectionRunner] = []
        var toStart: [ConnectionRunner] = []
        var carried: [String: DeviceStatus] = [:]
        let applied = state.withLock { state -> Bool in
            guard !state.stopped else { return false }
            let wanted = Set(plans.map(\.key))
            for (key, entry) in state.runners where !wanted.contains(key) {
                toStop.append(entry.runner)
                removed.append(entry.runner)
                changes.stopped.append(key)
                state.retiredRecords += Self.records(of: entry.runner.pollers)
                state.runners[key] = nil
            }
            for plan in plans {
                if let existing = state.runners[plan.key] {
                    if existing.signature == plan.signature {
                        changes.unchanged += 1
                        continue
                    }
                    toStop.append(existing.runner)
                    changes.restarted.append(plan.key)
                    for poller in existing.runner.pollers { carried[poller.name] = poller.status.withLock { $0 } }
                } else {
                    changes.started.append(plan.key)
                }
                let runner = plan.make()
                state.runners[plan.key] = (plan.signature, runner)
                if state.started { toStart.append(runner) }
            }
            state.order = Self.deviceOrder(configuration)
            return true
        }
        guard applied else { return changes }
        for runner in toStop { runner.requestStop() }
        // A replacement starts only once the old thread has ended: never two threads on one device or bus.
        for runner in toStop { runner.stop() }
        for poller in removed.flatMap(\.pollers) { poller.retireMetrics() }
        for runner in toStart {
            // A restarted device keeps its counts (status and metrics stay monotonic across the restart).
            for poller in runner.pollers {
                guard let previous = carried[poller.name] else { continue }
                poller.status.withLock { status in
                    var kept = previous
                    kept.connected = false
                    kept.connectedSince = Date()
                    status = kept
                }
            }
            runner.start()
        }
        return changes
    }

    /// Every poller of the running configuration.
    private var pollers: [DevicePoller] {
        state.withLock { $0.runners.values.flatMap(\.runner.pollers) }
    }

    private static func records(of pollers: [DevicePoller]) -> Int {
        pollers.reduce(0) { $0 + $1.status.withLock { $0.recordsRead } }
    }

    /// Unit records stored since the collector was made, removed devices included (never goes down).
    public var recordsStored: Int {
        // One look at the state: a reload moves a removed device's count into `retiredRecords`.
        let (retired, current) = state.withLock { ($0.retiredRecords, $0.runners.values.flatMap(\.runner.pollers)) }
        return retired + Self.records(of: current)
    }

    /// Every device's status, in configuration order.
    public var statuses: [DeviceStatus] {
        let order = state.withLock { $0.order }
        let all = pollers.map { $0.status.withLock { $0 } }
        let byName = Dictionary(all.map { ($0.device, $0) }, uniquingKeysWith: { first, _ in first })
        return order.compactMap { byName[$0] }
    }

    /// The runners whose loop has not turned within its deadline (a wedged connection thread), by name.
    public func stalledRunners(now: ContinuousClock.Instant = .now) -> [String] {
        let runners = state.withLock { $0.runners.values.map(\.runner) }
        return runners.filter { !$0.isAlive(now: now) }.map(\.name).sorted()
    }
}

extension DeviceConfig {
    /// The device without where it is written in the file (moving a device in the file changes nothing).
    var comparable: DeviceConfig {
        var copy = self
        copy.definedAtLine = nil
        return copy
    }
}
