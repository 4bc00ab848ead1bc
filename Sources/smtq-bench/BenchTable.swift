import Foundation

/// The table `smtq-bench all` keeps at the top of docs/benchmarks.md, between two marker comments: the run's date,
/// machine and command, every ratio and limit with its target, and every figure. The rest of the file (each
/// benchmark's method and history) is left as it is.
enum BenchTable {
    static let begin = "<!-- scripts/bench all: begin (rewritten by every run; edits inside are lost) -->"
    static let end = "<!-- scripts/bench all: end -->"

    static func rewrite(docs: String, command: String, seconds: Double, failed: [String]) throws {
        let existing = (try? String(contentsOfFile: docs, encoding: .utf8)) ?? "# Benchmarks\n"
        let table = render(command: command, seconds: seconds, failed: failed)
        let updated: String
        if let from = existing.range(of: begin), let to = existing.range(of: end, range: from.upperBound..<existing.endIndex) {
            updated = String(existing[..<from.lowerBound]) + table + String(existing[to.upperBound...])
        } else if let from = existing.range(of: begin) {
            // A begin marker whose end was deleted: the old table runs to the next section.
            let next = existing.range(of: "\n## ", range: from.upperBound..<existing.endIndex)?.lowerBound ?? existing.endIndex
            updated = String(existing[..<from.lowerBound]) + table + "\n" + String(existing[next...])
        } else if let heading = existing.range(of: "\n## ") {
            updated = String(existing[..<heading.lowerBound]) + "\n\n" + table + "\n" + String(existing[heading.lowerBound...])
        } else {
            updated = existing + "\n" + table + "\n"
        }
        try updated.write(toFile: docs, atomically: true, encoding: .utf8)
    }

    static func render(command: String, seconds: Double, failed: [String]) -> String {
        let date = ISO8601DateFormatter.string(from: Date(), timeZone: TimeZone(identifier: "UTC")!,
                                               formatOptions: [.withFullDate, .withTime, .withColonSeparatorInTime, .withSpaceBetweenDateAndTime])
        var lines = [begin, "## The latest whole run: `\(command)`", ""]
        lines.append("\(date) UTC, \(String(format: "%.1f", seconds / 60)) minutes. Machine: \(machine()).")
        if !failed.isEmpty { lines.append("\nSteps that **failed** in this run (their figures are missing): \(failed.joined(separator: ", ")).") }
        lines += ["", "| comparison | value | target | met | what is compared |", "| --- | --- | --- | --- | --- |"]
        for ratio in Figures.ratios {
            let met = ratio.isMet.map { $0 ? "yes" : "**no**" } ?? ""
            lines.append("| \(ratio.name) | \(Figures.format(ratio.value))\(ratio.unit) | \(ratio.target?.text(ratio.unit) ?? "") | \(met) | \(cell(ratio.comparison)) |")
        }
        lines += ["", "| figure | value | note |", "| --- | --- | --- |"]
        for figure in Figures.figures {
            lines.append("| \(figure.name) | \(Figures.format(figure.value)) \(figure.unit) | \(cell(figure.note)) |")
        }
        lines.append(end)
        return lines.joined(separator: "\n")
    }

    private static func cell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|")
    }

    /// CPU model and count, memory, kernel, distribution, and the versions of the contenders.
    static func machine() -> String {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }?
            .split(separator: ":", maxSplits: 1).last?.trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
        let memory = Double(firstNumber(in: "/proc/meminfo", after: "MemTotal:")) / 1024 / 1024
        let os = ((try? String(contentsOfFile: "/etc/os-release", encoding: .utf8)) ?? "").split(separator: "\n")
            .first { $0.hasPrefix("PRETTY_NAME=") }?.dropFirst(12).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) ?? "Linux"
        var parts = ["\(ProcessInfo.processInfo.activeProcessorCount) × \(model)", String(format: "%.1f GiB", memory), os,
                     "kernel \(output("/usr/bin/uname", ["-r"]))"]
        let swift = output("/usr/bin/env", ["swift", "--version"]).split(separator: "\n").first { $0.contains("Swift version") }
        parts.append(swift.map { $0.components(separatedBy: " (").first ?? String($0) } ?? "Swift ?")
        parts.append("SQLite " + (output("/usr/bin/sqlite3", ["--version"]).split(separator: " ").first.map(String.init) ?? "?"))
        if let collectd = output(CollectdPeer.binary, ["-h"]).split(separator: "\n").first(where: { $0.hasPrefix("collectd ") }) {
            parts.append(collectd.split(separator: ",").first.map(String.init) ?? String(collectd))
        }
        let python = DaemonBenchmark.repository + "/.build/bench-venv/bin/python"
        let versions = output(python, ["-c", "import duckdb, pandas; print('DuckDB ' + duckdb.__version__ + ', pandas ' + pandas.__version__)"])
        if !versions.isEmpty { parts.append(versions) }
        let postgres = FileManager.default.isExecutableFile(atPath: "/usr/bin/psql") ? output("/usr/bin/psql", ["--version"]) : ""
        if !postgres.isEmpty { parts.append("PostgreSQL " + (postgres.split(separator: " ").last.map(String.init) ?? "")) }
        return parts.joined(separator: ", ")
    }

    private static func firstNumber(in file: String, after key: String) -> Int {
        let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
        let line = text.split(separator: "\n").first { $0.hasPrefix(key) } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }

    /// What a program prints (stdout and stderr), trimmed; empty when it cannot run.
    private static func output(_ executable: String, _ arguments: [String]) -> String {
        guard FileManager.default.isExecutableFile(atPath: executable) else { return "" }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        guard (try? process.run()) != nil else { return "" }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
