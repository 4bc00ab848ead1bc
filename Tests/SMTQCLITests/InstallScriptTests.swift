import Foundation
import Testing

/// scripts/install staged into a DESTDIR, as a packager runs it, with the already built binaries (`--bin-dir`)
/// so that the test does not build again.
struct InstallScriptTests {
    static let script = BinaryRunner.packageRoot.appendingPathComponent("scripts/install")

    /// Runs `scripts/install` with DESTDIR (when given); PREFIX and SMTQ_BUILD_DIR from the caller are dropped.
    func install(_ arguments: [String], destdir: URL?) throws -> BinaryRunner.Result {
        try BinaryRunner.run(Self.script.path, arguments, environment: destdir.map { ["DESTDIR": $0.path] } ?? [:],
                             unset: ["PREFIX", "SMTQ_BUILD_DIR"] + (destdir == nil ? ["DESTDIR"] : []))
    }

    /// Installs with `--bin-dir` the built products and `--prefix prefix` into `destdir`.
    func stage(_ destdir: URL, prefix: String = "/usr/local") throws -> BinaryRunner.Result {
        let result = try install(["--bin-dir", BinaryRunner.productsFolder.path, "--prefix", prefix], destdir: destdir)
        #expect(result.status == 0, "\(result.standardError)")
        return result
    }

