import ArgumentParser
import Foundation
import SMTQCore

/// Timing and data generation shared by the benchmarks.
enum Bench {
    static func seconds(_ work: () throws -> Void) rethrows -> Double {
        let start = ContinuousClock.now
        try work()
        return (ContinuousClock.now - start).totalSeconds
    }

    /// Runs a program to its end; returns the wall time and what it printed (a failure is an error).
    static func process(_ executable: String, _ arguments: [String]) throws -> (Double, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        var data = Data()
        let seconds = try Bench.seconds {
            try process.run()
            data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
        }
        guard process.terminationStatus == 0 else {
            throw ValidationError("\((executable as NSString).lastPathComponent) \(arguments.joined(separator: " ")) failed")
        }
        return (seconds, String(decoding: data, as: UTF8.self))
    }

    /// Like `process`, and also returns what it wrote to standard error (read on its own thread).
    static func processWithErrors(_ executable: String, _ arguments: [String]) throws -> (Double, String, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        let errorText = Locked(Data())
        let reader = Thread { errorText.withLock { $0 = errors.fileHandleForReading.readDataToEndOfFile() } }
        var data = Data()
        let seconds = try Bench.seconds {
            try process.run()
            reader.start()
            data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
        }
        while reader.isExecuting || !reader.isFinished { Thread.sleep(forTimeInterval: 0.001) }
        let said = String(decoding: errorText.withLock { $0 }, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw ValidationError("\((executable as NSString).lastPathComponent) \(arguments.joined(separator: " ")) failed: \(said.suffix(400))")
        }
        return (seconds, String(decoding: data, as: UTF8.self), said)
    }

    /// A TCP port on 127.0.0.1 nobody listens on right now.
    static func freePort() -> Int {
        LoopbackPort.free() ?? 0
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted[sorted.count / 2]
    }

    static func removeDatabase(_ path: String) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    /// Units like the C baseline's: unique serials one second apart, every tenth failing, `defects` defects each.
    static func units(count: Int, defects: Int, prefix: String, start: Date) -> [UnitRecord] {
        let codes = ["BRIDGE", "MISSING", "TOMBSTONE"]
        return (0..<count).map { index in
            UnitRecord(
                line: "L1", station: "AOI-1", device: "aoi1", program: "PCB-A", serial: prefix + String(index),
                position: 1, result: index % 10 == 0 ? .fail : .pass, time: start.addingTimeInterval(Double(index)),
                cycleMilliseconds: 1200,
                defects: (0..<defects).map { slot in
                    DefectRecord(refdes: "C\((index + slot) % 50)", part: "CAP-0402", code: codes[slot % 3],
                                 category: codes[slot % 3].lowercased(), verdict: .real)
                })
        }
    }
}
