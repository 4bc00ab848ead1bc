import Foundation
import FoundationXML
import SMTQTestSupport
import Testing

/// `smtq report html` is one self-contained page whose charts render in a real browser (Debian's chromium,
/// headless; `scripts/bootstrap --tests` installs it).
struct HTMLReportTests {
    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// A screenshot of `page`; returns the PNG's size in bytes (a blank page compresses to almost nothing).
    func screenshot(_ page: String, folder: TemporaryFolder, name: String) throws -> Int {
        let browser = try #require(Self.chromium, "chromium is not installed: run scripts/bootstrap --tests")
        let png = folder.path("\(name).png")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: browser)
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1000,2600",
                             "--screenshot=\(png)", URL(fileURLWithPath: page).absoluteString]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.currentDirectoryURL = folder.url
        try process.run()
        process.waitUntilExit()
        let data = try Data(contentsOf: URL(fileURLWithPath: png))
        #expect(data.starts(with: [0x89, 0x50, 0x4E, 0x47]), "\(name): not a PNG")
        return data.count
    }

    @Test func theReportRendersItsChartsInChromium() throws {
        let folder = try TemporaryFolder("smtq-html")
        let config = try CLIFixtures.referenceDatabase(in: folder)
        let page = folder.path("report.html")
        let result = try BinaryRunner.run("smtq", ["report", "html", "--out", page, "--config", config])
        #expect(result.status == 0, "\(result.standardError)")
        let html = try String(contentsOfFile: page, encoding: .utf8)
        let loads = ["src=", "href=", "url(", "@import", "<link", "<script"].filter { html.contains($0) }
        #expect(loads.isEmpty, "the page must not load anything: \(loads)")
        #expect(html.contains("name=\"viewport\"") && html.contains("@media print"))
        #expect(html.contains("68.85%"), "RTY of the reference data")
        // Every inline SVG is well-formed XML.
        var svgs: [String] = []
        var rest = html[...]
        while let start = rest.range(of: "<svg "), let end = rest.range(of: "</svg>", range: start.upperBound..<rest.endIndex) {
            svgs.append(String(rest[start.lowerBound..<end.upperBound]))
            rest = rest[end.upperBound...]
        }
        #expect(svgs.count == 3, "the Pareto and the two configured charts")
        for svg in svgs {
            let document = try XMLDocument(xmlString: svg)
            #expect(document.rootElement()?.name == "svg")
        }
        // The page is not blank, and its charts add what a page without them lacks.
        let blank = folder.path("blank.html")
        try "<!DOCTYPE html><html><body></body></html>".write(toFile: blank, atomically: true, encoding: .utf8)
        var withoutCharts = html
        for svg in svgs { withoutCharts = withoutCharts.replacingOccurrences(of: svg, with: "") }
        let bare = folder.path("bare.html")
        try withoutCharts.write(toFile: bare, atomically: true, encoding: .utf8)
        let full = try screenshot(page, folder: folder, name: "report")
        let empty = try screenshot(blank, folder: folder, name: "blank")
        let noCharts = try screenshot(bare, folder: folder, name: "bare")
        #expect(full > 5 * empty, "report \(full) bytes, blank page \(empty) bytes")
        #expect(Double(full) > 1.3 * Double(noCharts), "report \(full) bytes, without its charts \(noCharts) bytes")
    }
}
