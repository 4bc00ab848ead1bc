import Foundation
import Testing

/// systemd/smtqd.service checked by systemd's own analyser, with ExecStart pointed at the built daemon.
struct SystemdUnitTests {
    func analyze(_ arguments: [String]) throws -> BinaryRunner.Result {
        try BinaryRunner.run("/usr/bin/systemd-analyze", arguments)
    }

    func unitWithBuiltDaemon() throws -> URL {
        let unit = try String(contentsOf: BinaryRunner.packageRoot.appendingPathComponent("systemd/smtqd.service"),
                              encoding: .utf8)
        let folder = try BinaryRunner.temporaryFolder()
        let file = folder.appendingPathComponent("smtqd.service")
        let daemon = BinaryRunner.productsFolder.appendingPathComponent("smtqd").path
        try unit.replacingOccurrences(of: "/usr/local/bin/smtqd", with: daemon)
            .write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    @Test func unitVerifiesWithoutWarnings() throws {
        let unit = try unitWithBuiltDaemon()
        defer { try? FileManager.default.removeItem(at: unit.deletingLastPathComponent()) }
        let result = try analyze(["verify", unit.path])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(!result.standardError.contains("Unknown key"), "\(result.standardError)")
        #expect(!result.standardError.contains("Unknown section"), "\(result.standardError)")
    }

    @Test("the unit's hardening keeps its exposure score at 2.0 or below")
    func hardening() throws {
        let unit = try unitWithBuiltDaemon()
        defer { try? FileManager.default.removeItem(at: unit.deletingLastPathComponent()) }
        let result = try analyze(["security", "--offline=true", "--threshold=20", unit.path])
        #expect(result.status == 0, "\(result.standardOutput.suffix(400))")
    }

    @Test func unitRestartPolicyAndNotifyType() throws {
        let unit = try String(contentsOf: BinaryRunner.packageRoot.appendingPathComponent("systemd/smtqd.service"),
                              encoding: .utf8)
        #expect(unit.contains("Type=notify"))
        #expect(unit.contains("RestartPreventExitStatus=78"))
        #expect(unit.contains("ExecReload=/bin/kill -HUP $MAINPID"))
    }
}
