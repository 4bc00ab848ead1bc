import Foundation
import SMTQTestSupport
import Testing

/// `smtq import`, `export` and `db` through the built binary.
struct StoreCLITests {
    static var referenceUnits: String { TestEnvironment.referenceFolder.appendingPathComponent("yield/units.jsonl").path }

    @Test func importExportAndCheck() throws {
        let folder = try BinaryRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = folder.appendingPathComponent("smtq.sqlite").path
        let imported = try BinaryRunner.run("smtq", ["import", Self.referenceUnits, "--db", db])
        #expect(imported.status == 0, "\(imported.standardError)")
        #expect(imported.standardOutput.contains("875 units stored, 0 already present"))
        let again = try BinaryRunner.run("smtq", ["import", Self.referenceUnits, "--db", db])
        #expect(again.standardOutput.contains("0 units stored, 875 already present"))
        let exported = try BinaryRunner.run("smtq", ["export", "units", "--db", db])
        #expect(exported.status == 0)
        #expect(exported.standardOutput.split(separator: "\n").count == 875)
        let window = try BinaryRunner.run("smtq", ["export", "units", "--db", db, "--since", "2026-11-25T00:00:00Z",
                                                   "--until", "2026-11-25T01:00:00Z", "--format", "csv"])
        let rows = window.standardOutput.split(separator: "\r\n").dropFirst()
        #expect(!rows.isEmpty && rows.allSatisfy { $0.contains(",2026-11-25T00:") })
        let check = try BinaryRunner.run("smtq", ["db", "check", "--db", db])
        #expect(check.status == 0)
        #expect(check.standardOutput.contains("OK, integrity check passed"))
        #expect(check.standardOutput.contains("units: 875"))
        let vacuum = try BinaryRunner.run("smtq", ["db", "vacuum", "--db", db])
        #expect(vacuum.status == 0, "\(vacuum.standardError)")
    }

    @Test("missing, damaged and foreign files get one line and a non-zero exit")
    func badDatabases() throws {
        let folder = try BinaryRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let missing = folder.appendingPathComponent("missing.sqlite").path
        let result = try BinaryRunner.run("smtq", ["export", "units", "--db", missing])
        #expect(result.status == 1)
        #expect(result.standardError.split(separator: "\n").count == 1)
        #expect(result.standardError.contains(missing))
        #expect(!FileManager.default.fileExists(atPath: missing))

        let garbage = folder.appendingPathComponent("garbage.sqlite").path
        try Data(repeating: 0x5A, count: 4096).write(to: URL(fileURLWithPath: garbage))
        let damaged = try BinaryRunner.run("smtq", ["export", "units", "--db", garbage])
        #expect(damaged.status == 1)
        #expect(damaged.standardError.split(separator: "\n").count == 1)
        #expect(damaged.standardError.contains(garbage) && damaged.standardError.contains("smtq db check"))
        let check = try BinaryRunner.run("smtq", ["db", "check", "--db", garbage])
        #expect(check.status == 1)
        let importing = try BinaryRunner.run("smtq", ["import", Self.referenceUnits, "--db", garbage])
        #expect(importing.status == 1)
        #expect(importing.standardError.contains("smtq db check"))
    }

    @Test("a file with a bad line stores nothing and exits 65")
    func badImport() throws {
        let folder = try BinaryRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("units.jsonl")
        let good = try String(contentsOfFile: Self.referenceUnits, encoding: .utf8).split(separator: "\n").prefix(5)
        try (good + ["{\"serial\": 42}"]).joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        let db = folder.appendingPathComponent("smtq.sqlite").path
        let result = try BinaryRunner.run("smtq", ["import", file.path, "--db", db])
        #expect(result.status == 65)
        #expect(result.standardError.contains("\(file.path):6: "))
        #expect(result.standardError.contains("nothing from this file was stored"))
        let count = try BinaryRunner.run("smtq", ["export", "units", "--db", db])
        #expect(count.standardOutput.isEmpty)
        let skipping = try BinaryRunner.run("smtq", ["import", file.path, "--db", db, "--skip-bad"])
        #expect(skipping.status == 0)
        #expect(skipping.standardOutput.contains("5 units stored"))
    }
}
