import Foundation
import SMTQCore
#if canImport(Glibc)
import Glibc
#endif

/// A Modbus TCP proxy between the collector and a simulator that loses one ACK on the way: it swallows the
/// `drop`-th write of the ACK register (function 6) and answers it itself, as a flaky link or gateway
/// would make it look, so the collector believes the device popped its head while the device still shows
/// it. With `holdAfterDrop` it then holds the collector's next request until `release()` (a test kills the
/// collector in that window). Everything else is passed through byte for byte.
final class AckDroppingProxy: @unchecked Sendable {
    let port: Int
    private let upstreamPort: Int
    private let ackAddress: UInt16
    private let state: Locked<State>
    private let listener: Int32

    private struct State {
        var acksSeen = 0
        var dropAt: Int
        var dropped = false
        var hold: Bool
        var released = false
        var stopping = false
    }

    init(upstreamPort: Int, ackAddress: UInt16, drop: Int, holdAfterDrop: Bool) throws {
        self.upstreamPort = upstreamPort
        self.ackAddress = ackAddress
        state = Locked(State(dropAt: drop, hold: holdAfterDrop))
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(descriptor, 8) == 0 else { throw ProxyError.cannotListen }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        listener = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    enum ProxyError: Error { case cannotListen }

    var dropped: Bool { state.withLock { $0 }.dropped }
    var acksSeen: Int { state.withLock { $0 }.acksSeen }

    func release() { state.withLock { $0.released = true } }

    func stop() {
        state.withLock { $0.stopping = true; $0.released = true }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return address
    }

    private func acceptLoop() {
        while !state.withLock({ $0.stopping }) {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { return }
            let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = Self.loopback(port: upstreamPort)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else {
                close(client)
                close(upstream)
                continue
            }
            Thread { [self] in relayRequests(from: client, to: upstream) }.start()
            Thread { Self.pipe(from: upstream, to: client) }.start()
        }
    }

    /// Answers from the device go back unchanged.
    private static func pipe(from source: Int32, to target: Int32) {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(source, &buffer, buffer.count)
            guard count > 0, writeAll(target, Array(buffer[0..<count])) else { break }
        }
        shutdown(target, Int32(SHUT_RDWR))
        shutdown(source, Int32(SHUT_RDWR))
    }

    /// Requests frame by frame (MBAP header: length at bytes 4–5), so one ACK write can be taken out.
    private func relayRequests(from client: Int32, to upstream: Int32) {
        defer {
            shutdown(upstream, Int32(SHUT_RDWR))
            shutdown(client, Int32(SHUT_RDWR))
        }
        while let header = Self.readExactly(client, 6) {
            let length = Int(header[4]) << 8 | Int(header[5])
            guard length > 0, let rest = Self.readExactly(client, length) else { return }
            let frame = header + rest
            // rest: unit id, function, address (2), value (2)
            let isAckWrite = rest.count >= 6 && rest[1] == 6 && (UInt16(rest[2]) << 8 | UInt16(rest[3])) == ackAddress
            var swallow = false
            if isAckWrite {
                state.withLock {
                    $0.acksSeen += 1
                    if $0.acksSeen == $0.dropAt, !$0.dropped {
                        $0.dropped = true
                        swallow = true
                    }
                }
            }
            if swallow {
                // Function 6 answers with an echo of the request.
                guard Self.writeAll(client, frame) else { return }
                while state.withLock({ $0.hold && !$0.released }) { Thread.sleep(forTimeInterval: 0.01) }
                continue
            }
            guard Self.writeAll(upstream, frame) else { return }
        }
    }

    private static func readExactly(_ socket: Int32, _ count: Int) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = bytes.withUnsafeMutableBytes { read(socket, $0.baseAddress! + got, count - got) }
            guard n > 0 else { return nil }
            got += n
        }
        return bytes
    }

    private static func writeAll(_ socket: Int32, _ bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { send(socket, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { return false }
            sent += n
        }
        return true
    }
}
