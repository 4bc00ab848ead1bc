import Foundation
import Logging
import SMTQConfig
import SMTQCore
@testable import SMTQDashboard
import SMTQTestSupport
import Testing

/// Who a token is: the plant, a customer, or nobody; loopback and not.
struct AccessTests {
    static let acme = CustomerConfig(name: "acme", products: ["PCB-A"])

    func gate(host: String, plantToken: String?, customers: [String: String] = [:]) throws -> (AccessGate, TemporaryFolder) {
        let folder = try TemporaryFolder("smtq-access")
        var http = HTTPConfig(host: host, port: 9464)
        if let plantToken {
            let path = folder.path("plant.token")
            try (plantToken + "\n").write(toFile: path, atomically: true, encoding: .utf8)
            http.plantToken = .file(path)
        }
        var configuration = Configuration.standalone(databasePath: ":memory:")
        configuration.customers = ["acme": Self.acme]
        let hashes = Dictionary(uniqueKeysWithValues: customers.map { (AccessToken.hash($0.key), $0.value) })
        let fixed = configuration
        let gate = AccessGate(http: http, configuration: { fixed }, customerTokens: { hashes }, logger: Logger(label: "test"))
        return (gate, folder)
    }

    @Test("beyond loopback: no token or a wrong one is refused; the plant's and a customer's are who they say")
    func beyondLoopback() async throws {
        let (gate, _) = try gate(host: "0.0.0.0", plantToken: "plant-secret", customers: ["acme-token": "acme", "gone-token": "gone"])
        #expect(await gate.decide(token: nil) != .allowed(.plant))
        #expect(await gate.decide(token: "plant-secret") == .allowed(.plant))
        #expect(await gate.decide(token: "acme-token") == .allowed(.customer(Self.acme)))
        #expect(await gate.decide(token: "wrong") != .allowed(.plant))
        // A token whose customer is no longer configured opens nothing.
        if case .allowed = await gate.decide(token: "gone-token") { Issue.record("a removed customer's token was accepted") }
        #expect(gate.hasPlantToken)
    }

    @Test("on loopback no token is the plant, but a given token must still be valid")
    func loopback() async throws {
        let (gate, _) = try gate(host: "127.0.0.1", plantToken: nil, customers: ["acme-token": "acme"])
        #expect(await gate.decide(token: nil) == .allowed(.plant))
        #expect(await gate.decide(token: "acme-token") == .allowed(.customer(Self.acme)))
        if case .allowed = await gate.decide(token: "wrong") { Issue.record("a wrong token was accepted on loopback") }
        #expect(!gate.hasPlantToken)
    }

    @Test("loopback hosts", arguments: [("127.0.0.1", true), ("127.1.2.3", true), ("localhost", true), ("::1", true),
                                          ("0.0.0.0", false), ("::", false), ("192.168.1.5", false), ("plc.local", false)])
    func loopbackHosts(host: String, loopback: Bool) {
        #expect(HostPort.isLoopback(host) == loopback)
    }

    @Test("tokens: 256 random bits in 43 URL-safe characters after smtq_, never twice the same; hashes are SHA-256")
    func tokens() {
        let tokens = (0..<200).map { _ in AccessToken.generate() }
        #expect(Set(tokens).count == 200)
        #expect(tokens.allSatisfy { $0.hasPrefix("smtq_") && $0.count == 48 && $0.dropFirst(5).allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" } })
        #expect(AccessToken.hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(AccessToken.same("ab", "ab") && !AccessToken.same("ab", "ac") && !AccessToken.same("ab", "abc"))
    }

    @Test("a form's return address stays on this server")
    func localPaths() {
        #expect(Dashboard.localPath("/lines/L1") == "/lines/L1")
        for bad in ["//evil.example/x", "https://evil.example", "lines", "/\\evil", "/a\r\nSet-Cookie: x", nil] as [String?] {
            #expect(Dashboard.localPath(bad) == nil, "\(bad ?? "nil")")
        }
    }
}
