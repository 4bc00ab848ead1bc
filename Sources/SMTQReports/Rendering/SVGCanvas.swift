import Foundation

/// A small SVG writer for the report pictures (control charts, Pareto, capability). Hand-written because
/// no listed package draws charts; it only appends elements with escaped text and fixed-precision numbers.
struct SVGCanvas {
    let width: Double
    let height: Double
    private(set) var body: [String] = []

    init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func number(_ value: Double) -> String {
        String(format: "%.2f", value)
    }

    /// A text's estimated width in pixels (Helvetica averages about 0.6 em a character in labels like these).
    static func textWidth(_ text: String, size: Double) -> Double {
        Double(text.count) * size * 0.6
    }

    mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String, width: Double = 1, dash: String? = nil) {
        body.append("<line x1=\"\(Self.number(x1))\" y1=\"\(Self.number(y1))\" x2=\"\(Self.number(x2))\" y2=\"\(Self.number(y2))\" "
            + "stroke=\"\(stroke)\" stroke-width=\"\(width)\"\(dash.map { " stroke-dasharray=\"\($0)\"" } ?? "")/>")
    }

    mutating func polyline(_ points: [(Double, Double)], stroke: String, width: Double = 1, dash: String? = nil, cssClass: String? = nil) {
        guard points.count > 1 else { return }
        let list = points.map { "\(Self.number($0.0)),\(Self.number($0.1))" }.joined(separator: " ")
        body.append("<polyline points=\"\(list)\" fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"\(width)\""
            + "\(dash.map { " stroke-dasharray=\"\($0)\"" } ?? "")\(cssClass.map { " class=\"\($0)\"" } ?? "")/>")
    }

    mutating func polygon(_ points: [(Double, Double)], fill: String) {
        guard points.count > 2 else { return }
        let list = points.map { "\(Self.number($0.0)),\(Self.number($0.1))" }.joined(separator: " ")
        body.append("<polygon points=\"\(list)\" fill=\"\(fill)\" stroke=\"none\"/>")
    }

    mutating func rect(_ x: Double, _ y: Double, _ width: Double, _ height: Double, fill: String, title: String? = nil) {
        let shape = "<rect x=\"\(Self.number(x))\" y=\"\(Self.number(y))\" width=\"\(Self.number(max(0, width)))\" "
            + "height=\"\(Self.number(max(0, height)))\" fill=\"\(fill)\""
        body.append(title.map { shape + "><title>\(Self.escape($0))</title></rect>" } ?? shape + "/>")
    }

    mutating func circle(_ x: Double, _ y: Double, radius: Double, fill: String, title: String? = nil, cssClass: String? = nil) {
        let shape = "<circle cx=\"\(Self.number(x))\" cy=\"\(Self.number(y))\" r=\"\(Self.number(radius))\" fill=\"\(fill)\""
            + (cssClass.map { " class=\"\($0)\"" } ?? "")
        body.append(title.map { shape + "><title>\(Self.escape($0))</title></circle>" } ?? shape + "/>")
    }

    /// An unfilled circle (a marker around a point), with a tooltip.
    mutating func ring(_ x: Double, _ y: Double, radius: Double, stroke: String, title: String? = nil) {
        let shape = "<circle cx=\"\(Self.number(x))\" cy=\"\(Self.number(y))\" r=\"\(Self.number(radius))\" fill=\"none\" "
            + "stroke=\"\(stroke)\" stroke-width=\"2\" class=\"alert\""
        body.append(title.map { shape + "><title>\(Self.escape($0))</title></circle>" } ?? shape + "/>")
    }

    mutating func text(_ x: Double, _ y: Double, _ content: String, size: Double = 11, anchor: String = "start",
                       weight: String? = nil, fill: String = "#222", rotate: Bool = false) {
        let transform = rotate ? " transform=\"rotate(-90 \(Self.number(x)) \(Self.number(y)))\"" : ""
        body.append("<text x=\"\(Self.number(x))\" y=\"\(Self.number(y))\" font-size=\"\(Self.number(size))\" text-anchor=\"\(anchor)\""
            + "\(weight.map { " font-weight=\"\($0)\"" } ?? "") fill=\"\(fill)\"\(transform)>\(Self.escape(content))</text>")
    }

    /// The document; `title` becomes the SVG's accessible name.
    func render(title: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Self.number(width)) \(Self.number(height))\" "
            + "width=\"\(Self.number(width))\" height=\"\(Self.number(height))\" role=\"img\" "
            + "font-family=\"Helvetica, Arial, sans-serif\">\n<title>\(Self.escape(title))</title>\n"
            + "<rect x=\"0\" y=\"0\" width=\"\(Self.number(width))\" height=\"\(Self.number(height))\" fill=\"#ffffff\"/>\n"
            + body.joined(separator: "\n") + "\n</svg>\n"
    }
}

/// Axis ticks at round numbers.
enum Ticks {
    static func nice(_ low: Double, _ high: Double, count: Int = 5) -> [Double] {
        guard high > low, low.isFinite, high.isFinite else { return [low] }
        let raw = (high - low) / Double(count)
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
        var ticks: [Double] = []
        guard step > 0 else { return [low] }
        var value = ceil(low / step) * step
        while value <= high + step * 1e-9 {
            ticks.append(abs(value) < step * 1e-9 ? 0 : value)
            value += step
        }
        return ticks
    }

    /// A tick label with as many decimals as the tick step needs.
    static func label(_ value: Double, step: Double) -> String {
        let decimals = max(0, Int(-floor(log10(step) + 1e-9)) + (step / pow(10, floor(log10(step))) == 2.5 ? 1 : 0))
        return String(format: "%.\(min(decimals, 10))f", value == 0 ? 0 : value)
    }

    /// A value label with five significant digits.
    static func label(_ value: Double) -> String {
        value == 0 ? "0" : String(format: "%.5g", value)
    }
}
