import Foundation

/// How many upload URLs one account may be given per window, as a sliding window over the earlier grants.
///
/// Written `60/hour` in the configuration: a count, `/`, and `second`, `minute`, `hour`, `day` or a duration
/// (`10/15m`).
public struct UploadURLRateLimit: Sendable, Hashable, CustomStringConvertible {
    /// The default: sixty upload URLs per account per hour.
    public static let standard = UploadURLRateLimit(limit: 60, window: 3600)

    /// Grants allowed within any `window`, at least 1.
    public var limit: Int
    /// Seconds, greater than zero.
    public var window: Double

    public init(limit: Int, window: Double) {
        self.limit = limit
        self.window = window
    }

    /// The outcome of asking for one more grant.
    public enum Decision: Sendable, Hashable {
        /// Granted: `grants` are the grants still inside the window, oldest first, ending with the new one;
        /// they are what to record.
        case allowed(grants: [Date])
        /// Refused: the next grant is possible in `retryAfter` seconds.
        case refused(retryAfter: Double)
    }

    /// Decides whether a grant at `now` fits, given the earlier grants (in any order).
    ///
    /// Grants older than the window are forgotten. A grant dated after `now` (the clock moved back) still counts,
    /// so turning the clock back does not reset the limit.
    public func decide(previous: [Date], now: Date) -> Decision {
        let inWindow = previous.filter { now.timeIntervalSince($0) < window }.sorted()
        if inWindow.count < limit {
            return .allowed(grants: inWindow + [now])
        }
        // The oldest grants must leave the window until only limit - 1 remain.
        let freeing = inWindow[inWindow.count - limit]
        let wait = freeing.timeIntervalSince(now) + window
        return .refused(retryAfter: max(wait, 0.001))
    }

    /// Parses `60/hour`, `5/minute`, `1000/day`, `10/15m`; nil for anything else or a zero count or window.
    public static func parse(_ text: String) -> UploadURLRateLimit? {
        let parts = text.trimmingASCIIWhitespace().split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        let countText = String(parts[0]).trimmingASCIIWhitespace()
        guard !countText.isEmpty, countText.allSatisfy({ $0.isASCII && $0.isNumber }), let limit = Int(countText),
            limit >= 1
        else { return nil }
        let windowText = String(parts[1]).trimmingASCIIWhitespace().lowercased()
        let window: Double
        switch windowText {
        case "s", "sec", "second": window = 1
        case "m", "min", "minute": window = 60
        case "h", "hour": window = 3600
        case "d", "day": window = 86_400
        default:
            guard let seconds = DurationParser.seconds(windowText), seconds > 0 else { return nil }
            window = seconds
        }
        return UploadURLRateLimit(limit: limit, window: window)
    }

    /// `60/hour`, `10/15m`: the form `parse` reads.
    public var description: String {
        switch window {
        case 1: "\(limit)/second"
        case 60: "\(limit)/minute"
        case 3600: "\(limit)/hour"
        case 86_400: "\(limit)/day"
        default: "\(limit)/\(HumanDuration.seconds(window))"
        }
    }
}
