import Foundation
import SMTQCore

extension ConfigParser {
    func parseAlerts(_ node: ConfigNode, charts: [ChartConfig], lines: [LineConfig]) -> AlertsConfig {
        var alerts = AlertsConfig()
        guard let map = node.mapping() else { return alerts }
        defer { map.finish() }
        if let retry = map.optional("retry")?.mapping() {
            alerts.retryInitial = retry.optional("initial")?.duration() ?? alerts.retryInitial
            alerts.retryMax = retry.optional("max")?.duration() ?? alerts.retryMax
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
        if let items = map.optional("rules")?.sequence() {
            for item in items {
                guard let ruleMap = item.mapping() else { continue }
                if let rule = parseRule(ruleMap, hooks: definedHooks, charts: charts, lines: lines) {
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

    private func parseHook(name: String, _ node: ConfigNode) -> HookConfig? {
        guard let map = node.mapping() else { return nil }
        defer { map.finish() }
        let which = map.exactlyOne(of: ["exec", "webhook"])
        let execNode = map.optional("exec")
        let webhookNode = map.optional("webhook")
        let secretEnvironment = map.optional("secret_env")?.nonEmptyString()
        let secretFile = map.optional("secret_file")?.nonEmptyString()
        let timeout = map.optional("timeout")?.duration(minimum: .milliseconds(100)) ?? .seconds(10)
        var action: HookConfig.Action?
        switch which {
        case "exec":
            if secretEnvironment != nil || secretFile != nil {
                map.errorAtKey(map.contains("secret_env") ? "secret_env" : "secret_file",
                               "a secret is only used to sign webhooks", expected: "remove it from an exec hook")
            }
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
            guard let url = webhookNode?.nonEmptyString() else { break }
            guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""),
                  parsed.host?.isEmpty == false
            else {
                webhookNode?.error("'\(url)' is not an http or https URL", expected: "a URL such as https://qms.example.com/hooks/smtq")
                break
            }
            if secretEnvironment != nil, secretFile != nil {
                map.errorAtKey("secret_file", "both secret_env and secret_file are given", expected: "one of them")
                break
            }
            if let secretFile, !secretFile.hasPrefix("/") {
                map.errorAtKey("secret_file", "'\(secretFile)' is not an absolute path", expected: "an absolute path")
                break
            }
            action = .webhook(url: url, secretEnvironment: secretEnvironment, secretFile: secretFile)
        default:
            break
        }
        guard let action else { return nil }
        return HookConfig(name: name, action: action, timeout: timeout)
    }

    /// Keys of every rule type, taken as known when the type itself is wrong so that they are not reported too.
    private static let conditionKeys = ["chart", "rules", "metric", "below", "above", "window", "min_units", "count",
                                        "within_units", "factor", "baseline"]

    private func parseRule(_ map: MappingReader, hooks: Set<String>, charts: [ChartConfig], lines: [LineConfig]) -> AlertRuleConfig? {
        let name = map.required("name", expected: "a unique rule name")?.nonEmptyString()
        let type = map.required("type", expected: "spc_signal, threshold, repeated_defect or spike")?.string()
        let (line, station, program) = parseScope(map, lines: lines, products: [:], requireStation: false)
        var hookNames: [String]?
        if let hooksNode = map.required("hooks", expected: "the names of the hooks to fire"), let list = hooksNode.stringList() {
            hookNames = list
            for hook in list where !hooks.contains(hook) {
                hooksNode.error("unknown hook '\(hook)'", expected: Suggestion.hint(for: hook, in: Array(hooks)))
                hookNames = nil
            }
            if list.isEmpty { hooksNode.error("no hooks", expected: "at least one hook name") }
        }
        let cooldown = map.optional("cooldown")?.duration(minimum: .zero) ?? .seconds(900)
        let severity = map.optional("severity")?.choice(Severity.self) ?? .warning
        var condition: AlertRuleConfig.Condition?
        switch type {
        case "spc_signal":
            let chartNode = map.required("chart", expected: "the name of a chart under spc.charts")
            let chartName = chartNode?.nonEmptyString()
            let rules = map.optional("rules").flatMap { parseRules($0) } ?? []
            if let chartName {
                if let chart = charts.first(where: { $0.name == chartName }) {
                    if let rule = rules.first(where: { !chart.rules.contains($0) }) {
                        map.errorAtKey("rules", "chart '\(chartName)' does not evaluate \(rule.rawValue)",
                                       expected: "rules enabled on the chart: " + chart.rules.map(\.rawValue).joined(separator: ", "))
                    } else {
                        condition = .spcSignal(chart: chartName, rules: rules)
                    }
                } else {
                    chartNode?.error("unknown chart '\(chartName)'", expected: Suggestion.hint(for: chartName, in: charts.map(\.name)))
                }
            }
        case "threshold":
            let metric = map.required("metric", expected: "fpy, final_yield, dpu, dpmo or false_call_rate")?.choice(ThresholdMetric.self)
            let belowNode = map.optional("below")
            let aboveNode = map.optional("above")
            let window = map.required("window", expected: "a duration such as 1h")?.duration(minimum: .seconds(60))
            let minUnits = map.optional("min_units")?.int(1...1_000_000) ?? 20
            let isFraction = [ThresholdMetric.fpy, .finalYield, .falseCallRate].contains(metric)
            let read: (ConfigNode) -> Double? = { isFraction ? self.fraction($0) : $0.double() }
            let below = belowNode.flatMap(read)
            let above = aboveNode.flatMap(read)
            if belowNode == nil, aboveNode == nil {
                map.owner.error("a threshold rule needs 'below' or 'above'", expected: "e.g. below: 95%")
            } else if let metric, let window, belowNode == nil || below != nil, aboveNode == nil || above != nil {
                condition = .threshold(metric: metric, below: below, above: above, window: window, minUnits: minUnits)
            }
        case "repeated_defect":
            let count = map.required("count", expected: "how many times the same refdes and code, at least 2")?.int(2...10_000)
            let within = map.required("within_units", expected: "over how many consecutive units")?.int(2...1_000_000)
            if let count, let within {
                if count > within {
                    map.errorAtKey("count", "\(count) repeats cannot happen within \(within) units", expected: "count <= within_units")
                } else {
                    condition = .repeatedDefect(count: count, withinUnits: within)
                }
            }
        case "spike":
            let factor = map.required("factor", expected: "a factor above 1, e.g. 3")?.double()
            let window = map.required("window", expected: "a duration such as 15m")?.duration(minimum: .seconds(60))
            let baseline = map.required("baseline", expected: "a duration such as 8h")?.duration(minimum: .seconds(60))
            let minUnits = map.optional("min_units")?.int(1...1_000_000) ?? 20
            if let factor, factor <= 1 {
                map.errorAtKey("factor", "\(factor) is not above 1", expected: "a factor above 1")
            } else if let factor, let window, let baseline {
                if baseline <= window {
                    map.errorAtKey("baseline", "the baseline is not longer than the window", expected: "baseline > window")
                } else {
                    condition = .spike(factor: factor, window: window, baseline: baseline, minUnits: minUnits)
                }
            }
        case let other?:
            map.errorAtKey("type", "unknown rule type '\(other)'",
                           expected: Suggestion.hint(for: other, in: ["spc_signal", "threshold", "repeated_defect", "spike"]))
            Self.conditionKeys.forEach { _ = map.optional($0) }
        case nil:
            Self.conditionKeys.forEach { _ = map.optional($0) }
        }
        guard let name, let condition, let hookNames else { return nil }
        return AlertRuleConfig(name: name, condition: condition, line: line, station: station, program: program,
                               hooks: hookNames, cooldown: cooldown, severity: severity)
    }
}
