import Foundation
import SpoolpostCore
import Testing

@Suite struct RetryAfterTests {
    /// Sun, 06 Nov 1994 08:49:37 GMT, the example date of RFC 9110.
    static let exampleDate = Date(timeIntervalSince1970: 784_111_777)

    @Test func delaySecondsAreReadAsSeconds() {
        let now = Self.exampleDate
        #expect(RetryAfter.seconds(from: "120", now: now) == 120)
        #expect(RetryAfter.seconds(from: "0", now: now) == 0)
        #expect(RetryAfter.seconds(from: " 7 ", now: now) == 7)
        #expect(RetryAfter.seconds(from: "86400", now: now) == 86_400)
    }

    @Test func anHTTPDateIsTheTimeLeftUntilIt() {
        let date = "Sun, 06 Nov 1994 08:49:37 GMT"
        #expect(RetryAfter.seconds(from: date, now: Self.exampleDate.addingTimeInterval(-90)) == 90)
        #expect(RetryAfter.seconds(from: date, now: Self.exampleDate.addingTimeInterval(-0.5)) == 0.5)
        #expect(RetryAfter.seconds(from: "  " + date, now: Self.exampleDate.addingTimeInterval(-1)) == 1)
        #expect(RetryAfter.seconds(from: "Tue, 01 Dec 2026 09:00:00 GMT", now: RFC3339.parse("2026-12-01T08:00:00Z")!) == 3600)
        #expect(RetryAfter.seconds(from: "Thu, 29 Feb 2024 23:59:59 GMT", now: RFC3339.parse("2024-02-29T23:59:00Z")!) == 59)
    }

    @Test func aDateInThePastMeansNoWait() {
        let date = "Sun, 06 Nov 1994 08:49:37 GMT"
        #expect(RetryAfter.seconds(from: date, now: Self.exampleDate) == 0)
        #expect(RetryAfter.seconds(from: date, now: Self.exampleDate.addingTimeInterval(3600)) == 0)
        #expect(RetryAfter.seconds(from: date, now: Date()) == 0)
    }

    @Test func garbageIsNotADelay() {
        let now = Self.exampleDate
        let garbage = [
            "", "   ", "soon", "-1", "-0.5", "inf", "-inf", "nan", "infinity", "1e400", "12 seconds",
            "Sun, 06 Nov 1994 08:49:37", "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 06 Nov 1994 08:49:37 PST",
            "Sun, 06 Foo 1994 08:49:37 GMT", "Sun, 06 nov 1994 08:49:37 GMT", "Sun, xx Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 94x 08:49:37 GMT", "Sun, 06 Nov 1994 08:49 GMT", "Sun, 06 Nov 1994 08:49:37:00 GMT",
            "Sun, 06 Nov 1994 aa:bb:cc GMT", "2026-12-01T09:00:00Z",
        ]
        for value in garbage {
            #expect(RetryAfter.seconds(from: value, now: now) == nil, "'\(value)'")
        }
    }
}
