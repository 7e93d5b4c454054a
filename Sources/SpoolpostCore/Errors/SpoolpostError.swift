/// An error as a value: a stable code, a message a person can act on, and whether trying again can help.
///
/// Messages never contain secrets (tokens, keys, signatures); adapters redact before building one.
public struct SpoolpostError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable, machine-readable category, written to status files as `code`.
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The manifest is not valid; the message lists every problem.
        public static let invalidManifest = Code("INVALID_MANIFEST")
        /// The configuration is not valid.
        public static let invalidConfig = Code("INVALID_CONFIG")
        /// The network refused the request because of its rate limit.
        public static let rateLimit = Code("RATE_LIMIT")
        /// The network failed on its side (5xx) or is unavailable.
        public static let serverError = Code("SERVER_ERROR")
        /// The request did not complete in time.
        public static let timeout = Code("TIMEOUT")
        /// No connection could be made, or it broke before a request was sent.
        public static let connection = Code("CONNECTION_ERROR")
        /// The network rejected the content (other 4xx).
        public static let rejected = Code("REJECTED")
        /// The credentials were refused, and refreshing them did not help.
        public static let authExpired = Code("AUTH_EXPIRED")
        /// Permission denied by the network.
        public static let forbidden = Code("FORBIDDEN")
        /// Something referenced does not exist.
        public static let notFound = Code("NOT_FOUND")
        /// The request may or may not have been acted on; a person must check.
        public static let unknownOutcome = Code("UNKNOWN_OUTCOME")
        /// A person cancelled the post.
        public static let cancelled = Code("CANCELLED")
        /// Reading or writing local files failed.
        public static let io = Code("IO_ERROR")
        /// Anything the daemon did not expect; a bug report is welcome.
        public static let internalError = Code("INTERNAL_ERROR")
    }

    public var code: Code
    /// What went wrong and what to do about it.
    public var message: String
    /// Whether an automatic retry can succeed.
    public var isRetryable: Bool
    /// Seconds the network asked us to wait before trying again, when it said so.
    public var retryAfter: Double?
    /// The network's own error code (for example Graph API `190/463`), when there is one.
    public var platformCode: String?

    public init(
        _ code: Code,
        _ message: String,
        retryable: Bool = false,
        retryAfter: Double? = nil,
        platformCode: String? = nil
    ) {
        self.code = code
        self.message = message
        self.isRetryable = retryable
        self.retryAfter = retryAfter
        self.platformCode = platformCode
    }

    public var description: String { "\(code): \(message)" }
}
