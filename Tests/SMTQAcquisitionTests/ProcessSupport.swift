import Foundation
import GRDB
import SMTQCore
import SMTQTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Starting the built binaries (and socat) as separate processes, and reading what they wrote.
enum Processes {
    static let productsFolder = TestEnvironment.productsFolder
    static let packageRoot = TestEnvironment.packageRoot

    final class Running {
        let process: Process
        let output = Pipe()

        init(_ executable: String, _ arguments: [String]) throws {
            process = Process()
            process.executableURL = executable.hasPrefix("/") ? URL(fileURLWithPath: executable)
                : Processes.productsFolder.appendingPathComponent(executable)
            process.arguments = arguments
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
        }

        /// SIGTERM (or another signal), SIGKILL if it has not exited 15 s later, then the output.
        @discardableResult
        func stop(_ signal: Int32 = SIGTERM) -> String {
            if process.isRunning { kill(process.processIdentifier, signal) }
            let deadline = Date().addingTimeInterval(15)
            while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return text
        }

        /// Waits for a command that ends by itself, then its output.
        func finish() -> String {
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return text
        }

        deinit {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
    }

    /// A TCP port nobody listens on right now.
    static func freePort() -> Int { TestNetwork.freePort() }

    /// Waits until `condition` holds (checked every 100 ms) or `seconds` pass.
    @discardableResult
    static func wait(seconds: Double, until condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return try condition()
    }

    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("smtq-acq-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The simulator's log: every produced record with its seq and unit id.
    static func simulatorLog(_ path: URL) throws -> [(record: UnitRecord, seq: Int, unit: Int)] {
        try SimulatorLog.records(path).map { ($0.record, $0.seq, $0.unit) }
    }

    /// The process values the simulator put in its registers, by name.
    static func simulatorProcessValues(_ path: URL) throws -> [String: [ProcessValueRecord]] {
        try SimulatorLog.processValues(path)
    }

    static func count(_ database: String, _ sql: String = "SELECT count(*) FROM units") -> Int {
        guard FileManager.default.fileExists(atPath: database) else { return 0 }
        var configuration = Configuration()
        configuration.readonly = true
        return (try? DatabaseQueue(path: database, configuration: configuration).read { try Int.fetchOne($0, sql: sql) ?? 0 }) ?? 0
    }
}
