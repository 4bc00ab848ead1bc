import Foundation
import SMTQCore

/// A throwaway PostgreSQL cluster on loopback (Debian's server through `scripts/pg-cluster`), run as a
/// non-root user in a temporary folder; stopped and removed when released. Role and database `smtq`.
public final class PostgresCluster: @unchecked Sendable {
    public let folder: URL
    public private(set) var port: Int = 0
    public private(set) var password: String = ""

    static var script: String { TestEnvironment.packageRoot.appendingPathComponent("scripts/pg-cluster").path }

    /// Whether Debian's PostgreSQL server is installed (`./scripts/bootstrap --tests` installs it).
    public static var isInstalled: Bool {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? [])
            .contains { FileManager.default.isExecutableFile(atPath: "/usr/lib/postgresql/\($0)/bin/initdb") }
    }

    public init() throws {
        folder = URL(fileURLWithPath: "/tmp").appendingPathComponent("smtq-pg-\(UUID().uuidString.prefix(8))")
        try start()
        password = try String(contentsOf: folder.appendingPathComponent("password"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The URL without the password (give it as PGPASSWORD or a password file).
    public var url: String { "postgresql://smtq@127.0.0.1:\(port)/smtq" }

    /// Starts the cluster (again, on the same port after `stop`).
    public func start() throws {
        let output = try Self.run(["start", folder.path] + (port > 0 ? [String(port)] : []))
        guard let started = Int(output.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").last ?? "") else {
            throw ClusterError(message: "pg-cluster start printed no port: \(output)")
        }
        port = started
    }

    public func stop() throws {
        _ = try Self.run(["stop", folder.path])
    }

    /// Runs SQL with psql and returns its unaligned output.
    @discardableResult
    public func psql(_ sql: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        process.arguments = ["-h", "127.0.0.1", "-p", String(port), "-U", "smtq", "-d", "smtq", "-v", "ON_ERROR_STOP=1", "-Atqc", sql]
        process.environment = ProcessInfo.processInfo.environment.merging(["PGPASSWORD": password]) { $1 }
        let output = Pipe(), error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let problem = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ClusterError(message: "psql: \(String(decoding: problem, as: UTF8.self))")
        }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    deinit {
        try? stop()
        try? FileManager.default.removeItem(at: folder)
    }

    static func run(_ arguments: [String]) throws -> String {
        let result = try ChildProcess.run("/bin/bash", [script] + arguments)
        guard result.status == 0 else {
            throw ClusterError(message: "pg-cluster \(arguments.joined(separator: " ")): \(result.error)")
        }
        return result.output
    }

    public struct ClusterError: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }
}
