import Foundation
import SMTQConfig
import SMTQCore
import SMTQTestSupport
import Testing

/// 10,000 mutations of every example and fixture configuration: each is either a valid configuration or
/// errors with a message and a line, within a time limit, never a crash or a hang; a sample goes through
/// the built `smtqd --check`, which must exit 0 or 78 with a message.
@Suite(.serialized)
struct HostileConfigTests {
    struct Source {
        var text: String
        var directory: String
        var file: String
    }

    /// The example configuration, the profiles and every fixture (broken ones too: they mutate into others).
    static func sources() throws -> [Source] {
        let root = TestEnvironment.packageRoot
        var paths = [root.appendingPathComponent("config/smtq.yaml")]
        for folder in ["config/profiles", "Tests/SMTQConfigTests/Fixtures/broken"] {
            let url = root.appendingPathComponent(folder)
            paths += try FileManager.default.contentsOfDirectory(atPath: url.path).filter { $0.hasSuffix(".yaml") }
                .sorted().map { url.appendingPathComponent($0) }
        }
        return try paths.map {
            Source(text: try String(contentsOf: $0, encoding: .utf8), directory: $0.deletingLastPathComponent().path, file: $0.lastPathComponent)
        }
    }

    /// Pieces people and broken tools put into YAML.
    static let fragments = [":", "- ", "{", "}", "[", "]", "\"", "'", "&a ", "*a", "!!binary ", "!!python/object ", "%TAG ", "\t",
                            "#", "|", ">", "\u{0}", "é", "\u{FEFF}", "\r", "? ", "<<: *a", "~", ".nan", "-.inf", "0x7fffffffffffffffff",
                            "99999999999999999999999", "-1", "1e309", "null", "yes", "\\", "${HOME}", "$(id)", "; rm -rf /",
                            String(repeating: "x", count: 10_000), String(repeating: "[", count: 500)]

