import Foundation

/// What the spool knows about one target of a post: the per-platform result of the multipost response.
public struct TargetRecord: Sendable, Hashable {
    /// Position in the manifest's `targets` list; with the post id it forms the idempotency key.
    public var index: Int
    public var platform: Platform
    public var account: String
    public var status: TargetStatus
    /// Attempts started so far.
    public var attempts: Int
    public var platformPostID: String?
    public var url: String?
    public var error: TargetError?
    public var publishedAt: Date?
    /// When the current attempt was recorded as in flight.
    public var sendingSince: Date?
    /// False while the current attempt has made only requests invisible to the public (uploads, containers).
    /// Recovery resumes such an interrupted attempt from its steps; once the request that makes the post
    /// public may have left, an interrupted attempt is UNKNOWN. True unless known otherwise, so a record
    /// that does not say is treated as possibly public.
    public var publicStepStarted: Bool
    /// When the next attempt is due, while `status == .retrying`.
    public var nextAttemptAt: Date?
    /// The delay chosen before `nextAttemptAt`, for the retry file.
    public var retryDelay: Double?
    /// Results of steps invisible to the public (uploads, containers), recorded as they complete so a
    /// retry or a restart continues from the last one.
    public var steps: [String: String]

    public init(index: Int, platform: Platform, account: String) {
        self.index = index
        self.platform = platform
        self.account = account
        self.status = .pending
        self.attempts = 0
        self.publicStepStarted = true
        self.steps = [:]
    }
}