    func mode(_ url: URL) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: url.path))?[.posixPermissions] as? Int
    }

    func read(_ url: URL) throws -> String { try String(contentsOf: url, encoding: .utf8) }

    func source(_ path: String) -> URL { BinaryRunner.packageRoot.appendingPathComponent(path) }

    static let profiles: [String] = {
        let folder = BinaryRunner.packageRoot.appendingPathComponent("config/profiles").path
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".yaml") }
            .sorted()
    }()

    static let docs: [String] = {
        let folder = BinaryRunner.packageRoot.appendingPathComponent("docs").path
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".md") }
            .sorted()
    }()

    @Test func installsEveryFileWithItsMode() throws {
        let destdir = try BinaryRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: destdir) }
        let result = try stage(destdir)
        let root = destdir.path

        // (installed path, the shipped file it copies, mode)
        var files: [(String, String?, Int)] = [
            ("usr/local/bin/smtq", nil, 0o755),
            ("usr/local/bin/smtqd", nil, 0o755),
            ("etc/systemd/system/smtqd.service", "systemd/smtqd.service", 0o644),
            ("usr/lib/sysusers.d/smtq.conf", "systemd/smtq.sysusers", 0o644),
            ("usr/lib/tmpfiles.d/smtq.conf", "systemd/smtq.tmpfiles", 0o644),
            ("etc/smtq/smtq.yaml", "config/smtq.yaml", 0o640),
            ("usr/local/share/doc/smtq/README.md", "README.md", 0o644),
        ]
        files += Self.profiles.map { ("etc/smtq/profiles/\($0)", "config/profiles/\($0)", 0o640) }
        files += Self.docs.map { ("usr/local/share/doc/smtq/docs/\($0)", "docs/\($0)", 0o644) }
        #expect(Self.profiles.count >= 3)
        for (path, shipped, expectedMode) in files {
            let installed = destdir.appendingPathComponent(path)
            #expect(FileManager.default.fileExists(atPath: installed.path), "\(path) missing")
            #expect(mode(installed) == expectedMode, "\(path): mode \(String(mode(installed) ?? -1, radix: 8))")
            if let shipped {
                #expect(FileManager.default.contentsEqual(atPath: installed.path, andPath: source(shipped).path),
                        "\(path) differs from \(shipped)")
            }
            #expect(result.standardOutput.contains("installed  /\(path)\n"), "\(result.standardOutput)")
        }
        for binary in ["smtq", "smtqd"] {
            #expect(FileManager.default.contentsEqual(
                atPath: "\(root)/usr/local/bin/\(binary)",
                andPath: BinaryRunner.productsFolder.appendingPathComponent(binary).path))
        }
        #expect(mode(destdir.appendingPathComponent("etc/smtq")) == 0o750)
        #expect(mode(destdir.appendingPathComponent("etc/smtq/profiles")) == 0o750)

        let unit = try read(destdir.appendingPathComponent("etc/systemd/system/smtqd.service"))
        let execLines = unit.split(separator: "\n").filter { $0.hasPrefix("ExecStart=") || $0.hasPrefix("ExecStartPre=") }
        #expect(execLines.count == 2)
        for line in execLines {
            #expect(line.contains("=/usr/local/bin/smtqd --config /etc/smtq/smtq.yaml"), "\(line)")
        }
        #expect(unit.contains("WatchdogSec=30s"))
        #expect(unit.contains("ExecReload=/bin/kill -HUP $MAINPID"))
        // Staged: nothing was run on this host, and the output says what is left to do there.
        #expect(result.standardOutput.contains("staged under \(root)"))
        #expect(!result.standardOutput.contains("ran "))
    }

    @Test("the installed unit passes systemd-analyze verify with its ExecStart binary in DESTDIR")
    func installedUnitVerifies() throws {
        let destdir = try BinaryRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: destdir) }
        _ = try stage(destdir)
        let installed = try read(destdir.appendingPathComponent("etc/systemd/system/smtqd.service"))
        let folder = try BinaryRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let unit = folder.appendingPathComponent("smtqd.service")
        try installed.replacingOccurrences(of: "/usr/local/bin/smtqd", with: "\(destdir.path)/usr/local/bin/smtqd")
            .write(to: unit, atomically: true, encoding: .utf8)
        let result = try SystemdUnitTests().analyze(["verify", unit.path])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(!result.standardError.contains("Unknown key"), "\(result.standardError)")
        #expect(!result.standardError.contains("is not executable"), "\(result.standardError)")
    }

    @Test func otherPrefixRewritesTheUnit() throws {
        let destdir = try BinaryRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: destdir) }
        let result = try stage(destdir, prefix: "/opt/smtq/")
        #expect(mode(destdir.appendingPathComponent("opt/smtq/bin/smtqd")) == 0o755)
        #expect(mode(destdir.appendingPathComponent("opt/smtq/share/doc/smtq/README.md")) == 0o644)
        #expect(!FileManager.default.fileExists(atPath: destdir.appendingPathComponent("usr/local").path))
        let unit = try read(destdir.appendingPathComponent("etc/systemd/system/smtqd.service"))
        #expect(unit.contains("\nExecStartPre=/opt/smtq/bin/smtqd --config /etc/smtq/smtq.yaml --check\n"))
        #expect(unit.contains("\nExecStart=/opt/smtq/bin/smtqd --config /etc/smtq/smtq.yaml\n"))
        #expect(unit.contains("\nDocumentation=file:///opt/smtq/share/doc/smtq/README.md\n"))
        #expect(!unit.contains("/usr/local"))
        // Configuration and system files do not move with the prefix.
        #expect(mode(destdir.appendingPathComponent("etc/smtq/smtq.yaml")) == 0o640)
        #expect(mode(destdir.appendingPathComponent("usr/lib/sysusers.d/smtq.conf")) == 0o644)
        #expect(result.standardError.isEmpty, "\(result.standardError)")
    }

    @Test func secondRunKeepsAnEditedConfig() throws {
        let destdir = try BinaryRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: destdir) }
        _ = try stage(destdir)
        let config = destdir.appendingPathComponent("etc/smtq/smtq.yaml")
        let edited = try read(config) + "# edited on the host\n"
        try edited.write(to: config, atomically: false, encoding: .utf8)
        let profile = destdir.appendingPathComponent("etc/smtq/profiles/\(Self.profiles[0])")
        let editedProfile = try read(profile).replacingOccurrences(of: "\n", with: "\n\n")
        try editedProfile.write(to: profile, atomically: false, encoding: .utf8)
        let removed = destdir.appendingPathComponent("etc/smtq/profiles/\(Self.profiles[1])")
        try FileManager.default.removeItem(at: removed)

        let second = try stage(destdir)
        #expect(try read(config) == edited)
        #expect(try read(profile) == editedProfile)
        #expect(mode(config) == 0o640)
        #expect(second.standardOutput.contains(
            "kept       /etc/smtq/smtq.yaml (already there and differs from the shipped config/smtq.yaml; not replaced)\n"),
                "\(second.standardOutput)")
        #expect(second.standardOutput.contains("kept       /etc/smtq/profiles/\(Self.profiles[0]) (already there and differs"))
        #expect(second.standardOutput.contains(
            "kept       /etc/smtq/profiles/\(Self.profiles[2]) (already there, same as shipped)\n"))
        // A profile that is missing (a new one in a later release, or a deleted one) is installed.
        #expect(second.standardOutput.contains("installed  /etc/smtq/profiles/\(Self.profiles[1])\n"))
        #expect(FileManager.default.contentsEqual(atPath: removed.path,
                                                  andPath: source("config/profiles/\(Self.profiles[1])").path))
        // Everything else was there already, unchanged.
        for path in ["/usr/local/bin/smtqd", "/etc/systemd/system/smtqd.service", "/usr/lib/sysusers.d/smtq.conf",
                     "/usr/lib/tmpfiles.d/smtq.conf", "/usr/local/share/doc/smtq/README.md"] {
            #expect(second.standardOutput.contains("unchanged  \(path)\n"), "\(second.standardOutput)")
        }
        #expect(second.standardOutput.split(separator: "\n").filter { $0.hasPrefix("installed") }.count == 1)
    }

    @Test func help() throws {
        for flag in ["--help", "-h"] {
            let result = try install([flag], destdir: nil)
            #expect(result.status == 0)
            #expect(result.standardOutput.hasPrefix("Usage: scripts/install "))
            for word in ["--prefix DIR", "--bin-dir DIR", "--build-dir DIR", "DESTDIR", "/etc/smtq/smtq.yaml"] {
                #expect(result.standardOutput.contains(word), "\(word)")
            }
            #expect(result.standardError.isEmpty)
        }
    }

    @Test(arguments: [
        (["--frobnicate"], "unknown argument '--frobnicate'"),
        (["--prefix", "usr/local"], "--prefix must be an absolute path"),
        (["--prefix", "/opt/my smtq"], "--prefix must be an absolute path"),
        (["--prefix"], "--prefix needs a folder"),
        (["--bin-dir", "/nonexistent"], "no executable 'smtq' in '/nonexistent'"),
        (["--bin-dir", "/tmp", "--build-dir", "/tmp"], "give --bin-dir or --build-dir, not both"),
    ])
    func refusesBadArgumentsBeforeInstallingAnything(arguments: [String], message: String) throws {
        let destdir = try BinaryRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: destdir) }
        let result = try install(arguments, destdir: destdir)
        #expect(result.status == 64)
        #expect(result.standardError.hasPrefix("scripts/install: \(message)"), "\(result.standardError)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: destdir.path).isEmpty)
    }
}
