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
        let modeNode = map.optional("mode")
        var mode = modeNode?.choice(AcquisitionMode.self)
        let table = map.optional("table")?.choice(RegisterTable.self) ?? .holding
        let addressing = map.optional("addressing")?.choice(Addressing.self) ?? .zeroBased
        let maxPerRequest = map.optional("max_registers_per_request")?.int(1...125) ?? 125
        let defaults = FieldDefaults(
            wordOrder: map.optional("word_order")?.choice(WordOrder.self) ?? .abcd,
            stringByteOrder: map.optional("string_byte_order")?.choice(StringByteOrder.self) ?? .highFirst)
        let addressRange = addressing == .zeroBased ? 0...65_535 : 1...65_536
        var spaces = RegisterSpaces(profileTable: table)
        func address(_ key: String, required: Bool) -> Int? {
            let node = required ? map.required(key, expected: "a register address") : map.optional(key)
            guard let node, let value = node.int(addressRange) else { return nil }
            spaces.add(key, value..<(value + 1), table: table, at: node)
            return value
        }
        if modeNode == nil, map.contains("record") {
            map.owner.error("a profile with a record block needs 'mode'", expected: "mode: fifo or mailbox")
        }
        let counters = map.optional("counters").map {
            parseCounters($0, defaults: defaults, addressRange: addressRange, spaces: &spaces)
        } ?? []
        let processValues = map.optional("process_values").map {
            parseProcessValues($0, defaults: defaults, addressRange: addressRange, spaces: &spaces)
        } ?? []
        var sequence: Int?, pending: Int?, ack: Int?
        var record: RecordLayout?
        switch mode {
        case .counters?, nil:
            for key in ["sequence", "pending", "ack", "record"] where map.contains(key) {
                if modeNode != nil || key != "record" {
                    map.errorAtKey(key, "'\(key)' is not used without records (mode \(modeNode == nil ? "not given" : "counters"))",
                                   expected: "mode: fifo or mailbox with a record block")
                }
                _ = map.optional(key)
            }
            if modeNode == nil, !map.contains("record") {
                mode = .counters
                if counters.isEmpty, processValues.isEmpty, !map.contains("counters"), !map.contains("process_values") {
                    map.owner.error("the profile reads nothing",
                                    expected: "mode: fifo or mailbox with a record block, or counters, or process_values")
                }
            } else if mode == .counters, counters.isEmpty, processValues.isEmpty, !map.contains("counters") {
                map.owner.error("mode counters needs 'counters'", expected: "a list of counters (or process_values without mode)")
            }
        case .fifo?, .mailbox?:
            sequence = address("sequence", required: true)
            if mode == .fifo {
                pending = address("pending", required: true)
                ack = address("ack", required: true)
            } else {
                pending = address("pending", required: false)
                if map.contains("ack") {
                    map.errorAtKey("ack", "'ack' is only used in fifo mode", expected: "mailbox devices are read-only")
                    _ = map.optional("ack")
                }
            }
            if let recordNode = map.required("record", expected: "the record block layout") {
                record = parseRecord(recordNode, defaults: defaults, addressRange: addressRange, space: &spaces[table])
            }
            if table == .coils || table == .discrete {
                map.errorAtKey("table", "records cannot be read from \(table.rawValue) (single bits)",
                               expected: "table: holding or input for a profile with records")
            }
        }
        guard let mode else { return nil }
        if mode == .counters, counters.isEmpty, processValues.isEmpty { return nil }
        if mode != .counters, record == nil || sequence == nil || (mode == .fifo && (pending == nil || ack == nil)) {
            return nil
        }
        return DeviceProfile(
            name: name, description: description, mode: mode, table: table, addressing: addressing,
            maxRegistersPerRequest: maxPerRequest, wordOrder: defaults.wordOrder,
            stringByteOrder: defaults.stringByteOrder, counters: counters, processValues: processValues,
            sequenceAddress: sequence, pendingAddress: pending, ackAddress: ack, record: record, file: node.file)
    }

    private func parseCounters(_ node: ConfigNode, defaults: FieldDefaults, addressRange: ClosedRange<Int>,
                               spaces: inout RegisterSpaces) -> [CounterSpec] {
        guard let items = node.sequence() else { return [] }
        if items.isEmpty { node.error("the counters list is empty", expected: "at least one counter, or remove the key") }
        var counters: [CounterSpec] = []
        for item in items {
            guard let map = item.mapping() else { continue }
            let name = map.required("name", expected: "a counter name such as inspected")?.nonEmptyString()
            let table = map.optional("table")?.choice(RegisterTable.self) ?? spaces.profileTable
            let field = parseField(map, positionKey: "address", positionRange: addressRange, defaults: defaults)
            map.finish()
            guard let name, let field else { continue }
            if counters.contains(where: { $0.name == name }) {
                map.errorAtKey("name", "duplicate counter '\(name)'", expected: "unique counter names")
                continue
            }
            guard field.type.isInteger, field.enumMap == nil, field.scale == 1, field.offset == 0 else {
                item.error("counter '\(name)' must be a plain unsigned integer",
                           expected: "type u16, u32 or u64 without scale or enum (a value with a scale is a process value)")
                continue
            }
            guard [.u16, .u32, .u64].contains(field.type) else {
                map.errorAtKey("type", "counter type \(field.type) cannot count",
                               expected: "u16, u32 or u64 (a value that can go down is a process value)")
                continue
            }
            guard checkPlacement(name, field, table: table, addressRange: addressRange, at: item) else { continue }
            spaces.add(name, field.registers, table: table, at: item)
            counters.append(CounterSpec(name: name, table: table, field: field))
        }
        return counters
    }

    private func parseProcessValues(_ node: ConfigNode, defaults: FieldDefaults, addressRange: ClosedRange<Int>,
                                    spaces: inout RegisterSpaces) -> [ProcessValueSpec] {
        guard let items = node.sequence() else { return [] }
        if items.isEmpty { node.error("the process_values list is empty", expected: "at least one value, or remove the key") }
        var values: [ProcessValueSpec] = []
        for item in items {
            guard let map = item.mapping() else { continue }
            let name = map.required("name", expected: "a name such as zone3_temp")?.nonEmptyString()
            let table = map.optional("table")?.choice(RegisterTable.self) ?? spaces.profileTable
            let unit = map.optional("unit")?.nonEmptyString()
            let lslNode = map.optional("lsl")
            let lsl = lslNode?.double()
            let usl = map.optional("usl")?.double()
            let field = parseField(map, positionKey: "address", positionRange: addressRange, defaults: defaults)
            map.finish()
            guard let name, let field else { continue }
            if values.contains(where: { $0.name == name }) {
                map.errorAtKey("name", "duplicate process value '\(name)'", expected: "unique names")
                continue
            }
            guard field.type.isNumeric, field.enumMap == nil else {
                item.error("process value '\(name)' must be a number", expected: "a numeric type (u16 … f64, bits) without enum")
                continue
            }
            if let lsl, let usl, lsl >= usl {
                lslNode?.error("lsl \(InterchangeJSON.number(lsl)) is not below usl \(InterchangeJSON.number(usl))",
                               expected: "lsl < usl")
                continue
            }
            guard checkPlacement(name, field, table: table, addressRange: addressRange, at: item) else { continue }
            spaces.add(name, field.registers, table: table, at: item)
            values.append(ProcessValueSpec(name: name, table: table, field: field, unit: unit, lsl: lsl, usl: usl))
        }
        return values
    }
}

