/// `smtq chart --format json`: the output schema of `Tests/Reference/README.md`, numbers in full precision.
public enum ChartJSON {
    public static func render(_ result: ChartResult) -> String {
        switch result {
        case let .attribute(type, series):
            return object([("chart", string(type)), ("center", number(series.center)), ("sigma", "null"),
                           ("points", points(series.points))])
        case let .subgroups(type, sigma, xbar, spread):
            return object([("chart", string(type)), ("sigma", number(sigma)), ("xbar", sub(xbar)),
                           (type == "xbar-r" ? "range" : "stdev", sub(spread))])
        case let .imr(sigma, individuals, movingRange):
            return object([("chart", string("imr")), ("sigma", number(sigma)), ("individuals", sub(individuals)),
                           ("moving_range", sub(movingRange))])
        case let .ewma(sigma, series):
            return object([("chart", string("ewma")), ("center", number(series.center)), ("sigma", number(sigma)),
                           ("points", points(series.points))])
        case let .cusum(k, h, target, sigma, values):
            let list = values.map { point in
                object([("index", String(point.index)), ("x", number(point.x)), ("cplus", number(point.cplus)),
                        ("cminus", number(point.cminus)), ("signals", strings(point.signals))])
            }
            return object([("chart", string("cusum")), ("k", number(k)), ("h", number(h)), ("target", number(target)),
                           ("sigma", number(sigma)), ("points", "[" + list.joined(separator: ", ") + "]")])
        case let .capability(result):
            return object([("chart", string("capability")), ("n", String(result.n)), ("mean", number(result.mean)),
                           ("sigma_within", number(result.sigmaWithin)), ("sigma_overall", number(result.sigmaOverall)),
                           ("cp", number(result.cp)), ("cpk", number(result.cpk)), ("pp", number(result.pp)),
                           ("ppk", number(result.ppk)), ("lsl", number(result.lsl)), ("usl", number(result.usl)),
                           ("within_method", string(result.withinMethod))])
        }
    }

    private static func sub(_ series: ChartSeries) -> String {
        object([("center", number(series.center)), ("sigma", series.sigma.map(number) ?? "null"), ("points", points(series.points))])
    }

    private static func points(_ points: [ChartPoint]) -> String {
        "[" + points.map { point in
            var fields = [("index", String(point.index))]
            if let x = point.x { fields.append(("x", number(x))) }
            fields += [("value", point.value.map(number) ?? "null"), ("center", number(point.center)), ("ucl", number(point.ucl)),
                       ("lcl", number(point.lcl)), ("signals", strings(point.signals))]
            return object(fields)
        }.joined(separator: ", ") + "]"
    }

    private static func object(_ fields: [(String, String)]) -> String {
        "{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}"
    }

    private static func strings(_ values: [String]) -> String {
        "[" + values.map(string).joined(separator: ", ") + "]"
    }

    private static func string(_ text: String) -> String { "\"\(text)\"" }

    /// The shortest text that reads back as the same Double (never NaN or infinity: those are refused earlier).
    static func number(_ value: Double) -> String { value.isFinite ? "\(value)" : "null" }
}

/// The `smtq chart` CSV input: a header row, then one subgroup or observation per row.
public enum ChartCSV {
    public static func parse(_ text: String) throws(ChartError) -> ChartInput {
        var lines = text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map { $0.trimmingCharacters() }
        lines.removeAll { $0.isEmpty }
        guard let headerLine = lines.first else { throw ChartError("the input is empty (a header row is expected)") }
        let header = headerLine.split(separator: ",").map { $0.trimmingCharacters() }
        var rows: [[Double]] = []
        for (offset, line) in lines.dropFirst().enumerated() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters() }
            guard fields.count == header.count else {
                throw ChartError("line \(offset + 2): \(fields.count) values, the header has \(header.count)")
            }
            var row: [Double] = []
            for field in fields {
                guard let value = Double(field), value.isFinite else {
                    throw ChartError("line \(offset + 2): '\(field)' is not a number")
                }
                row.append(value)
            }
            rows.append(row)
        }
        return ChartInput(header: header, rows: rows)
    }
}

extension StringProtocol {
    func trimmingCharacters() -> String {
        String(self.drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed().drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed())
    }
}
