/// Exponential backoff for retryable publishing failures.
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts in all, the first included.
    public var maxAttempts: Int
    /// Seconds before the second attempt; doubles for each later one.
    public var baseDelay: Double
    /// Seconds; the computed backoff never exceeds this.
    public var maxDelay: Double

    /// The longest Retry-After honoured, so that a bogus header cannot park a post for weeks.
    public static let retryAfterCap: Double = 86_400

    public init(maxAttempts: Int = 4, baseDelay: Double = 2, maxDelay: Double = 3600) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// Delay before attempt `attempt` (2...maxAttempts) after a retryable failure: base * 2^(attempt-2), capped at
    /// maxDelay; when the network sent Retry-After, the larger of the two (Retry-After itself is capped at 24 h).
    /// Attempt 1 and below have no delay.
    public func delay(beforeAttempt attempt: Int, retryAfter: Double?) -> Double {
        guard attempt >= 2 else { return 0 }
        // Past 2^62 the product overflows any sensible cap anyway.
        let exponent = min(attempt - 2, 62)
        let backoff = min(baseDelay * Double(1 << exponent), maxDelay)
        guard let retryAfter, retryAfter.isFinite, retryAfter > 0 else { return backoff }
        return max(backoff, min(retryAfter, Self.retryAfterCap))
    }

    /// Whether attempt number `attempt` (1-based) is within the budget.
    public func allowsAttempt(_ attempt: Int) -> Bool {
        attempt >= 1 && attempt <= maxAttempts
    }
}