extension ConfigParser {
    /// A value must end inside the address space, and a bit table (coils, discrete inputs) holds only
    /// single bits: one `u16` or `bits` field per address.
    fileprivate func checkPlacement(_ name: String, _ field: FieldSpec, table: RegisterTable, addressRange: ClosedRange<Int>,
                                    at node: ConfigNode) -> Bool {
        if field.registers.upperBound - 1 > addressRange.upperBound {
            node.error("'\(name)' (\(field.type), \(field.type.width) registers from \(field.register)) runs past the last address \(addressRange.upperBound)",
                       expected: "a lower address")
            return false
        }
        if table == .coils || table == .discrete {
            switch field.type {
            case .u16, .bits(_, 1): return true
            default:
                node.error("'\(name)' is read from \(table.rawValue), which hold single bits, not \(field.type) values",
                           expected: "type u16 or a one-bit bits field, or table: holding or input")
                return false
            }
        }
        return true
    }
}

/// The overlap checks of a profile's absolute addresses, one address space per register table.
struct RegisterSpaces {
    let profileTable: RegisterTable
    private var layouts: [RegisterTable: RegisterLayout] = [:]

    init(profileTable: RegisterTable) {
        self.profileTable = profileTable
    }

    subscript(table: RegisterTable) -> RegisterLayout {
        get { layouts[table] ?? RegisterLayout(blockName: "the \(table.rawValue) registers", bounds: nil) }
        set { layouts[table] = newValue }
    }

    mutating func add(_ label: String, _ registers: Range<Int>, table: RegisterTable, at node: ConfigNode) {
        self[table].add(label, registers, at: node)
    }
}
