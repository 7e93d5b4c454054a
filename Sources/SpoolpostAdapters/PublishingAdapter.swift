public import SpoolpostCore

/// What an adapter is asked to publish: one target of one post.
public struct PublishRequest: Sendable {
    public var postID: String
    public var target: PostTarget
    /// The text for this target (its own, or the manifest's default).
    public var text: String?
    /// The post's media, uploaded and signed for fetching where the storage does that.
    public var media: [PreparedMedia]
    /// 1 for the first attempt.
    public var attempt: Int
    /// Steps earlier attempts recorded (upload sessions, container ids, ...), to continue from.
    public var steps: [String: String]
    /// The spool's media folder, where options naming a file (a YouTube `thumbnail`) are resolved; nil when
    /// the caller has none.
    public var mediaRoot: String?
    /// Stable across attempts and restarts: `<post id>:<target index>`.
    public var idempotencyKey: String { "\(postID):\(target.index)" }

    public init(
        postID: String, target: PostTarget, text: String?, media: [PreparedMedia], attempt: Int,
        steps: [String: String] = [:], mediaRoot: String? = nil
    ) {
        self.postID = postID
        self.target = target
        self.text = text
        self.media = media
        self.attempt = attempt
        self.steps = steps
        self.mediaRoot = mediaRoot
    }
}

/// How one attempt ended.
public enum PublishOutcome: Sendable, Hashable {
    /// The network accepted the post.
    case published(platformPostID: String?, url: String?)
    /// The attempt failed; the error says whether retrying can help. An error with code
    /// `UNKNOWN_OUTCOME` means the request may have been acted on and must not be repeated automatically.
    case failed(SpoolpostError)
}

/// Publishes to one account of one network. One adapter file per network; its endpoints, error
/// classification and limits live there and nowhere else.
public protocol PublishingAdapter: Sendable {
    var platform: Platform { get }
    /// The account name from the config.
    var account: String { get }
    /// True when an attempt's first request may already make the post public (one request per post, as a
    /// webhook). Adapters with invisible steps first (uploads, containers) return false and call
    /// ``PublishProgress/beginPublicStep()`` just before the request that publishes.
    var publicStepIsFirstRequest: Bool { get }
    /// Sends one attempt. Never throws: every failure is classified into an outcome.
    func publish(_ request: PublishRequest, progress: PublishProgress) async -> PublishOutcome
    /// The network's rules for one target (text length, media counts and kinds, required fields), checked
    /// when the manifest is validated, before anything is sent.
    func problems(with check: TargetCheck) -> [TargetProblem]
}

extension PublishingAdapter {
    public var publicStepIsFirstRequest: Bool { true }
    public func problems(with check: TargetCheck) -> [TargetProblem] { [] }
}