    /// One mutation of `text`, chosen by `random`.
    static func mutate(_ text: String, _ random: inout SeededRandom) -> String {
        var lines = text.components(separatedBy: "\n")
        guard !lines.isEmpty else { return text }
        let at = Int.random(in: 0..<lines.count, using: &random)
        switch Int.random(in: 0..<10, using: &random) {
        case 0: lines.remove(at: at)
        case 1: lines.insert(lines[at], at: at)
        case 2: lines.swapAt(at, Int.random(in: 0..<lines.count, using: &random))
        case 3:
            let line = lines[at]
            let cut = line.isEmpty ? 0 : Int.random(in: 0...line.count, using: &random)
            lines[at] = String(line.prefix(cut)) + fragments.randomElement(using: &random)! + String(line.dropFirst(cut))
        case 4: lines[at] = String(repeating: " ", count: Int.random(in: 0...3, using: &random)) + lines[at]
        case 5: lines[at] = String(lines[at].drop { $0 == " " }.prefix(Int.random(in: 0...40, using: &random)))
        case 6:
            if let colon = lines[at].firstIndex(of: ":") {
                lines[at] = String(lines[at][...colon]) + " " + fragments.randomElement(using: &random)!
            }
        case 7: lines = Array(lines.prefix(at))
        case 8:
            let bytes = (0..<Int.random(in: 1...12, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            lines[at] += String(decoding: bytes, as: UTF8.self)
        default:
            for _ in 0..<3 { lines = mutate(lines.joined(separator: "\n"), &random).components(separatedBy: "\n") }
        }
        return lines.joined(separator: "\n")
    }

    /// Parses on a thread of its own, so a hang is reported (and the run goes on) instead of blocking the suite.
    static func parse(_ text: String, _ source: Source, limit: Double) -> (outcome: String, seconds: Double)? {
        let done = DispatchSemaphore(value: 0)
        let result = Locked<(String, Double)>(("", 0))
        let thread = Thread {
            let started = Date()
            var outcome = "valid"
            do {
                _ = try ConfigLoader.load(text: text, file: source.file, directory: source.directory)
            } catch let error as ConfigError {
                let messages = error.diagnostics
                if messages.isEmpty || messages.contains(where: { $0.message.isEmpty }) {
                    outcome = "an error without a message"
                } else {
                    outcome = "errors"
                }
            } catch {
                outcome = "an error without a message"
            }
            result.withLock { $0 = (outcome, Date().timeIntervalSince(started)) }
            done.signal()
        }
        thread.stackSize = 16 << 20
        thread.start()
        guard done.wait(timeout: .now() + limit) == .success else { return nil }
        return result.withLock { $0 }
    }

    @Test("10,000 mutated configurations: valid, or errors with messages, each within 5 s; never a crash or hang")
    func tenThousandMutations() throws {
        let sources = try Self.sources()
        var random = SeededRandom(seed: 20261202)
        var outcomes: [String: Int] = [:]
        var slowest = 0.0
        for number in 0..<10_000 {
            let source = sources[number % sources.count]
            let text = Self.mutate(source.text, &random)
            guard let (outcome, seconds) = Self.parse(text, source, limit: 5) else {
                Issue.record("mutation \(number) of \(source.file) did not finish within 5 s:\n\(text.prefix(2000))")
                return
            }
            outcomes[outcome, default: 0] += 1
            slowest = max(slowest, seconds)
            if outcome == "an error without a message" { Issue.record("mutation \(number) of \(source.file): \(outcome)") }
        }
        print("scenario mutated configurations: \(outcomes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")), slowest \(String(format: "%.3f", slowest)) s")
        #expect((outcomes["errors"] ?? 0) > 5000)
    }

    @Test("alias bombs, deep nesting and huge documents end in an error within the limit")
    func resourceBombs() throws {
        let source = try #require(try Self.sources().first)
        var laughs = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...12 { laughs += "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ") + "]\n" }
        let bombs = [
            "billion laughs": laughs + "devices: *a12\n",
            "billion laughs as a route": laughs + "lines: {L1: {route: *a12}}\n",
            "deep nesting": String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000),
            "deep mappings": String(repeating: "{a: ", count: 20_000) + "1" + String(repeating: "}", count: 20_000),
            "a huge scalar": "site: " + String(repeating: "y", count: 20_000_000),
            "many keys": (0..<200_000).map { "k\($0): 1" }.joined(separator: "\n"),
            "an endless include": "include: [/dev/zero]\n",
            "an include of a folder": "include: [/tmp]\n",
        ]
        for (name, text) in bombs.sorted(by: { $0.key < $1.key }) {
            let parsed = Self.parse(text, source, limit: 20)
            #expect(parsed != nil, "\(name): no answer within 20 s")
            #expect(parsed?.outcome == "errors", "\(name): \(parsed?.outcome ?? "hang")")
            print("scenario config bomb \(name): \(parsed?.outcome ?? "hang") in \(String(format: "%.2f", parsed?.seconds ?? 0)) s")
        }
    }

    @Test("a configuration and an included profile that are symlinks to regular files are read")
    func symlinks() throws {
        let rig = try Rig()
        try rig.writeConfig(devices: [
            #"{name: aoi1, line: L1, station: AOI-1, kind: aoi, profile: aoi-linked, tcp: "127.0.0.1:1502", unit_id: 1}"#,
        ])
        let profile = try String(contentsOfFile: rig.path("profiles/aoi-reference.yaml"), encoding: .utf8)
        try profile.replacingOccurrences(of: "aoi-reference:", with: "aoi-linked:")
            .write(toFile: rig.path("linked-profile.txt"), atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: rig.path("profiles/linked.yaml"), withDestinationPath: rig.path("linked-profile.txt"))
        try FileManager.default.createSymbolicLink(atPath: rig.path("link.yaml"), withDestinationPath: rig.path("smtq.yaml"))
        let check = try ChildProcess.run(TestEnvironment.product("smtqd").path, ["--check", "--config", rig.path("link.yaml")])
        #expect(check.status == 0, "\(check.error)")
    }

    @Test("a sample of mutations through smtqd --check: exit 0 or 78 with a message, within 10 s")
    func throughTheDaemon() throws {
        let rig = try Rig()
        let example = try String(contentsOfFile: TestEnvironment.packageRoot.appendingPathComponent("config/smtq.yaml").path, encoding: .utf8)
        var random = SeededRandom(seed: 78)
        var statuses: [Int32: Int] = [:]
        for number in 0..<150 {
            let path = rig.path("mutated.yaml")
            try Self.mutate(example, &random).write(toFile: path, atomically: true, encoding: .utf8)
            let result = try ChildProcess.run("/usr/bin/timeout", ["-s", "KILL", "10", TestEnvironment.product("smtqd").path, "--check", "--config", path])
            statuses[result.status, default: 0] += 1
            #expect(result.status == 0 || (result.status == 78 && !result.error.isEmpty), "mutation \(number): exit \(result.status): \(result.error.prefix(500))")
            #expect(!result.error.contains("Fatal error") && !result.error.contains("Stack dump"), "\(result.error.prefix(500))")
        }
        print("scenario mutated configurations through smtqd --check: \(statuses.sorted { $0.key < $1.key }.map { "exit \($0.key) ×\($0.value)" }.joined(separator: ", "))")
    }
}
