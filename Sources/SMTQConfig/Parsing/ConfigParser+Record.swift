import SMTQCore

extension ConfigParser {
    func parseRecord(_ node: ConfigNode, defaults: FieldDefaults, addressRange: ClosedRange<Int>,
                     space: inout RegisterLayout) -> RecordLayout? {
        guard let map = node.mapping() else { return nil }
        defer { map.finish() }
        let address = map.required("address", expected: "the block's first register")?.int(addressRange)
        let length = map.required("length", expected: "the block's length in registers")?.int(1...4096)
        if let address, let length {
            if address + length - 1 > addressRange.upperBound {
                map.errorAtKey("length", "the block runs past the last register \(addressRange.upperBound)",
                               expected: "a shorter block or a lower address")
            } else {
                space.add("record", address..<(address + length), at: map.optional("address") ?? node)
            }
        }
        var layout = RegisterLayout(blockName: "the record block", bounds: length.map { 0..<$0 })
        var fields: [RecordField: FieldSpec] = [:]
        if let fieldsNode = map.required("fields", expected: "the unit fields (serial, result, …)"),
           let fieldsMap = fieldsNode.mapping() {
            for (name, _, fieldNode) in fieldsMap.entries() {
                guard let role = RecordField(rawValue: name) else {
                    fieldNode.error("unknown record field '\(name)'",
                                    expected: Suggestion.hint(for: name, in: RecordField.allCases.map(\.rawValue)))
                    continue
                }
                guard let fieldMap = fieldNode.mapping() else { continue }
                let field = parseField(fieldMap, positionKey: "register", positionRange: 0...4095, defaults: defaults)
                fieldMap.finish()
                guard let field else { continue }
                if checkRole(role, field, at: fieldNode) {
                    layout.add(name, field.registers, at: fieldNode)
                    fields[role] = field
                }
            }
            for role in [RecordField.serial, .result] where fields[role] == nil && !fieldsMap.contains(role.rawValue) {
                fieldsNode.error("the record has no '\(role.rawValue)' field", expected: "\(role.rawValue): {register: …, type: …}")
            }
        }
        let defects = map.optional("defects").flatMap {
            parseGroup($0, name: "defects", allowed: RepeatedGroup.defectFields, required: ["code"],
                       defaults: defaults, layout: &layout)
        }
        let measurements = map.optional("measurements").flatMap {
            parseGroup($0, name: "measurements", allowed: RepeatedGroup.measurementFields, required: ["name", "value"],
                       defaults: defaults, layout: &layout)
        }
        var categories: [String: String] = [:]
        if let categoriesNode = map.optional("defect_categories"), let categoriesMap = categoriesNode.mapping() {
            for (code, _, valueNode) in categoriesMap.entries() {
                if let category = valueNode.nonEmptyString() { categories[code] = category }
            }
        }
        guard let address, let length, fields[.serial] != nil, fields[.result] != nil else { return nil }
        return RecordLayout(address: address, length: length, fields: fields, defects: defects,
                            measurements: measurements, defectCategories: categories)
    }

    /// Whether a record field's type suits its meaning; reports why not.
    private func checkRole(_ role: RecordField, _ field: FieldSpec, at node: ConfigNode) -> Bool {
        switch role {
        case .serial, .program:
            if field.type.isNumeric, !field.type.isInteger {
                node.error("'\(role.rawValue)' cannot be a \(field.type) value", expected: "a string or an integer type")
                return false
            }
        case .result:
            return checkEnumValues(field, allowed: UnitResult.allCases.map(\.rawValue), name: "result", at: node)
        case .position, .cycleMilliseconds, .deviceTime:
            if !field.type.isInteger || field.enumMap != nil {
                node.error("'\(role.rawValue)' must be an integer", expected: "an integer type such as u16 or u32, without enum")
                return false
            }
        }
        return true
    }

