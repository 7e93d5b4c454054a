import Foundation
import SpoolpostCore
import Testing

/// `RetryAfter.httpDate` hands out-of-range fields to `Calendar.date(from:)`, which normalises them instead of
/// refusing them, so a malformed date becomes some other date (day 32 of November is 2 December).
@Suite struct RetryAfterDateValidationTests {
    static let now = Date(timeIntervalSince1970: 784_111_777)  // Sun, 06 Nov 1994 08:49:37 GMT

    @Test
    func anHTTPDateWithOutOfRangeFieldsIsNotADelay() {
        for value in [
            "Sun, 32 Nov 1994 08:49:37 GMT", "Sun, 00 Nov 1994 08:49:37 GMT", "Sun, 31 Feb 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 25:00:00 GMT", "Sun, 06 Nov 1994 08:61:00 GMT", "Sun, 06 Nov 1994 08:49:99 GMT",
        ] {
            #expect(RetryAfter.seconds(from: value, now: Self.now) == nil, "'\(value)'")
        }
    }
}
