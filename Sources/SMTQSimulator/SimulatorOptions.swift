import Foundation
import SMTQConfig
import SMTQCore

/// What `smtq simulate` was asked to be.
public struct SimulatorOptions: Sendable {
    public var kind: DeviceKind = .aoi
    public var mode: AcquisitionMode = .fifo
    /// The profile whose register map is served (the reference profile of `kind` by default).
    public var profile: DeviceProfile
    public var unitIDs: [Int] = [1]
    /// Records per second per unit id.
    public var rate: Double = 1
    /// Share of boards with defects (AOI) or an out-of-spec measurement (tester).
    public var defectRate: Double = 0.05
    public var seed: UInt64 = 1
    /// Records per unit id, then production stops.
    public var count: Int?
    public var logPath: String?
    public var serialPrefix: String?
    public var firstSeq: Int = 1
    public var deviceName = "sim"
    public var line = "L1"
    public var station: String?
    /// Fault injection.
    public var dropConnectionEvery: Int?
    public var delay: Duration = .zero
    public var exceptionRate: Double = 0
    public var garbageRate: Double = 0
    public var rebootAfter: Int?
    /// Largest FIFO backlog the device keeps; production pauses when it is full.
    public var queueCapacity = 60_000

    public init(profile: DeviceProfile) {
        self.profile = profile
    }
}

extension SeededRandom {
    /// A normally distributed value (Box–Muller).
    mutating func normal(mean: Double, deviation: Double) -> Double {
        let u1 = Double.random(in: Double.ulpOfOne..<1, using: &self)
        let u2 = Double.random(in: 0..<1, using: &self)
        return mean + deviation * (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }
}
