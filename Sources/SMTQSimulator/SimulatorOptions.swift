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
    /// A JSON Lines file (the interchange schema) watched for appended units, each queued at once on every
    /// unit id besides the produced ones: a record "injected" by hand or by a test.
    public var injectPath: String?
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
    /// Every record's program (default: PCB-A or PCB-B at random, 4 to 1).
    public var program: String?
    /// A feeder gone bad: one real defect at one reference designator on a run of records.
    public var burst: DefectBurst?

    public init(profile: DeviceProfile) {
        self.profile = profile
    }
}

/// The same real defect (refdes and code) on `count` records from record number `first` (1-based), again
/// every `every` records when given: what `repeated_defect` rules are for.
public struct DefectBurst: Sendable, Equatable {
    public var refdes: String
    public var code: String
    public var first: Int
    public var count: Int
    public var every: Int?

    public init(refdes: String, code: String, first: Int, count: Int, every: Int? = nil) {
        self.refdes = refdes
        self.code = code
        self.first = first
        self.count = count
        self.every = every
    }

    /// `REFDES:CODE:FIRST:COUNT[:EVERY]`, e.g. `C12:BRIDGE:100:5` or `C12:BRIDGE:1:2:3`.
    public static func parse(_ text: String) -> DefectBurst? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 4 || parts.count == 5, !parts[0].isEmpty, !parts[1].isEmpty,
              let first = Int(parts[2]), first >= 1, let count = Int(parts[3]), count >= 1 else { return nil }
        var every: Int?
        if parts.count == 5 {
            guard let value = Int(parts[4]), value >= count else { return nil }
            every = value
        }
        return DefectBurst(refdes: parts[0], code: parts[1], first: first, count: count, every: every)
    }

    /// Whether record number `number` (1-based) carries the defect.
    public func covers(_ number: Int) -> Bool {
        guard number >= first else { return false }
        let offset = number - first
        if let every { return offset % every < count }
        return offset < count
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
