import Foundation
import Yams

/// A YAML file composed into a node tree whose every node keeps its line, or the diagnostics that explain
/// why it could not be.
///
/// Yams is used at the node level (not through `YAMLDecoder`) because `Decodable` stops at the first error,
/// and `smtq check-config` must report every problem in one run, each with its line.
struct YAMLDocument {
    /// The largest configuration or profile file read.
    static let maximumBytes = 16 << 20

    let file: String
    let text: String
    let root: Node?

    /// Reads and composes `path`; problems go to `sink` and give `nil`.
    static func load(path: String, displayName: String, sink: DiagnosticSink) -> YAMLDocument? {
        // Only a regular file (a symlink to one is fine) of a sane size: `include: /dev/zero` or a FIFO would
        // never end.
        var info = stat()
        if stat(path, &info) == 0 {
            if info.st_mode & S_IFMT != S_IFREG {
                sink.report(ConfigDiagnostic(file: displayName, line: nil, path: "", message: "is not a regular file",
                                             expected: "a YAML file"))
                return nil
            }
            if Int(info.st_size) > maximumBytes {
                sink.report(ConfigDiagnostic(file: displayName, line: nil, path: "",
                                             message: "is \(Int(info.st_size) / 1_048_576) MiB, too large for a configuration",
                                             expected: "a YAML file under \(maximumBytes / 1_048_576) MiB"))
                return nil
            }
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            sink.report(ConfigDiagnostic(
                file: displayName, line: nil, path: "",
                message: "cannot read the file: \(FileProblem.describe(error))",
                expected: "a readable YAML file"))
            return nil
        }
        guard let text = String(data: data, encoding: .utf8) else {
            sink.report(ConfigDiagnostic(
                file: displayName, line: nil, path: "", message: "the file is not UTF-8 text",
                expected: "a YAML file saved as UTF-8"))
            return nil
        }
        return parse(text: text, file: displayName, sink: sink)
    }

    /// Composes YAML text; problems go to `sink` and give `nil`.
    static func parse(text: String, file: String, sink: DiagnosticSink) -> YAMLDocument? {
        let tabLines = reportTabIndentation(in: text, file: file, sink: sink)
        do {
            let root = try Yams.compose(yaml: text)
            return tabLines.isEmpty ? YAMLDocument(file: file, text: text, root: root) : nil
        } catch let error as YamlError {
            let diagnostic = translate(error, text: text, file: file)
            if diagnostic.line.map({ !tabLines.contains($0) }) ?? true { sink.report(diagnostic) }
        } catch {
            sink.report(ConfigDiagnostic(file: file, line: nil, path: "", message: "\(error)"))
        }
        return nil
    }

    /// YAML indents with spaces only; libyaml stops at the first tab with an obscure message, so every
    /// indented line with a tab is reported here by itself.
    private static func reportTabIndentation(in text: String, file: String, sink: DiagnosticSink) -> Set<Int> {
        var lines: Set<Int> = []
        for (offset, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let indentation = line.prefix { $0 == " " || $0 == "\t" }
            guard indentation.contains("\t"), indentation.count < line.count, !line.hasPrefix("#") else { continue }
            let rest = line.dropFirst(indentation.count)
            guard !rest.hasPrefix("#") else { continue }
            lines.insert(offset + 1)
            sink.report(ConfigDiagnostic(
                file: file, line: offset + 1, path: "", message: "a tab character in the indentation",
                expected: "indent with spaces; YAML does not allow tabs there"))
        }
        return lines
    }

