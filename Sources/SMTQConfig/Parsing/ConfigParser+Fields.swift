import SMTQCore

extension ConfigParser {
    /// One register field: `{register|address: N, type: T, length, bit, bits, word_order, string_byte_order,
    /// scale, offset, enum}`. Keys are read from `map`, which the caller finishes.
    func parseField(_ map: MappingReader, positionKey: String, positionRange: ClosedRange<Int>,
                    defaults: FieldDefaults) -> FieldSpec? {
        let position = map.required(positionKey, expected: "the field's first register")?.int(positionRange)
        let typeNode = map.required("type", expected: "one of " + FieldType.names.joined(separator: ", "))
        let typeName = typeNode?.string()
        let lengthNode = map.optional("length")
        let bitNode = map.optional("bit")
        let bitsNode = map.optional("bits")
        var type: FieldType?
        switch typeName {
        case "u16": type = .u16
        case "i16": type = .i16
        case "u32": type = .u32
        case "i32": type = .i32
        case "u64": type = .u64
        case "i64": type = .i64
        case "f32": type = .f32
        case "f64": type = .f64
        case "string":
            if let lengthNode {
                type = lengthNode.int(1...125, expected: "the string's length in registers, 1 to 125").map { .string(length: $0) }
            } else {
                typeNode?.error("a string needs 'length'", expected: "length: registers (two characters each)")
            }
        case "bits":
            let first = bitNode.map { $0.int(0...15, expected: "the first bit, 0 (least significant) to 15") }
                ?? { typeNode?.error("a bit field needs 'bit'", expected: "bit: 0 to 15"); return nil }()
            let count = bitsNode?.int(1...16, expected: "how many bits, 1 to 16") ?? 1
            if let first {
                if first + count > 16 {
                    typeNode?.error("bits \(first)…\(first + count - 1) do not fit in a 16-bit register",
                                    expected: "bit + bits <= 16")
                } else {
                    type = .bits(first: first, count: count)
                }
            }
        case let name?:
            typeNode?.error("unknown type '\(name)'", expected: Suggestion.hint(for: name, in: FieldType.names))
        case nil:
            break
        }
        if let type {
            if case .string = type {} else if let lengthNode {
                lengthNode.error("'length' is only for strings", expected: "remove it, or use type: string")
            }
            if case .bits = type {} else {
                for node in [bitNode, bitsNode].compactMap({ $0 }) {
                    node.error("'\(node.path.description.split(separator: ".").last ?? "bit")' is only for bit fields",
                               expected: "remove it, or use type: bits")
                }
            }
        }
        let wordOrderNode = map.optional("word_order")
        let wordOrder = wordOrderNode?.choice(WordOrder.self) ?? defaults.wordOrder
        if let wordOrderNode, let type, type.width < 2 || !type.isNumeric {
            wordOrderNode.error("word_order has no effect on a \(type) field", expected: "word_order on 32- and 64-bit fields only")
        }
        let byteOrderNode = map.optional("string_byte_order")
        let byteOrder = byteOrderNode?.choice(StringByteOrder.self) ?? defaults.stringByteOrder
        if let byteOrderNode, let type, type.isNumeric {
            byteOrderNode.error("string_byte_order is only for strings", expected: "remove it")
        }
        let scaleNode = map.optional("scale")
        let scale = scaleNode?.double() ?? 1
        if let scaleNode, scale == 0 { scaleNode.error("scale must not be 0", expected: "a non-zero factor") }
        let offsetNode = map.optional("offset")
        let offset = offsetNode?.double() ?? 0
        let enumNode = map.optional("enum")
        let enumMap = enumNode.flatMap(parseEnumMap)
        if let type {
            if !type.isNumeric, scaleNode != nil || offsetNode != nil {
                (scaleNode ?? offsetNode)?.error("scale and offset are for numbers", expected: "remove them from a string field")
            }
            if let enumNode, !type.isInteger {
                enumNode.error("enum maps integers, not \(type) values", expected: "an integer type such as u16")
            }
            if let enumNode, scaleNode != nil || offsetNode != nil {
                enumNode.error("enum cannot be combined with scale or offset", expected: "one or the other")
            }
        }
        guard let position, let type else { return nil }
        return FieldSpec(register: position, type: type, wordOrder: wordOrder, stringByteOrder: byteOrder,
                         scale: scale, offset: offset, enumMap: enumMap, line: map.owner.line)
    }

    private func parseEnumMap(_ node: ConfigNode) -> [Int: String]? {
        guard let map = node.mapping() else { return nil }
        var result: [Int: String] = [:]
        for (key, _, valueNode) in map.entries() {
            if map.isQuoted(key: key) {
                map.errorAtKey(key, "enum key \"\(key)\" is quoted text",
                               expected: "unquoted whole numbers as keys, e.g. 0: pass; quoted numbers are text")
                continue
            }
            guard let raw = ConfigNode.wholeNumber(key) else {
                valueNode.error("enum key '\(key)' is not a whole number", expected: "raw register values as keys, e.g. 0: pass")
                continue
            }
            if let text = valueNode.nonEmptyString() { result[raw] = text }
        }
        if map.isEmpty { node.error("the enum map is empty", expected: "raw value: text pairs") }
        return result
    }
}
