import Foundation
import SMTQTestSupport

/// A configuration for the shared yield reference data (line L1: AOI-1, ICT-1, FCT-1; PCB-A and PCB-B) and a
/// database with its units imported.
enum CLIFixtures {
    static var referenceUnits: String { TestEnvironment.referenceFolder.appendingPathComponent("yield/units.jsonl").path }

    static func referenceConfig(in folder: TemporaryFolder, extra: String = "") throws -> String {
        let text = """
            storage:
              database: \(folder.path("smtq.sqlite"))
            include: [\(TestEnvironment.packageRoot.appendingPathComponent("config/profiles").path)/*.yaml]
            devices:
              - {name: aoi1, line: L1, station: AOI-1, kind: aoi, profile: aoi-reference, tcp: "127.0.0.1:1502", unit_id: 1}
            lines:
              L1: {route: [AOI-1, ICT-1, FCT-1]}
            products:
              PCB-A: {opportunities: 1250}
              PCB-B: {opportunities: 840}
            spc:
              charts:
                - {name: aoi-p, chart: p, line: L1, station: AOI-1, subgroup: {every: 15m}, rules: [nelson1, nelson2]}
                - {name: ict-vcc, chart: imr, line: L1, station: ICT-1, measurement: VCC}

            """ + extra
        let path = folder.path("smtq.yaml")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The configuration above with the reference units imported into its database.
    static func referenceDatabase(in folder: TemporaryFolder, extra: String = "") throws -> String {
        let config = try referenceConfig(in: folder, extra: extra)
        let result = try BinaryRunner.run("smtq", ["import", referenceUnits, "--db", folder.path("smtq.sqlite")])
        guard result.status == 0 else { throw CocoaError(.fileReadCorruptFile) }
        return config
    }

    static func json(_ result: BinaryRunner.Result) throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any] else {
            throw CocoaError(.propertyListReadCorrupt)
        }
        return object
    }
}
