/// Where one target of a post stands.
public enum TargetStatus: String, Sendable, CaseIterable {
    /// Not attempted yet (or reset by `spoolpost retry`).
    case pending = "PENDING"
    /// A request is, or may be, in flight. Recorded durably before the request is sent.
    case sending = "SENDING"
    /// Waiting for its next attempt after a retryable failure.
    case retrying = "RETRYING"
    /// Published; never sent again.
    case success = "SUCCESS"
    /// Failed for good (permanent error or attempts exhausted).
    case failed = "FAILED"
    /// The daemon stopped while a request was in flight: it may or may not have been published.
    case unknown = "UNKNOWN"
    /// Taken out by a person before it was sent.
    case cancelled = "CANCELLED"

    /// True once nothing more will happen to the target without a person's action.
    public var isFinal: Bool {
        switch self {
        case .success, .failed, .unknown, .cancelled: return true
        case .pending, .sending, .retrying: return false
        }
    }
}

/// The overall status of a post, as in the original multipost response, plus the states before it.
public enum PostStatus: String, Sendable, CaseIterable {
    case scheduled = "SCHEDULED"
    case publishing = "PUBLISHING"
    case success = "SUCCESS"
    case partial = "PARTIAL"
    case failed = "FAILED"
    case cancelled = "CANCELLED"
    /// The manifest was rejected by validation; nothing was sent.
    case invalid = "INVALID"

    public var isFinal: Bool {
        switch self {
        case .success, .partial, .failed, .cancelled, .invalid: return true
        case .scheduled, .publishing: return false
        }
    }
}
