public import SpoolpostCore

/// A media item ready for a network: what it is and where the network (or the adapter) can fetch it.
public struct PreparedMedia: Sendable, Hashable {
    public var reference: MediaReference
    /// The MIME type, from the content's leading bytes (file items) or the store's metadata (gcs items).
    public var mimeType: String?
    public var size: Int64?
    /// A URL that serves the bytes: a signed GET URL for `file:` and `gcs:` items (valid for the storage's
    /// read expiry), the item's own URL for `url:` items. Networks that take media by URL get this.
    public var fetchURL: String?
    /// The `gs://` object behind `fetchURL`, when there is one.
    public var gcsPath: String?
    /// The local file of a `file:` item, for networks that take bytes.
    public var localPath: String?

    public init(
        reference: MediaReference, mimeType: String? = nil, size: Int64? = nil, fetchURL: String? = nil,
        gcsPath: String? = nil, localPath: String? = nil
    ) {
        self.reference = reference
        self.mimeType = mimeType
        self.size = size
        self.fetchURL = fetchURL
        self.gcsPath = gcsPath
        self.localPath = localPath
    }

    /// The item as the manifest gave it, before any storage step: `url:` items keep their URL.
    public init(unprepared reference: MediaReference) {
        self.init(reference: reference)
        if case .url(let url) = reference.source { fetchURL = url }
        if case .gcs(let bucket, let object) = reference.source { gcsPath = "gs://\(bucket)/\(object)" }
    }
}
