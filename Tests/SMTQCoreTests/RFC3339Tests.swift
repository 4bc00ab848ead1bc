import Foundation
@testable import SMTQCore
import Testing

struct RFC3339Tests {
    @Test func knownInstants() {
        #expect(RFC3339.date(from: "1970-01-01T00:00:00Z") == Date(timeIntervalSince1970: 0))
        #expect(RFC3339.date(from: "2000-02-29T12:00:00Z") == Date(timeIntervalSince1970: 951_825_600))
        #expect(RFC3339.date(from: "2026-11-25T03:08:00Z") == Date(timeIntervalSince1970: 1_795_576_080))
        #expect(RFC3339.date(from: "2026-11-25T04:08:00+01:00") == Date(timeIntervalSince1970: 1_795_576_080))
        #expect(RFC3339.date(from: "2026-11-24T22:08:00-05:00") == Date(timeIntervalSince1970: 1_795_576_080))
        #expect(RFC3339.date(from: "1969-12-31T23:59:59Z") == Date(timeIntervalSince1970: -1))
    }

    @Test func refusals() {
        for text in ["", "2026-11-25", "2026-11-25T03:08:00", "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z",
                     "2026-11-25T24:00:00Z", "2026-11-25T03:60:00Z", "2026-11-25T03:08:00.Z", "2026-11-25T03:08:00Zjunk",
                     "2026-11-25T03:08:00+1:00", "２０２６-11-25T03:08:00Z"] {
            #expect(RFC3339.date(from: text) == nil, "\(text)")
        }
    }

    @Test("agrees with Foundation's ISO 8601 formatter on random instants")
    func againstFoundation() throws {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let millis = Int64.random(in: -2_000_000_000_000...4_000_000_000_000, using: &generator)
            let date = Date(timeIntervalSince1970: Double(millis) / 1000)
            let ours = RFC3339.string(from: date)
            let theirs = formatter.string(from: date)
            #expect(ours.prefix(19) == theirs.prefix(19), "\(ours) vs \(theirs)")
            let parsed = try #require(RFC3339.date(from: theirs))
            #expect(abs(parsed.timeIntervalSince(date)) < 0.0005)
            #expect(RFC3339.date(from: ours).map { abs($0.timeIntervalSince(date)) < 0.000_001 } == true)
        }
    }

    @Test func fractions() {
        #expect(RFC3339.string(from: Date(timeIntervalSince1970: 1.5)) == "1970-01-01T00:00:01.500Z")
        #expect(RFC3339.string(from: Date(timeIntervalSince1970: 1.000_25)) == "1970-01-01T00:00:01.000250Z")
        #expect(RFC3339.string(from: Date(timeIntervalSince1970: 59.999_999_9)) == "1970-01-01T00:01:00Z")
    }

    @Test("civil day conversion is its own inverse over 800 years")
    func civilRoundTrip() {
        for days in stride(from: -150_000, through: 150_000, by: 7) {
            let (year, month, day) = RFC3339.civilFromDays(days)
            #expect(RFC3339.daysFromCivil(year: year, month: month, day: day) == days)
        }
    }
}
