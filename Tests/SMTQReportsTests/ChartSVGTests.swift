import Foundation
import SMTQReports
import SMTQStatistics
import Testing

/// A dense control chart stays legible: axis labels never overlap, rule labels keep their distance, and the
/// legend counts every signal point.
struct ChartSVGTests {
    /// A `<text>` element of the SVG.
    struct Text {
        var x: Double
        var y: Double
        var size: Double
        var anchor: String
        var fill: String
        var content: String

        var width: Double { Double(content.count) * size * 0.6 }
    }

    static func texts(_ svg: String) throws -> [Text] {
        let pattern = try NSRegularExpression(pattern: #"<text x="([-0-9.]+)" y="([-0-9.]+)" font-size="([0-9.]+)" text-anchor="([a-z]+)"[^>]* fill="([^"]+)"[^>]*>([^<]*)</text>"#)
        return pattern.matches(in: svg, range: NSRange(svg.startIndex..., in: svg)).map { match in
            func group(_ index: Int) -> String { String(svg[Range(match.range(at: index), in: svg)!]) }
            return Text(x: Double(group(1))!, y: Double(group(2))!, size: Double(group(3))!, anchor: group(4), fill: group(5),
                        content: group(6))
        }
    }

    /// 300 individuals, one a minute from 08:00Z: in control for 60 points, then shifted by 2.5σ and later
    /// see-sawing, so that most points signal.
    static func chart() throws -> ChartResult {
        var options = ChartOptions()
        options.target = 10
        options.sigma = 1
        var seed: UInt64 = 42
        func noise() -> Double {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(seed >> 11) / Double(1 << 53) - 0.5
        }
        let values = (0..<300).map { index -> Double in
            switch index {
            case ..<60: 10 + noise()
            case ..<200: 12.5 + noise()
            default: 10 + (index % 2 == 0 ? 3.5 : -3.5) + noise() * 0.2
            }
        }
        return try Charts.compute("imr", ChartInput(header: ["value"], rows: values.map { [$0] }), options)
    }

    static let start: Int64 = 1_795_507_200_000_000  // 2026-11-24T08:00:00Z

    /// Labels in one row (the same baseline) never overlap, and time labels keep 70 pixels between centres.
    static func checkAxis(_ texts: [Text]) {
        let axis = texts.filter { $0.size == 10 && $0.anchor == "middle" && ($0.fill == "#222" || $0.fill == "#555") }
        for row in Dictionary(grouping: axis, by: \.y).values {
            let sorted = row.sorted { $0.x < $1.x }
            for (a, b) in zip(sorted, sorted.dropFirst()) {
                #expect(b.x - a.x >= (a.width + b.width) / 2 + 4, "'\(a.content)' at \(a.x) and '\(b.content)' at \(b.x)")
                if a.content.wholeMatch(of: /\d\d:\d\d/) != nil { #expect(b.x - a.x >= 70) }
            }
        }
    }

    @Test func aDenseIMRChartHasLegibleTimeAxesAndSignals() throws {
        let result = try Self.chart()
        let times = (0..<300).map { Self.start + Int64($0) * 60_000_000 }
        let svg = ChartSVG.render(result, title: "dense", labels: times.map { "subgroup at \($0)" }, times: times,
                                  timeZone: TimeZone(identifier: "Europe/Berlin")!)
        #expect(!svg.contains("style"))
        let texts = try Self.texts(svg)
        Self.checkAxis(texts)
        let clockLabels = texts.filter { $0.content.wholeMatch(of: /\d\d:\d\d/) != nil }
        #expect(clockLabels.count >= 8, "two panels of 4 to 10 time ticks: \(clockLabels.map(\.content))")
        #expect(texts.filter { $0.content == "2026-11-24" }.count == 2, "the date once per panel")
        #expect(texts.contains { $0.content == "09:00" } && texts.contains { $0.content == "Subgroup start (Europe/Berlin)" })

        let signalLabels = texts.filter { $0.fill == "#d32f2f" && $0.size == 9 }
        #expect(signalLabels.count >= 20)
        for (offset, a) in signalLabels.enumerated() {
            for b in signalLabels[(offset + 1)...] where abs(a.y - b.y) < 11 {
                #expect(abs(a.x - b.x) >= 22, "'\(a.content)' at \(a.x),\(a.y) and '\(b.content)' at \(b.x),\(b.y)")
            }
        }
        // The legend counts signal points by rule: nothing is lost to the labels left out.
        guard case let .imr(_, individuals, movingRange) = result else { Issue.record("not an I-MR chart"); return }
        let legends = texts.filter { $0.content.hasPrefix("signals: ") }.map(\.content)
        #expect(legends.count == [individuals, movingRange].filter { $0.points.contains { !$0.signals.isEmpty } }.count)
        let nelson1 = individuals.points.filter { $0.signals.contains("nelson1") }.count
        #expect(nelson1 > 50)
        #expect(legends.first?.contains("N1 ×\(nelson1)") == true, "\(legends)")
        #expect(svg.components(separatedBy: "class=\"signal\"").count - 1
            == (individuals.points + movingRange.points).filter { !$0.signals.isEmpty }.count)
        #expect(svg.contains("<title>subgroup at \(times[0]): "), "the labels stay the tooltips")
    }

    @Test func withoutTimesTheIndexAxisIsThinnedByLabelWidth() throws {
        let result = try Self.chart()
        for labels in [nil, (0..<300).map { "2026-11-24 08:\(String(format: "%02d", $0 % 60)) early" }] {
            let texts = try Self.texts(ChartSVG.render(result, title: "dense", labels: labels))
            Self.checkAxis(texts)
            let ticks = texts.filter { $0.size == 10 && $0.anchor == "middle" && $0.y == 273 }
            #expect(ticks.count >= 4, "\(ticks.map(\.content))")
            #expect(texts.contains { $0.content == (labels == nil ? "Sample" : "Subgroup") })
        }
    }
}
