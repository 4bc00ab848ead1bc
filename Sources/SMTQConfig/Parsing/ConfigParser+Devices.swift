import Foundation
import SMTQCore

/// A device as read, with the node it came from (for messages about it found later).
struct ParsedDevice {
    var config: DeviceConfig
    var node: ConfigNode
}

/// A `serial_buses` entry as read.
struct DeclaredBus {
    var settings: SerialLineSettings
    var interFrameDelay: Duration?
}

extension ConfigParser {
    static let standardBauds = [1200, 2400, 4800, 9600, 14_400, 19_200, 38_400, 57_600, 115_200, 230_400, 460_800, 921_600]

    func parseSerialBuses(_ node: ConfigNode) -> [String: DeclaredBus] {
        guard let map = node.mapping() else { return [:] }
        var buses: [String: DeclaredBus] = [:]
        for (name, _, busNode) in map.entries() {
            guard let busMap = busNode.mapping() else { continue }
            let settings = parseLineSettings(busMap, requirePort: true)
            let delay = busMap.optional("inter_frame_delay")?.duration(minimum: .zero)
            busMap.finish()
            if let settings { buses[name] = DeclaredBus(settings: settings, interFrameDelay: delay) }
        }
        return buses
    }

    /// Port and line settings; Modbus RTU's default is 19200 baud, 8 data bits, even parity, 1 stop bit.
    private func parseLineSettings(_ map: MappingReader, requirePort: Bool) -> SerialLineSettings? {
        let portNode = requirePort ? map.required("port", expected: "a serial device path such as /dev/ttyUSB0")
            : map.optional("port")
        let port = portNode?.nonEmptyString()
        if let port, !port.hasPrefix("/") {
            portNode?.error("'\(port)' is not a device path", expected: "an absolute path such as /dev/ttyUSB0")
        }
        let baudNode = map.optional("baud")
        var baud = baudNode?.int(1...4_000_000)
        if let value = baud, !Self.standardBauds.contains(value) {
            baudNode?.error("\(value) is not a standard baud rate",
                            expected: "one of " + Self.standardBauds.map(String.init).joined(separator: ", "))
            baud = nil
        }
        let parity = map.optional("parity")?.choice(Parity.self)
        let dataBits = map.optional("data_bits")?.int(7...8)
        let stopBits = map.optional("stop_bits")?.int(1...2)
        let mode = map.optional("mode")?.choice(SerialMode.self)
        guard let port, port.hasPrefix("/") else { return nil }
        return SerialLineSettings(
            port: port, baud: baud ?? 19_200, parity: parity ?? .even, dataBits: dataBits ?? 8,
            stopBits: stopBits ?? 1, mode: mode ?? .rs232)
    }

    func parseDevices(_ node: ConfigNode, buses: [String: DeclaredBus], lines: [LineConfig]) -> [ParsedDevice] {
        guard let items = node.sequence() else { return [] }
        var devices: [ParsedDevice] = []
        var firstLineOfName: [String: Int] = [:]
        for item in items {
            guard let map = item.mapping() else { continue }
            let nameNode = map.required("name", expected: "a unique device name such as aoi1")
            let name = nameNode?.nonEmptyString()
            if let name, let nameNode {
                if let first = firstLineOfName[name] {
                    nameNode.error("duplicate device name '\(name)' (first used on line \(first))",
                                   expected: "a name no other device has")
                } else {
                    firstLineOfName[name] = nameNode.line ?? 0
                }
            }
            if let device = parseDevice(map, name: name, buses: buses, lines: lines) {
                devices.append(ParsedDevice(config: device, node: item))
            }
            map.finish()
        }
        checkEndpointsAreDistinct(devices)
        return devices.filter { device in devices.first { $0.config.name == device.config.name }?.node.line == device.node.line }
    }

