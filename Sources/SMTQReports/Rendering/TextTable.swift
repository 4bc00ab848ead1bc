/// An aligned plain-text table for the terminal: numbers right-aligned, text left-aligned.
public enum TextTable {
    public static func render(header: [String], rows: [[String]]) -> String {
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        let numeric = header.indices.map { column in
            rows.allSatisfy { row in row[column].isEmpty || row[column] == "n/a" || Double(row[column].trimmingPercent) != nil }
        }
        return ([header] + rows).map { row in
            var line = ""
            for (column, field) in row.enumerated() {
                let pad = String(repeating: " ", count: widths[column] - field.count)
                line += column == 0 ? "" : "  "
                line += numeric[column] && !rows.isEmpty ? pad + field : field + pad
            }
            while line.hasSuffix(" ") { line.removeLast() }
            return line
        }.joined(separator: "\n") + "\n"
    }
}

extension String {
    fileprivate var trimmingPercent: String {
        var text = self
        if text.hasSuffix(" !") { text.removeLast(2) }
        if text.hasSuffix("%") { text.removeLast() }
        return text
    }
}
