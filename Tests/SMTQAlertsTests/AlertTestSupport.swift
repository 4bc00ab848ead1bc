import Foundation
@testable import SMTQAlerts
import SMTQConfig
import SMTQCore
import SMTQStore
import SMTQTestSupport

/// Units and rules for the alert tests.
enum Make {
    static let t0 = Date(timeIntervalSince1970: 1_790_000_000)

    static func unit(_ id: Int64, serial: String? = nil, station: String = "AOI-1", program: String = "PCB-A",
                     pass: Bool? = nil, defects: [(String, String)] = [], falseCalls: Int = 0, first: Bool = true,
                     at seconds: Double? = nil, device: String = "aoi1") -> StoredUnit {
        var list = defects.map { DefectRecord(refdes: $0.0, code: $0.1, verdict: .real) }
        list += (0..<falseCalls).map { _ in DefectRecord(refdes: "R1", code: "MISSING", verdict: .falseCall) }
        let record = UnitRecord(line: "L1", station: station, device: device, program: program,
                                serial: serial ?? "SN\(id)", result: (pass ?? defects.isEmpty) ? .pass : .fail,
                                time: t0.addingTimeInterval(seconds ?? Double(id)), defects: list)
        return StoredUnit(id: id, record: record, isFirstPass: first)
    }

    static func rule(_ condition: AlertRuleConfig.Condition, name: String = "r", cooldown: Duration = .zero,
                     repeat every: Duration? = nil, station: String? = nil) -> AlertRuleConfig {
        AlertRuleConfig(name: name, condition: condition, line: "L1", station: station, hooks: ["h"], cooldown: cooldown,
                        repeatInterval: every)
    }

    /// A configuration from YAML text (profiles from config/profiles).
    static func configuration(_ yaml: String, database: String = "/tmp/smtq-alert-test.sqlite") throws -> Configuration {
        let text = """
            storage:
              database: \(database)
            include: [\(TestEnvironment.packageRoot.path)/config/profiles/*.yaml]

            """ + yaml
        return try ConfigLoader.load(text: text, file: "test.yaml", directory: TestEnvironment.packageRoot.path)
    }
}

extension Array where Element == Observation {
    var active: [Observation] { filter(\.active) }
}
