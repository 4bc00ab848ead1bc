/// CSV rows as RFC 4180 writes them: fields with a comma, quote or line break are quoted, CRLF line ends.
public enum CSVText {
    public static func row(_ fields: [String?]) -> String {
        fields.map { field in
            guard let field else { return "" }
            if field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
                return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            }
            return field
        }.joined(separator: ",") + "\r\n"
    }
}
