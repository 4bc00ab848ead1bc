import Foundation
import SMTQConfig

/// What the dashboard needs from the daemon that serves it (the daemon implements it; the dashboard never
/// imports the daemon): the configuration in force, the devices' live state, and the acknowledgement path.
public protocol DashboardHost: Sendable {
    var configuration: SMTQConfig.Configuration { get }
    /// Every device's state, in configuration order.
    func devices() -> [DashboardDevice]
    /// Records an acknowledgement as `smtq alerts ack` does; false when there is no such alert.
    func acknowledge(alert: Int64, by: String, note: String) async throws -> Bool
}

/// One device as the dashboard shows it.
public struct DashboardDevice: Sendable, Equatable {
    public enum State: String, Sendable {
        /// Connected and answering.
        case up
        /// Connected but not answering.
        case silent
        case down
    }

    public var name: String
    public var line: String
    public var station: String
    public var state: State
    /// Labelled facts for the device page (`smtq status`'s columns), in order.
    public var facts: [(String, String)]

    public init(name: String, line: String, station: String, state: State, facts: [(String, String)]) {
        self.name = name
        self.line = line
        self.station = station
        self.state = state
        self.facts = facts
    }

    public static func == (a: DashboardDevice, b: DashboardDevice) -> Bool {
        a.name == b.name && a.line == b.line && a.station == b.station && a.state == b.state
            && a.facts.map { $0.0 + "=" + $0.1 } == b.facts.map { $0.0 + "=" + $0.1 }
    }
}
