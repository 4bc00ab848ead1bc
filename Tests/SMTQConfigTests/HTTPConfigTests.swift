import Foundation
import SMTQConfig
import SMTQTestSupport
import Testing

/// `http:` (and the older `metrics:`) and `customers:`, with the mistakes people make in them.
struct HTTPConfigTests {
    static let base = """
        storage: {database: /tmp/x.sqlite}
        devices: []
        products:
          PCB-A: {opportunities: 10}
          PCB-B: {opportunities: 20}

        """

    func load(_ text: String) -> (Configuration?, [ConfigDiagnostic]) {
        do {
            return (try ConfigLoader.load(text: Self.base + text, file: "smtq.yaml", directory: "/tmp"), [])
        } catch {
            return (nil, error.diagnostics)
        }
    }

    @Test("http: with every key; metrics: still means the same server")
    func full() throws {
        let folder = try TemporaryFolder("smtq-http-config")
        let token = folder.path("plant.token")
        try "3f9a0c2e7b15d4486e0a9c1b2d3e4f50\n".write(toFile: token, atomically: true, encoding: .utf8)
        chmod(token, 0o600)
        let (configuration, problems) = load("""
            http: {listen: "0.0.0.0:8080", metrics_path: /prom, metrics_open: true, plant_token_file: \(token), dashboard: false, amber_margin: 5%}
            customers:
              acme: {products: [PCB-A]}
              bolt: {products: [PCB-A, PCB-B]}
            """)
        #expect(problems.isEmpty, "\(problems)")
        let http = try #require(configuration?.http)
        #expect(http == HTTPConfig(host: "0.0.0.0", port: 8080, metricsPath: "/prom", metricsOpen: true, plantToken: .file(token),
                                   dashboard: false, amberMargin: 0.05))
        #expect(!http.isLoopback)
        #expect(configuration?.customers["bolt"]?.products == ["PCB-A", "PCB-B"])
        let (old, oldProblems) = load("metrics: {listen: 127.0.0.1:9464, path: /metrics}\n")
        #expect(oldProblems.isEmpty && old?.http == HTTPConfig(host: "127.0.0.1", port: 9464))
        #expect(old?.http?.isLoopback == true && old?.http?.dashboard == true)
    }

    @Test("mistakes are reported at their line", arguments: [
        ("http: {listen: 127.0.0.1:1}\nmetrics: {listen: 127.0.0.1:2}\n", "both http: and metrics: are given"),
        ("customers:\n  acme: {products: [PCB-C]}\n", "unknown product 'PCB-C'"),
        ("customers:\n  acme: {products: []}\n", "the list is empty"),
        ("customers:\n  \"a b\": {products: [PCB-A]}\n", "is not a customer name"),
        ("customers:\n  acme: {}\n", "required key is missing"),
        ("http: {listen: 127.0.0.1:1, plant_token_file: /nonexistent/plant.token}\n", "token file '/nonexistent/plant.token' does not exist"),
        ("http: {listen: 127.0.0.1:1, plant_token_file: x, plant_token_env: Y}\n", "both plant_token_env and plant_token_file"),
        ("http: {listen: 127.0.0.1:1, metrics_path: /lines}\n", "is a dashboard path"),
        ("http: {listen: 127.0.0.1:1, amber_margin: 2}\n", "is not a fraction"),
        ("http: {listen: 127.0.0.1:1, metrics_open: yes}\n", "ambiguous"),
        ("http: {listen: 0.0.0.0:9464}\n", "beyond loopback and no plant token is set"),
    ])
    func mistakes(text: String, message: String) {
        let (_, problems) = load(text)
        #expect(problems.contains { $0.message.contains(message) }, "\(problems)")
        #expect(problems.allSatisfy { ($0.line ?? 0) > 5 }, "at the broken line: \(problems)")
    }

    @Test("a plant token that is empty, short or holds what a cookie cannot is refused; a wrong listen is one problem")
    func tokenContent() throws {
        let folder = try TemporaryFolder("smtq-http-config-content")
        for (content, message) in [("", "is empty"), ("abc", "has 3 characters"), ("a token with spaces in it", "a browser cookie cannot hold")] {
            let token = folder.path("plant.token")
            try content.write(toFile: token, atomically: true, encoding: .utf8)
            chmod(token, 0o600)
            let (_, problems) = load("http: {listen: 0.0.0.0:1, plant_token_file: \(token)}\n")
            #expect(problems.contains { $0.message.contains(message) }, "\(content): \(problems)")
        }
        let (_, problems) = load("http: {listen: 0.0.0.0, plant_token_file: /nonexistent, metrics_open: true}\n")
        #expect(problems.count == 2, "the listen and the missing file, nothing about unknown keys: \(problems)")
        #expect(!problems.contains { $0.message.contains("unknown key") })
    }

    @Test("a plant token file others can read is refused")
    func tokenMode() throws {
        let folder = try TemporaryFolder("smtq-http-config-mode")
        let token = folder.path("plant.token")
        try "secret".write(toFile: token, atomically: true, encoding: .utf8)
        chmod(token, 0o644)
        let (_, problems) = load("http: {listen: 127.0.0.1:1, plant_token_file: \(token)}\n")
        #expect(problems.contains { $0.message.contains("can be read by other users") && $0.expected?.contains("chmod 600") == true }, "\(problems)")
    }
}
