import Foundation
import SMTQConfig
import SMTQCore
import SMTQEngine
import SMTQStatistics
import SMTQStore
import SMTQTestSupport
import Testing

/// A run rule whose points span a restart of the engine still fires: the new engine warms from the database.
struct RestartTests {
    /// Hourly p chart with a frozen p-bar of 0.05; every hour from `firstHour` has 40 units, `fails` of them
    /// failed (above the center, inside the limits: only the run of 9 on one side, nelson2, can fire).
    func hours(_ range: Range<Int>, fails: Int = 4) -> [UnitRecord] {
        range.flatMap { hour in
            (0..<40).map { index in
                UnitRecord(line: "L1", station: "AOI-1", device: "aoi1", program: "PCB-A", serial: "H\(hour)-\(index)", position: 1,
                           result: index < fails ? .fail : .pass,
                           time: EngineData.start.addingTimeInterval(Double(hour * 3600 + index * 60 + 30)))
            }
        }
    }

    let chart = ChartConfig(name: "aoi-p", type: .p, line: "L1", station: "AOI-1", subgroup: .every(.seconds(3600)),
                            rules: [.nelson1, .nelson2])

    @Test func aRunSpanningARestartStillFires() throws {
        let folder = try TemporaryFolder("smtq-restart")
        var random = SeededRandom(seed: 9)
        do {
            let rig = try EngineRig(folder: folder)
            _ = try rig.writer.write { db in
                try SPCLimitsStore.activate(db, chart: "aoi-p", limits: ChartLimits(type: "p", center: 0.05),
                                            baselineFrom: EngineData.start.storeMicroseconds, baselineTo: nil, baselinePoints: 24,
                                            createdBy: "test")
            }
            let engine = try rig.engine([chart])
            // Hours 0…5 are stored; hour 5 is still open when the engine stops.
            rig.write(hours(0..<6), random: &random)
            engine.drain()
            #expect(rig.points.map(\.index) == [1, 2, 3, 4, 5])
            #expect(rig.points.allSatisfy { $0.signals.isEmpty && $0.phase == .baseline })
            engine.stop()
            rig.writer.shutdown()
        }
        let rig = try EngineRig(folder: folder)
        let engine = try rig.engine([chart])
        rig.write(hours(6..<11), random: &random)
        engine.drain()
        // Points 6…10 close after the restart; point 9 completes nine points above the center.
        #expect(rig.points.map(\.index) == [6, 7, 8, 9, 10])
        #expect(rig.points.map(\.signals) == [[], [], [], ["nelson2"], ["nelson2"]])
        // The clock closes the last hour once it has ended (plus the delay for late records).
        engine.tick(now: EngineData.start.addingTimeInterval(11 * 3600 + 61))
        #expect(rig.points.last?.index == 11 && rig.points.last?.signals == ["nelson2"])
        engine.stop()
    }

    @Test func lateRecordsAreCountedNotCharted() throws {
        let rig = try EngineRig()
        var random = SeededRandom(seed: 4)
        let engine = try rig.engine([chart])
        rig.write(hours(0..<3), random: &random)
        rig.write(hours(1..<2).map { record in
            var late = record
            late.serial += "-late"
            return late
        }, random: &random)
        engine.drain()
        #expect(engine.statuses.first?.lateEvents == 40)
        #expect(rig.points.map(\.index) == [1, 2])
        engine.stop()
    }
}
