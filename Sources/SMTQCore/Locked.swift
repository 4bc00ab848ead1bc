import Foundation

/// A value shared between threads behind a lock.
public final class Locked<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value

    public init(_ value: Value) {
        stored = value
    }

    public var value: Value {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }

    public func set(_ newValue: Value) {
        lock.lock()
        stored = newValue
        lock.unlock()
    }

    /// Changes the value in place, atomically.
    public func update(_ change: (inout Value) -> Void) {
        lock.lock()
        change(&stored)
        lock.unlock()
    }
}
