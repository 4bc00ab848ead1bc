import Foundation
import SMTQCore
import Testing

/// The record interchange schema of DESIGN.md: what `smtq export` writes and `smtq import` reads.
struct UnitRecordSchemaTests {
    static func jsonObject(_ data: Data) throws -> NSDictionary {
        try #require(try JSONSerialization.jsonObject(with: data) as? NSDictionary)
    }

    @Test("every line of the shared yield reference decodes and re-encodes to the same JSON")
    func referenceUnitsRoundTrip() throws {
        let url = ReferencePaths.yieldUnits
        try #require(FileManager.default.fileExists(atPath: url.path),
                     "reference data not found at \(url.path): Tests/Reference is part of the repository; or set SMTQ_REFERENCE_DIR")
        let text = try String(contentsOf: url, encoding: .utf8)
        let lines = text.split(separator: "\n").filter { !$0.isEmpty }
        #expect(lines.count >= 300)
        let encoder = JSONEncoder()
        var defects = 0, measurements = 0, falseCalls = 0
        for (index, line) in lines.enumerated() {
            let original = Data(line.utf8)
            let record: UnitRecord
            do {
                record = try JSONDecoder().decode(UnitRecord.self, from: original)
            } catch {
                Issue.record("units.jsonl:\(index + 1): \(error)")
                continue
            }
            let encoded = try encoder.encode(record)
            #expect(try Self.jsonObject(encoded) == Self.jsonObject(original), "units.jsonl:\(index + 1)")
            #expect(try JSONDecoder().decode(UnitRecord.self, from: encoded) == record)
            defects += record.defects?.count ?? 0
            falseCalls += record.defects?.filter { $0.verdict == .falseCall }.count ?? 0
            measurements += record.measurements?.count ?? 0
        }
        #expect(defects > 0 && falseCalls > 0 && measurements > 0, "the reference exercises every part of the schema")
    }

    @Test func exampleFromTheDesignDocument() throws {
        let line = """
            {"line":"L1","station":"AOI-1","device":"aoi1","program":"PCB-A","serial":"SN0001","position":1,
             "result":"pass","time":"2026-11-24T08:00:01Z","cycle_ms":1234,
             "defects":[{"refdes":"C12","part":"CAP-0402-100N","code":"BRIDGE","category":"bridge","verdict":"real"}],
             "measurements":[{"name":"VCC","value":3.301,"unit":"V","lsl":3.2,"usl":3.4}]}
            """
        let record = try JSONDecoder().decode(UnitRecord.self, from: Data(line.utf8))
        #expect(record.identity == DeviceIdentity(device: "aoi1", line: "L1", station: "AOI-1"))
        #expect(record.time == Date(timeIntervalSince1970: 1_795_507_201))
        #expect(record.cycleMilliseconds == 1234)
        #expect(record.defects == [DefectRecord(refdes: "C12", part: "CAP-0402-100N", code: "BRIDGE",
                                                category: "bridge", verdict: .real)])
        #expect(record.measurements?.first?.isOutOfSpec == false)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let text = String(decoding: try encoder.encode(record), as: UTF8.self)
        #expect(text.contains(#""time":"2026-11-24T08:00:01Z""#))
        #expect(text.contains(#""cycle_ms":1234"#))
        #expect(!text.contains("null"), "absent optional keys are left out, not written as null")
    }

    @Test("optional parts may be absent and stay absent")
    func minimalRecord() throws {
        let line = #"{"line":"L1","station":"ICT-1","device":"ict1","program":"PCB-B","serial":"X","result":"fail","time":"2026-11-24T08:00:01.250+01:00"}"#
        let record = try JSONDecoder().decode(UnitRecord.self, from: Data(line.utf8))
        #expect(record.position == nil && record.defects == nil && record.measurements == nil)
        #expect(RFC3339.string(from: record.time) == "2026-11-24T07:00:01.250Z")
        let encoded = String(decoding: try JSONEncoder().encode(record), as: UTF8.self)
        #expect(!encoded.contains("defects") && !encoded.contains("position"))
    }

    @Test("a record that breaks the schema is refused with a reason", arguments: [
        (#"{"line":"L1","station":"S","device":"d","program":"P","result":"pass","time":"2026-11-24T08:00:01Z"}"#, "serial"),
        (#"{"line":"L1","station":"S","device":"d","program":"P","serial":"","result":"pass","time":"2026-11-24T08:00:01Z"}"#, "serial must not be empty"),
        (#"{"line":"L1","station":"S","device":"d","program":"P","serial":"A","result":"maybe","time":"2026-11-24T08:00:01Z"}"#, "maybe"),
        (#"{"line":"L1","station":"S","device":"d","program":"P","serial":"A","result":"pass","time":"yesterday"}"#, "RFC 3339"),
        (#"{"line":"L1","station":"S","device":"d","program":"P","serial":"A","result":"pass","time":"2026-02-30T08:00:01Z"}"#, "RFC 3339"),
        (#"{"line":"L1","station":"S","device":"d","program":"P","serial":"A","result":"pass","time":"2026-11-24T08:00:01Z","cycle_ms":-5}"#, "cycle_ms"),
        (#"{"line":"L1","station":"S","device":"d","program":"P","serial":"A","result":"pass","time":"2026-11-24T08:00:01Z","cycle_ms":"fast"}"#, "cycle_ms"),
        (#"{"line":"L1","station":"S","device":"d","program":"P","serial":"A","result":"pass","time":"2026-11-24T08:00:01Z","defects":[{"code":"X","verdict":"maybe"}]}"#, "maybe"),
        (#"{"line":"L1","station":"S","device":"d","program":"P","serial":"A","result":"pass","time":"2026-11-24T08:00:01Z","defects":[{"verdict":"real"}]}"#, "code"),
        (#"{"line":"L1","station":"S","device":"d","program":"P","serial":"A","result":"pass","time":"2026-11-24T08:00:01Z","measurements":[{"name":"V","value":1,"lsl":2,"usl":1}]}"#, "lsl"),
        (#"{"v":2,"line":"L1","station":"S","device":"d","program":"P","serial":"A","result":"pass","time":"2026-11-24T08:00:01Z"}"#, "schema version 2"),
    ])
    func invalidRecords(line: String, reason: String) {
        do {
            _ = try JSONDecoder().decode(UnitRecord.self, from: Data(line.utf8))
            Issue.record("accepted: \(line)")
        } catch {
            #expect("\(error)".contains(reason), "\(error)")
        }
    }
}
