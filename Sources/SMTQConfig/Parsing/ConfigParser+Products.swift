extension ConfigParser {
    func parseProducts(_ node: ConfigNode) -> [String: ProductConfig] {
        guard let map = node.mapping() else { return [:] }
        var products: [String: ProductConfig] = [:]
        for (name, _, productNode) in map.entries() {
            guard let productMap = productNode.mapping() else { continue }
            defer { productMap.finish() }
            let opportunities = productMap.required("opportunities", expected: "defect opportunities per unit, at least 1")?
                .int(1...100_000_000)
            var targets = YieldTargets()
            if let targetsMap = productMap.optional("targets")?.mapping() {
                targets.fpy = targetsMap.optional("fpy").flatMap(fraction)
                targets.finalYield = targetsMap.optional("final_yield").flatMap(fraction)
                targets.falseCallRate = targetsMap.optional("false_call_rate").flatMap(fraction)
                targets.dpmo = targetsMap.optional("dpmo")?.double(expected: "a non-negative number")
                targets.cpk = targetsMap.optional("cpk")?.double(expected: "a positive number such as 1.33")
                if let dpmo = targets.dpmo, dpmo < 0 {
                    targetsMap.errorAtKey("dpmo", "\(dpmo) is negative", expected: "a non-negative number")
                }
                if let cpk = targets.cpk, cpk <= 0 {
                    targetsMap.errorAtKey("cpk", "\(cpk) is not positive", expected: "a positive number such as 1.33")
                }
                targetsMap.finish()
            }
            var specs: [String: MeasurementSpec] = [:]
            if let measurementsMap = productMap.optional("measurements")?.mapping() {
                for (measurement, _, specNode) in measurementsMap.entries() {
                    if let spec = parseSpec(measurement, specNode) { specs[measurement] = spec }
                }
            }
            if let opportunities {
                products[name] = ProductConfig(name: name, opportunities: opportunities, targets: targets, measurements: specs)
            }
        }
        return products
    }

    private func parseSpec(_ name: String, _ node: ConfigNode) -> MeasurementSpec? {
        guard let map = node.mapping() else { return nil }
        defer { map.finish() }
        let unit = map.optional("unit")?.nonEmptyString()
        let lslNode = map.optional("lsl")
        let uslNode = map.optional("usl")
        let lsl = lslNode?.double()
        let usl = uslNode?.double()
        let target = map.optional("target")?.double()
        if lslNode == nil, uslNode == nil {
            node.error("measurement '\(name)' has no spec limit", expected: "lsl, usl or both")
            return nil
        }
        if let lsl, let usl, lsl >= usl {
            lslNode?.error("LSL \(formatNumber(lsl)) is not below USL \(formatNumber(usl))", expected: "lsl < usl")
            return nil
        }
        if let target, let lsl, target < lsl {
            map.errorAtKey("target", "target \(formatNumber(target)) is below LSL \(formatNumber(lsl))", expected: "lsl <= target <= usl")
        }
        if let target, let usl, target > usl {
            map.errorAtKey("target", "target \(formatNumber(target)) is above USL \(formatNumber(usl))", expected: "lsl <= target <= usl")
        }
        return MeasurementSpec(name: name, unit: unit, lsl: lsl, usl: usl, target: target)
    }

    func formatNumber(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
