import Foundation
import SMTQCore
#if canImport(Glibc)
import Glibc
#endif

/// A plain HTTP/1.1 client on a socket, for the dashboard's tests: exact status, headers and bytes (no
/// redirect following, no cookie jar), and a stream read for a fixed time (Server-Sent Events).
enum HTTPProbe {
    struct Reply {
        var status: Int
        var headers: [String: String]
        var body: String
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// `readFor` reads a response that does not end (an event stream) for that long, then closes.
    static func request(port: Int, _ path: String, method: String = "GET", headers: [String: String] = [:], body: String? = nil,
                        readFor: Double? = nil, timeout: Double = 20) throws -> Reply {
        guard let descriptor = LoopbackPort.connect(port: port, receiveTimeout: 0.2) else {
            throw Failure(description: "\(method) \(path): nothing listens on 127.0.0.1:\(port)")
        }
        defer { close(descriptor) }
        var text = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        if let body { text += "Content-Length: \(body.utf8.count)\r\n" }
        let bytes = Array((text + "\r\n" + (body ?? "")).utf8)
        var sent = 0
        while sent < bytes.count {
            let count = bytes.withUnsafeBytes { send(descriptor, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { throw Failure(description: "\(method) \(path): send failed") }
            sent += count
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let deadline = Date().addingTimeInterval(readFor ?? timeout)
        while Date() < deadline {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count == 0 { break }
            if count < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { continue }
                break
            }
            received += buffer[..<count]
        }
        if readFor == nil, Date() >= deadline { throw Failure(description: "\(method) \(path): no complete answer within \(timeout) s") }
        let all = String(decoding: received, as: UTF8.self)
        guard let split = all.range(of: "\r\n\r\n") else { throw Failure(description: "\(method) \(path): no HTTP head in \(all.prefix(200))") }
        let head = all[..<split.lowerBound].split(separator: "\r\n")
        let status = head.first.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") } ?? 0
        var fields: [String: String] = [:]
        for line in head.dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2 { fields[parts[0].lowercased()] = parts[1].trimmingCharacters(in: .whitespaces) }
        }
        var payload = String(all[split.upperBound...])
        if fields["transfer-encoding"] == "chunked" { payload = dechunk(payload) }
        return Reply(status: status, headers: fields, body: payload)
    }

    /// The body of a chunked answer (a stream cut off mid-chunk keeps what arrived).
    static func dechunk(_ text: String) -> String {
        var rest = Substring(text)
        var out = ""
        while let lineEnd = rest.range(of: "\r\n"), let size = Int(rest[..<lineEnd.lowerBound], radix: 16), size > 0 {
            let start = lineEnd.upperBound
            let bytes = Array(rest[start...].utf8)
            let chunk = bytes.prefix(size)
            out += String(decoding: chunk, as: UTF8.self)
            guard bytes.count >= size + 2 else { break }
            rest = Substring(String(decoding: bytes[(size + 2)...], as: UTF8.self))
        }
        return out
    }
}
