import Foundation
import SMTQCore
#if canImport(Glibc)
import Glibc
#endif

/// A real HTTP/1.1 server on loopback that records what it is sent: `/hook` answers with the next scripted
/// status (200 once the script is used up); `/hang` answers only after `hang`. It runs on threads of its own
/// (blocking sockets), so it answers even while the tests keep the Swift concurrency pool busy.
public final class WebhookReceiver: @unchecked Sendable {
    public struct Received: Sendable {
        public var path: String
        /// Header names in lower case.
        public var headers: [String: String]
        public var body: Data
        public var at: Date
    }

    public let port: Int
    private let received = Locked<[Received]>([])
    private let statuses: Locked<[Int]>
    private let stopped = Locked(false)
    private let hang: Duration
    private let listener: Int32

    public init(statuses: [Int] = [], hang: Duration = .seconds(30), port: Int? = nil) throws {
        let port = port ?? TestNetwork.freePort()
        self.port = port
        self.statuses = Locked(statuses)
        self.hang = hang
        listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        guard TestNetwork.bindLoopback(listener, port: port), listen(listener, 16) == 0 else {
            close(listener)
            throw CannotListen(port: port)
        }
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    public struct CannotListen: Error, CustomStringConvertible {
        public var port: Int
        public var description: String { "cannot listen on 127.0.0.1:\(port)" }
    }

    public var requests: [Received] { received.withLock { $0 } }

    public func stop() {
        guard !stopped.withLock({ done in defer { done = true }; return done }) else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    deinit { stop() }

    private func acceptLoop() {
        while !stopped.withLock({ $0 }) {
            let connection = accept(listener, nil, nil)
            if connection < 0 {
                if errno == EINTR { continue }
                return
            }
            Thread { [self] in serve(connection) }.start()
        }
    }

    private func serve(_ connection: Int32) {
        defer { close(connection) }
        var buffer = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 4096)
        var headerEnd: Int?
        while headerEnd == nil {
            let count = read(connection, &chunk, chunk.count)
            guard count > 0 else { return }
            buffer += chunk[0..<count]
            headerEnd = Self.find([13, 10, 13, 10], in: buffer)
        }
        let head = String(decoding: buffer[0..<headerEnd!], as: UTF8.self).components(separatedBy: "\r\n")
        let path = head.first?.split(separator: " ").dropFirst().first.map(String.init) ?? ""
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        var body = Array(buffer[(headerEnd! + 4)...])
        while body.count < length {
            let count = read(connection, &chunk, chunk.count)
            guard count > 0 else { return }
            body += chunk[0..<count]
        }
        received.withLock { $0.append(Received(path: path, headers: headers, body: Data(body), at: Date())) }
        var status = 200
        if path == "/hang" {
            let until = ContinuousClock.now + hang
            while ContinuousClock.now < until, !stopped.withLock({ $0 }) { usleep(20_000) }
        } else {
            status = statuses.withLock { $0.isEmpty ? 200 : $0.removeFirst() }
        }
        let response = "HTTP/1.1 \(status) \(status == 200 ? "OK" : "Error")\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        _ = response.withCString { write(connection, $0, strlen($0)) }
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start..<(start + needle.count)].elementsEqual(needle) {
            return start
        }
        return nil
    }
}
