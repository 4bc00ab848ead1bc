import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A long-running built executable (a simulator, smtqd) or a system tool, its output in a log file so a full
/// pipe never blocks it.
public final class RunningProduct: @unchecked Sendable {
    public let process = Process()
    public let logPath: String

    /// `executable` is a product name (`smtq`, `smtqd`) or an absolute path.
    public init(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                logPath: String? = nil) throws {
        self.logPath = logPath
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("smtq-run-\(UUID().uuidString).log").path
        if !FileManager.default.fileExists(atPath: self.logPath) {
            _ = FileManager.default.createFile(atPath: self.logPath, contents: nil)
        }
        process.executableURL = executable.hasPrefix("/") ? URL(fileURLWithPath: executable)
            : TestEnvironment.productsFolder.appendingPathComponent(executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.currentDirectoryURL = TestEnvironment.packageRoot
        let log = FileHandle(forWritingAtPath: self.logPath)
        log?.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    public var output: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
    public var pid: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }

    public func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// SIGKILL, then waits for the exit.
    public func crash() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// SIGTERM, then SIGKILL after `seconds`; returns the exit status and how long it took.
    @discardableResult
    public func stop(within seconds: Double = 15) -> (status: Int32, seconds: Double) {
        let started = Date()
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        while process.isRunning, Date().timeIntervalSince(started) < seconds { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return (process.terminationStatus, Date().timeIntervalSince(started))
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
}