    /// An enum field whose values must come from a fixed vocabulary (result: pass/fail; verdict: real/false_call).
    func checkEnumValues(_ field: FieldSpec, allowed: [String], name: String, at node: ConfigNode) -> Bool {
        guard let map = field.enumMap else {
            node.error("'\(name)' needs an enum map", expected: "raw values mapped to " + allowed.joined(separator: " or "))
            return false
        }
        let unknown = Set(map.values).subtracting(allowed)
        if let bad = unknown.sorted().first {
            node.error("'\(name)' maps to '\(bad)'", expected: "only " + allowed.joined(separator: " or "))
            return false
        }
        return true
    }

    private func parseGroup(_ node: ConfigNode, name: String, allowed: [String], required: [String],
                            defaults: FieldDefaults, layout: inout RegisterLayout) -> RepeatedGroup? {
        guard let map = node.mapping() else { return nil }
        defer { map.finish() }
        var count: FieldSpec?
        if let countNode = map.required("count", expected: "the field holding how many slots are filled"),
           let countMap = countNode.mapping() {
            count = parseField(countMap, positionKey: "register", positionRange: 0...4095, defaults: defaults)
            countMap.finish()
            if let field = count {
                if !field.type.isInteger || field.enumMap != nil || field.scale != 1 || field.offset != 0 {
                    countNode.error("the count must be a plain integer", expected: "type u16 without scale or enum")
                    count = nil
                } else {
                    layout.add("\(name).count", field.registers, at: countNode)
                }
            }
        }
        let first = map.required("first", expected: "the first register of slot 0")?.int(0...4095)
        let stride = map.required("stride", expected: "registers per slot")?.int(1...4096)
        let maxSlots = map.required("max", expected: "how many slots the block has")?.int(1...1000)
        if let first, let stride, let maxSlots {
            layout.add(name, first..<(first + stride * maxSlots), at: map.optional("first") ?? node)
        }
        var slot = RegisterLayout(blockName: "one \(name) slot", bounds: stride.map { 0..<$0 }, limit: .stride)
        var fields: [String: FieldSpec] = [:]
        if let fieldsNode = map.required("fields", expected: "the fields of one slot"), let fieldsMap = fieldsNode.mapping() {
            for (fieldName, _, fieldNode) in fieldsMap.entries() {
                guard allowed.contains(fieldName) else {
                    fieldNode.error("unknown \(name) field '\(fieldName)'", expected: Suggestion.hint(for: fieldName, in: allowed))
                    continue
                }
                guard let fieldMap = fieldNode.mapping() else { continue }
                let field = parseField(fieldMap, positionKey: "register", positionRange: 0...4095, defaults: defaults)
                fieldMap.finish()
                guard let field, checkGroupField(fieldName, field, at: fieldNode) else { continue }
                slot.add(fieldName, field.registers, at: fieldNode)
                fields[fieldName] = field
            }
            for key in required where !fieldsMap.contains(key) {
                fieldsNode.error("a \(name) slot has no '\(key)' field", expected: "\(key): {register: …, type: …}")
            }
        }
        guard let count, let first, let stride, let maxSlots, required.allSatisfy({ fields[$0] != nil }) else { return nil }
        return RepeatedGroup(count: count, first: first, stride: stride, maxSlots: maxSlots, fields: fields)
    }

    private func checkGroupField(_ name: String, _ field: FieldSpec, at node: ConfigNode) -> Bool {
        switch name {
        case "verdict":
            return checkEnumValues(field, allowed: DefectVerdict.allCases.map(\.rawValue), name: "verdict", at: node)
        case "value":
            if !field.type.isNumeric || field.enumMap != nil {
                node.error("'value' must be a number", expected: "a numeric type such as f32")
                return false
            }
        case "refdes", "part", "unit", "category":
            if field.type.isNumeric, field.enumMap == nil {
                node.error("'\(name)' must be text", expected: "a string, or an integer with an enum map")
                return false
            }
        default:
            break
        }
        return true
    }
}
