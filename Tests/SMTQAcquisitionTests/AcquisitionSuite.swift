import Foundation
import SMTQCore
import SMTQStore
import Testing

/// What the acquisition suites share: a temporary folder with the reference profiles, a configuration
/// around the devices under test, and the stored units in a form comparable with the simulator's log.
protocol AcquisitionSuite {
    var folder: URL { get }
}

extension AcquisitionSuite {
    static func makeFolder() throws -> URL {
        let folder = try Processes.temporaryFolder()
        try FileManager.default.copyItem(at: Processes.packageRoot.appendingPathComponent("config/profiles"),
                                         to: folder.appendingPathComponent("profiles"))
        return folder
    }

    /// The keys of config/profiles/aoi-reference.yaml's profile from the line starting with `key` on,
    /// unindented to profile level, without the lines containing `without`.
    static func referenceAOI(from key: String, without: String? = nil) -> String {
        let path = Processes.packageRoot.appendingPathComponent("config/profiles/aoi-reference.yaml").path
        let lines = ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n", omittingEmptySubsequences: false)
        guard let first = lines.firstIndex(where: { $0.hasPrefix("    " + key) }) else { return "" }
        return lines[first...].filter { line in without.map { !line.contains($0) } ?? true }
            .map { $0.hasPrefix("    ") ? String($0.dropFirst(4)) : String($0) }
            .joined(separator: "\n").trimmingCharacters(in: .newlines)
    }

    var database: String { folder.appendingPathComponent("smtq.sqlite").path }

    func writeConfig(_ devices: String, extra: String = "") throws -> String {
        let path = folder.appendingPathComponent("smtq.yaml").path
        try """
            storage:
              database: \(database)
              batch: {max_records: 500, max_delay: 1ms}
            include: [profiles/*.yaml]
            \(extra)
            devices:
            \(devices)
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Writes a profile file into the included folder (the simulator can serve it with --profile-file).
    func writeProfile(_ name: String, _ yaml: String) throws -> String {
        let path = folder.appendingPathComponent("profiles/\(name).yaml").path
        try ("profiles:\n  \(name):\n" + yaml.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.isEmpty ? "" : "    " + $0 }.joined(separator: "\n")).write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Stored units by serial, with the identity the log does not know blanked.
    func storedUnits(blankTime: Bool = false) throws -> [String: UnitRecord] {
        var units: [String: UnitRecord] = [:]
        try Exporter(source: StoreDatabase.openReadOnly(path: database)).forEachUnit { record in
            #expect(units[record.serial] == nil, "\(record.serial) stored twice")
            units[record.serial] = Self.comparable(record, blankTime: blankTime)
        }
        return units
    }

    static func comparable(_ record: UnitRecord, blankTime: Bool = false) -> UnitRecord {
        var copy = record
        (copy.device, copy.line, copy.station, copy.schemaVersion) = ("", "", "", nil)
        copy.measurements = copy.measurements?.map { MeasurementRecord(name: $0.name, value: $0.value, unit: $0.unit) }
        if blankTime { copy.time = Date(timeIntervalSince1970: 0) }
        return copy
    }

    /// The final status row of a device in `smtq collect`'s table, by column name (every column but the last
    /// error is one word).
    static func statusRow(_ output: String, device: String) -> [String: String] {
        guard let row = output.split(separator: "\n").first(where: { $0.hasPrefix(device + " ") }) else { return [:] }
        let names = ["device", "connected", "records", "duplicates", "lost", "torn", "bad", "samples", "timeouts",
                     "exceptions", "crc", "reconnects"]
        let words = row.split(separator: " ", maxSplits: names.count, omittingEmptySubsequences: true).map(String.init)
        var result = Dictionary(uniqueKeysWithValues: zip(names, words))
        result["last error"] = words.count > names.count ? words[names.count].trimmingCharacters(in: .whitespaces) : ""
        return result
    }
}
