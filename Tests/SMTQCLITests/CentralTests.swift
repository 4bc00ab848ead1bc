import Foundation
import SMTQTestSupport
import Testing

/// The plant's central PostgreSQL (Debian's server, a throwaway cluster on loopback as a non-root user): the
/// same reports on the central database and on a line host's SQLite give byte-identical JSON; two smtqd
/// forward through a central outage and every unit arrives exactly once; faults are one line each.
@Suite(.serialized)
struct CentralTests {
    typealias Running = DaemonPipelineTests.Running

    /// The reports compared on both engines (arguments after `smtq`).
    static let reports: [[String]] = [
        ["report", "yield", "--by", "station", "--overall"], ["report", "yield", "--by", "station,program"],
        ["report", "yield", "--by", "line,station,day"], ["report", "yield", "--by", "station,device"],
        ["report", "yield", "--by", "station,hour", "--since", "2026-11-24T00:07:00Z"], ["report", "pareto"],
        ["report", "pareto", "--key", "refdes,code"], ["report", "pareto", "--false-calls"],
        ["report", "capability", "--measurement", "VCC"], ["report", "spc", "--chart", "aoi-p"],
        ["report", "spc", "--chart", "ict-vcc"], ["report", "escapes"], ["report", "scorecard", "--customer", "acme",
        "--since", "2026-11-01T00:00:00Z", "--until", "2026-12-01T00:00:00Z"], ["trace", "SN0001"], ["trace", "SN0016"],
    ]

    static func forwardConfig(_ cluster: PostgresCluster, host: String, site: String = "plant-a") -> String {
        """
        site: \(site)
        customers:
          acme: {products: [PCB-A]}
        forward:
          postgres: {url: "\(cluster.url)", password_env: SMTQ_TEST_PG, host: \(host)}

        """
    }

    @Test("every report on the central database gives the same JSON as on the line host's SQLite (reference yield set)")
    func sameReportsOnBothEngines() throws {
        try #require(PostgresCluster.isInstalled, "Debian's postgresql is not installed: ./scripts/bootstrap --tests")
        let cluster = try PostgresCluster()
        let environment = ["SMTQ_TEST_PG": cluster.password, "PGPASSWORD": cluster.password]
        let folder = try TemporaryFolder("smtq-central")
        let config = try CLIFixtures.referenceDatabase(in: folder, extra: Self.forwardConfig(cluster, host: "line1"))
        let migrate = try BinaryRunner.run("smtq", ["central", "migrate", "--db", cluster.url], environment: environment)
        #expect(migrate.status == 0 && migrate.standardOutput.contains("applied c1"), "\(migrate.standardError)")
        let push = try BinaryRunner.run("smtq", ["central", "push", "--config", config], environment: environment)
        #expect(push.status == 0 && push.standardOutput.contains("forwarded 875 units"), "\(push.standardOutput)\(push.standardError)")
        let again = try BinaryRunner.run("smtq", ["central", "push", "--config", config], environment: environment)
        #expect(again.standardOutput.contains("forwarded 0 units"), "\(again.standardOutput)")
        #expect(try cluster.psql("SELECT count(*), count(DISTINCT id) FROM units") == "875|875")

        for report in Self.reports {
            let local = try BinaryRunner.run("smtq", report + ["--config", config, "--format", "json"], environment: environment)
            let central = try BinaryRunner.run("smtq", report + ["--config", config, "--db", cluster.url, "--format", "json"],
                                               environment: environment)
            #expect(local.status == 0 && central.status == 0, "\(report): \(local.standardError) \(central.standardError)")
            #expect(local.standardOutput.count > 100, "\(report) printed little: \(local.standardOutput)")
            #expect(local.standardOutput == central.standardOutput, "\(report.joined(separator: " ")) differs")
        }
        for table in ["units", "defects", "measurements", "events"] {
            let local = try BinaryRunner.run("smtq", ["export", table, "--db", folder.path("smtq.sqlite"), "--format", "jsonl"])
            let central = try BinaryRunner.run("smtq", ["export", table, "--db", cluster.url, "--format", "jsonl"], environment: environment)
            #expect(central.status == 0 && local.standardOutput == central.standardOutput, "export \(table): \(central.standardError)")
        }
        // --site: the central database's sites; a local store has one and refuses it.
        let site = try BinaryRunner.run("smtq", ["report", "yield", "--config", config, "--db", cluster.url, "--site", "plant-a", "--format", "json"],
                                        environment: environment)
        let plain = try BinaryRunner.run("smtq", ["report", "yield", "--config", config, "--format", "json"])
        #expect(site.standardOutput == plain.standardOutput)
        let unknown = try BinaryRunner.run("smtq", ["report", "yield", "--config", config, "--db", cluster.url, "--site", "plant-z"],
                                           environment: environment)
        #expect(unknown.status == 64 && unknown.standardError.contains("--site 'plant-z' is not in the database (known: plant-a)"),
                "\(unknown.standardError)")
        let local = try BinaryRunner.run("smtq", ["report", "yield", "--config", config, "--site", "plant-a"])
        #expect(local.status == 64 && local.standardError.contains("give --db postgresql://"), "\(local.standardError)")