    private func parseDevice(_ map: MappingReader, name: String?, buses: [String: DeclaredBus],
                             lines: [LineConfig]) -> DeviceConfig? {
        let lineNode = map.required("line", expected: "the production line, e.g. L1")
        let line = lineNode?.nonEmptyString()
        let stationNode = map.required("station", expected: "the station, e.g. AOI-1")
        let station = stationNode?.nonEmptyString()
        if let line, let lineNode, !lines.isEmpty {
            if let known = lines.first(where: { $0.name == line }) {
                if let station, let stationNode, !known.route.contains(station) {
                    stationNode.error("station '\(station)' is not on line \(line)'s route",
                                      expected: Suggestion.hint(for: station, in: known.route))
                }
            } else {
                lineNode.error("unknown line '\(line)'", expected: Suggestion.hint(for: line, in: lines.map(\.name)))
            }
        }
        let kind = map.required("kind", expected: "aoi or tester")?.choice(DeviceKind.self)
        let profileNode = map.required("profile", expected: "the name of a profile")
        var profileName = profileNode?.nonEmptyString()
        if let name = profileName, let profileNode, !definedProfiles.contains(name) {
            profileNode.error("unknown profile '\(name)'", expected: Suggestion.hint(for: name, in: Array(definedProfiles)))
            profileName = nil
        }
        let programNode = map.optional("program")
        let program = programNode?.nonEmptyString()
        if let profileName, let profile = profiles[profileName], profile.mode != .counters,
           profile.record?.fields[.program] == nil, program == nil {
            map.owner.error("profile '\(profileName)' has no program field, so the device needs 'program'",
                            expected: "program: the product this device's units belong to")
        }
        // Modbus TCP gateways address the serial devices behind them by unit id 0 or 255 too; on a serial bus
        // 0 is the broadcast address and 248…255 are reserved.
        let unitNode = map.required("unit_id", expected: "the Modbus unit id, 1 to 247 (0 to 255 over TCP)")
        var unitID = unitNode?.int(0...255)
        let transport = parseTransport(map, buses: buses)
        if let id = unitID, let unitNode, case .rtu = transport, !(1...247).contains(id) {
            unitNode.error("unit id \(id) on a serial bus", expected: "1 to 247 (0 is the broadcast address, 248 to 255 are reserved)")
            unitID = nil
        }
        let pollInterval = map.optional("poll_interval")?.duration(minimum: .milliseconds(10))
        let timeout = map.optional("timeout")?.duration(minimum: .milliseconds(10))
        let retries = map.optional("retries")?.int(0...10)
        let backoff = parseBackoff(map.optional("backoff"))
        let quirks = parseQuirks(map.optional("quirks"))
        guard let name, let line, let station, let kind, let profileName, let unitID, let transport,
              let backoff, let quirks
        else { return nil }
        return DeviceConfig(
            name: name, line: line, station: station, kind: kind, profile: profileName, program: program,
            transport: transport, unitID: unitID, pollInterval: pollInterval ?? .seconds(1),
            timeout: timeout ?? .seconds(1), retries: retries ?? 2, backoff: backoff, quirks: quirks,
            definedAtLine: map.owner.line)
    }

    private func parseTransport(_ map: MappingReader, buses: [String: DeclaredBus]) -> Transport? {
        guard let which = map.exactlyOne(of: ["tcp", "rtu"]) else {
            _ = map.optional("tcp")
            _ = map.optional("rtu")
            return nil
        }
        _ = map.optional(which == "tcp" ? "rtu" : "tcp")
        guard let node = map.optional(which) else {
            _ = map.required(which)
            return nil
        }
        if which == "tcp" {
            return hostAndPort(node).map { Transport.tcp(host: $0.host, port: $0.port) }
        }
        guard let rtu = node.mapping() else { return nil }
        defer { rtu.finish() }
        if let busNode = rtu.optional("bus") {
            for key in ["port", "baud", "parity", "data_bits", "stop_bits", "mode"] where rtu.contains(key) {
                rtu.errorAtKey(key, "'\(key)' is set by the bus", expected: "either bus or the port settings, not both")
            }
            guard let busName = busNode.nonEmptyString() else { return nil }
            guard let bus = buses[busName] else {
                busNode.error("unknown serial bus '\(busName)'", expected: Suggestion.hint(for: busName, in: Array(buses.keys)))
                return nil
            }
            return .rtu(bus.settings)
        }
        return parseLineSettings(rtu, requirePort: true).map(Transport.rtu)
    }

