/// One problem found in a configuration file, printed as `FILE:LINE: key.path: what is wrong (what is expected)`.
public struct ConfigDiagnostic: Hashable, Sendable, CustomStringConvertible {
    /// The file the problem is in, as the user named it (or as an `include` resolved it).
    public var file: String
    /// The 1-based line, or `nil` when the problem is with the file as a whole (it cannot be read).
    public var line: Int?
    /// The key path, e.g. `devices[1].unit_id`; empty for the document itself.
    public var path: String
    /// What is wrong.
    public var message: String
    /// What is expected instead, when that can be said.
    public var expected: String?

    public init(file: String, line: Int?, path: String, message: String, expected: String? = nil) {
        self.file = file
        self.line = line
        self.path = path
        self.message = message
        self.expected = expected
    }

    public var description: String {
        var text = file
        if let line { text += ":\(line)" }
        text += ": "
        if !path.isEmpty { text += path + ": " }
        text += message
        if let expected { text += " (\(expected))" }
        return text
    }
}

/// The configuration could not be loaded: every problem found, in file and line order.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [ConfigDiagnostic]

    public init(diagnostics: [ConfigDiagnostic]) {
        self.diagnostics = diagnostics
    }

    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }

    /// The exit status for a configuration error (`EX_CONFIG` from sysexits.h); the systemd unit keeps
    /// the daemon from restarting in a loop on it.
    public static let exitCode: Int32 = 78
}

/// Collects diagnostics while a configuration is read, so that every problem is reported, not only the first.
final class DiagnosticSink {
    /// Where in its file a problem was found: the start of the node or key it is about. Two nodes never
    /// start at the same place, so one source reached under two key paths is one node used through an alias.
    struct Source: Hashable {
        var line: Int
        var column: Int
    }

    private struct SourcedProblem: Hashable {
        var file: String
        var source: Source
        /// The last key of the path (two missing keys of one mapping are two problems).
        var key: Substring
        var message: String
        var expected: String?
    }

    private(set) var diagnostics: [ConfigDiagnostic] = []
    /// The same diagnostics as a set: a file with thousands of problems stays linear to check.
    private var reported: Set<ConfigDiagnostic> = []
    private var sourcedProblems: Set<SourcedProblem> = []

    /// Adds a diagnostic once. With a `source`, a diagnostic whose problem (message and expectation) was
    /// already reported from the same place is dropped whatever its key path: a node defined once with an
    /// `&anchor` and used through `*aliases` has each problem once, not once per use.
    func report(_ diagnostic: ConfigDiagnostic, source: Source? = nil) {
        if let source {
            let problem = SourcedProblem(file: diagnostic.file, source: source,
                                         key: diagnostic.path.split(separator: ".").last ?? "", message: diagnostic.message,
                                         expected: diagnostic.expected)
            guard sourcedProblems.insert(problem).inserted else { return }
        }
        guard reported.insert(diagnostic).inserted else { return }
        diagnostics.append(diagnostic)
    }

    var isEmpty: Bool { diagnostics.isEmpty }

    /// The diagnostics sorted by file (in first-seen order) and line.
    var sorted: [ConfigDiagnostic] {
        var fileOrder: [String: Int] = [:]
        for diagnostic in diagnostics where fileOrder[diagnostic.file] == nil {
            fileOrder[diagnostic.file] = fileOrder.count
        }
        return diagnostics.enumerated().sorted { left, right in
            let (a, b) = (left.element, right.element)
            if a.file != b.file { return fileOrder[a.file]! < fileOrder[b.file]! }
            if (a.line ?? 0) != (b.line ?? 0) { return (a.line ?? 0) < (b.line ?? 0) }
            return left.offset < right.offset
        }.map(\.element)
    }
}
