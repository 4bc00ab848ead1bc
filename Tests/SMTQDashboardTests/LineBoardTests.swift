import Foundation
import SMTQConfig
@testable import SMTQDashboard
import SMTQReports
import Testing

/// The andon's colours and the clock it counts the shift and hour by.
struct LineBoardTests {
    @Test("green at or above the target, amber within the margin below, red under it; no units idle, no target neutral")
    func states() {
        #expect(TileState.judge(0.99, target: 0.985, margin: 0.02) == .green)
        #expect(TileState.judge(0.985, target: 0.985, margin: 0.02) == .green)
        #expect(TileState.judge(0.97, target: 0.985, margin: 0.02) == .amber)
        #expect(TileState.judge(0.965, target: 0.985, margin: 0.02) == .amber)
        #expect(TileState.judge(0.9649, target: 0.985, margin: 0.02) == .red)
        #expect(TileState.judge(nil, target: 0.985, margin: 0.02) == .idle)
        #expect(TileState.judge(0.5, target: nil, margin: 0.02) == .neutral)
    }

    func date(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    @Test("the current shift, also one that began yesterday; without shifts the local day; the local hour")
    func clock() {
        let time = TimeConfig(timeZone: "Europe/Berlin", shifts: [
            ShiftConfig(name: "early", startMinute: 360, endMinute: 840), ShiftConfig(name: "late", startMinute: 840, endMinute: 1320),
            ShiftConfig(name: "night", startMinute: 1320, endMinute: 360),
        ])
        // 2026-12-01 02:30 in Berlin (UTC+1): the night shift that began 2026-11-30 22:00.
        let night = ShiftClock(now: date("2026-12-01T01:30:00Z"), time: time)
        #expect(night.shiftName == "night" && night.shiftStart == date("2026-11-30T21:00:00Z"))
        #expect(night.hourStart == date("2026-12-01T01:00:00Z"))
        let late = ShiftClock(now: date("2026-12-01T13:05:00Z"), time: time)
        #expect(late.shiftName == "late" && late.shiftStart == date("2026-12-01T13:00:00Z"))
        // Between shifts (gaps are allowed), the count starts where the last one ended.
        let gap = ShiftClock(now: date("2026-12-01T14:30:00Z"), time: TimeConfig(timeZone: "Europe/Berlin", shifts: [
            ShiftConfig(name: "early", startMinute: 360, endMinute: 840),
        ]))
        #expect(gap.shiftName == "between shifts" && gap.shiftStart == date("2026-12-01T13:00:00Z"))
        let plain = ShiftClock(now: date("2026-12-01T13:05:00Z"), time: TimeConfig(timeZone: "Asia/Kolkata"))
        #expect(plain.shiftName == "today" && plain.shiftStart == date("2026-11-30T18:30:00Z"))
        #expect(plain.hourStart == date("2026-12-01T12:30:00Z"))
    }

    @Test("a station's colour is its worst product's, each judged by its own target")
    func worst() {
        #expect(TileState.worst([.green, .red, .amber]) == .red)
        #expect(TileState.worst([.green, .amber]) == .amber)
        #expect(TileState.worst([.neutral, .green]) == .green)
        #expect(TileState.worst([.neutral, .idle]) == .neutral)
        #expect(TileState.worst([]) == .idle)
    }

    @Test("a customer sees charts of its own products only; the plant sees all")
    func charts() {
        var configuration = Configuration.standalone(databasePath: ":memory:")
        func chart(_ name: String, program: String?) -> ChartConfig {
            ChartConfig(name: name, type: .p, line: "L1", station: "AOI-1", program: program, measurement: nil, subgroup: .units(10),
                        rules: [.nelson1], limitSigmas: 3, lambda: 0.2, cusumK: 0.5, cusumH: 5)
        }
        configuration.spc.charts = [chart("a", program: "PCB-A"), chart("b", program: "PCB-B"), chart("all", program: nil)]
        let acme = Viewer.customer(CustomerConfig(name: "acme", products: ["PCB-A"]))
        #expect(ChartPanels.visible(acme, configuration).map(\.name) == ["a"])
        #expect(ChartPanels.visible(.plant, configuration).map(\.name) == ["a", "b", "all"])
        #expect(acme.sees(program: "PCB-A") && !acme.sees(program: "PCB-B") && !acme.sees(program: nil))
    }
}