    private static func translate(_ error: YamlError, text: String, file: String) -> ConfigDiagnostic {
        switch error {
        case let .scanner(context, problem, mark, _):
            // A line that is not `key: value` is only noticed where the next key starts; libyaml's context
            // remembers where the would-be key began, which is the line to fix.
            if let context, context.text.contains("simple key") {
                return ConfigDiagnostic(
                    file: file, line: context.mark.line, path: "",
                    message: "YAML syntax error: this line is not 'key: value' (\(problem))",
                    expected: "key: value, '- item' in a list, or a comment starting with #")
            }
            return syntaxError(problem, line: mark.line, text: text, file: file)
        case let .parser(_, problem, mark, _):
            return syntaxError(problem, line: mark.line, text: text, file: file)
        case let .composer(_, problem, mark, _):
            if problem.contains("undefined alias") {
                let name = aliasName(in: text, at: mark) ?? "?"
                return ConfigDiagnostic(
                    file: file, line: mark.line, path: "",
                    message: "alias '*\(name)' refers to an anchor that is not defined before it",
                    expected: "an anchor (&\(name)) defined earlier in the file; an anchor cannot refer to itself")
            }
            if problem.contains("another document") {
                return ConfigDiagnostic(
                    file: file, line: mark.line, path: "", message: "a second YAML document starts here",
                    expected: "one document per file; remove the '---' or move it to its own file")
            }
            return ConfigDiagnostic(
                file: file, line: mark.line, path: "", message: "YAML structure error: \(problem)",
                expected: "one YAML document")
        case let .duplicatedKeysInMapping(duplicates, context):
            let key = duplicates.first ?? "?"
            let repeatLine = lineOfRepeat(of: key, after: context.mark, in: text) ?? context.mark.line
            return ConfigDiagnostic(
                file: file, line: repeatLine, path: "",
                message: "duplicate key '\(key)' (first defined on line \(context.mark.line))",
                expected: "each key once per mapping")
        case let .reader(problem, offset, _, _):
            return ConfigDiagnostic(
                file: file, line: offset.map { lineNumber(ofByteOffset: $0, in: text) }, path: "",
                message: "unreadable character: \(problem)", expected: "UTF-8 text")
        default:
            return ConfigDiagnostic(file: file, line: nil, path: "", message: "\(error)")
        }
    }

    private static func syntaxError(_ problem: String, line: Int, text: String, file: String) -> ConfigDiagnostic {
        if let suspect = strayLine(before: line, in: text) {
            return ConfigDiagnostic(
                file: file, line: suspect, path: "",
                message: "YAML syntax error: this line is not 'key: value' (libyaml: \(problem) on line \(line))",
                expected: "key: value, '- item' in a list, or a comment starting with #")
        }
        return ConfigDiagnostic(
            file: file, line: line, path: "", message: "YAML syntax error: \(problem)",
            expected: "valid YAML; check the indentation and quoting on this line and the one before")
    }

    /// A plain line of text (no `key:`, no list dash) just before the line libyaml stumbled on: YAML reads
    /// such a line as part of a multi-line value and only fails further down, so the stray line is the one
    /// to point at.
    private static func strayLine(before line: Int, in text: String) -> Int? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var index = min(line - 1, lines.count) - 1
        while index >= 0 {
            let content = lines[index].trimmingCharacters(in: .whitespaces)
            if content.isEmpty || content.hasPrefix("#") {
                index -= 1
                continue
            }
            let structural = content.contains(":") || content.hasPrefix("-") || content.hasPrefix("---")
                || "[]{}|>&*!'\"".contains(content.first!)
            return structural ? nil : index + 1
        }
        return nil
    }

    private static func aliasName(in text: String, at mark: Mark) -> String? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard mark.line >= 1, mark.line <= lines.count else { return nil }
        let line = lines[mark.line - 1]
        guard let star = line.dropFirst(max(0, mark.column - 1)).firstIndex(of: "*") ?? line.firstIndex(of: "*") else {
            return nil
        }
        let name = line[line.index(after: star)...].prefix { !" ,]}\t".contains($0) }
        return name.isEmpty ? nil : String(name)
    }

    /// The line where `key` appears again at the same column after its first definition.
    private static func lineOfRepeat(of key: String, after mark: Mark, in text: String) -> Int? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let indentation = mark.column - 1
        guard mark.line < lines.count else { return nil }
        for index in mark.line..<lines.count {
            let line = lines[index]
            let leading = line.prefix { $0 == " " }.count
            if leading < indentation, !line.trimmingCharacters(in: .whitespaces).isEmpty,
               !line.trimmingCharacters(in: .whitespaces).hasPrefix("#"), !line.hasPrefix(String(repeating: " ", count: leading) + "-") {
                return nil
            }
            let body = line.dropFirst(indentation)
            for candidate in [key, "\"\(key)\"", "'\(key)'"] where body.hasPrefix(candidate) {
                let after = body.dropFirst(candidate.count).drop { $0 == " " }
                if after.hasPrefix(":") { return index + 1 }
            }
        }
        return nil
    }

    private static func lineNumber(ofByteOffset offset: Int, in text: String) -> Int {
        1 + text.utf8.prefix(offset).reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
    }
}

/// Short, user-facing descriptions of file-system errors.
enum FileProblem {
    static func describe(_ error: any Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if nsError.domain == NSCocoaErrorDomain {
            switch nsError.code {
            case NSFileReadNoSuchFileError: return "no such file"
            case NSFileReadNoPermissionError: return "permission denied"
            default: break
            }
        }
        return nsError.localizedDescription
    }
}
