import Foundation
import GRDB
import SMTQCore
import SMTQStore
import SMTQTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The line page in a real browser (Debian's headless Chromium through chromedriver): it renders its tiles,
/// charts and sections; a unit injected into the simulated AOI appears in the page without a reload within
/// 2 s of reaching the machine; no console errors; nothing loaded from another origin; the live stream comes
/// back by itself after smtqd restarts.
@Suite(.serialized)
struct DashboardBrowserTests {
    typealias Running = DaemonPipelineTests.Running
    let folder: URL
    var database: String { folder.appendingPathComponent("smtq.sqlite").path }
    var injectFile: String { folder.appendingPathComponent("inject.jsonl").path }

    init() throws {
        folder = try BinaryRunner.folderWithProfiles()
        _ = FileManager.default.createFile(atPath: injectFile, contents: nil)
    }

    func writeConfig(modbus: Int, http: Int) throws -> String {
        let path = folder.appendingPathComponent("smtq.yaml").path
        try """
            storage:
              database: \(database)
              batch: {max_records: 500, max_delay: 20ms}
            include: [profiles/*.yaml]
            lines:
              L1: {route: [AOI-1]}
            devices:
              - {name: aoi1, line: L1, station: AOI-1, kind: aoi, profile: aoi-reference, tcp: "127.0.0.1:\(modbus)", unit_id: 1, poll_interval: 100ms,
                 backoff: {initial: 200ms, max: 500ms}}
            products:
              PCB-A: {opportunities: 1250, targets: {fpy: 90%}}
            spc:
              charts:
                - {name: aoi-p, chart: p, line: L1, station: AOI-1, subgroup: {units: 5}, rules: [nelson1, nelson2]}
            http:
              listen: 127.0.0.1:\(http)
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("the line page renders, updates live within 2 s without a reload, has no console errors and loads nothing from elsewhere")
    func linePage() async throws {
        guard WebDriver.isAvailable() else {
            if ProcessInfo.processInfo.environment["CI"] != nil {
                Issue.record("chromium and chromium-driver are not installed: scripts/bootstrap --tests installs them")
            }
            return
        }
        let modbus = TestNetwork.freePort(), http = TestNetwork.freePort()
        let config = try writeConfig(modbus: modbus, http: http)
        let simulator = try Running("smtq", ["simulate", "--listen", "127.0.0.1:\(modbus)", "--rate", "20", "--count", "40", "--defect-rate", "0.2",
                                             "--program", "PCB-A", "--serial-prefix", "SN-", "--inject", injectFile])
        defer { simulator.stop() }
        var daemon = try Running("smtqd", ["--config", config, "--log-level", "warning"])
        defer { daemon.stop() }
        // Waits on threads of their own: this async test must not hold the concurrency pool the others share.
        let database = self.database
        let stored = await Blocking.run("wait-units") { BinaryRunner.wait(seconds: 60) { BinaryRunner.count(database, "SELECT count(*) FROM units") >= 40 } }
        #expect(stored, "\(daemon.output)")
        #expect(await Blocking.run("wait-http") { BinaryRunner.wait(seconds: 30) { TestNetwork.canConnect(port: http) } })

        let browser = try await WebDriver.start()
        defer { browser.quit() }
        let base = "http://127.0.0.1:\(http)"
        try await browser.open(base + "/lines/L1")
        #expect(try await browser.evaluate("document.querySelectorAll('#tiles .tile[data-station=\"AOI-1\"]').length") == "1")
        #expect(try await browser.evaluate("document.querySelector('[data-station=\"AOI-1\"] [data-field=units]').textContent") == "\"40\"")
        #expect(try await browser.evaluate("document.querySelectorAll('#charts figure[data-chart=\"aoi-p\"] svg circle').length > 5") == "true")
        #expect(try await browser.waitFor("document.getElementById('live').getAttribute('data-state') === 'open'", timeout: .seconds(10)))
        let shot = try await browser.screenshot()
        #expect(shot.starts(with: [0x89, 0x50, 0x4E, 0x47]), "not a PNG")

        // A unit injected into the machine: in the page within 2 s, the page not reloaded. The browser notes the
        // moment (wall clock) the serial appears, so a busy test runner does not count against the page.
        _ = try await browser.execute("""
            window.smtqMarker = 'still here';
            window.smtqSeen = null;
            new MutationObserver(function () {
              var field = document.querySelector('[data-station="AOI-1"] [data-field=last-serial]');
              if (window.smtqSeen === null && field && field.textContent === 'INJECTED-7') { window.smtqSeen = Date.now(); }
            }).observe(document.body, {subtree: true, childList: true, characterData: true});
            return true;
            """)
        let unit = "{\"line\":\"L1\",\"station\":\"AOI-1\",\"device\":\"aoi1\",\"program\":\"PCB-A\",\"serial\":\"INJECTED-7\",\"result\":\"fail\","
            + "\"time\":\"2026-12-01T00:00:00Z\",\"defects\":[{\"refdes\":\"C77\",\"code\":\"BRIDGE\",\"verdict\":\"real\"}]}\n"
        let handle = try #require(FileHandle(forWritingAtPath: injectFile))
        handle.seekToEndOfFile()
        let injected = Date().timeIntervalSince1970 * 1000
        handle.write(Data(unit.utf8))
        try handle.close()
        #expect(try await browser.waitFor("window.smtqSeen !== null", timeout: .seconds(15)))
        let seen = try #require(Double(try await browser.evaluate("window.smtqSeen")))
        #expect(seen - injected < 2000, "the injected unit appeared \(Int(seen - injected)) ms after it was written to the machine")
        #expect(try await browser.evaluate("window.smtqMarker") == "\"still here\"")
        #expect(try await browser.evaluate("document.querySelector('[data-station=\"AOI-1\"] [data-field=units]').textContent") == "\"41\"")
        #expect(try await browser.evaluate("document.getElementById('pareto').textContent.indexOf('C77 BRIDGE') >= 0") == "true")

        // smtqd restarts: the stream comes back by itself and updates go on, still without a reload.
        #expect(daemon.stop().status == 0)
        #expect(try await browser.waitFor("document.getElementById('live').getAttribute('data-state') === 'reconnecting'", timeout: .seconds(10)))
        daemon = try Running("smtqd", ["--config", config, "--log-level", "warning"])
        #expect(try await browser.waitFor("document.getElementById('live').getAttribute('data-state') === 'open'", timeout: .seconds(30)))
        let again = "{\"line\":\"L1\",\"station\":\"AOI-1\",\"device\":\"aoi1\",\"program\":\"PCB-A\",\"serial\":\"INJECTED-8\",\"result\":\"pass\","
            + "\"time\":\"2026-12-01T00:00:00Z\"}\n"
        let second = try #require(FileHandle(forWritingAtPath: injectFile))
        second.seekToEndOfFile()
        second.write(Data(again.utf8))
        try second.close()
        #expect(try await browser.waitFor(
            "document.querySelector('[data-station=\"AOI-1\"] [data-field=last-serial]').textContent === 'INJECTED-8'", timeout: .seconds(10)))
        #expect(try await browser.evaluate("window.smtqMarker") == "\"still here\"")

        for path in ["/lines/L1", "/charts/aoi-p", "/units/INJECTED-7", "/devices/aoi1", "/scorecard"] {
            try await browser.open(base + path)
            #expect(try await browser.evaluate("document.querySelector('main h1') !== null") == "true", "\(path)")
            let foreign = try await browser.resourceURLs().filter { !$0.hasPrefix(base + "/") }
            #expect(foreign.isEmpty, "\(path) loaded from elsewhere: \(foreign)")
        }
        // The screenshot is not blank: a blank page's compresses to a small fraction of it.
        try await browser.open("about:blank")
        let blank = try await browser.screenshot()
        #expect(shot.count > 5 * blank.count, "line page \(shot.count) bytes, blank page \(blank.count) bytes")
        let errors = try await browser.consoleErrors()
        #expect(errors.isEmpty, "console errors: \(errors)")
    }
}
