import SMTQCore
import Testing

struct DurationTextTests {
    @Test(arguments: [
        ("500ms", Duration.milliseconds(500)), ("2s", .seconds(2)), ("1m30s", .seconds(90)), ("1h", .seconds(3600)),
        ("400d", .seconds(400 * 86_400)), ("2w", .seconds(14 * 86_400)), ("1.5s", .milliseconds(1500)),
        ("0s", .zero), (" 10m ", .seconds(600)), ("1h0m5s", .seconds(3605)),
    ])
    func parses(text: String, expected: Duration) {
        #expect(DurationText.parse(text) == expected)
    }

    @Test(arguments: ["", "5", "5 s", "5sec", "1s1h", "1h1h", "-5s", "s", "1..5s", "5parsecs", "1e9d"])
    func refuses(text: String) {
        #expect(DurationText.parse(text) == nil)
    }

    @Test func formats() {
        #expect(DurationText.format(.milliseconds(500)) == "500ms")
        #expect(DurationText.format(.seconds(5400)) == "1h30m")
        #expect(DurationText.format(.seconds(400 * 86_400)) == "400d")
        #expect(DurationText.format(.zero) == "0s")
        for milliseconds in [1, 999, 1000, 61_001, 3_600_000, 90_061_001] {
            let duration = Duration.milliseconds(milliseconds)
            #expect(DurationText.parse(DurationText.format(duration)) == duration)
        }
    }
}
