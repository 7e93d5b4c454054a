/// What a network's rules look at when a manifest is validated: one target, its effective text and the
/// post's media as far as they are known before anything is sent.
public struct TargetCheck: Sendable {
    public var manifest: Manifest
    public var target: PostTarget
    /// The MIME type of each media item, in manifest order: from the content's leading bytes for `file:`
    /// items, from the multipost `type` or the name for others; nil when unknown until it is fetched.
    public var mediaTypes: [String?]
    /// The files in spool/media/ that the target's options name (a YouTube `thumbnail`), by option name.
    public var files: [String: OptionFile]

    public init(manifest: Manifest, target: PostTarget, mediaTypes: [String?], files: [String: OptionFile] = [:]) {
        self.manifest = manifest
        self.target = target
        self.mediaTypes = mediaTypes
        self.files = files
    }

    /// The text this target publishes: its own, or the manifest's.
    public var text: String? { manifest.text(for: target) }
    public var media: [MediaReference] { manifest.media }

    public var imageCount: Int { mediaTypes.filter { $0.map(Self.isStillImage) ?? false }.count }
    public var videoCount: Int { mediaTypes.filter { $0?.hasPrefix("video/") ?? false }.count }
    public var gifCount: Int { mediaTypes.filter { $0 == "image/gif" }.count }

    /// Images other than GIFs, which most networks treat as animations.
    static func isStillImage(_ mime: String) -> Bool { mime.hasPrefix("image/") && mime != "image/gif" }
}

/// A file in spool/media/ that a target option names (not a media item of the post), as the caller read it.
public struct OptionFile: Sendable, Hashable {
    /// Relative to spool/media/.
    public var path: String
    /// From the content's leading bytes; nil when it is none of the recognised formats or cannot be read.
    public var mimeType: String?
    /// Nil when it cannot be read.
    public var size: Int64?

    public init(path: String, mimeType: String?, size: Int64?) {
        self.path = path
        self.mimeType = mimeType
        self.size = size
    }
}

/// A problem a network's rules find with one target; reported with the line and column of `field`.
public struct TargetProblem: Sendable, Hashable {
    /// The target's field the problem is about (`text`, `media`, `title`, ...), or nil for the target itself.
    public var field: String?
    public var message: String

    public init(field: String?, _ message: String) {
        self.field = field
        self.message = message
    }
}
