import Foundation
import GRDB
import SMTQCore
import SMTQTestSupport
@testable import SMTQStore
import Testing

struct ImportExportTests {
    static var referenceUnits: String { TestEnvironment.referenceFolder.appendingPathComponent("yield/units.jsonl").path }

    func export(_ path: String, _ table: Exporter.Table, _ format: Exporter.Format) throws -> Data {
        let file = URL(fileURLWithPath: path + ".\(table.rawValue).\(format.rawValue)")
        _ = FileManager.default.createFile(atPath: file.path, contents: nil)
        let handle = try FileHandle(forWritingTo: file)
        try Exporter(source: StoreDatabase.openReadOnly(path: path)).write(table, as: format, to: OutputBuffer(handle: handle))
        try handle.close()
        return try Data(contentsOf: file)
    }

    @Test("the shared reference imports completely, once, and exports as the same records")
    func referenceRoundTrip() throws {
        try #require(FileManager.default.fileExists(atPath: Self.referenceUnits), "missing \(Self.referenceUnits)")
        let lines = try String(contentsOfFile: Self.referenceUnits, encoding: .utf8).split(separator: "\n")
        let first = try TemporaryDatabase()
        do {
            let writer = try first.writer()
            defer { writer.shutdown() }
            let report = try JSONLImporter(path: Self.referenceUnits).run(into: writer, skipBad: false)
            #expect(report.problems.isEmpty)
            #expect(report.stored == lines.count)
            let again = try JSONLImporter(path: Self.referenceUnits).run(into: writer, skipBad: false)
            #expect(again.stored == 0 && again.duplicates == lines.count)
        }
        let exported = try export(first.path, .units, .jsonl)
        let decoder = JSONDecoder()
        func normalized(_ line: some StringProtocol) throws -> UnitRecord {
            var record = try decoder.decode(UnitRecord.self, from: Data(line.utf8))
            record.schemaVersion = nil
            return record
        }
        let original = try lines.map(normalized)
        let roundTripped = try String(decoding: exported, as: UTF8.self).split(separator: "\n").map(normalized)
        #expect(roundTripped.count == original.count)
        #expect(Set(roundTripped) == Set(original))

        let second = try TemporaryDatabase()
        let exportFile = second.folder.appendingPathComponent("export.jsonl")
        try exported.write(to: exportFile)
        do {
            let writer = try second.writer()
            defer { writer.shutdown() }
            #expect(try JSONLImporter(path: exportFile.path).run(into: writer, skipBad: false).stored == lines.count)
        }
        for table in Exporter.Table.allCases {
            for format in Exporter.Format.allCases {
                #expect(try export(first.path, table, format) == export(second.path, table, format),
                        "export \(table) as \(format) differs after a round trip")
            }
        }
    }

    @Test("a file with bad lines reports each as FILE:LINE and stores nothing, unless told to skip them")
    func badLines() throws {
        let database = try TemporaryDatabase()
        let file = database.folder.appendingPathComponent("mixed.jsonl")
        let good = InterchangeJSON.line(Sample.unit(serial: "G1", at: 1))
        let content = [
            good,
            "{\"line\":\"L1\",\"station\":\"AOI-1\",\"device\":\"a\",\"program\":\"P\",\"result\":\"pass\",\"time\":\"2026-11-24T08:00:01Z\"}",
            InterchangeJSON.line(Sample.unit(serial: "G2", at: 2)),
            "this is not json",
            "",
            "{\"line\":\"L1\",\"station\":\"AOI-1\",\"device\":\"a\",\"program\":\"P\",\"serial\":\"X\",\"result\":\"pass\",\"time\":\"2026-11-24T08:00:01Z\",\"cycle_ms\":\"slow\"}",
            InterchangeJSON.line(Sample.unit(serial: "G3", at: 3)),
        ].joined(separator: "\n")
        try content.write(to: file, atomically: true, encoding: .utf8)
        let writer = try database.writer()
        defer { writer.shutdown() }
        let refused = try JSONLImporter(path: file.path, displayName: "mixed.jsonl").run(into: writer, skipBad: false)
        #expect(refused.problems.map(\.description) == [
            "mixed.jsonl:2: missing key 'serial'",
            "mixed.jsonl:4: not valid JSON",
            "mixed.jsonl:6: 'cycle_ms' should be a number",
        ])
        #expect(refused.stored == 0)
        #expect(try writer.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM units") } == 0)
        let skipped = try JSONLImporter(path: file.path).run(into: writer, skipBad: true)
        #expect(skipped.stored == 3 && skipped.problems.count == 3)
    }

    @Test("export of an empty database writes only the CSV header")
    func emptyExport() throws {
        let database = try TemporaryDatabase()
        _ = try StoreDatabase.openForWriting(path: database.path)
        #expect(try export(database.path, .units, .jsonl).isEmpty)
        #expect(String(decoding: try export(database.path, .defects, .csv), as: UTF8.self)
            == "line,station,device,program,serial,position,result,time,cycle_ms,refdes,part,code,category,verdict\r\n")
    }
}
