import Foundation
import SMTQCore

/// A target a ratio is held to (DESIGN.md's performance targets).
enum Target: Sendable {
    /// The ratio must not exceed this (a cost next to its limit).
    case atMost(Double)
    /// The ratio must reach at least this (a speed-up or a share).
    case atLeast(Double)
    /// The ratio must stay below this (strictly: "below").
    case below(Double)
    /// The ratio must exceed this (strictly: "faster than").
    case above(Double)

    func isMet(by value: Double) -> Bool {
        switch self {
        case let .atMost(limit): value <= limit
        case let .atLeast(limit): value >= limit
        case let .below(limit): value < limit
        case let .above(limit): value > limit
        }
    }

    func text(_ unit: String) -> String {
        switch self {
        case let .atMost(limit): "≤ \(Figures.format(limit))\(unit)"
        case let .atLeast(limit): "≥ \(Figures.format(limit))\(unit)"
        case let .below(limit): "< \(Figures.format(limit))\(unit)"
        case let .above(limit): "> \(Figures.format(limit))\(unit)"
        }
    }
}

/// One measured figure: printed as `name: value unit` the moment it is known, and kept for `all`'s table.
struct Figure: Sendable {
    var name: String
    var value: Double
    var unit: String
    var note: String
}

/// A figure set against its peer or limit: `name: value× …` with the target and whether it was met.
struct Ratio: Sendable {
    var name: String
    var value: Double
    var unit: String
    var target: Target?
    var comparison: String
    /// A figure held to an absolute limit (a share of a core, megabytes) rather than to a peer in the same run.
    var isLimit = false

    var isMet: Bool? { target.map { $0.isMet(by: value) } }

    /// `ratio NAME: VALUE (target …: met)` or `limit …`, as printed when measured and in the summary.
    var line: String {
        let verdict = target.map { " (target \($0.text(unit)): \(isMet == true ? "met" : "MISSED"))" } ?? ""
        return "\(isLimit ? "limit" : "ratio") \(name): \(Figures.format(value))\(unit)\(verdict)"
    }
}

/// The figures and ratios of this run, in the order they were measured. Benchmarks record into it as they go,
/// so each one also prints machine-readable lines when run on its own.
enum Figures {
    private static let store = Locked<(figures: [Figure], ratios: [Ratio])>(([], []))

    static var figures: [Figure] { store.withLock { $0.figures } }
    static var ratios: [Ratio] { store.withLock { $0.ratios } }

    /// Records and prints `name: value unit`.
    static func record(_ name: String, _ value: Double, _ unit: String, note: String = "") {
        store.withLock { $0.figures.append(Figure(name: name, value: value, unit: unit, note: note)) }
        print("\(name): \(format(value)) \(unit)" + (note.isEmpty ? "" : "  (\(note))"))
    }

    /// Records and prints a ratio line, e.g. `ratio polling.1dev.smtq/c: 1.04× (target ≤ 1.1×: met)`.
    @discardableResult
    static func ratio(_ name: String, _ value: Double, unit: String = "×", target: Target?, comparison: String) -> Ratio {
        add(Ratio(name: name, value: value, unit: unit, target: target, comparison: comparison))
    }

    /// Records and prints a figure held to an absolute limit, e.g. `limit daemon.100dev.cpu: 0.8 % (target ≤ 2 %: met)`.
    @discardableResult
    static func limit(_ name: String, _ value: Double, unit: String, target: Target, comparison: String) -> Ratio {
        add(Ratio(name: name, value: value, unit: unit, target: target, comparison: comparison, isLimit: true))
    }

    private static func add(_ ratio: Ratio) -> Ratio {
        store.withLock { $0.ratios.append(ratio) }
        print("\(ratio.line)  [\(ratio.comparison)]")
        return ratio
    }

    /// Three significant digits, thousands grouped, no exponent: 0.0123, 1.07, 21.3, 48,493.
    static func format(_ value: Double) -> String {
        guard value.isFinite else { return "n/a" }
        let magnitude = abs(value)
        let digits = magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : magnitude >= 1 ? 2 : magnitude >= 0.1 ? 3 : 4
        if digits == 0 {
            let rounded = Int(value.rounded())
            let text = String(abs(rounded))
            var grouped = ""
            for (index, character) in text.enumerated() {
                if index > 0, (text.count - index) % 3 == 0 { grouped.append(",") }
                grouped.append(character)
            }
            return (rounded < 0 ? "-" : "") + grouped
        }
        return String(format: "%.\(digits)f", value)
    }
}
