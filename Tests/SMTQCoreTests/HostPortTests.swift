import SMTQCore
import Testing

struct HostPortTests {
    @Test(arguments: [("192.168.10.21:502", "192.168.10.21", 502), ("plc.local:1502", "plc.local", 1502), ("[fd00::5]:502", "fd00::5", 502)])
    func accepts(text: String, host: String, port: Int) throws {
        let endpoint = try HostPort.parse(text).get()
        #expect(endpoint.host == host && endpoint.port == port)
    }

    @Test(arguments: ["127.0.0.1", "a:b:502", ":502", "host:0", "host:65536", "host:port", "[fd00::5]", "two words:502"])
    func refuses(text: String) {
        guard case .failure = HostPort.parse(text) else {
            Issue.record("'\(text)' was accepted")
            return
        }
    }
}
