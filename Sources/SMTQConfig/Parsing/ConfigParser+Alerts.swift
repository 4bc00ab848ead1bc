import Foundation
import SMTQCore

extension ConfigParser {
    func parseAlerts(_ node: ConfigNode, charts: [ChartConfig], lines: [LineConfig], products: [String: ProductConfig],
                     devices: [DeviceConfig]) -> AlertsConfig {
        var alerts = AlertsConfig()
        guard let map = node.mapping() else { return alerts }
        defer { map.finish() }
        if let retry = map.optional("retry")?.mapping() {
            alerts.retryInitial = retry.optional("initial")?.duration(minimum: .milliseconds(100)) ?? alerts.retryInitial
            alerts.retryMax = retry.optional("max")?.duration(minimum: .milliseconds(100)) ?? alerts.retryMax
            if alerts.retryInitial > alerts.retryMax {
                retry.owner.error("initial retry delay is longer than max", expected: "initial <= max")
            }
            retry.finish()
        }
        var definedHooks: Set<String> = []
        if let hooksMap = map.optional("hooks")?.mapping() {
            for (name, _, hookNode) in hooksMap.entries() {
                definedHooks.insert(name)
                if let hook = parseHook(name: name, hookNode) { alerts.hooks[name] = hook }
            }
        }
        let context = RuleContext(hooks: definedHooks, charts: charts, lines: lines, products: products, devices: devices)
        if let items = map.optional("rules")?.sequence() {
            for item in items {
                guard let ruleMap = item.mapping() else { continue }
                if let rule = parseRule(ruleMap, context) {
                    if alerts.rules.contains(where: { $0.name == rule.name }) {
                        ruleMap.errorAtKey("name", "duplicate alert rule name '\(rule.name)'", expected: "unique rule names")
                    } else {
                        alerts.rules.append(rule)
                    }
                }
                ruleMap.finish()
            }
        }
        return alerts
    }

    private struct RuleContext {
        var hooks: Set<String>
        var charts: [ChartConfig]
        var lines: [LineConfig]
        var products: [String: ProductConfig]
        var devices: [DeviceConfig]
    }

    private func parseHook(name: String, _ node: ConfigNode) -> HookConfig? {
        guard let map = node.mapping() else { return nil }
        defer { map.finish() }
        let which = map.exactlyOne(of: ["exec", "webhook", "alertmanager"])
        let execNode = map.optional("exec")
        let urlNode = map.optional("webhook") ?? map.optional("alertmanager")
        let secretEnvironment = map.optional("secret_env")?.nonEmptyString()
        let secretFile = map.optional("secret_file")?.nonEmptyString()
        let timeout = map.optional("timeout")?.duration(minimum: .milliseconds(100)) ?? .seconds(10)
        if which != "webhook", secretEnvironment != nil || secretFile != nil {
            map.errorAtKey(map.contains("secret_env") ? "secret_env" : "secret_file",
                           "a secret is only used to sign webhooks", expected: "remove it from this hook")
        }
        var action: HookConfig.Action?
        switch which {
        case "exec":
            guard let arguments = execNode?.stringList() else { break }
            guard let program = arguments.first else {
                execNode?.error("the command is empty", expected: "[/path/to/program, arguments…]")
                break
            }
            var isFolder: ObjCBool = false
            if !program.hasPrefix("/") {
                execNode?.error("'\(program)' is not an absolute path", expected: "an absolute path; hooks run without a shell or PATH")
            } else if !FileManager.default.fileExists(atPath: program, isDirectory: &isFolder) {
                execNode?.error("'\(program)' does not exist", expected: "the path of an executable file")
            } else if isFolder.boolValue || !FileManager.default.isExecutableFile(atPath: program) {
                execNode?.error("'\(program)' is not an executable file", expected: "a file with execute permission (chmod +x)")
            } else {
                action = .exec(arguments: arguments)
            }
        case "webhook":
            guard let url = httpURL(urlNode, example: "https://qms.example.com/hooks/smtq") else { break }
            if secretEnvironment != nil, secretFile != nil {
                map.errorAtKey("secret_file", "both secret_env and secret_file are given", expected: "one of them")
                break
            }
            var secret: SecretSource?
            if let secretEnvironment {
                secret = .environment(secretEnvironment)
            } else if let secretFile {
                guard let problem = Self.secretFileProblem(secretFile) else {
                    action = .webhook(url: url, secret: .file(secretFile))
                    break
                }
                map.errorAtKey("secret_file", problem.message, expected: problem.expected)
                break
            }
            action = .webhook(url: url, secret: secret)
        case "alertmanager":
            guard let url = httpURL(urlNode, example: "http://127.0.0.1:9093") else { break }
            action = .alertmanager(url: url)
        default:
            break
        }
        guard let action else { return nil }
        return HookConfig(name: name, action: action, timeout: timeout)
    }

