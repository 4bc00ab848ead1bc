import Dispatch
import Foundation
import GRDB
import SMTQStore

/// A read-only database connection with a serial DispatchQueue of its own: the dashboard's SQLite reads never
/// run on the Swift concurrency pool.
final class DashboardReader: Sendable {
    private let queue: DispatchQueue
    private let database: DatabaseQueue

    init(path: String, label: String) throws {
        database = try StoreDatabase.openReadOnly(path: path)
        queue = DispatchQueue(label: "smtq.dashboard.\(label)")
    }

    func read<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { [database] in
                continuation.resume(with: Result { try database.read(work) })
            }
        }
    }

    /// Reads on the caller's thread (a dispatch queue of the dashboard's own).
    func readNow<T>(_ work: (Database) throws -> T) throws -> T {
        try database.read(work)
    }
}
