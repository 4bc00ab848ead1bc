/// `smtq chart --format table|csv`: one row per point (or the capability indices).
public enum ChartTable {
    public static func rows(_ result: ChartResult) -> (header: [String], rows: [[String]]) {
        func number(_ value: Double?) -> String { value.map { String(format6($0)) } ?? "" }
        switch result {
        case let .attribute(_, series), let .ewma(_, series):
            return (["index", "value", "center", "lcl", "ucl", "signals"], series.points.map {
                [String($0.index), number($0.value), number($0.center), number($0.lcl), number($0.ucl), $0.signals.joined(separator: " ")]
            })
        case let .subgroups(_, _, xbar, spread), let .imr(_, xbar, spread):
            return (["index", "value", "center", "lcl", "ucl", "signals", "spread", "spread_center", "spread_lcl", "spread_ucl", "spread_signals"],
                    zip(xbar.points, spread.points).map { a, b in
                        [String(a.index), number(a.value), number(a.center), number(a.lcl), number(a.ucl), a.signals.joined(separator: " "),
                         number(b.value), number(b.center), number(b.lcl), number(b.ucl), b.signals.joined(separator: " ")]
                    })
        case let .cusum(_, _, _, _, points):
            return (["index", "x", "cplus", "cminus", "signals"], points.map {
                [String($0.index), number($0.x), number($0.cplus), number($0.cminus), $0.signals.joined(separator: " ")]
            })
        case let .capability(c):
            return (["n", "mean", "sigma_within", "sigma_overall", "cp", "cpk", "pp", "ppk", "within_method"],
                    [[String(c.n), number(c.mean), number(c.sigmaWithin), number(c.sigmaOverall), number(c.cp), number(c.cpk),
                      number(c.pp), number(c.ppk), c.withinMethod]])
        }
    }

    /// The table's columns for a chart type, without computing one (an empty report).
    public static func header(_ type: String) -> [String] {
        switch type {
        case "xbar-r", "xbar-s", "imr":
            return ["index", "value", "center", "lcl", "ucl", "signals", "spread", "spread_center", "spread_lcl", "spread_ucl", "spread_signals"]
        case "cusum": return ["index", "x", "cplus", "cminus", "signals"]
        default: return ["index", "value", "center", "lcl", "ucl", "signals"]
        }
    }

    public static func csv(_ result: ChartResult) -> String {
        let (header, rows) = rows(result)
        return ([header] + rows).map { $0.joined(separator: ",") }.joined(separator: "\n") + "\n"
    }

    public static func text(_ result: ChartResult) -> String {
        let (header, rows) = rows(result)
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        return ([header] + rows).map { row in
            row.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters()
        }.joined(separator: "\n") + "\n"
    }

    /// Six significant decimals for reading; JSON carries full precision.
    static func format6(_ value: Double) -> String {
        let scaled = (value * 1_000_000).rounded() / 1_000_000
        return scaled == scaled.rounded() && abs(scaled) < 1e15 ? String(Int64(scaled)) : "\(scaled)"
    }
}
