/// `HOST:PORT` as written in config and on the command line: `192.168.10.21:502`, `plc.local:502`,
/// `[fd00::5]:502`.
public enum HostPort {
    public static let expected = "HOST:PORT such as 192.168.10.21:502 or [fd00::5]:502"

    /// The host and port, or why the text is not one (a sentence fragment such as "has no port").
    public static func parse(_ text: String) -> Result<(host: String, port: Int), Problem> {
        var host = Substring(text)
        var portText: Substring = ""
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { return .failure(Problem("'\(text)' has no port")) }
            portText = rest.dropFirst()
        } else if let colon = text.lastIndex(of: ":"), text.firstIndex(of: ":") == colon {
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        } else {
            return .failure(Problem("'\(text)' is not HOST:PORT"))
        }
        guard !host.isEmpty, !host.contains(" ") else { return .failure(Problem("'\(text)' has no host")) }
        guard let port = Int(portText), (1...65_535).contains(port) else {
            return .failure(Problem("'\(portText)' is not a TCP port", expected: "a port from 1 to 65535"))
        }
        return .success((String(host), port))
    }

    public struct Problem: Error, Sendable, Equatable {
        public var message: String
        public var expected: String

        public init(_ message: String, expected: String = HostPort.expected) {
            self.message = message
            self.expected = expected
        }
    }
}

extension HostPort {
    /// Whether a listen host is reachable only from this machine: `localhost`, 127.0.0.0/8, `::1`.
    public static func isLoopback(_ host: String) -> Bool {
        let name = host.lowercased()
        if name == "localhost" || name == "::1" || name == "0:0:0:0:0:0:0:1" { return true }
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }
}
