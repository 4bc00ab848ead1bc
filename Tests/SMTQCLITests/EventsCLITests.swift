import Foundation
import SMTQConfig
import SMTQCore
import SMTQStore
import SMTQTestSupport
import Testing

/// `smtq events` and `smtq export events` through the built binary, over device events stored by the store's
/// writer (out of time order, so the listing's order is the query's, not the writes').
struct EventsCLITests {
    struct Written {
        var time: String
        var device: String
        var station: String
        var kind: DeviceEvent.Kind
        var count: Int
        var detail: String?
    }

    /// The events in time order; two share 09:00:00Z (the reset was written first, so it comes first).
    static let events = [
        Written(time: "2026-11-23T23:30:00Z", device: "ict1", station: "ICT-1", kind: .connect, count: 1, detail: "192.168.10.21:502"),
        Written(time: "2026-11-24T08:00:00Z", device: "aoi1", station: "AOI-1", kind: .connect, count: 1, detail: "127.0.0.1:1502"),
        Written(time: "2026-11-24T08:00:01.500Z", device: "ict1", station: "ICT-1", kind: .error, count: 1,
                detail: #"undecodable record SEQ 7: "code" 9 is not in the enum map; registers 0x0001,0x0009"#),
        Written(time: "2026-11-24T08:01:00Z", device: "aoi1", station: "AOI-1", kind: .gap, count: 4, detail: "SEQ 10 → 15"),
        Written(time: "2026-11-24T09:00:00Z", device: "ict1", station: "ICT-1", kind: .reset, count: 1, detail: "counters went down: inspected"),
        Written(time: "2026-11-24T09:00:00Z", device: "aoi1", station: "AOI-1", kind: .error, count: 1, detail: "timeout"),
        Written(time: "2026-11-24T10:00:00Z", device: "aoi1", station: "AOI-1", kind: .gap, count: 2, detail: "SEQ 20 → 23"),
        Written(time: "2026-11-24T10:01:40Z", device: "aoi1", station: "AOI-1", kind: .disconnect, count: 1, detail: nil),
    ]

    /// `events` as CSV rows, written out by hand.
    static let csvRows = [
        "2026-11-23T23:30:00Z,ict1,L1,ICT-1,connect,1,192.168.10.21:502",
        "2026-11-24T08:00:00Z,aoi1,L1,AOI-1,connect,1,127.0.0.1:1502",
        #"2026-11-24T08:00:01.500Z,ict1,L1,ICT-1,error,1,"undecodable record SEQ 7: ""code"" 9 is not in the enum map; registers 0x0001,0x0009""#,
        "2026-11-24T08:01:00Z,aoi1,L1,AOI-1,gap,4,SEQ 10 → 15",
        "2026-11-24T09:00:00Z,ict1,L1,ICT-1,reset,1,counters went down: inspected",
        "2026-11-24T09:00:00Z,aoi1,L1,AOI-1,error,1,timeout",
        "2026-11-24T10:00:00Z,aoi1,L1,AOI-1,gap,2,SEQ 20 → 23",
        "2026-11-24T10:01:40Z,aoi1,L1,AOI-1,disconnect,1,",
    ]
    static let csvHeader = "time,device,line,station,kind,count,detail"

    /// A database holding `events`, written in a shuffled order, and a configuration in Europe/Berlin for it.
    static func setUp() throws -> (folder: TemporaryFolder, db: String, config: String) {
        let folder = try TemporaryFolder("smtq-events")
        let db = folder.path("smtq.sqlite")
        let writer = try StoreWriter(options: StorageConfig(databasePath: db))
        for index in [6, 2, 0, 4, 7, 3, 5, 1] {
            let event = events[index]
            let stored = DeviceEvent(device: DeviceIdentity(device: event.device, line: "L1", station: event.station),
                                     time: try #require(RFC3339.date(from: event.time)), kind: event.kind, count: event.count,
                                     detail: event.detail)
            #expect(writer.submitAndWait(.deviceEvent(stored)) == .durable(stored: 1, duplicates: 0))
        }
        writer.shutdown()
        let config = try CLIFixtures.referenceConfig(in: folder, extra: "timezone: Europe/Berlin\n")
        return (folder, db, config)
    }

    static func csv(_ rows: [String]) -> String {
        ([csvHeader] + rows).map { $0 + "\r\n" }.joined()
    }

    @Test("every event in time order as CSV, from both 'smtq events' and 'smtq export events'")
    func csvListing() throws {
        let (folder, db, _) = try Self.setUp()
        defer { _ = folder }
        let listed = try BinaryRunner.run("smtq", ["events", "--db", db, "--format", "csv"])
        #expect(listed.status == 0, "\(listed.standardError)")
        #expect(listed.standardOutput == Self.csv(Self.csvRows))
        let exported = try BinaryRunner.run("smtq", ["export", "events", "--db", db, "--format", "csv"])
        #expect(exported.status == 0, "\(exported.standardError)")
        #expect(exported.standardOutput == Self.csv(Self.csvRows))
    }

    @Test("the table has a row per event and a summary by kind with the records lost in gaps")
    func table() throws {
        let (folder, db, _) = try Self.setUp()
        defer { _ = folder }
        let result = try BinaryRunner.run("smtq", ["events", "--db", db, "--format", "table"])
        #expect(result.status == 0, "\(result.standardError)")
        let lines = result.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.count == Self.events.count + 2)
        #expect(lines.first?.split(separator: " ", omittingEmptySubsequences: true) == ["time", "device", "line", "station", "kind", "count", "detail"])
        for (line, event) in zip(lines.dropFirst(), Self.events) {
            let words = line.split(separator: " ", maxSplits: 6, omittingEmptySubsequences: true).map(String.init)
            #expect(Array(words.prefix(6)) == [event.time, event.device, "L1", event.station, event.kind.rawValue, String(event.count)])
            #expect(words.count == (event.detail == nil ? 6 : 7))
            if let detail = event.detail { #expect(words.last?.trimmingCharacters(in: .whitespaces) == detail) }
        }
        #expect(lines.last == "8 events: 2 connect, 1 disconnect, 2 error, 2 gap, 1 reset; 6 records lost in gaps")
    }

    @Test("JSON: the filter, the events with snake_case keys, counts by kind and the records lost")
    func json() throws {
        let (folder, db, _) = try Self.setUp()
        defer { _ = folder }
        let result = try BinaryRunner.run("smtq", ["events", "--db", db, "--format", "json"])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.hasPrefix(
            #"{"report":"events","time_zone":"UTC","since":null,"until":null,"devices":null,"kinds":null,"events":[{"time":"2026-11-23T23:30:00Z","device":"ict1","line":"L1","station":"ICT-1","kind":"connect","count":1,"detail":"192.168.10.21:502"},"#))
        let object = try CLIFixtures.json(result)
        let listed = try #require(object["events"] as? [[String: Any]])
        #expect(listed.count == Self.events.count)
        for (item, event) in zip(listed, Self.events) {
            #expect(Set(item.keys) == ["time", "device", "line", "station", "kind", "count", "detail"])
            #expect(item["time"] as? String == event.time)
            #expect(item["device"] as? String == event.device)
            #expect(item["line"] as? String == "L1")
            #expect(item["station"] as? String == event.station)
            #expect(item["kind"] as? String == event.kind.rawValue)
            #expect(item["count"] as? Int == event.count)
            if let detail = event.detail {
                #expect(item["detail"] as? String == detail)
            } else {
                #expect(item["detail"] is NSNull)
            }
        }
        #expect(object["event_count"] as? Int == 8)
        #expect(object["lost_records"] as? Int == 6)
        #expect(object["by_kind"] as? [String: Int] == ["connect": 2, "disconnect": 1, "error": 2, "gap": 2, "reset": 1, "duplicate": 0])
    }

    @Test("--device, --kind, --since and --until narrow the list; a local date follows the configured zone")
    func filters() throws {
        let (folder, db, config) = try Self.setUp()
        defer { _ = folder }
        func rows(_ arguments: [String]) throws -> [String] {
            let result = try BinaryRunner.run("smtq", ["events", "--format", "csv"] + arguments)
            #expect(result.status == 0, "\(arguments): \(result.standardError)")
            return result.standardOutput.components(separatedBy: "\r\n").dropFirst().filter { !$0.isEmpty }
        }
        let all = Self.csvRows
        #expect(try rows(["--db", db, "--device", "aoi1"]) == [all[1], all[3], all[5], all[6], all[7]])
        #expect(try rows(["--db", db, "--kind", "gap"]) == [all[3], all[6]])
        #expect(try rows(["--db", db, "--device", "ict1", "--device", "aoi1", "--kind", "error", "--kind", "reset"])
                    == [all[2], all[4], all[5]])
        #expect(try rows(["--db", db, "--since", "2026-11-24T09:00:00Z", "--until", "2026-11-24T10:00:00Z"]) == [all[4], all[5]])
        // 2026-11-24 is from 00:00Z with a bare --db (UTC) and from 2026-11-23T23:00Z in Europe/Berlin.
        #expect(try rows(["--db", db, "--since", "2026-11-24"]) == Array(all.dropFirst()))
        #expect(try rows(["--config", config, "--since", "2026-11-24"]) == all)

        let gaps = try BinaryRunner.run("smtq", ["events", "--db", db, "--device", "aoi1", "--kind", "gap", "--format", "json"])
        let object = try CLIFixtures.json(gaps)
        #expect(object["devices"] as? [String] == ["aoi1"])
        #expect(object["kinds"] as? [String] == ["gap"])
        #expect(object["event_count"] as? Int == 2)
        #expect(object["lost_records"] as? Int == 6)
        #expect(object["by_kind"] as? [String: Int] == ["connect": 0, "disconnect": 0, "error": 0, "gap": 2, "reset": 0, "duplicate": 0])
        let table = try BinaryRunner.run("smtq", ["events", "--db", db, "--device", "ict1", "--format", "table"])
        #expect(table.standardOutput.hasSuffix("\n3 events: 1 connect, 1 error, 1 reset; 0 records lost in gaps\n"))
    }

    @Test("an unknown device or kind is one line naming the known values, exit 64")
    func unknownValues() throws {
        let (folder, db, _) = try Self.setUp()
        defer { _ = folder }
        let device = try BinaryRunner.run("smtq", ["events", "--db", db, "--device", "aoi9"])
        #expect(device.status == 64)
        #expect(device.standardOutput.isEmpty)
        #expect(device.standardError == "smtq events: --device 'aoi9' is not in the database (known: aoi1, ict1)\n")
        let kind = try BinaryRunner.run("smtq", ["events", "--db", db, "--kind", "gap", "--kind", "lost"])
        #expect(kind.status == 64)
        #expect(kind.standardOutput.isEmpty)
        let known = DeviceEvent.Kind.allCases.map(\.rawValue).joined(separator: ", ")
        #expect(kind.standardError == "smtq events: --kind 'lost' is not one of \(known)\n")
        #expect(known.contains("connect, disconnect, error, gap, reset"))
        let window = try BinaryRunner.run("smtq", ["events", "--db", db, "--since", "2026-11-24", "--until", "2026-11-23"])
        #expect(window.status == 64)
        #expect(window.standardError.split(separator: "\n").count == 1)
    }

    @Test("an empty window keeps each format: a sentence, the CSV header, JSON with no events")
    func emptyResult() throws {
        let (folder, db, _) = try Self.setUp()
        defer { _ = folder }
        let arguments = ["events", "--db", db, "--since", "2026-12-01T00:00:00Z", "--format"]
        let table = try BinaryRunner.run("smtq", arguments + ["table"])
        #expect(table.status == 0)
        #expect(table.standardOutput == "no device events in this window and filter\n")
        let csv = try BinaryRunner.run("smtq", arguments + ["csv"])
        #expect(csv.standardOutput == Self.csv([]))
        let json = try CLIFixtures.json(try BinaryRunner.run("smtq", arguments + ["json"]))
        #expect((json["events"] as? [Any])?.isEmpty == true)
        #expect(json["since"] as? String == "2026-12-01T00:00:00Z")
        #expect(json["event_count"] as? Int == 0)
        #expect(json["lost_records"] as? Int == 0)
        let exported = try BinaryRunner.run("smtq", ["export", "events", "--db", db, "--since", "2026-12-01T00:00:00Z"])
        #expect(exported.status == 0)
        #expect(exported.standardOutput.isEmpty)
    }

    @Test("export events as JSON Lines, one event object per line, in a window")
    func exportJSONLines() throws {
        let (folder, db, _) = try Self.setUp()
        defer { _ = folder }
        let result = try BinaryRunner.run("smtq", ["export", "events", "--db", db, "--format", "jsonl"])
        #expect(result.status == 0, "\(result.standardError)")
        let lines = result.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.count == Self.events.count)
        #expect(lines[2] == #"{"time":"2026-11-24T08:00:01.500Z","device":"ict1","line":"L1","station":"ICT-1","kind":"error","count":1,"detail":"undecodable record SEQ 7: \"code\" 9 is not in the enum map; registers 0x0001,0x0009"}"#)
        #expect(lines[7] == #"{"time":"2026-11-24T10:01:40Z","device":"aoi1","line":"L1","station":"AOI-1","kind":"disconnect","count":1,"detail":null}"#)
        for (line, event) in zip(lines, Self.events) {
            let item = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(item["time"] as? String == event.time)
            #expect(item["kind"] as? String == event.kind.rawValue)
            #expect(item["count"] as? Int == event.count)
        }
        let window = try BinaryRunner.run("smtq", ["export", "events", "--db", db, "--format", "csv",
                                                   "--since", "2026-11-24T08:00:01Z", "--until", "2026-11-24T09:00:00Z"])
        #expect(window.standardOutput == Self.csv([Self.csvRows[2], Self.csvRows[3]]))
    }
}
