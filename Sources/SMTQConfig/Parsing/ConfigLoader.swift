import Foundation

/// Loads a configuration file (and the profile files it includes) into a validated `Configuration`.
public enum ConfigLoader {
    /// Loads and validates `path`. Throws `ConfigError` listing every problem found.
    public static func load(path: String) throws(ConfigError) -> Configuration {
        let sink = DiagnosticSink()
        let parser = ConfigParser(sink: sink, configPath: path)
        let configuration = parser.parseMainFile()
        guard sink.isEmpty, let configuration else {
            throw ConfigError(diagnostics: sink.sorted)
        }
        return configuration
    }

    /// Loads a configuration from text (tests, and configs that do not live in a file). Relative paths
    /// are resolved against `directory`.
    public static func load(text: String, file: String, directory: String) throws(ConfigError) -> Configuration {
        let sink = DiagnosticSink()
        let parser = ConfigParser(sink: sink, configPath: (directory as NSString).appendingPathComponent(file))
        parser.displayName = file
        let configuration = parser.parseMain(YAMLDocument.parse(text: text, file: file, sink: sink))
        guard sink.isEmpty, let configuration else {
            throw ConfigError(diagnostics: sink.sorted)
        }
        return configuration
    }
}

extension ConfigLoader {
    /// Loads only profiles: a YAML document whose one key is `profiles` (the format of config/profiles/*.yaml).
    public static func loadProfiles(text: String, file: String) throws(ConfigError) -> [String: DeviceProfile] {
        let sink = DiagnosticSink()
        let parser = ConfigParser(sink: sink, configPath: file)
        if let document = YAMLDocument.parse(text: text, file: file, sink: sink), let rootNode = document.root {
            let root = ConfigNode(node: rootNode, path: .root, file: file, sink: sink)
            if let map = root.mapping() {
                if let profiles = map.required("profiles", expected: "a mapping of profile names to profiles") {
                    parser.parseProfiles(profiles)
                }
                map.finish()
            }
        }
        guard sink.isEmpty else { throw ConfigError(diagnostics: sink.sorted) }
        return parser.profiles
    }
}

/// One reading of a configuration: the sink, the folder relative paths start from, and what has been
/// defined so far (so that references are checked against what exists, even if its definition has errors).
final class ConfigParser {
    let sink: DiagnosticSink
    let configPath: String
    var displayName: String
    let directory: String

    /// Profile names defined anywhere (main file or includes), valid or not.
    var definedProfiles: Set<String> = []
    var profiles: [String: DeviceProfile] = [:]

    init(sink: DiagnosticSink, configPath: String) {
        self.sink = sink
        self.configPath = configPath
        self.displayName = configPath
        self.directory = (configPath as NSString).deletingLastPathComponent
    }

    /// Resolves a path written in the config against the config file's folder.
    func resolve(_ path: String) -> String {
        if path.hasPrefix("/") || directory.isEmpty { return path }
        return (directory as NSString).appendingPathComponent(path)
    }

    func parseMainFile() -> Configuration? {
        parseMain(YAMLDocument.load(path: configPath, displayName: displayName, sink: sink))
    }

    func parseMain(_ document: YAMLDocument?) -> Configuration? {
        guard let document else { return nil }
        guard let rootNode = document.root else {
            sink.report(ConfigDiagnostic(file: document.file, line: 1, path: "", message: "the file is empty",
                                         expected: "a mapping with at least storage"))
            return nil
        }
        let root = ConfigNode(node: rootNode, path: .root, file: document.file, sink: sink)
        guard let map = root.mapping() else { return nil }
        defer { map.finish() }

        if let version = map.optional("version") {
            _ = version.int(1...1, expected: "1, the only configuration version so far")
        }
        let site = map.optional("site")?.nonEmptyString()
        let time = parseTime(timezone: map.optional("timezone"), shifts: map.optional("shifts"))
        let storage = map.required("storage", expected: "at least storage.database").flatMap(parseStorage)

        if let includes = map.optional("include") { parseIncludes(includes) }
        if let profilesNode = map.optional("profiles") { parseProfiles(profilesNode) }

        let lines = map.optional("lines").map(parseLines) ?? []
        let products = map.optional("products").map(parseProducts) ?? [:]
        let buses = map.optional("serial_buses").map(parseSerialBuses) ?? [:]
        // No devices: a configuration for reporting only (an engineer's workstation, a central host).
        let devices = map.optional("devices").map {
            parseDevices($0, buses: buses, lines: lines)
        } ?? []
        let serialBuses = groupSerialBuses(devices: devices, declared: buses, root: root)
        let spc = map.optional("spc").map { parseSPC($0, lines: lines, products: products) } ?? SPCConfig()
        let alerts = map.optional("alerts").map { parseAlerts($0, charts: spc.charts, lines: lines, products: products, devices: devices.map(\.config)) } ?? AlertsConfig()
        let http = parseHTTP(http: map.optional("http"), metrics: map.optional("metrics"))
        let customers = map.optional("customers").map { parseCustomers($0, products: products) } ?? [:]
        let central = map.optional("forward").flatMap { parseForward($0, site: site) }

        guard let time, let storage else { return nil }
        return Configuration(
            file: configPath, site: site, time: time, storage: storage, lines: lines,
            devices: devices.map(\.config), serialBuses: serialBuses, profiles: profiles, products: products,
            spc: spc, alerts: alerts, http: http, customers: customers, central: central)
    }

    /// `include:` a list of files or `folder/*.yaml` patterns, each holding a `profiles:` mapping.
    private func parseIncludes(_ node: ConfigNode) {
        guard let items = node.sequence() else { return }
        for item in items {
            guard let pattern = item.nonEmptyString() else { continue }
            let files = expand(pattern: resolve(pattern))
            guard !files.isEmpty else {
                item.error("no file matches '\(pattern)'", expected: "a path relative to \(displayDirectory) or absolute")
                continue
            }
            for file in files {
                let shown = displayPath(for: file)
                guard let document = YAMLDocument.load(path: file, displayName: shown, sink: sink) else { continue }
                guard let rootNode = document.root else { continue }
                let root = ConfigNode(node: rootNode, path: .root, file: shown, sink: sink)
                guard let map = root.mapping() else { continue }
                if let profilesNode = map.required("profiles", expected: "a mapping of profile names to profiles") {
                    parseProfiles(profilesNode)
                }
                map.finish()
            }
        }
    }

    private var displayDirectory: String { directory.isEmpty ? "the current folder" : directory }

    private func displayPath(for file: String) -> String {
        let base = (displayName as NSString).deletingLastPathComponent
        if file.hasPrefix(directory + "/"), !directory.isEmpty {
            let relative = String(file.dropFirst(directory.count + 1))
            return base.isEmpty ? relative : (base as NSString).appendingPathComponent(relative)
        }
        return file
    }

    /// Expands `*` and `?` in the last path component; a path without them is returned as it is if it exists.
    private func expand(pattern: String) -> [String] {
        let folder = (pattern as NSString).deletingLastPathComponent
        let name = (pattern as NSString).lastPathComponent
        guard name.contains("*") || name.contains("?") else {
            return FileManager.default.fileExists(atPath: pattern) ? [pattern] : []
        }
        let listing = (try? FileManager.default.contentsOfDirectory(atPath: folder.isEmpty ? "." : folder)) ?? []
        return listing.filter { fnmatch(name, $0, 0) == 0 && !$0.hasPrefix(".") }.sorted().map {
            folder.isEmpty ? $0 : (folder as NSString).appendingPathComponent($0)
        }
    }
}
