/// A deterministic plan of injected failures: no probabilities, so tests can say exactly which request fails.
///
/// Each rule counts the requests whose path starts with its `pathPrefix` (and whose method matches, when given),
/// from the moment the plan is installed. A rule fires for matching requests number `skip + 1` through
/// `skip + count`. Rules count independently; when several fire for one request, the first in `rules` wins.
public struct SandboxFaults: Sendable {
    public var rules: [SandboxFaultRule]

    public init(_ rules: [SandboxFaultRule] = []) {
        self.rules = rules
    }

    /// No injected failures.
    public static let none = SandboxFaults()
}

/// One line of a `SandboxFaults` plan.
public struct SandboxFaultRule: Sendable {
    /// Requests whose path starts with this (for example `/webhook/` or `/webhook/alice`) are counted.
    public var pathPrefix: String
    /// Only requests with this method (upper case, e.g. `POST`) are counted; nil counts every method.
    public var method: String?
    /// Matching requests let through untouched before the rule starts firing.
    public var skip: Int
    /// How many matching requests, after the skipped ones, get the fault (`Int.max`: every one).
    public var count: Int
    public var action: SandboxFaultAction

    public init(pathPrefix: String, method: String? = nil, skip: Int = 0, count: Int, action: SandboxFaultAction) {
        self.pathPrefix = pathPrefix
        self.method = method
        self.skip = skip
        self.count = count
        self.action = action
    }
}

/// What happens to a request a fault rule fires for.
public enum SandboxFaultAction: Sendable, Equatable {
    /// Answer with this status and a JSON error body instead of handling the request. For 429 and 503 a
    /// `Retry-After` header carries `retryAfterSeconds` (default 1 when nil); other statuses carry it only when set.
    case status(Int, retryAfterSeconds: Int? = nil)
    /// Wait this many seconds, then handle the request normally: a slow or hanging receiver.
    case delay(seconds: Double)
    /// Hold the request this many seconds without handling it, then break the connection as `breakConnection`
    /// does: a receiver that never answers. Held longer than the client's timeout, the client times out first.
    case timeout(seconds: Double)
    /// Break the connection in the middle of the answer so the client sees a transport error, not a status.
    ///
    /// Hummingbird's public API cannot close a connection before writing a response head, so the head goes out
    /// (chunked, no body) and the connection is closed before the body ends. With `afterHandling` the request is
    /// handled first (the post IS stored, the answer is lost: the ambiguous case idempotency keys exist for);
    /// without it the request is dropped unhandled (nothing is stored).
    case breakConnection(afterHandling: Bool)

    /// 429 Too Many Requests with `Retry-After`.
    public static func rateLimited(retryAfterSeconds: Int = 1) -> Self {
        .status(429, retryAfterSeconds: retryAfterSeconds)
    }

    /// 503 Service Unavailable with `Retry-After`.
    public static func unavailable(retryAfterSeconds: Int = 1) -> Self {
        .status(503, retryAfterSeconds: retryAfterSeconds)
    }

    /// 500 Internal Server Error.
    public static let serverError = Self.status(500)
}
