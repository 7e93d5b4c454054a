import Foundation
import SpoolpostCore
import Testing

@Suite struct TimeRFC3339Tests {
    @Test func parsesOffsetsAndFractions() throws {
        let utc = try #require(RFC3339.parse("2026-12-01T08:00:00Z"))
        #expect(utc.timeIntervalSince1970 == 1_796_112_000)
        #expect(RFC3339.parse("2026-12-01T09:00:00+01:00") == utc)
        #expect(RFC3339.parse("2026-12-01T03:30:00-04:30") == utc)
        #expect(RFC3339.parse("2026-12-01t08:00:00z") == utc)
        #expect(RFC3339.parse("2026-12-01 08:00:00Z") == utc)
        let fractional = try #require(RFC3339.parse("2026-12-01T08:00:00.250Z"))
        #expect(fractional.timeIntervalSince(utc) == 0.25)
        #expect(RFC3339.parse("1969-12-31T23:59:59Z")?.timeIntervalSince1970 == -1)
        #expect(RFC3339.parse("2024-02-29T00:00:00Z") != nil)
    }

    @Test(arguments: [
        "2026-12-01T08:00:00", "2026-12-01", "2026-12-01T08:00Z", "2026-13-01T08:00:00Z", "2026-02-29T08:00:00Z",
        "2026-12-01T24:00:00Z", "2026-12-01T08:60:00Z", "2026-12-01T08:00:00+1:00", "2026-12-01T08:00:00+24:00",
        "2026-12-01T08:00:00.Z", "2026-12-01T08:00:00Z ", "tomorrow", "",
    ])
    func rejectsMalformedOrOffsetless(_ text: String) {
        #expect(RFC3339.parse(text) == nil)
    }

    @Test func formatsUTCWithMilliseconds() {
        #expect(RFC3339.format(Date(timeIntervalSince1970: 1_796_112_000)) == "2026-12-01T08:00:00.000Z")
        #expect(RFC3339.format(Date(timeIntervalSince1970: 1_796_112_000.1234)) == "2026-12-01T08:00:00.123Z")
        #expect(RFC3339.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(RFC3339.format(Date(timeIntervalSince1970: -0.5)) == "1969-12-31T23:59:59.500Z")
        #expect(RFC3339.format(Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29T00:00:00.000Z")
    }

    @Test func formatThenParseRoundTrips() throws {
        for seconds in stride(from: -2_000_000_000.0, through: 4_000_000_000.0, by: 123_456_789.125) {
            let date = Date(timeIntervalSince1970: seconds)
            let parsed = try #require(RFC3339.parse(RFC3339.format(date)))
            #expect(abs(parsed.timeIntervalSince(date)) < 0.0005)
        }
    }
}

@Suite struct TimeDurationTests {
    @Test(arguments: [
        ("90", 90.0), ("2s", 2), ("500ms", 0.5), ("5m", 300), ("1h", 3600), ("1d", 86_400), ("365d", 31_536_000),
        ("1h30m", 5400), ("1.5s", 1.5), (" 10m ", 600), ("0", 0), ("1d2h3m4s5ms", 93_784.005),
    ])
    func parses(_ text: String, _ seconds: Double) throws {
        let parsed = try #require(DurationParser.seconds(text))
        #expect(abs(parsed - seconds) < 1e-9)
    }

    @Test(arguments: ["", "s", "-5s", "5x", "1h30", "1.s", "5 m", "ms", "1..5s", "two"])
    func rejects(_ text: String) {
        #expect(DurationParser.seconds(text) == nil)
    }
}

@Suite struct TimeScheduleTests {
    @Test func offsetTimesNeedNoZone() throws {
        let date = try ScheduleTime.resolve("2026-12-01T09:00:00+01:00", timeZone: nil).get()
        #expect(RFC3339.format(date) == "2026-12-01T08:00:00.000Z")
        let short = try ScheduleTime.resolve("2026-12-01 09:00Z", timeZone: "Europe/Paris").get()
        #expect(RFC3339.format(short) == "2026-12-01T09:00:00.000Z")
    }

    @Test func localTimesUseTheZone() throws {
        let winter = try ScheduleTime.resolve("2026-12-01T09:00:00", timeZone: "Europe/Paris").get()
        #expect(RFC3339.format(winter) == "2026-12-01T08:00:00.000Z")
        let summer = try ScheduleTime.resolve("2026-07-01 09:00", timeZone: "Europe/Paris").get()
        #expect(RFC3339.format(summer) == "2026-07-01T07:00:00.000Z")
        let newYork = try ScheduleTime.resolve("2026-07-01T09:00:00.5", timeZone: "America/New_York").get()
        #expect(RFC3339.format(newYork) == "2026-07-01T13:00:00.500Z")
    }

    @Test func refusesSilentUTC() {
        guard case .failure(let error) = ScheduleTime.resolve("2026-12-01T09:00:00", timeZone: nil) else {
            Issue.record("a local time without a zone must fail")
            return
        }
        #expect(error == .missingTimeZone(text: "2026-12-01T09:00:00"))
        #expect(error.message.contains("not silently taken as UTC"))
        #expect(error.message.contains("timezone:"))
        #expect(error.message.contains("2026-12-01T09:00:00+01:00"))
    }

    @Test func reportsDaylightSavingGap() {
        // Paris skips 02:00-03:00 on 2026-03-29.
        let result = ScheduleTime.resolve("2026-03-29T02:30:00", timeZone: "Europe/Paris")
        #expect(result == .failure(.nonexistentLocalTime(text: "2026-03-29T02:30:00", timeZone: "Europe/Paris")))
        if case .failure(let error) = result {
            #expect(error.message.contains("does not exist in Europe/Paris"))
        }
    }

    @Test func repeatedLocalTimeTakesTheFirstOccurrence() throws {
        // Paris repeats 02:00-03:00 on 2026-10-25; the first 02:30 is still summer time (+02:00).
        let date = try ScheduleTime.resolve("2026-10-25T02:30:00", timeZone: "Europe/Paris").get()
        #expect(RFC3339.format(date) == "2026-10-25T00:30:00.000Z")
    }

    @Test func reportsUnknownZoneAndSyntax() {
        #expect(
            ScheduleTime.resolve("2026-12-01T09:00:00", timeZone: "Mars/Olympus")
                == .failure(.unknownTimeZone(name: "Mars/Olympus")))
        #expect(ScheduleTime.resolve("next tuesday", timeZone: "UTC") == .failure(.syntax(text: "next tuesday")))
        let badOffset = "2026-12-01T09:00:00+5"
        #expect(ScheduleTime.resolve(badOffset, timeZone: nil) == .failure(.syntax(text: badOffset)))
        let badDay = "2026-02-30 09:00"
        #expect(ScheduleTime.resolve(badDay, timeZone: "UTC") == .failure(.syntax(text: badDay)))
    }
}
