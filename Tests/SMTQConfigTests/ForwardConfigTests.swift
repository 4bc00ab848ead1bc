import Foundation
import SMTQConfig
import SMTQTestSupport
import Testing

/// `forward.postgres` and the central database's URL, with the mistakes people make in them.
struct ForwardConfigTests {
    static let base = """
        site: plant-a
        storage: {database: /tmp/x.sqlite}

        """

    func load(_ text: String) -> (Configuration?, [ConfigDiagnostic]) {
        do {
            return (try ConfigLoader.load(text: Self.base + text, file: "smtq.yaml", directory: "/tmp"), [])
        } catch {
            return (nil, error.diagnostics)
        }
    }

    @Test("every key; defaults: the top-level site, this host's name, TLS off on loopback and verify-full beyond it")
    func keys() throws {
        let folder = try TemporaryFolder("smtq-forward-config")
        let password = folder.path("central.password")
        try "s3cret\n".write(toFile: password, atomically: true, encoding: .utf8)
        chmod(password, 0o600)
        let ca = folder.path("ca.pem")
        try "-----BEGIN CERTIFICATE-----\n".write(toFile: ca, atomically: true, encoding: .utf8)
        let (full, problems) = load("""
            forward:
              postgres: {url: "postgresql://smtq@central.plant:6432/quality", password_file: \(password), tls: verify-ca,
                         ca_file: \(ca), site: plant-b, host: line-3, batch: 500}
            """)
        #expect(problems.isEmpty, "\(problems)")
        let central = try #require(full?.central)
        #expect(central.address.description == "postgresql://smtq@central.plant:6432/quality" && central.address.tls == nil)
        #expect(central.password == .file(password) && central.tls == .verifyCA && central.caFile == ca)
        #expect(central.site == "plant-b" && central.host == "line-3" && central.batchUnits == 500)
        #expect(full?.summary.contains("forwards to postgresql://smtq@central.plant:6432/quality as plant-b/line-3 (tls verify-ca, batches of 500)") == true,
                "\(full?.summary ?? "")")

        let (local, _) = load("forward: {postgres: {url: \"postgresql://smtq@127.0.0.1/smtq\", password_env: PG_SECRET}}")
        #expect(local?.central?.tls == .disable && local?.central?.site == "plant-a" && local?.central?.password == .environment("PG_SECRET"))
        #expect(local?.central?.host == ProcessInfo.processInfo.hostName && local?.central?.address.port == 5432)
        let (remote, _) = load("forward: {postgres: {url: \"postgres://smtq@db.plant/smtq?sslmode=require\"}}")
        #expect(remote?.central?.tls == .require)
        let (beyond, _) = load("forward: {postgres: {url: \"postgresql://smtq@db.plant/smtq\"}}")
        #expect(beyond?.central?.tls == .verifyFull)
        #expect(load("").0?.central == nil)
    }

    @Test("mistakes are errors at their line: a password in the URL, no database, clear text beyond loopback, both secrets, …")
    func mistakes() throws {
        let folder = try TemporaryFolder("smtq-forward-mistakes")
        let open = folder.path("open.password")
        try "s3cret\n".write(toFile: open, atomically: true, encoding: .utf8)
        chmod(open, 0o644)
        let cases: [(String, String)] = [
            ("forward: {postgres: {url: \"postgresql://smtq:s3cret@db.plant/smtq\"}}", "the URL holds a password"),
            ("forward: {postgres: {url: \"postgresql://smtq@db.plant/\"}}", "names no database"),
            ("forward: {postgres: {url: \"mysql://smtq@db.plant/smtq\"}}", "is not a postgresql:// URL"),
            ("forward: {postgres: {url: \"postgresql://smtq@db.plant/smtq?sslmode=maybe\"}}", "sslmode 'maybe' is not one of"),
            ("forward: {postgres: {url: \"postgresql://smtq@db.plant/smtq\", tls: disable}}", "tls: disable for db.plant, beyond this host"),
            ("forward: {postgres: {url: \"postgresql://smtq@db.plant/smtq\", tls: sometimes}}", "sometimes"),
            ("forward: {postgres: {url: \"postgresql://smtq@127.0.0.1/smtq\", password_env: A, password_file: /x}}", "both password_env and password_file"),
            ("forward: {postgres: {url: \"postgresql://smtq@127.0.0.1/smtq\", password_file: \(open)}}", "can be read by other users"),
            ("forward: {postgres: {url: \"postgresql://smtq@127.0.0.1/smtq\", ca_file: /nonexistent/ca.pem}}", "CA file '/nonexistent/ca.pem'"),
            ("forward: {postgres: {url: \"postgresql://smtq@127.0.0.1/smtq\", host: \"line 3\"}}", "'line 3' is not a host name"),
            ("forward: {postgres: {url: \"postgresql://smtq@127.0.0.1/smtq?password=s3cret\"}}", "a parameter other than sslmode"),
            ("forward: {postgres: {url: \"postgresql://smtq:s3/cr3t@127.0.0.1/smtq\"}}", "URL"),
            ("forward: {postgres: {url: \"postgresql://smtq@127.0.0.1/smtq\", batch: 0}}", "batch"),
            ("forward: {postgres: {url: \"postgresql://smtq@127.0.0.1/smtq\", urls: x}}", "urls"),
            ("forward: {postgres: {password_env: X}}", "url"),
        ]
        for (text, expected) in cases {
            let (configuration, problems) = load(text)
            #expect(configuration == nil, "\(text) was accepted")
            #expect(problems.contains { "\($0)".contains(expected) }, "\(text): \(problems.map(\.description))")
            #expect(problems.allSatisfy { !"\($0)".contains("s3cret") }, "a secret in a message: \(problems)")
            #expect(problems.allSatisfy { ($0.line ?? 0) >= 3 }, "\(text): \(problems.map(\.description))")
        }
        do {
            _ = try ConfigLoader.load(text: "storage: {database: /tmp/x.sqlite}\nforward: {postgres: {url: \"postgresql://smtq@127.0.0.1/smtq\"}}\n",
                                      file: "smtq.yaml", directory: "/tmp")
            Issue.record("a forward without any site was accepted")
        } catch {
            #expect(error.diagnostics.contains { "\($0)".contains("no site for the central rows") })
        }
    }
}
