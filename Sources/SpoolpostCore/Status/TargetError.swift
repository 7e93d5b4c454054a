/// The error recorded for a target, in the shape of the original document's error response.
public struct TargetError: Sendable, Hashable {
    public var code: String
    public var message: String
    public var retryable: Bool
    public var retryAfter: Double?
    public var platformCode: String?
    public var attempts: Int
    public var maxAttempts: Int

    public init(
        code: String, message: String, retryable: Bool, retryAfter: Double? = nil, platformCode: String? = nil,
        attempts: Int, maxAttempts: Int
    ) {
        self.code = code
        self.message = message
        self.retryable = retryable
        self.retryAfter = retryAfter
        self.platformCode = platformCode
        self.attempts = attempts
        self.maxAttempts = maxAttempts
    }

    public init(_ error: SpoolpostError, attempts: Int, maxAttempts: Int) {
        self.init(
            code: error.code.rawValue, message: error.message, retryable: error.isRetryable,
            retryAfter: error.retryAfter, platformCode: error.platformCode, attempts: attempts, maxAttempts: maxAttempts
        )
    }
}
