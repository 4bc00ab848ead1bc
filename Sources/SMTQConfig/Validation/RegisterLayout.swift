/// Checks that the fields of one register block neither overlap nor run past the block.
struct RegisterLayout {
    private struct Entry {
        var label: String
        var registers: Range<Int>
        var node: ConfigNode
    }

    /// What sets the end of the block, which decides what a field past it is told to change.
    enum Limit {
        /// The block's length (the record block): make the block longer or move the field.
        case length
        /// A repeated group's `stride` (one defects or measurements slot): raise `stride` or move the field.
        case stride
    }

    /// What the registers are called in messages, e.g. "the record block" or "one defects slot".
    let blockName: String
    /// The registers the block has; `nil` for an address space without a fixed size.
    let bounds: Range<Int>?
    let limit: Limit
    /// How a register number is shown (absolute addresses are shown as written in the profile).
    var show: (Int) -> String = { String($0) }
    private var entries: [Entry] = []

    init(blockName: String, bounds: Range<Int>?, limit: Limit = .length) {
        self.blockName = blockName
        self.bounds = bounds
        self.limit = limit
    }

    private func describe(_ range: Range<Int>) -> String {
        range.count == 1 ? "register \(show(range.lowerBound))"
            : "registers \(show(range.lowerBound))–\(show(range.upperBound - 1))"
    }

    /// Adds a field, reporting at its node when it runs past the block or overlaps one added before.
    mutating func add(_ label: String, _ registers: Range<Int>, at node: ConfigNode) {
        if let bounds, !registers.isEmpty, registers.lowerBound < bounds.lowerBound || registers.upperBound > bounds.upperBound {
            switch limit {
            case .length:
                node.error("'\(label)' (\(describe(registers))) runs past the end of \(blockName) (\(describe(bounds)))",
                           expected: "fields inside the block; make the block longer or move the field")
            case .stride:
                node.error("'\(label)' (\(describe(registers))) runs past the stride of \(blockName) (\(describe(bounds)))",
                           expected: "fields inside the slot; raise 'stride' or move the field")
            }
            return
        }
        if let other = entries.first(where: { $0.registers.overlaps(registers) }) {
            node.error("'\(label)' (\(describe(registers))) overlaps '\(other.label)' (\(describe(other.registers)))",
                       expected: "fields that do not share registers")
            return
        }
        entries.append(Entry(label: label, registers: registers, node: node))
    }
}
