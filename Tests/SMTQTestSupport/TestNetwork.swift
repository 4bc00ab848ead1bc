import Foundation
import SMTQCore
#if canImport(Glibc)
import Glibc
#endif

/// Loopback ports for the tests' servers and simulators.
public enum TestNetwork {
    /// A TCP port on 127.0.0.1 nobody listens on right now.
    public static func freePort() -> Int {
        LoopbackPort.free() ?? 0
    }

    /// Binds a socket to 127.0.0.1:`port` (0: any free port); true when it worked.
    public static func bindLoopback(_ descriptor: Int32, port: Int) -> Bool {
        LoopbackPort.bind(descriptor, port: port)
    }

    /// Waits until something accepts TCP connections on 127.0.0.1:`port` (at most `timeout`).
    public static func waitForListener(port: Int, timeout: Duration = .seconds(90)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if canConnect(port: port) { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        // Once more after the deadline: a task that waited for a busy concurrency pool past it has not looked yet.
        if canConnect(port: port) { return }
        throw ListenerTimeout(port: port)
    }

    public struct ListenerTimeout: Error, CustomStringConvertible {
        public var port: Int
        public var description: String { "nothing listens on 127.0.0.1:\(port)" }
    }

    /// Whether a TCP connection to 127.0.0.1:`port` succeeds now.
    public static func canConnect(port: Int) -> Bool {
        guard let descriptor = LoopbackPort.connect(port: port, receiveTimeout: 1) else { return false }
        close(descriptor)
        return true
    }
}
