import SMTQCore

/// Defaults a field inherits from its profile.
struct FieldDefaults {
    var wordOrder: WordOrder
    var stringByteOrder: StringByteOrder
}

extension ConfigParser {
    func parseProfiles(_ node: ConfigNode) {
        guard let map = node.mapping() else { return }
        for (name, keyLine, profileNode) in map.entries() {
            if definedProfiles.contains(name) {
                sink.report(ConfigDiagnostic(
                    file: profileNode.file, line: keyLine, path: profileNode.path.description,
                    message: "profile '\(name)' is defined twice", expected: "one definition per profile name"))
                continue
            }
            definedProfiles.insert(name)
            if let profile = parseProfile(name: name, node: profileNode) { profiles[name] = profile }
        }
    }

    private func parseProfile(name: String, node: ConfigNode) -> DeviceProfile? {
        guard let map = node.mapping() else { return nil }
        defer { map.finish() }
        let description = map.optional("description")?.string()
        let mode = map.required("mode", expected: "counters, fifo or mailbox")?.choice(AcquisitionMode.self)
        let table = map.optional("table")?.choice(RegisterTable.self) ?? .holding
        let addressing = map.optional("addressing")?.choice(Addressing.self) ?? .zeroBased
        let maxPerRequest = map.optional("max_registers_per_request")?.int(1...125) ?? 125
        let defaults = FieldDefaults(
            wordOrder: map.optional("word_order")?.choice(WordOrder.self) ?? .abcd,
            stringByteOrder: map.optional("string_byte_order")?.choice(StringByteOrder.self) ?? .highFirst)
        let addressRange = addressing == .zeroBased ? 0...65_535 : 1...65_536
        var space = RegisterLayout(blockName: "the register space", bounds: nil)
        func address(_ key: String, required: Bool) -> Int? {
            let node = required ? map.required(key, expected: "a register address") : map.optional(key)
            guard let node, let value = node.int(addressRange) else { return nil }
            space.add(key, value..<(value + 1), at: node)
            return value
        }
        var counters: [CounterSpec] = []
        var sequence: Int?, pending: Int?, ack: Int?
        var record: RecordLayout?
        switch mode {
        case .counters:
            counters = parseCounters(map.required("counters", expected: "a list of counters"), defaults: defaults,
                                     addressRange: addressRange, space: &space)
            for key in ["sequence", "pending", "ack", "record"] where map.contains(key) {
                map.errorAtKey(key, "'\(key)' is not used in counters mode", expected: "fifo or mailbox mode for records")
                _ = map.optional(key)
            }
        case .fifo, .mailbox:
            sequence = address("sequence", required: true)
            if mode == .fifo {
                pending = address("pending", required: true)
                ack = address("ack", required: true)
            } else {
                for key in ["pending", "ack"] where map.contains(key) {
                    map.errorAtKey(key, "'\(key)' is only used in fifo mode", expected: "mailbox devices have no queue")
                    _ = map.optional(key)
                }
            }
            if map.contains("counters") {
                map.errorAtKey("counters", "'counters' is only used in counters mode", expected: "a record block")
                _ = map.optional("counters")
            }
            if let recordNode = map.required("record", expected: "the record block layout") {
                record = parseRecord(recordNode, defaults: defaults, addressRange: addressRange, space: &space)
            }
        case nil:
            for key in ["counters", "sequence", "pending", "ack", "record"] { _ = map.optional(key) }
        }
        guard let mode else { return nil }
        if mode == .counters, counters.isEmpty { return nil }
        if mode != .counters, record == nil || sequence == nil || (mode == .fifo && (pending == nil || ack == nil)) {
            return nil
        }
        return DeviceProfile(
            name: name, description: description, mode: mode, table: table, addressing: addressing,
            maxRegistersPerRequest: maxPerRequest, wordOrder: defaults.wordOrder,
            stringByteOrder: defaults.stringByteOrder, counters: counters, sequenceAddress: sequence,
            pendingAddress: pending, ackAddress: ack, record: record, file: node.file)
    }

    private func parseCounters(_ node: ConfigNode?, defaults: FieldDefaults, addressRange: ClosedRange<Int>,
                               space: inout RegisterLayout) -> [CounterSpec] {
        guard let items = node?.sequence() else { return [] }
        var counters: [CounterSpec] = []
        for item in items {
            guard let map = item.mapping() else { continue }
            let name = map.required("name", expected: "a counter name such as inspected")?.nonEmptyString()
            let field = parseField(map, positionKey: "address", positionRange: addressRange, defaults: defaults)
            map.finish()
            guard let name, let field else { continue }
            if counters.contains(where: { $0.name == name }) {
                map.errorAtKey("name", "duplicate counter '\(name)'", expected: "unique counter names")
                continue
            }
            guard field.type.isInteger, field.enumMap == nil, field.scale == 1, field.offset == 0 else {
                item.error("counter '\(name)' must be a plain unsigned integer", expected: "type u16, u32 or u64 without scale or enum")
                continue
            }
            guard [.u16, .u32, .u64].contains(field.type) else {
                map.errorAtKey("type", "counter type \(field.type) cannot count", expected: "u16, u32 or u64")
                continue
            }
            space.add(name, field.registers, at: item)
            counters.append(CounterSpec(name: name, field: field))
        }
        return counters
    }
}
