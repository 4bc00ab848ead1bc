import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A Modbus TCP proxy between the real collector and the real simulator that behaves like a bad network or
/// a misbehaving gateway: it can refuse and cut connections, cut a response in half, hold it past the
/// collector's timeout, garble its unit id or length, or answer with a Modbus exception itself. Frames are
/// cut by their MBAP header in both directions; the fault can be changed from the test thread at any time.
/// Every N-th counts responses across all connections and starts again whenever `fault` is set.
final class FaultProxy: @unchecked Sendable {
    enum Fault: Sendable, Equatable {
        case none
        case refuse
        case dropMidResponse(every: Int)
        case delay(seconds: Double, every: Int)
        case wrongUnit(every: Int)
        case wrongLength(every: Int)
        case exception(code: UInt8, every: Int)
    }

    enum ProxyError: Error { case cannotListen }

    let port: Int
    private let shared = Shared()

    init(upstreamPort: Int) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw ProxyError.cannotListen }
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        guard bound == 0, named == 0, listen(listener, 16) == 0 else {
            close(listener)
            throw ProxyError.cannotListen
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        let shared = shared
        Thread { Self.acceptLoop(listener: listener, upstreamPort: upstreamPort, shared: shared) }.start()
    }

    deinit { stop() }

    var fault: Fault {
        get { shared.with { $0.fault } }
        set { shared.setFault(newValue) }
    }

    var connectionsAccepted: Int { shared.with { $0.accepted } }
    var responsesFaulted: Int { shared.with { $0.faulted } }
    var openConnections: Int { shared.with { $0.connections.count } }
    var flaps: Int { shared.with { $0.flaps } }

    /// Toggles between `.refuse` and `.none` every `period` seconds, starting with `.refuse`; each toggle is a flap.
    func flap(period: Double) {
        let generation = shared.with { state -> Int in
            state.flapGeneration += 1
            return state.flapGeneration
        }
        let shared = shared
        Thread {
            var refuse = true
            while shared.with({ $0.flapGeneration == generation && !$0.stopping }) {
                shared.setFault(refuse ? .refuse : .none)
                shared.with { $0.flaps += 1 }
                refuse.toggle()
                let until = Date().addingTimeInterval(period)
                while Date() < until, shared.with({ $0.flapGeneration == generation && !$0.stopping }) {
                    Thread.sleep(forTimeInterval: min(0.01, max(0, until.timeIntervalSinceNow)))
                }
            }
        }.start()
    }

    /// Ends flapping and leaves the proxy passing traffic (`.none`).
    func stopFlapping() {
        shared.with { $0.flapGeneration += 1 }
        shared.setFault(.none)
    }

    /// Closes the listener and every connection; waits (at most 2 s) for the threads to let go of their sockets.
    func stop() {
        shared.with { state in
            state.stopping = true
            state.flapGeneration += 1
            state.cutAll()
        }
        let deadline = Date().addingTimeInterval(2)
        while Date() < deadline, !shared.with({ $0.listenerClosed && $0.connections.isEmpty }) {
            Thread.sleep(forTimeInterval: 0.005)
        }
    }

    private struct State {
        var fault = Fault.none
        var counter = 0
        var accepted = 0
        var faulted = 0
        var nextID = 0
        var connections: [Int: (client: Int32, upstream: Int32)] = [:]
        var stopping = false
        var listenerClosed = false
        var flapGeneration = 0
        var flaps = 0

        /// Counts one response under the current fault; true when it is the N-th.
        mutating func hit(every: Int) -> Bool {
            counter += 1
            guard counter % max(1, every) == 0 else { return false }
            faulted += 1
            return true
        }

        /// Shuts every connection down; its thread sees the end, forgets it and closes the sockets.
        func cutAll() {
            for (client, upstream) in connections.values {
                shutdown(client, Int32(SHUT_RDWR))
                shutdown(upstream, Int32(SHUT_RDWR))
            }
        }
    }

    private enum Action { case pass, cut, hold(Double), send([UInt8]) }

    private enum Framing { case incomplete, frame([UInt8]), bad }

    /// The state shared by the proxy and its threads (which do not keep the proxy itself alive).
    private final class Shared: @unchecked Sendable {
        private let lock = NSLock()
        private var state = State()

        func with<T>(_ body: (inout State) -> T) -> T {
            lock.lock()
            defer { lock.unlock() }
            return body(&state)
        }

        func setFault(_ fault: Fault) {
            with { state in
                state.fault = fault
                state.counter = 0
                if fault == .refuse { state.cutAll() }
            }
        }

        /// An exception answer in place of forwarding `request`, when that fault is due.
        func exceptionInstead(of request: [UInt8]) -> [UInt8]? {
            with { state in
                guard case .exception(let code, let every) = state.fault, state.hit(every: every) else { return nil }
                return Array(request[0..<4]) + [0, 3, request[6], request[7] | 0x80, code]
            }
        }

        func action(for response: [UInt8]) -> Action {
            with { state in
                switch state.fault {
                case .none, .refuse, .exception: return .pass
                case .dropMidResponse(let every): return state.hit(every: every) ? .cut : .pass
                case .delay(let seconds, let every): return state.hit(every: every) ? .hold(seconds) : .pass
                case .wrongUnit(let every):
                    guard state.hit(every: every) else { return .pass }
                    var changed = response
                    changed[6] ^= 0x55
                    return .send(changed)
                case .wrongLength(let every):
                    let count = response.count >= 9 ? Int(response[8]) : 0
                    guard response[7] == 3 || response[7] == 4, count >= 4, response.count == 9 + count,
                          state.hit(every: every) else { return .pass }
                    var short = Array(response.dropLast(2))
                    let length = 3 + count - 2
                    short.replaceSubrange(4..<6, with: [UInt8(length >> 8), UInt8(length & 0xFF)])
                    short[8] = UInt8(count - 2)
                    return .send(short)
                }
            }
        }
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return address
    }

    private static func acceptLoop(listener: Int32, upstreamPort: Int, shared: Shared) {
        defer {
            close(listener)
            shared.with { $0.listenerClosed = true }
        }
        while !shared.with({ $0.stopping }) {
            var entry = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&entry, 1, 100) > 0 else { continue }
            let client = accept(listener, nil, nil)
            guard client >= 0 else { continue }
            shared.with { $0.accepted += 1 }
            guard shared.with({ $0.fault != .refuse && !$0.stopping }), let upstream = connectUpstream(port: upstreamPort) else {
                close(client)
                continue
            }
            let id = shared.with { state -> Int? in
                guard state.fault != .refuse, !state.stopping else { return nil }
                state.nextID += 1
                state.connections[state.nextID] = (client, upstream)
                return state.nextID
            }
            guard let id else {
                close(client)
                close(upstream)
                continue
            }
            Thread {
                var connection = Connection(client: client, upstream: upstream, shared: shared)
                connection.run()
                _ = shared.with { $0.connections.removeValue(forKey: id) }
                close(client)
                close(upstream)
            }.start()
        }
    }

    private static func connectUpstream(port: Int) -> Int32? {
        let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard upstream >= 0 else { return nil }
        var address = loopback(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(upstream)
            return nil
        }
        return upstream
    }

    /// One client and its upstream connection, request by request; `run` returns when either side must close.
    private struct Connection {
        let client: Int32
        let upstream: Int32
        let shared: Shared
        var fromClient: [UInt8] = []
        var fromDevice: [UInt8] = []

        mutating func run() {
            while true {
                switch Self.take(&fromClient) {
                case .bad: return
                case .incomplete: guard pump(milliseconds: 100) else { return }
                case .frame(let request): guard serve(request) else { return }
                }
            }
        }

        private mutating func serve(_ request: [UInt8]) -> Bool {
            if let answer = shared.exceptionInstead(of: request) { return Self.writeAll(client, answer) }
            guard Self.writeAll(upstream, request) else { return false }
            var response: [UInt8]
            waiting: while true {
                switch Self.take(&fromDevice) {
                case .bad: return false
                case .incomplete: guard pump(milliseconds: 100) else { return false }
                case .frame(let frame):
                    response = frame
                    break waiting
                }
            }
            switch shared.action(for: response) {
            case .pass: return Self.writeAll(client, response)
            case .send(let changed): return Self.writeAll(client, changed)
            case .cut:
                _ = Self.writeAll(client, Array(response.prefix(response.count / 2)))
                return false
            case .hold(let seconds):
                let until = Date().addingTimeInterval(seconds)
                while until.timeIntervalSinceNow > 0 {
                    guard pump(milliseconds: max(1, min(100, Int32(until.timeIntervalSinceNow * 1000)))) else { return false }
                }
                return Self.writeAll(client, response)
            }
        }

        /// Waits for bytes from either side and queues them; false when a side closed or the proxy is stopping.
        private mutating func pump(milliseconds: Int32) -> Bool {
            guard !shared.with({ $0.stopping }) else { return false }
            var entries = [pollfd(fd: client, events: Int16(POLLIN), revents: 0), pollfd(fd: upstream, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&entries, 2, milliseconds)
            if ready < 0 { return errno == EINTR }
            if entries[0].revents != 0, !Self.readSome(client, into: &fromClient) { return false }
            if entries[1].revents != 0, !Self.readSome(upstream, into: &fromDevice) { return false }
            return true
        }

        private static func take(_ buffer: inout [UInt8]) -> Framing {
            guard buffer.count >= 6 else { return .incomplete }
            let length = Int(buffer[4]) << 8 | Int(buffer[5])
            guard (2...260).contains(length) else { return .bad }
            guard buffer.count >= 6 + length else { return .incomplete }
            let frame = Array(buffer[0..<(6 + length)])
            buffer.removeFirst(6 + length)
            return .frame(frame)
        }

        private static func readSome(_ socket: Int32, into buffer: inout [UInt8]) -> Bool {
            var chunk = [UInt8](repeating: 0, count: 1024)
            let count = chunk.withUnsafeMutableBytes { recv(socket, $0.baseAddress!, $0.count, 0) }
            if count < 0 { return errno == EINTR || errno == EAGAIN }
            guard count > 0 else { return false }
            buffer += chunk[0..<count]
            return true
        }

        private static func writeAll(_ socket: Int32, _ bytes: [UInt8]) -> Bool {
            var sent = 0
            while sent < bytes.count {
                let n = bytes.withUnsafeBytes { send(socket, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
                if n < 0, errno == EINTR { continue }
                guard n > 0 else { return false }
                sent += n
            }
            return true
        }
    }
}
