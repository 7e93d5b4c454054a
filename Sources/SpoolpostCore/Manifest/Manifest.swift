import Foundation

/// Where a media item comes from, as the manifest names it.
public struct MediaReference: Sendable, Hashable {
    public enum Source: Sendable, Hashable {
        /// A path relative to `spool/media/`, already checked to stay inside it.
        case file(path: String)
        case gcs(bucket: String, object: String)
        /// An absolute http or https URL.
        case url(String)
    }

    public var source: Source
    public var alt: String?
    /// The multipost format's media `type` (`IMAGE`, `VIDEO`, `REEL`), upper-cased.
    public var kindHint: String?
    public var mark: SourceMark?

    public init(source: Source, alt: String? = nil, kindHint: String? = nil, mark: SourceMark? = nil) {
        self.source = source
        self.alt = alt
        self.kindHint = kindHint
        self.mark = mark
    }
}

/// One network account a post goes to.
public struct PostTarget: Sendable, Hashable {
    /// 0-based position in the manifest's targets list.
    public var index: Int
    public var platform: Platform
    /// The account's name in the configuration.
    public var account: String
    /// Text for this target only; overrides the manifest's text.
    public var text: String?
    /// Post type, lower-cased (`type:`, or the multipost `mediaType`).
    public var type: String?
    /// Every other accepted field (title, description, tags, page_id, ...), by snake_case key.
    public var options: [String: YAMLNode]

    public init(
        index: Int, platform: Platform, account: String, text: String? = nil, type: String? = nil,
        options: [String: YAMLNode] = [:]
    ) {
        self.index = index
        self.platform = platform
        self.account = account
        self.text = text
        self.type = type
        self.options = options
    }

    /// A scalar option's text, such as `title`.
    public func option(_ key: String) -> String? {
        guard let node = options[key], !node.isNull else { return nil }
        return node.scalar
    }
}

/// A validated post: what to publish, where, and when.
public struct Manifest: Sendable, Hashable {
    public var id: String
    /// The default text for every target.
    public var text: String?
    public var media: [MediaReference]
    /// The instant to publish at; nil publishes now.
    public var scheduleAt: Date?
    public var targets: [PostTarget]

    public init(id: String, text: String?, media: [MediaReference], scheduleAt: Date?, targets: [PostTarget]) {
        self.id = id
        self.text = text
        self.media = media
        self.scheduleAt = scheduleAt
        self.targets = targets
    }

    /// The text to publish on `target`: its own, else the manifest's.
    public func text(for target: PostTarget) -> String? {
        target.text ?? text
    }
}
