import Foundation

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

    /// Runs the script with its output in files, through posix_spawn and waitpid: Foundation's Process did not
    /// notice this script's exit (the server it starts outlives it), leaving the test waiting.
    static func run(_ arguments: [String]) throws -> String {
        let outputPath = "/tmp/smtq-pg-\(UUID().uuidString).out", errorPath = outputPath + ".err"
        defer {
            try? FileManager.default.removeItem(atPath: outputPath)
            try? FileManager.default.removeItem(atPath: errorPath)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv = (["/bin/bash", script] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/bash", &actions, nil, argv, environ)
        guard spawned == 0 else { throw ClusterError(message: "cannot run pg-cluster: \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        guard status == 0 else {
            let problem = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
            throw ClusterError(message: "pg-cluster \(arguments.joined(separator: " ")): \(problem)")
        }
        return output
    }

    public struct ClusterError: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }
}
