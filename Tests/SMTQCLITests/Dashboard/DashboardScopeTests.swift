import Foundation
import GRDB
import SMTQCore
import SMTQStore
import SMTQTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// smtqd serving the dashboard beyond loopback, with two customers' products on one line (two simulated
/// AOIs, a feeder fault on each, so both have alerts): every route walked with each customer's token, the
/// plant token, a wrong token and none.
@Suite(.serialized)
struct DashboardScopeTests {
    typealias Running = DaemonPipelineTests.Running
    let folder: URL
    var database: String { folder.appendingPathComponent("smtq.sqlite").path }
    let plantToken = "plant-token-\(UUID().uuidString)"

    init() throws {
        folder = try BinaryRunner.folderWithProfiles()
        let tokenFile = folder.appendingPathComponent("plant.token").path
        try plantToken.write(toFile: tokenFile, atomically: true, encoding: .utf8)
        chmod(tokenFile, 0o600)
        let hook = folder.appendingPathComponent("hook.sh").path
        try "#!/bin/sh\ncat > /dev/null\n".write(toFile: hook, atomically: true, encoding: .utf8)
        chmod(hook, 0o755)
    }

    func writeConfig(ports: (Int, Int), http: Int) throws -> String {
        let path = folder.appendingPathComponent("smtq.yaml").path
        try """
            storage:
              database: \(database)
              batch: {max_records: 500, max_delay: 20ms}
            include: [profiles/*.yaml]
            lines:
              L1: {route: [AOI-1, AOI-2]}
            devices:
              - {name: aoi1, line: L1, station: AOI-1, kind: aoi, profile: aoi-reference, tcp: "127.0.0.1:\(ports.0)", unit_id: 1, poll_interval: 50ms}
              - {name: aoi2, line: L1, station: AOI-2, kind: aoi, profile: aoi-reference, tcp: "127.0.0.1:\(ports.1)", unit_id: 1, poll_interval: 50ms}
            products:
              PCB-ALPHA: {opportunities: 100, targets: {fpy: 90%, dpmo: 5000}}
              PCB-BRAVO: {opportunities: 100, targets: {fpy: 90%, dpmo: 5000}}
            customers:
              acme: {products: [PCB-ALPHA]}
              bolt: {products: [PCB-BRAVO]}
            spc:
              charts:
                - {name: alpha-p, chart: p, line: L1, station: AOI-1, program: PCB-ALPHA, subgroup: {units: 10}, rules: [nelson1]}
                - {name: bravo-p, chart: p, line: L1, station: AOI-2, program: PCB-BRAVO, subgroup: {units: 10}, rules: [nelson1]}
                - {name: line-p, chart: p, line: L1, station: AOI-1, subgroup: {units: 10}, rules: [nelson1]}
            alerts:
              hooks:
                sink: {exec: [\(folder.appendingPathComponent("hook.sh").path)]}
              rules:
                - {name: alpha-feeder, type: repeated_defect, line: L1, station: AOI-1, count: 3, within_units: 20, hooks: [sink]}
                - {name: bravo-feeder, type: repeated_defect, line: L1, station: AOI-2, count: 3, within_units: 20, hooks: [sink]}
            http:
              listen: 0.0.0.0:\(http)
              plant_token_file: \(folder.appendingPathComponent("plant.token").path)
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Every route of the dashboard and the daemon, with what a customer of PCB-ALPHA (acme) may get.
    static let routes: [(path: String, acme: Int)] = [
        ("/", 200), ("/lines/L1", 200), ("/api/lines/L1", 200), ("/charts/alpha-p", 200), ("/charts/bravo-p", 404),
        ("/charts/line-p", 404), ("/api/charts/alpha-p", 200), ("/api/charts/bravo-p", 404), ("/api/charts/line-p", 404),
        ("/units/ALPHA-5", 200), ("/units/BRAVO-5", 404), ("/api/units/ALPHA-5", 200), ("/api/units/BRAVO-5", 404),
        ("/devices/aoi1", 404), ("/scorecard", 200), ("/scorecard?customer=acme", 200), ("/scorecard?customer=bolt", 404),
        ("/api/scorecard", 200), ("/api/scorecard?customer=bolt", 404), ("/api/alerts", 200), ("/api/status", 404),
        ("/events?line=L1", 200), ("/events?chart=alpha-p", 200), ("/events?chart=bravo-p", 404), ("/lines/NOPE", 404),
        ("/units/NOPE-1", 404),
    ]

    func get(_ port: Int, _ path: String, token: String?) throws -> HTTPProbe.Reply {
        var headers = ["Accept": path.hasPrefix("/api/") ? "application/json" : "text/html"]
        if let token { headers["Authorization"] = "Bearer \(token)" }
        return try HTTPProbe.request(port: port, path, headers: headers, readFor: path.hasPrefix("/events") ? 2.5 : nil)
    }

    @Test("customer A's token never sees customer B's serials, products, charts or alerts; no token is 401 beyond loopback")
    func scopes() throws {
        let ports = (TestNetwork.freePort(), TestNetwork.freePort()), http = TestNetwork.freePort()
        let config = try writeConfig(ports: ports, http: http)
        let alpha = try Running("smtq", ["simulate", "--listen", "127.0.0.1:\(ports.0)", "--rate", "20", "--count", "60", "--defect-rate", "0.1",
                                         "--program", "PCB-ALPHA", "--serial-prefix", "ALPHA-", "--burst", "Q11:BRIDGE:10:5", "--station", "AOI-1"])
        defer { alpha.stop() }
        let bravo = try Running("smtq", ["simulate", "--listen", "127.0.0.1:\(ports.1)", "--rate", "20", "--count", "60", "--defect-rate", "0.1",
                                         "--program", "PCB-BRAVO", "--serial-prefix", "BRAVO-", "--burst", "Q99:TOMBSTONE:10:5", "--station", "AOI-2"])
        defer { bravo.stop() }
        let daemon = try Running("smtqd", ["--config", config, "--log-level", "warning"])
        defer { daemon.stop() }
        #expect(BinaryRunner.wait(seconds: 60) { BinaryRunner.count(database, "SELECT count(*) FROM units") >= 120 && BinaryRunner.count(database, "SELECT count(DISTINCT rule) FROM alerts") == 2 },
                "\(daemon.output)")
        try #require(BinaryRunner.wait(seconds: 30) { TestNetwork.canConnect(port: http) })

        let acme = try #require(try tokenFor("acme", config: config))
        let bolt = try #require(try tokenFor("bolt", config: config))
        // What belongs to bolt (PCB-BRAVO) and must never reach acme, and the other way round.
        let bravoMarks = ["BRAVO-", "PCB-BRAVO", "bravo-feeder", "bravo-p", "bolt", "Q99"]
        let alphaMarks = ["ALPHA-", "PCB-ALPHA", "alpha-feeder", "alpha-p", "acme", "Q11"]
        for route in Self.routes {
            let seenByAcme = try get(http, route.path, token: acme)
            #expect(seenByAcme.status == route.acme, "acme \(route.path): \(seenByAcme.status) \(seenByAcme.body.prefix(300))")
            for mark in bravoMarks {
                #expect(!seenByAcme.body.contains(mark), "acme \(route.path) shows \(mark)")
            }
            let mirrored = Self.swap(route.path, [("alpha", "bravo"), ("ALPHA-", "BRAVO-"), ("acme", "bolt"), ("aoi1", "aoi2")])
            let seenByBolt = try get(http, mirrored, token: bolt)
            #expect(seenByBolt.status == route.acme, "bolt \(mirrored): \(seenByBolt.status)")
            for mark in alphaMarks {
                #expect(!seenByBolt.body.contains(mark), "bolt \(mirrored) shows \(mark)")
            }
            for token in [nil, "wrong-token", "smtq_" + String(repeating: "A", count: 43)] {
                let refused = try get(http, route.path, token: token)
                #expect(refused.status == 401, "\(token ?? "no token") \(route.path): \(refused.status)")
                #expect(refused.headers["www-authenticate"]?.hasPrefix("Bearer") == true)
                for mark in alphaMarks + bravoMarks + ["AOI-1", "L1/"] {
                    #expect(!refused.body.contains(mark), "\(token ?? "no token") \(route.path) shows \(mark)")
                }
            }
            let plant = try get(http, route.path, token: plantToken)
            // The plant names the customer of a scorecard's JSON; its page lists them.
            let plantExpected = ["/lines/NOPE", "/units/NOPE-1"].contains(route.path) ? 404 : route.path == "/api/scorecard" ? 400 : 200
            #expect(plant.status == plantExpected, "plant \(route.path): \(plant.status) \(plant.body.prefix(200))")
        }
        // The plant sees both customers' units on the line page; each customer's page only its own.
        let plantLine = try get(http, "/lines/L1", token: plantToken).body
        #expect(plantLine.contains("ALPHA-") && plantLine.contains("BRAVO-"))
        #expect(try get(http, "/lines/L1", token: acme).body.contains("ALPHA-"))
        #expect(try get(http, "/events?line=L1", token: acme).body.contains("event: sections"))
        // /metrics needs the plant token beyond loopback (metrics_open is off).
        #expect(try HTTPProbe.request(port: http, "/metrics").status == 401)
        #expect(try HTTPProbe.request(port: http, "/metrics", headers: ["Authorization": "Bearer \(plantToken)"]).status == 200)
        #expect(try HTTPProbe.request(port: http, "/metrics", headers: ["Authorization": "Bearer \(acme)"]).status == 401)
        // A browser's ?token= sets the cookie and drops the token from the address.
        let link = try HTTPProbe.request(port: http, "/lines/L1?token=\(acme)", headers: ["Accept": "text/html"])
        #expect(link.status == 303 && link.headers["location"] == "/lines/L1")
        #expect(link.headers["set-cookie"]?.contains("HttpOnly") == true && link.headers["set-cookie"]?.contains("SameSite=Strict") == true)
        let page = try HTTPProbe.request(port: http, "/lines/L1", headers: ["Cookie": "smtq_token=\(acme)", "Accept": "text/html"])
        #expect(page.status == 200 && page.body.contains("customer: acme"))
        #expect(page.headers["content-security-policy"]?.contains("default-src 'none'") == true)
        #expect(page.headers["content-type"] == "text/html; charset=utf-8")

        try acknowledge(port: http, acme: acme)
        // A revoked token is refused within a second or two, and its open stream ends.
        let revoked = Locked<BinaryRunner.Result?>(nil)
        Thread {
            Thread.sleep(forTimeInterval: 1)
            revoked.withLock { $0 = try? BinaryRunner.run("smtq", ["customer", "revoke", "acme", "--config", config]) }
        }.start()
        let started = Date()
        let open = try HTTPProbe.request(port: http, "/events?line=L1", headers: ["Authorization": "Bearer \(acme)"], readFor: 20)
        #expect(open.body.contains("event: sections"))
        #expect(Date().timeIntervalSince(started) < 10, "the revoked token's stream ended after \(Date().timeIntervalSince(started)) s")
        #expect(revoked.withLock { $0?.status } == 0)
        #expect(BinaryRunner.wait(seconds: 5) { (try? get(http, "/lines/L1", token: acme).status) == 401 })
        #expect(daemon.stop().status == 0, "\(daemon.output)")
    }

    /// The plant acknowledges from the page (as `smtq alerts ack` does); a customer cannot.
    func acknowledge(port: Int, acme: String) throws {
        let id = BinaryRunner.count(database, "SELECT min(id) FROM alerts WHERE rule = 'alpha-feeder'")
        let form = "by=qe-anna&note=replaced+nozzle+4&return=%2Flines%2FL1"
        let headers = ["Content-Type": "application/x-www-form-urlencoded"]
        let refused = try HTTPProbe.request(port: port, "/alerts/\(id)/ack", method: "POST",
                                            headers: headers.merging(["Authorization": "Bearer \(acme)"]) { $1 }, body: form)
        #expect(refused.status == 401)
        let foreign = try HTTPProbe.request(port: port, "/alerts/\(id)/ack", method: "POST",
                                            headers: headers.merging(["Authorization": "Bearer \(plantToken)", "Origin": "http://evil.example"]) { $1 },
                                            body: form)
        #expect(foreign.status == 400)
        let done = try HTTPProbe.request(port: port, "/alerts/\(id)/ack", method: "POST",
                                         headers: headers.merging(["Authorization": "Bearer \(plantToken)"]) { $1 }, body: form)
        #expect(done.status == 303 && done.headers["location"] == "/lines/L1", "\(done.status) \(done.body)")
        let list = try BinaryRunner.run("smtq", ["alerts", "--db", database, "--format", "table"])
        #expect(list.standardOutput.contains("qe-anna: replaced nozzle 4"), "\(list.standardOutput)")
        let missing = try HTTPProbe.request(port: port, "/alerts/99999/ack", method: "POST",
                                            headers: headers.merging(["Authorization": "Bearer \(plantToken)", "Accept": "application/json"]) { $1 },
                                            body: form)
        #expect(missing.status == 404)
    }

    /// The path with each pair's names exchanged (customer A's route as customer B's).
    static func swap(_ text: String, _ pairs: [(String, String)]) -> String {
        var text = text
        for (offset, (a, b)) in pairs.enumerated() {
            text = text.replacingOccurrences(of: a, with: "\u{1}\(offset)").replacingOccurrences(of: b, with: a)
                .replacingOccurrences(of: "\u{1}\(offset)", with: b)
        }
        return text
    }

    func tokenFor(_ customer: String, config: String) throws -> String? {
        let made = try BinaryRunner.run("smtq", ["customer", "token", customer, "--config", config])
        #expect(made.status == 0, "\(made.standardError)")
        let token = made.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        return token.hasPrefix("smtq_") && token.count == 48 ? token : nil
    }
}
