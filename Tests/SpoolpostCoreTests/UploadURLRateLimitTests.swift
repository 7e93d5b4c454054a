import Foundation
import SpoolpostCore
import Testing

private func at(_ seconds: Double) -> Date { Date(timeIntervalSince1970: 1_000_000 + seconds) }

@Suite struct UploadURLRateLimitTests {
    @Test func grantsUpToTheLimitThenRefusesUntilTheOldestLeaves() throws {
        let limit = UploadURLRateLimit(limit: 3, window: 60)
        var grants: [Date] = []
        for second in [0.0, 10, 20] {
            guard case .allowed(let kept) = limit.decide(previous: grants, now: at(second)) else {
                Issue.record("grant at \(second) refused")
                return
            }
            grants = kept
        }
        #expect(grants == [at(0), at(10), at(20)])
        #expect(limit.decide(previous: grants, now: at(30)) == .refused(retryAfter: 30))
        // At 60 s the first grant has left the window.
        #expect(limit.decide(previous: grants, now: at(60)) == .allowed(grants: [at(10), at(20), at(60)]))
    }

    @Test func forgetsGrantsOutsideTheWindowAndSortsTheRest() {
        let limit = UploadURLRateLimit(limit: 2, window: 100)
        let decision = limit.decide(previous: [at(150), at(0), at(-500)], now: at(200))
        #expect(decision == .allowed(grants: [at(150), at(200)]))
    }

    @Test func retryAfterCountsFromTheGrantThatMustLeave() {
        let limit = UploadURLRateLimit(limit: 2, window: 100)
        // Four grants in the window (the limit was lowered): two must leave before a fifth fits.
        let previous = [at(10), at(20), at(30), at(40)]
        #expect(limit.decide(previous: previous, now: at(50)) == .refused(retryAfter: 80))
    }

    @Test func aClockMovedBackStillCountsLaterGrants() {
        let limit = UploadURLRateLimit(limit: 1, window: 60)
        #expect(limit.decide(previous: [at(100)], now: at(40)) == .refused(retryAfter: 120))
    }

    @Test(arguments: [
        ("60/hour", UploadURLRateLimit(limit: 60, window: 3600)),
        ("5/minute", UploadURLRateLimit(limit: 5, window: 60)),
        ("1000/day", UploadURLRateLimit(limit: 1000, window: 86_400)),
        ("10/15m", UploadURLRateLimit(limit: 10, window: 900)),
        (" 2 / second ", UploadURLRateLimit(limit: 2, window: 1)),
        ("3/h", UploadURLRateLimit(limit: 3, window: 3600)),
    ])
    func parsesRates(text: String, expected: UploadURLRateLimit) {
        #expect(UploadURLRateLimit.parse(text) == expected)
    }

    @Test(arguments: ["60", "0/hour", "-1/hour", "ten/hour", "5/fortnight", "5/0s", "5/hour/day", "/hour", "1.5/hour"])
    func refusesOtherText(text: String) {
        #expect(UploadURLRateLimit.parse(text) == nil)
    }

    @Test func describesItselfInTheParsedForm() {
        #expect(UploadURLRateLimit.standard.description == "60/hour")
        #expect(UploadURLRateLimit(limit: 10, window: 900).description == "10/900s")
        #expect(UploadURLRateLimit.parse(UploadURLRateLimit(limit: 10, window: 900).description)?.window == 900)
    }
}
