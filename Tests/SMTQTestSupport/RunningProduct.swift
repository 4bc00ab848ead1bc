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
    /// Running, by Foundation's bookkeeping and by the kernel's (Foundation can miss an exit under load).
    public var isRunning: Bool { process.isRunning && exists }

    /// The kernel still has the process, and not as a zombie.
    private var exists: Bool {
        guard kill(process.processIdentifier, 0) == 0 else { return false }
        let stat = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/stat", encoding: .utf8)) ?? ""
        return !(stat.split(separator: ")").last?.trimmingCharacters(in: .whitespaces).hasPrefix("Z") ?? false)
    }

    public func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// SIGKILL, then waits (bounded) for the exit.
    public func crash() {
        if isRunning { kill(process.processIdentifier, SIGKILL) }
        awaitExit(seconds: 10)
    }

    /// SIGTERM, then SIGKILL after `seconds`; returns the exit status (-1 when Foundation never saw the exit)
    /// and how long it took. Never waits without a bound.
    @discardableResult
    public func stop(within seconds: Double = 15) -> (status: Int32, seconds: Double) {
        let started = Date()
        if isRunning { kill(process.processIdentifier, SIGTERM) }
        awaitExit(seconds: seconds)
        if isRunning {
            kill(process.processIdentifier, SIGKILL)
            awaitExit(seconds: 10)
        }
        let status: Int32 = process.isRunning ? -1 : process.terminationStatus
        return (status, Date().timeIntervalSince(started))
    }

    /// Polls until Foundation has seen the exit (so its status is known) or the process is gone, at most `seconds`.
    private func awaitExit(seconds: Double) {
        let deadline = Date().addingTimeInterval(seconds)
        while isRunning, Date() < deadline { usleep(20_000) }
        // Gone: a moment for Foundation to record the status.
        let grace = Date().addingTimeInterval(1)
        while process.isRunning, Date() < grace { usleep(10_000) }
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
}
