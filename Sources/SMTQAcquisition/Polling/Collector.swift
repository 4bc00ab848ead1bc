import Logging
import SMTQConfig
import SMTQCore
import SMTQModbus

/// Acquisition for a whole configuration: a connection runner per TCP device and per serial bus, all
/// writing through one store writer.
public final class Collector: @unchecked Sendable {
    private let runners: [ConnectionRunner]
    private let pollers: [DevicePoller]

    public init(configuration: Configuration, writer: any RecordSink, logger: Logger = Logger(label: "smtq.acquisition")) {
        var pollers: [DevicePoller] = []
        var runners: [ConnectionRunner] = []
        func poller(_ device: DeviceConfig, pause: Duration = .zero) -> DevicePoller? {
            guard let profile = configuration.profiles[device.profile] else { return nil }
            let made = DevicePoller(device: device, profile: profile, products: configuration.products, writer: writer,
                                    logger: logger, minimumPause: pause)
            pollers.append(made)
            return made
        }
        for device in configuration.devices {
            guard case let .tcp(host, port) = device.transport, let made = poller(device) else { continue }
            runners.append(ConnectionRunner(name: device.name, endpoint: .tcp(host: host, port: port), pollers: [made], logger: logger))
        }
        for bus in configuration.serialBuses {
            let members = bus.deviceNames.compactMap(configuration.device(named:)).compactMap { poller($0, pause: bus.interFrameDelay) }
            guard !members.isEmpty else { continue }
            runners.append(ConnectionRunner(name: bus.name, endpoint: .rtu(bus.settings.modbusLine), pollers: members, logger: logger))
        }
        self.runners = runners
        self.pollers = pollers
    }

    public func start() {
        for runner in runners { runner.start() }
    }

    /// Stops every runner after its request in progress.
    public func stop() {
        for runner in runners { runner.stop() }
    }

    /// Every device's status, in configuration order.
    public var statuses: [DeviceStatus] {
        pollers.map { $0.status.withLock { $0 } }
    }
}
