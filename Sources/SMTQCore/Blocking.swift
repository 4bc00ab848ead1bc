import Foundation

/// Runs blocking work (SQLite, joining poller threads, loading a configuration) on a thread of its own and
/// awaits it, so the Swift concurrency pool never blocks (the idea of swift-nio's `NIOThreadPool`, without
/// a pool: these calls are rare).
public enum Blocking {
    public static func run<T: Sendable>(_ name: String, _ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                do {
                    continuation.resume(returning: try work())
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            thread.name = "smtq.\(name)"
            thread.start()
        }
    }

    public static func run<T: Sendable>(_ name: String, _ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: work()) }
            thread.name = "smtq.\(name)"
            thread.start()
        }
    }
}
