import ArgumentParser
import Foundation
import SMTQConfig
import SMTQCore
import SMTQStore

/// `smtq export units --format jsonl` over a large database, run as a child process: its time and peak
/// resident memory (the kernel's ru_maxrss) at two sizes, to show the memory does not grow with the export.
struct ExportBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Peak RSS and time of 'smtq export units --format jsonl' over --units and over a tenth of them."
    )

    @Option(help: "Units in the large database.") var units = 1_000_000
    @Option(help: "Where the databases go.") var folder = NSTemporaryDirectory()

    func run() throws {
        let smtq = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("smtq").path
        for count in [units / 10, units] {
            let path = folder + "/smtq-bench-export-\(count).sqlite"
            if !FileManager.default.fileExists(atPath: path) { try generate(count, path: path) }
            let (seconds, rss, bytes) = try measure(smtq, ["export", "units", "--format", "jsonl", "--db", path])
            print(String(format: "export of %d units: %.2f s, %.1f MB of JSON Lines, peak RSS %.1f MB", count, seconds,
                         Double(bytes) / 1e6, Double(rss) / 1024))
        }
    }

    /// Units with two defects and a measurement each, one per second, written by the store writer.
    private func generate(_ count: Int, path: String) throws {
        Bench.removeDatabase(path)
        let writer = try StoreWriter(options: StorageConfig(databasePath: path, synchronous: .off, batchMaxRecords: 2000,
                                                            memoryBufferRecords: 1_000_000))
        let start = Date(timeIntervalSince1970: 1_780_000_000)
        var batch: [IncomingUnit] = []
        for index in 0..<count {
            let record = UnitRecord(line: "L1", station: "AOI-1", device: "aoi1", program: "PCB-A", serial: "E\(index)", position: 1,
                                    result: index % 20 == 0 ? .fail : .pass, time: start.addingTimeInterval(Double(index)),
                                    cycleMilliseconds: 950,
                                    defects: [DefectRecord(refdes: "C\(index % 40)", part: "CAP", code: "BRIDGE", category: "bridge", verdict: .real),
                                              DefectRecord(refdes: "R\(index % 30)", part: "RES", code: "OFFSET", category: "offset", verdict: .falseCall)],
                                    measurements: [MeasurementRecord(name: "VCC", value: 3.3 + Double(index % 7) / 1000, unit: "V", lsl: 3.2, usl: 3.4)])
            batch.append(IncomingUnit(record: record, hostTime: record.time))
            if batch.count == 2000 || index == count - 1 {
                guard case .durable = writer.submitAndWait(.units(batch, cursor: nil)) else { throw ValidationError("the writer refused a batch") }
                batch.removeAll(keepingCapacity: true)
            }
        }
        writer.shutdown()
    }

    /// Runs the command with standard output counted and discarded; returns seconds, peak RSS in KiB, bytes.
    private func measure(_ executable: String, _ arguments: [String]) throws -> (Double, Int, Int) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        var bytes = 0
        var usage = rusage()
        let seconds = try Bench.seconds {
            try process.run()
            while true {
                let chunk = output.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                bytes += chunk.count
            }
            var status: Int32 = 0
            _ = wait4(process.processIdentifier, &status, 0, &usage)
        }
        return (seconds, usage.ru_maxrss, bytes)
    }
}
