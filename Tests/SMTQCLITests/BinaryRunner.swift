import Foundation
import GRDB
import SMTQStore
import SMTQTestSupport

/// Runs the package's built executables as a user would and captures what they print.
enum BinaryRunner {
    static let packageRoot = TestEnvironment.packageRoot
    static let productsFolder = TestEnvironment.productsFolder

    struct Result: Sendable {
        var status: Int32
        var standardOutput: String
        var standardError: String
    }

    /// Starts `executable` without waiting for it.
    static func start(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                      unset: [String] = [], currentDirectory: URL? = nil) throws -> (Process, Pipe, Pipe) {
        let process = Process()
        process.executableURL = executable.hasPrefix("/") ? URL(fileURLWithPath: executable)
            : productsFolder.appendingPathComponent(executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }.filter { !unset.contains($0.key) }
        process.currentDirectoryURL = currentDirectory ?? packageRoot
        let output = Pipe(), error = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return (process, output, error)
    }

    /// Runs `executable` to completion.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                    unset: [String] = [], currentDirectory: URL? = nil) throws -> Result {
        let (process, output, error) = try start(executable, arguments, environment: environment, unset: unset,
                                                 currentDirectory: currentDirectory)
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, standardOutput: String(decoding: outputData, as: UTF8.self),
                      standardError: String(decoding: errorData, as: UTF8.self))
    }

    /// A fresh temporary folder.
    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("smtq-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A fresh temporary folder with the reference profiles in `profiles/` (for `include: [profiles/*.yaml]`).
    static func folderWithProfiles() throws -> URL {
        let folder = try temporaryFolder()
        try FileManager.default.copyItem(at: packageRoot.appendingPathComponent("config/profiles"), to: folder.appendingPathComponent("profiles"))
        return folder
    }

    /// Polls `condition` every 50 ms for up to `seconds`; whether it came true.
    static func wait(seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            usleep(50_000)
        }
        return try condition()
    }

    /// One integer from a test database (0 while it cannot be read yet).
    static func count(_ database: String, _ sql: String) -> Int {
        (try? StoreDatabase.openReadOnly(path: database).read { try Int.fetchOne($0, sql: sql) ?? 0 }) ?? 0
    }
}
