extension ConfigParser {
    func parseSPC(_ node: ConfigNode, lines: [LineConfig], products: [String: ProductConfig]) -> SPCConfig {
        guard let map = node.mapping() else { return SPCConfig() }
        defer { map.finish() }
        guard let items = map.optional("charts")?.sequence() else { return SPCConfig() }
        var charts: [ChartConfig] = []
        for item in items {
            guard let chartMap = item.mapping() else { continue }
            defer { chartMap.finish() }
            let nameNode = chartMap.required("name", expected: "a unique chart name")
            let name = nameNode?.nonEmptyString()
            if let name, charts.contains(where: { $0.name == name }) {
                nameNode?.error("duplicate chart name '\(name)'", expected: "a name no other chart has")
            }
            let type = chartMap.required("chart", expected: ChartType.allCases.map(\.rawValue).joined(separator: ", "))?
                .choice(ChartType.self)
            let (line, station, program) = parseScope(chartMap, lines: lines, products: products, requireStation: true)
            let measurementNode = chartMap.optional("measurement")
            let measurement = measurementNode?.nonEmptyString()
            var subgroup: Subgrouping?
            if let subgroupNode = chartMap.optional("subgroup") { subgroup = parseSubgroup(subgroupNode) }
            if let type {
                if type.isAttribute, let measurementNode {
                    measurementNode.error("a \(type.rawValue) chart counts units and defects, not a measurement",
                                          expected: "remove measurement, or use xbar-r, xbar-s, imr, ewma or cusum")
                }
                if !type.isAttribute, measurement == nil, measurementNode == nil {
                    item.error("a \(type.rawValue) chart needs 'measurement'", expected: "the name of a measurement")
                }
                if type.needsSubgroups, subgroup == nil, !chartMap.contains("subgroup") {
                    item.error("a \(type.rawValue) chart needs 'subgroup'",
                               expected: type.isAttribute ? "{every: 1h}, {units: 50} or {shift: true}" : "{units: 5}")
                }
                if !type.needsSubgroups, chartMap.contains("subgroup") {
                    chartMap.errorAtKey("subgroup", "a \(type.rawValue) chart plots individual values", expected: "remove subgroup")
                }
                if type == .np, let subgroup, !isFixedSize(subgroup, in: 1...100_000) {
                    chartMap.errorAtKey("subgroup", "an np chart needs the same number of units in every subgroup",
                                        expected: "{units: N}, or a p chart for time buckets and shifts")
                }
                if type == .xbarR || type == .xbarS, let subgroup, !isFixedSize(subgroup, in: 2...25) {
                    chartMap.errorAtKey("subgroup", "X-bar charts need a fixed subgroup size", expected: "{units: N} with N from 2 to 25")
                }
            }
            let rules = chartMap.optional("rules").flatMap { parseRules($0) } ?? [.nelson1]
            let limitSigmas = positive(chartMap.optional("L"), default: 3)
            let lambda = chartMap.optional("lambda")?.double().flatMap { value -> Double? in
                guard value > 0, value <= 1 else {
                    chartMap.errorAtKey("lambda", "\(value) is out of range", expected: "0 < lambda <= 1")
                    return nil
                }
                return value
            } ?? 0.2
            let k = positive(chartMap.optional("k"), default: 0.5)
            let h = positive(chartMap.optional("h"), default: 5)
            if let type, type != .ewma, chartMap.contains("lambda") {
                chartMap.errorAtKey("lambda", "lambda is for EWMA charts", expected: "remove it")
            }
            if let type, type != .cusum {
                for key in ["k", "h"] where chartMap.contains(key) {
                    chartMap.errorAtKey(key, "\(key) is for CUSUM charts", expected: "remove it")
                }
            }
            guard let name, let type, let line, let station else { continue }
            charts.append(ChartConfig(
                name: name, type: type, line: line, station: station, program: program, measurement: measurement,
                subgroup: subgroup, rules: rules, limitSigmas: limitSigmas, lambda: lambda, cusumK: k, cusumH: h))
        }
        return SPCConfig(charts: charts)
    }

    private func isFixedSize(_ subgroup: Subgrouping, in range: ClosedRange<Int>) -> Bool {
        if case let .units(size) = subgroup { return range.contains(size) }
        return false
    }

    private func positive(_ node: ConfigNode?, default value: Double) -> Double {
        guard let node, let number = node.double() else { return value }
        guard number > 0 else {
            node.error("\(number) is not positive", expected: "a number above 0")
            return value
        }
        return number
    }

    private func parseSubgroup(_ node: ConfigNode) -> Subgrouping? {
        guard let map = node.mapping() else { return nil }
        defer { map.finish() }
        let which = map.exactlyOne(of: ["every", "units", "shift"])
        let every = map.optional("every")
        let units = map.optional("units")
        let shift = map.optional("shift")
        switch which {
        case "every":
            guard let duration = every?.duration(minimum: .seconds(60)) else { return nil }
            guard duration <= .seconds(86_400) else {
                every?.error("time buckets start at each local midnight, so they are at most a day long",
                             expected: "a duration from 1m to 24h, e.g. 1h, 8h or 24h")
                return nil
            }
            return .every(duration)
        case "units": return units?.int(1...100_000).map(Subgrouping.units)
        case "shift":
            if shift?.bool() == true { return .shift }
            if shift?.bool() == false { shift?.error("shift: false chooses no subgrouping", expected: "shift: true") }
            return nil
        default: return nil
        }
    }

    func parseRules(_ node: ConfigNode) -> [RunRule]? {
        guard let items = node.sequence() else { return nil }
        let rules = items.map { $0.choice(RunRule.self) }
        return rules.contains(nil) ? nil : rules.compactMap { $0 }
    }

    /// `line`, `station` and `program` keys, checked against the lines' routes and the products.
    func parseScope(_ map: MappingReader, lines: [LineConfig], products: [String: ProductConfig],
                    requireStation: Bool) -> (line: String?, station: String?, program: String?) {
        let lineNode = requireStation ? map.required("line") : map.optional("line")
        let stationNode = requireStation ? map.required("station") : map.optional("station")
        let programNode = map.optional("program")
        let line = lineNode?.nonEmptyString()
        let station = stationNode?.nonEmptyString()
        let program = programNode?.nonEmptyString()
        if let line, !lines.isEmpty {
            if let known = lines.first(where: { $0.name == line }) {
                if let station, !known.route.contains(station) {
                    stationNode?.error("station '\(station)' is not on line \(line)'s route",
                                       expected: Suggestion.hint(for: station, in: known.route))
                }
            } else {
                lineNode?.error("unknown line '\(line)'", expected: Suggestion.hint(for: line, in: lines.map(\.name)))
            }
        }
        if let program, !products.isEmpty, products[program] == nil {
            programNode?.error("unknown program '\(program)'", expected: Suggestion.hint(for: program, in: Array(products.keys)))
        }
        return (line, station, program)
    }
}