    private func httpURL(_ node: ConfigNode?, example: String) -> String? {
        guard let node, let url = node.nonEmptyString() else { return nil }
        guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""),
              parsed.host?.isEmpty == false
        else {
            node.error("'\(url)' is not an http or https URL", expected: "a URL such as \(example)")
            return nil
        }
        return url
    }

    /// A secret file must exist, be a regular file, and not be readable by others (it signs what plants trust).
    static func secretFileProblem(_ path: String, kind: String = "secret", holding: String = "the webhook key")
        -> (message: String, expected: String)? {
        guard path.hasPrefix("/") else { return ("'\(path)' is not an absolute path", "an absolute path") }
        // A link (as secret stores mount them) is judged by the file it points to.
        let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: target) else {
            return ("\(kind) file '\(path)' does not exist or cannot be read", "a file holding \(holding)")
        }
        if (attributes[.type] as? FileAttributeType) != .typeRegular {
            return ("\(kind) file '\(path)' is not a regular file", "a file holding \(holding)")
        }
        let mode = (attributes[.posixPermissions] as? Int) ?? 0
        if mode & 0o007 != 0 {
            return ("\(kind) file '\(path)' can be read by other users (mode \(String(mode, radix: 8)))",
                    "chmod 600 or 640 \(path)")
        }
        return nil
    }

    /// Keys of every rule type, taken as known when the type itself is wrong so that they are not reported too.
    private static let conditionKeys = ["chart", "rules", "metric", "below", "above", "window", "window_units",
                                        "min_units", "count", "within_units", "factor", "baseline", "min_defects",
                                        "down_after", "gaps"]

    private static let ruleTypes = AlertKind.allCases.map(\.rawValue)

    private func parseRule(_ map: MappingReader, _ context: RuleContext) -> AlertRuleConfig? {
        let name = map.required("name", expected: "a unique rule name")?.nonEmptyString()
        let type = map.required("type", expected: Self.ruleTypes.joined(separator: ", "))?.string()
        let (line, station, program) = parseScope(map, lines: context.lines, products: context.products, requireStation: false)
        let deviceNode = map.optional("device")
        var device = deviceNode?.nonEmptyString()
        if let name = device, !context.devices.contains(where: { $0.name == name }) {
            deviceNode?.error("unknown device '\(name)'", expected: Suggestion.hint(for: name, in: context.devices.map(\.name)))
            device = nil
        }
        var hookNames: [String]?
        if let hooksNode = map.required("hooks", expected: "the names of the hooks to fire"), let list = hooksNode.stringList() {
            hookNames = list
            for hook in list where !context.hooks.contains(hook) {
                hooksNode.error("unknown hook '\(hook)'", expected: Suggestion.hint(for: hook, in: Array(context.hooks)))
                hookNames = nil
            }
            if list.isEmpty { hooksNode.error("no hooks", expected: "at least one hook name") }
        }
        let cooldown = map.optional("cooldown")?.duration(minimum: .zero) ?? .seconds(900)
        let repeatInterval = map.optional("repeat")?.duration(minimum: .seconds(1))
        let severity = map.optional("severity")?.choice(Severity.self) ?? .warning
        let kind = type.flatMap(AlertKind.init(rawValue:))
        if kind != .device, deviceNode != nil {
            map.errorAtKey("device", "only device rules name a device", expected: "line/station/program for this rule")
        }
        var condition: AlertRuleConfig.Condition?
        switch kind {
        case .spc?: condition = parseSPCCondition(map, context)
        case .threshold?: condition = parseThreshold(map, context, program: program)
        case .repeatedDefect?:
            let count = map.required("count", expected: "how many times the same refdes and code, at least 2")?.int(2...10_000)
            let within = map.required("within_units", expected: "over how many consecutive units")?.int(2...100_000)
            if let count, let within {
                if count > within {
                    map.errorAtKey("count", "\(count) repeats cannot happen within \(within) units", expected: "count <= within_units")
                } else {
                    condition = .repeatedDefect(count: count, withinUnits: within)
                }
            }
        case .spike?:
            let factor = map.required("factor", expected: "a factor above 1, e.g. 3")?.double()
            let window = map.required("window", expected: "a duration such as 15m")?.duration(minimum: .seconds(1))
            let baseline = map.required("baseline", expected: "a duration such as 8h")?.duration(minimum: .seconds(1))
            let minUnits = map.optional("min_units")?.int(1...1_000_000) ?? 20
            let minDefects = map.optional("min_defects")?.int(1...1_000_000) ?? 3
            var valid = true
            if let factor, factor <= 1 {
                map.errorAtKey("factor", "\(factor) is not above 1", expected: "a factor above 1")
                valid = false
            }
            if let window, let baseline, baseline <= window {
                map.errorAtKey("baseline", "the baseline is not longer than the window", expected: "baseline > window")
                valid = false
            }
            if valid, let factor, let window, let baseline {
                condition = .spike(factor: factor, window: window, baseline: baseline, minUnits: minUnits,
                                   minDefects: minDefects)
            }
        case .device?:
            let downAfter = map.optional("down_after")?.duration(minimum: .seconds(1)) ?? .seconds(60)
            let gaps = map.optional("gaps")?.bool() ?? true
            if program != nil {
                map.errorAtKey("program", "a device rule is not scoped by program", expected: "line, station or device")
            }
            condition = .device(downAfter: downAfter, gaps: gaps)
        case nil:
            if let type {
                map.errorAtKey("type", "unknown rule type '\(type)'", expected: Suggestion.hint(for: type, in: Self.ruleTypes))
            }
            Self.conditionKeys.forEach { _ = map.optional($0) }
        }
        guard let name, let condition, let hookNames else { return nil }
        return AlertRuleConfig(name: name, condition: condition, line: line, station: station, program: program,
                               device: device, hooks: hookNames, cooldown: cooldown, repeatInterval: repeatInterval,
                               severity: severity)
    }

    private func parseSPCCondition(_ map: MappingReader, _ context: RuleContext) -> AlertRuleConfig.Condition? {
        let chartNode = map.required("chart", expected: "the name of a chart under spc.charts")
        let chartName = chartNode?.nonEmptyString()
        let rules = map.optional("rules").flatMap { parseRules($0) } ?? []
        var valid = true
        for key in ["line", "station", "program"] where map.contains(key) {
            map.errorAtKey(key, "an spc_signal rule takes its scope from its chart", expected: "remove \(key)")
            valid = false
        }
        guard let chartName else { return nil }
        guard let chart = context.charts.first(where: { $0.name == chartName }) else {
            chartNode?.error("unknown chart '\(chartName)'", expected: Suggestion.hint(for: chartName, in: context.charts.map(\.name)))
            return nil
        }
        if let rule = rules.first(where: { !chart.rules.contains($0) }) {
            map.errorAtKey("rules", "chart '\(chartName)' does not evaluate \(rule.rawValue)",
                           expected: "rules enabled on the chart: " + chart.rules.map(\.rawValue).joined(separator: ", "))
            return nil
        }
        return valid ? .spcSignal(chart: chartName, rules: rules) : nil
    }

    private func parseThreshold(_ map: MappingReader, _ context: RuleContext, program: String?) -> AlertRuleConfig.Condition? {
        let metric = map.required("metric", expected: "fpy, final_yield, dpu, dpmo or false_call_rate")?.choice(ThresholdMetric.self)
        let belowNode = map.optional("below")
        let aboveNode = map.optional("above")
        let windowKey = map.exactlyOne(of: ["window", "window_units"])
        let time = map.optional("window")?.duration(minimum: .seconds(1))
        let units = map.optional("window_units")?.int(1...1_000_000)
        let minUnits = map.optional("min_units")?.int(1...1_000_000) ?? 20
        let read: (ConfigNode) -> Double? = { (metric?.isFraction ?? false) ? self.fraction($0) : $0.double() }
        let below = belowNode.flatMap(read)
        let above = aboveNode.flatMap(read)
        if metric == .dpmo, let program, context.products[program] == nil {
            map.errorAtKey("program", "DPMO needs the opportunities of '\(program)'", expected: "a product under products")
        } else if metric == .dpmo, context.products.isEmpty {
            map.errorAtKey("metric", "DPMO needs each program's opportunities", expected: "products with opportunities")
        }
        if let units, units < minUnits {
            map.errorAtKey("window_units", "a window of \(units) units never holds min_units (\(minUnits))",
                           expected: "window_units >= min_units")
            return nil
        }
        if belowNode == nil, aboveNode == nil {
            map.owner.error("a threshold rule needs 'below' or 'above'", expected: "e.g. below: 95%")
            return nil
        }
        guard let metric, belowNode == nil || below != nil, aboveNode == nil || above != nil else { return nil }
        let window: AlertWindow
        switch windowKey {
        case "window": guard let time else { return nil }; window = .time(time)
        case "window_units": guard let units else { return nil }; window = .units(units)
        default: return nil
        }
        return .threshold(metric: metric, below: below, above: above, window: window, minUnits: minUnits)
    }
}
