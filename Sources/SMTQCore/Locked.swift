import Foundation

/// A value shared between threads behind a lock, reachable only inside `withLock`, so it can never be read
/// or changed without holding the lock (the shape of swift-nio's `NIOLockedValueBox`).
public final class Locked<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value

    public init(_ value: Value) {
        stored = value
    }

    /// Runs `body` with the value while holding the lock; what it returns is returned.
    @discardableResult
    public func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&stored)
    }
}