    private func parseBackoff(_ node: ConfigNode?) -> BackoffConfig? {
        var backoff = BackoffConfig(initial: .seconds(1), max: .seconds(60), jitter: 0.2)
        guard let node else { return backoff }
        guard let map = node.mapping() else { return nil }
        defer { map.finish() }
        if let initial = map.optional("initial")?.duration() { backoff.initial = initial }
        if let max = map.optional("max")?.duration() { backoff.max = max }
        if let jitter = map.optional("jitter")?.double(expected: "a fraction from 0 to 1") {
            guard (0...1).contains(jitter) else {
                map.errorAtKey("jitter", "\(jitter) is out of range", expected: "a fraction from 0 to 1")
                return nil
            }
            backoff.jitter = jitter
        }
        if backoff.initial > backoff.max {
            node.error("initial back-off \(DurationText.format(backoff.initial)) is longer than max \(DurationText.format(backoff.max))",
                       expected: "initial <= max")
            return nil
        }
        return backoff
    }

    private func parseQuirks(_ node: ConfigNode?) -> DeviceQuirks? {
        var quirks = DeviceQuirks()
        guard let node else { return quirks }
        guard let map = node.mapping() else { return nil }
        defer { map.finish() }
        quirks.pauseBetweenRequests = map.optional("pause_between_requests")?.duration(minimum: .zero) ?? .zero
        quirks.closeAfterPoll = map.optional("close_after_poll")?.bool() ?? false
        quirks.oneRequestPerField = map.optional("one_request_per_field")?.bool() ?? false
        quirks.maxMergeGap = map.optional("max_merge_gap")?.int(0...124) ?? 0
        quirks.maxRegistersPerRequest = map.optional("max_registers_per_request")?.int(1...125)
        quirks.stringByteOrder = map.optional("string_byte_order")?.choice(StringByteOrder.self)
        quirks.addressing = map.optional("addressing")?.choice(Addressing.self)
        return quirks
    }

    /// Two devices at one TCP endpoint and unit id, or one unit id twice on a serial port, are one device
    /// (one profile reads all its parts). Host names are compared by the addresses they resolve to, so
    /// `localhost` and `127.0.0.1` are one endpoint.
    private func checkEndpointsAreDistinct(_ devices: [ParsedDevice]) {
        var seen: [(keys: Set<String>, name: String)] = []
        for device in devices {
            let keys: Set<String>
            let shown: String
            switch device.config.transport {
            case let .tcp(host, port):
                keys = Set(HostResolver.addresses(of: host).map { "tcp \($0):\(port) unit \(device.config.unitID)" })
                shown = "tcp \(host):\(port) unit \(device.config.unitID)"
            case let .rtu(settings):
                shown = "\(settings.port) unit \(device.config.unitID)"
                keys = [shown]
            }
            if let other = seen.first(where: { !$0.keys.isDisjoint(with: keys) }) {
                device.node.error("device '\(device.config.name)' has the same address as device '\(other.name)' (\(shown))",
                                  expected: "a different unit_id or endpoint; one device entry reads records, counters and process values together when its profile has them")
            } else {
                seen.append((keys, device.config.name))
            }
        }
    }

    /// Groups RTU devices by port; devices on one port must agree on its line settings.
    func groupSerialBuses(devices: [ParsedDevice], declared: [String: DeclaredBus], root: ConfigNode) -> [SerialBusConfig] {
        var buses: [SerialBusConfig] = []
        for device in devices {
            guard case let .rtu(settings) = device.config.transport else { continue }
            if let index = buses.firstIndex(where: { $0.settings.port == settings.port }) {
                let existing = buses[index]
                if existing.settings != settings {
                    device.node.error(
                        "serial port \(settings.port) is also used by device '\(existing.deviceNames[0])' with \(existing.settings.lineSettingsDescription), this device says \(settings.lineSettingsDescription)",
                        expected: "the same line settings for every device on one port; declare the port once under serial_buses")
                } else {
                    buses[index].deviceNames.append(device.config.name)
                }
                continue
            }
            let declaredName = declared.first { $0.value.settings == settings }?.key
            let delay = declaredName.flatMap { declared[$0]?.interFrameDelay } ?? Self.interFrameDelay(baud: settings.baud)
            buses.append(SerialBusConfig(name: declaredName ?? settings.port, settings: settings,
                                         interFrameDelay: delay, deviceNames: [device.config.name]))
        }
        return buses
    }

    /// Modbus RTU's silent interval: 3.5 character times (11 bits each), 1.75 ms above 19200 baud.
    static func interFrameDelay(baud: Int) -> Duration {
        if baud > 19_200 { return .microseconds(1750) }
        return .microseconds(Int64((3.5 * 11 * 1_000_000 / Double(baud)).rounded(.up)))
    }
}
