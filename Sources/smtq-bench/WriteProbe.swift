import ArgumentParser
import Foundation
import SMTQConfig
import SMTQCore
import SMTQStore

/// The child of the store's crash test: writes until killed, printing `D <write>` the moment each write is
/// reported durable, so the test can check that every one of them survived the kill.
struct WriteProbe: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "write-probe",
        abstract: "Write units until killed, printing each durable write (used by the kill -9 test)."
    )

    @Option var db: String
    @Option(help: "Serial prefix, unique per run.") var prefix: String
    @Option var writes = 100_000
    @Option var unitsPerWrite = 3

    func run() throws {
        let writer = try StoreWriter(options: StorageConfig(databasePath: db, synchronous: .normal, batchMaxRecords: 100,
                                                            batchMaxDelay: .milliseconds(5)))
        let device = DeviceIdentity(device: "probe", line: "L1", station: "AOI-1")
        let inFlight = DispatchSemaphore(value: 32)
        let start = Date()
        for write in 0..<writes {
            inFlight.wait()
            let units = (0..<unitsPerWrite).map { slot in
                IncomingUnit(record: UnitRecord(
                    line: "L1", station: slot == 0 ? "AOI-1" : "ICT-1", device: slot == 0 ? "probe" : "probe-ict",
                    program: "PCB-A", serial: "\(prefix)\(write)", result: write % 7 == 0 ? .fail : .pass,
                    time: start.addingTimeInterval(Double(write) + Double(slot) * 0.1),
                    defects: [DefectRecord(refdes: "C\(write % 9)", code: "BRIDGE", verdict: .real)]),
                    sourceSeq: write)
            }
            writer.submit(.units(units, cursor: DeviceCursorUpdate(device: device, seq: write))) { outcome in
                if case .durable = outcome {
                    FileHandle.standardOutput.write(Data("D \(write)\n".utf8))
                }
                inFlight.signal()
            }
        }
        writer.shutdown()
    }
}
