import Foundation
import SMTQCore
import SMTQTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// smtqd's HTTP server (status, metrics, dashboard) against what the network can send: headers of a
/// megabyte, hundreds of clients that stall mid-request, and paths that try to climb out of the routes.
@Suite(.serialized)
struct HTTPServerAbuseTests {
    /// A raw loopback connection (the clients here misbehave on purpose, so no HTTP library).
    final class Connection {
        let descriptor: Int32

        init?(port: Int) {
            descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = UInt16(port).bigEndian
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else { close(descriptor); return nil }
            var timeout = timeval(tv_sec: 10, tv_usec: 0)
            setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }

        deinit { close(descriptor) }

        @discardableResult
        func send(_ text: String) -> Bool {
            let bytes = Array(text.utf8)
            var offset = 0
            while offset < bytes.count {
                let written = bytes[offset...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                guard written > 0 else { return false }
                offset += written
            }
            return true
        }

        /// Everything until the server closes (or resets) the connection; nil when 10 s pass with nothing.
        func readAll() -> String? {
            var data = [UInt8]()
            var chunk = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = recv(descriptor, &chunk, chunk.count, 0)
                if count > 0 {
                    data += chunk[0..<count]
                } else if count == 0 || errno == ECONNRESET {
                    return String(decoding: data, as: UTF8.self)
                } else if errno != EINTR {
                    return nil
                }
            }
        }

        /// Whether the server has closed its side (a read returns end of file or a reset within `seconds`).
        func closedByServer(within seconds: Int) -> Bool {
            var timeout = timeval(tv_sec: seconds, tv_usec: 0)
            setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var byte: UInt8 = 0
            let count = recv(descriptor, &byte, 1, 0)
            return count == 0 || (count < 0 && errno == ECONNRESET)
        }
    }

    func get(_ port: Int, _ path: String) -> (status: Int, text: String) {
        guard let connection = Connection(port: port) else { return (0, "") }
        connection.send("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        let text = connection.readAll() ?? ""
        let status = text.split(separator: " ", maxSplits: 2).dropFirst().first.flatMap { Int($0) } ?? 0
        return (status, text)
    }

    @Test("oversized headers, 300 stalled clients and path traversal: refused or closed, and the server keeps answering")
    func abuse() throws {
        let rig = try Rig()
        let http = TestNetwork.freePort(), port = TestNetwork.freePort()
        try rig.writeConfig(devices: [
            #"{name: aoi1, line: L1, station: AOI-1, kind: aoi, profile: aoi-reference, tcp: "127.0.0.1:\#(port)", unit_id: 1, poll_interval: 100ms}"#,
        ], extra: "http: {listen: \"127.0.0.1:\(http)\"}\nlines:\n  L1: {route: [AOI-1]}")
        let daemon = try rig.daemon()
        defer { daemon.stop() }
        #expect(Rig.wait(seconds: 20) { get(http, "/api/status").status == 200 })

        // A megabyte of header: refused (4xx) or the connection closed; never served, never a crash.
        let big = try #require(Connection(port: http))
        let sent = big.send("GET /api/status HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Filler: " + String(repeating: "a", count: 1 << 20) + "\r\n\r\n")
        let answer = try #require(big.readAll(), "the server neither answered nor closed within 10 s (sent whole: \(sent))")
        #expect(answer.isEmpty || answer.hasPrefix("HTTP/1.1 4"), "\(answer.prefix(200))")
        #expect(get(http, "/api/status").status == 200)

        // 300 clients that send half a request and stall: others are still answered, and the stalled ones
        // are closed by the server's idle timeout.
        let stalled = (0..<300).compactMap { _ in Connection(port: http) }
        for connection in stalled { connection.send("GET /api/status HTTP/1.1\r\nHost: 127.0.0.1\r\n") }
        let started = Date()
        #expect(get(http, "/api/status").status == 200)
        let answeredIn = Date().timeIntervalSince(started)
        let closed = stalled.filter { $0.closedByServer(within: 25) }.count
        print("scenario HTTP abuse: 1 MiB header \(answer.isEmpty ? "closed" : String(answer.prefix(12))); beside 300 stalled clients a status request took \(String(format: "%.2f", answeredIn)) s; \(closed) of \(stalled.count) stalled clients closed by the server")
        #expect(closed == stalled.count)

        // Paths that climb: never a file of the host.
        for path in ["/../../../../etc/passwd", "/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/static/..%2f..%2f..%2fetc%2fpasswd",
                     "/units/..%2F..%2F..%2Fetc%2Fpasswd", "/charts/../../../etc/passwd", "/assets/....//....//etc/passwd",
                     "//etc/passwd", "/api/units/%00../../etc/passwd"] {
            let (status, text) = get(http, path)
            #expect(status != 200 || !text.contains("root:"), "\(path): \(status)")
            #expect(!text.contains("root:x:0:0"), "\(path) served a host file")
        }
        #expect(get(http, "/api/status").status == 200)
        #expect(daemon.isRunning)
    }
}
