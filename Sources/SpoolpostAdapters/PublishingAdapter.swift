public import SpoolpostCore

/// What an adapter is asked to publish: one target of one post.
public struct PublishRequest: Sendable {
    public var postID: String
    public var target: PostTarget
    /// The text for this target (its own, or the manifest's default).
    public var text: String?
    public var media: [MediaReference]
    /// 1 for the first attempt.
    public var attempt: Int
    /// Stable across attempts and restarts: `<post id>:<target index>`.
    public var idempotencyKey: String { "\(postID):\(target.index)" }

    public init(postID: String, target: PostTarget, text: String?, media: [MediaReference], attempt: Int) {
        self.postID = postID
        self.target = target
        self.text = text
        self.media = media
        self.attempt = attempt
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
    /// Sends one attempt. Never throws: every failure is classified into an outcome.
    func publish(_ request: PublishRequest) async -> PublishOutcome
}