        // A second site with the same line, station and chart names and other data (the first 400 reference
        // results): --site keeps each site's reports apart, SPC (its chart's station) and trace included.
        let siteB = try TemporaryFolder("smtq-central-site-b")
        let part = try String(contentsOfFile: CLIFixtures.referenceUnits, encoding: .utf8).split(separator: "\n").prefix(400)
        try (part.joined(separator: "\n") + "\n").write(toFile: siteB.path("units.jsonl"), atomically: true, encoding: .utf8)
        let other = try CLIFixtures.referenceConfig(in: siteB, extra: Self.forwardConfig(cluster, host: "line1", site: "plant-b"))
        #expect(try BinaryRunner.run("smtq", ["import", siteB.path("units.jsonl"), "--db", siteB.path("smtq.sqlite")]).status == 0)
        let second = try BinaryRunner.run("smtq", ["central", "push", "--config", other], environment: environment)
        #expect(second.standardOutput.contains("forwarded 400 units"), "\(second.standardOutput)\(second.standardError)")
        for report in [["report", "spc", "--chart", "aoi-p"], ["report", "spc", "--chart", "ict-vcc"], ["report", "yield", "--by", "station"],
                       ["report", "capability", "--measurement", "VCC"], ["trace", "SN0016"]] {
            for (site, siteConfig) in [("plant-a", config), ("plant-b", other)] {
                let local = try BinaryRunner.run("smtq", report + ["--config", siteConfig, "--format", "json"])
                let central = try BinaryRunner.run("smtq", report + ["--config", siteConfig, "--db", cluster.url, "--site", site, "--format", "json"],
                                                   environment: environment)
                #expect(central.status == 0 && local.standardOutput == central.standardOutput, "\(report) --site \(site): \(central.standardError)")
            }
        }
        let both = try BinaryRunner.run("smtq", ["trace", "SN0016", "--config", config, "--db", cluster.url, "--format", "json"], environment: environment)
        let one = try BinaryRunner.run("smtq", ["trace", "SN0016", "--config", config, "--format", "json"])
        #expect(both.standardOutput.count > one.standardOutput.count + 100, "the plant-wide trace shows both sites' results")
    }

    @Test("faults: wrong password, unreachable server, newer schema, a reinstalled host's reused ids (refused, kept, counted)")
    func faults() throws {
        try #require(PostgresCluster.isInstalled, "Debian's postgresql is not installed: ./scripts/bootstrap --tests")
        let cluster = try PostgresCluster()
        let environment = ["SMTQ_TEST_PG": cluster.password, "PGPASSWORD": cluster.password]
        let folder = try TemporaryFolder("smtq-central-faults")
        let config = try CLIFixtures.referenceDatabase(in: folder, extra: Self.forwardConfig(cluster, host: "line1"))
        let noSchema = try BinaryRunner.run("smtq", ["central", "push", "--config", config], environment: environment)
        #expect(noSchema.status == 1 && noSchema.standardError.contains("no smtq schema: run smtq central migrate"), "\(noSchema.standardError)")
        _ = try BinaryRunner.run("smtq", ["central", "migrate", "--db", cluster.url], environment: environment)

        let wrong = try BinaryRunner.run("smtq", ["central", "push", "--config", config], environment: ["SMTQ_TEST_PG": "not-it"])
        #expect(wrong.status == 1 && wrong.standardError.contains("login refused for smtq"), "\(wrong.standardError)")
        #expect(!wrong.standardError.contains("not-it") && wrong.standardError.split(separator: "\n").count == 1)
        let away = try BinaryRunner.run("smtq", ["report", "yield", "--db", "postgresql://smtq@127.0.0.1:\(TestNetwork.freePort())/smtq"],
                                        environment: environment)
        #expect(away.status == 1 && away.standardError.contains("unreachable (connection refused)"), "\(away.standardError)")
        let tls = try BinaryRunner.run("smtq", ["report", "yield", "--db", cluster.url + "?sslmode=require"], environment: environment)
        #expect(tls.status == 1 && tls.standardError.contains("does not accept TLS"), "\(tls.standardError)")
        let badURL = try BinaryRunner.run("smtq", ["central", "migrate", "--db", "postgresql://smtq:secret@127.0.0.1/"])
        #expect(badURL.status == 64 && badURL.standardError.contains("names no database") && !badURL.standardError.contains("secret"),
                "\(badURL.standardError)")

        try cluster.psql("INSERT INTO smtq_schema VALUES ('c99', 0)")
        let newer = try BinaryRunner.run("smtq", ["central", "push", "--config", config], environment: environment)
        #expect(newer.status == 1 && newer.standardError.contains("schema version c99, newer than this smtq knows"), "\(newer.standardError)")
        let newerMigrate = try BinaryRunner.run("smtq", ["central", "migrate", "--db", cluster.url], environment: environment)
        #expect(newerMigrate.status == 1, "\(newerMigrate.standardOutput)")
        try cluster.psql("DELETE FROM smtq_schema WHERE version = 'c99'")

        let first = try BinaryRunner.run("smtq", ["central", "push", "--config", config], environment: environment)
        #expect(first.status == 0, "\(first.standardError)")
        // The host reinstalled under the same name: its new store's ids 1… hold other units.
        let reinstalled = try TemporaryFolder("smtq-central-reinstalled")
        let lines = try String(contentsOfFile: CLIFixtures.referenceUnits, encoding: .utf8).split(separator: "\n").prefix(30)
        let changed = lines.map { $0.replacingOccurrences(of: "\"serial\":\"SN", with: "\"serial\":\"XX") }.joined(separator: "\n") + "\n"
        try changed.write(toFile: reinstalled.path("units.jsonl"), atomically: true, encoding: .utf8)
        let secondConfig = try CLIFixtures.referenceConfig(in: reinstalled, extra: Self.forwardConfig(cluster, host: "line1"))
        #expect(try BinaryRunner.run("smtq", ["import", reinstalled.path("units.jsonl"), "--db", reinstalled.path("smtq.sqlite")]).status == 0)
        let conflicted = try BinaryRunner.run("smtq", ["central", "push", "--config", secondConfig], environment: environment)
        #expect(conflicted.status == 0 && conflicted.standardOutput.contains("30 refused as conflicts (kept here)"),
                "\(conflicted.standardOutput)\(conflicted.standardError)")
        #expect(conflicted.standardError.contains("same key, other content"))
        #expect(try cluster.psql("SELECT count(*) FROM units WHERE serial LIKE 'XX%'") == "0")
        #expect(try cluster.psql("SELECT count(*) FROM units") == "875")
        #expect(BinaryRunner.count(reinstalled.path("smtq.sqlite"), "SELECT count(*) FROM forward_conflicts") == 30)
        #expect(BinaryRunner.count(reinstalled.path("smtq.sqlite"), "SELECT count(*) FROM units") == 30)

        // Separators inside text (a CR LF pair is one Swift Character) cross COPY intact.
        let odd = try TemporaryFolder("smtq-central-odd")
        let oddLine = try #require(lines.first).replacingOccurrences(of: "\"serial\":\"SN", with: "\"serial\":\"C\\r\\nR\\t\\\\ ")
        try (oddLine + "\n").write(toFile: odd.path("units.jsonl"), atomically: true, encoding: .utf8)
        let oddConfig = try CLIFixtures.referenceConfig(in: odd, extra: Self.forwardConfig(cluster, host: "line9"))
        #expect(try BinaryRunner.run("smtq", ["import", odd.path("units.jsonl"), "--db", odd.path("smtq.sqlite")]).status == 0)
        let oddPush = try BinaryRunner.run("smtq", ["central", "push", "--config", oddConfig], environment: environment)
        #expect(oddPush.status == 0, "\(oddPush.standardError)")
        #expect(try cluster.psql("SELECT count(*) FROM units WHERE serial LIKE E'C\\r\\nR\\t\\\\\\\\ %'") == "1")
    }

    @Test("two smtqd forward into one central database through an outage: every unit once, plant-wide yield = both lines'")
    func twoLineHostsThroughAnOutage() throws {
        try #require(PostgresCluster.isInstalled, "Debian's postgresql is not installed: ./scripts/bootstrap --tests")
        let cluster = try PostgresCluster()
        let environment = ["SMTQ_TEST_PG": cluster.password, "PGPASSWORD": cluster.password]
        #expect(try BinaryRunner.run("smtq", ["central", "migrate", "--db", cluster.url], environment: environment).status == 0)
        let units = 160
        var hosts: [(folder: URL, config: String, database: String, http: Int, simulator: Running, daemon: Running)] = []
        defer { for host in hosts { host.daemon.stop(); host.simulator.stop() } }
        for (index, line) in ["L1", "L2"].enumerated() {
            let folder = try BinaryRunner.folderWithProfiles()
            let port = TestNetwork.freePort(), http = TestNetwork.freePort()
            let database = folder.appendingPathComponent("smtq.sqlite").path
            let config = folder.appendingPathComponent("smtq.yaml").path
            try """
                site: plant-a
                storage:
                  database: \(database)
                  batch: {max_records: 200, max_delay: 20ms}
                include: [profiles/*.yaml]
                lines:
                  \(line): {route: [AOI-1]}
                devices:
                  - {name: aoi-\(line), line: \(line), station: AOI-1, kind: aoi, profile: aoi-reference, tcp: "127.0.0.1:\(port)", unit_id: 1, poll_interval: 50ms}
                http:
                  listen: 127.0.0.1:\(http)
                forward:
                  postgres: {url: "\(cluster.url)", password_env: SMTQ_TEST_PG, host: host-\(line.lowercased()), batch: 25}
                """.write(toFile: config, atomically: true, encoding: .utf8)
            let simulator = try Running("smtq", ["simulate", "--listen", "127.0.0.1:\(port)", "--rate", "16", "--count", "\(units)",
                                                 "--defect-rate", "0.2", "--serial-prefix", "\(line)-", "--line", line, "--station", "AOI-1",
                                                 "--seed", "\(index + 3)"])
            let daemon = try Running("smtqd", ["--config", config, "--log-level", "notice"], environment: environment)
            hosts.append((folder, config, database, http, simulator, daemon))
        }
        func central() -> Int { Int((try? cluster.psql("SELECT count(*) FROM units")) ?? "") ?? -1 }
        #expect(BinaryRunner.wait(seconds: 60) { central() >= 40 }, "\(hosts.map(\.daemon.output))")
        try cluster.stop()
        let during = hosts.map { BinaryRunner.count($0.database, "SELECT count(*) FROM units") }
        usleep(3_000_000)
        // Collection goes on while the central database is away.
        let after = hosts.map { BinaryRunner.count($0.database, "SELECT count(*) FROM units") }
        #expect(zip(during, after).allSatisfy { $1 > $0 }, "local counts \(during) → \(after)")
        let status = try HTTPProbe.request(port: hosts[0].http, "/api/status", headers: ["Accept": "application/json"])
        let forwarding = try #require((try JSONSerialization.jsonObject(with: Data(status.body.utf8)) as? [String: Any])?["forwarding"] as? [String: Any])
        #expect(forwarding["connected"] as? Bool == false, "\(forwarding)")
        #expect(((forwarding["last_error"] as? String) ?? "").contains("unreachable"), "\(forwarding)")
        try cluster.start()
        #expect(BinaryRunner.wait(seconds: 90) {
            hosts.allSatisfy { BinaryRunner.count($0.database, "SELECT count(*) FROM units") == units } && central() == 2 * units
        }, "central \(central()), local \(hosts.map { BinaryRunner.count($0.database, "SELECT count(*) FROM units") })")
        #expect(BinaryRunner.wait(seconds: 10) {
            let reply = try? HTTPProbe.request(port: hosts[0].http, "/api/status", headers: ["Accept": "application/json"])
            let state = (try? JSONSerialization.jsonObject(with: Data((reply?.body ?? "").utf8)) as? [String: Any])?["forwarding"] as? [String: Any]
            return state?["lag_units"] as? Int == 0 && state?["connected"] as? Bool == true
        })
        var metrics = ""
        #expect(BinaryRunner.wait(seconds: 10) {
            metrics = (try? HTTPProbe.request(port: hosts[1].http, "/metrics", headers: [:]).body) ?? ""
            return metrics.range(of: "\nsmtq_forward_lag_units 0(\\.0)?\n", options: .regularExpression) != nil
                && metrics.range(of: "\nsmtq_forward_connected 1(\\.0)?\n", options: .regularExpression) != nil
        }, "\(metrics.split(separator: "\n").filter { $0.contains("forward") })")
        for host in hosts { host.daemon.stop() }
        #expect(hosts.allSatisfy { $0.daemon.output.contains("forwarding paused") && $0.daemon.output.contains("forwarding resumes") },
                "\(hosts.map(\.daemon.output))")
        #expect(try cluster.psql("SELECT count(*), count(DISTINCT id), count(DISTINCT (host_id, serial)) FROM units") == "\(2 * units)|\(2 * units)|\(2 * units)")

        // Plant-wide yield (a reporting-only configuration with both lines) = the two line hosts' rows.
        let plant = hosts[0].folder.appendingPathComponent("plant.yaml").path
        try """
            storage: {database: /nonexistent/plant.sqlite}
            lines:
              L1: {route: [AOI-1]}
              L2: {route: [AOI-1]}
            """.write(toFile: plant, atomically: true, encoding: .utf8)
        func yield(_ db: String) throws -> [String: Any] {
            let result = try BinaryRunner.run("smtq", ["report", "yield", "--by", "line,station,program", "--config", plant, "--db", db, "--format", "json"],
                                              environment: environment)
            #expect(result.status == 0, "\(result.standardError)")
            return try CLIFixtures.json(result)
        }
        let whole = try yield(cluster.url)
        let parts = try hosts.map { try yield($0.database) }
        func rows(_ json: [String: Any], _ key: String) -> String {
            String(decoding: try! JSONSerialization.data(withJSONObject: json[key] as? [Any] ?? [], options: [.sortedKeys]), as: UTF8.self)
        }
        for key in ["rows", "lines"] {
            let combined = parts.flatMap { $0[key] as? [Any] ?? [] }
            let expected = String(decoding: try JSONSerialization.data(withJSONObject: combined, options: [.sortedKeys]), as: UTF8.self)
            #expect(rows(whole, key) == expected, "\(key): central \(rows(whole, key)) vs locals \(expected)")
        }
        #expect((whole["rows"] as? [Any])?.count ?? 0 >= 2)
    }
}
