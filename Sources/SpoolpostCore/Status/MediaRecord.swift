import Foundation

/// Where an uploaded object stands, as in the original document's Media model.
public enum MediaUploadState: String, Sendable, Hashable, CaseIterable {
    /// An upload started; for a resumable one, `uploadSession` and `confirmedBytes` say how far it got.
    case uploading = "UPLOADING"
    /// The object is in the bucket, verified by its MD5.
    case uploaded = "UPLOADED"
    /// The upload failed permanently (the content or the bucket refused it).
    case failed = "FAILED"
    /// The object was deleted by cleanup after the retention period.
    case deleted = "DELETED"
}

/// What the spool knows about one `media:` item of a post: the object it was uploaded to (for `file:`
/// items), or the object that was checked (for `gcs:` items). Recorded in the status file as each step
/// completes, so a retried or restarted post never uploads twice.
public struct MediaRecord: Sendable, Hashable {
    /// Position in the manifest's `media` list.
    public var index: Int
    /// The manifest's reference, as written: `file:launch.jpg`, `gs://bucket/object`.
    public var source: String
    public var bucket: String?
    public var object: String?
    /// Nil for `gcs:` items: the object is not ours to upload or delete.
    public var state: MediaUploadState?
    /// `IMAGE`, `VIDEO` or `REEL`, as the object layout's folder says.
    public var fileType: String?
    public var size: Int64?
    public var mimeType: String?
    /// Base64 of the content's MD5, as GCS reports it in `x-goog-hash`.
    public var md5: String?
    /// A resumable upload's session URI while it is in progress. It grants upload access to this one object
    /// for a week, so it lives only here, never in logs.
    public var uploadSession: String?
    /// Bytes the store confirmed for a resumable upload.
    public var confirmedBytes: Int64?
    public var uploadedAt: Date?
    /// When cleanup deletes the object: the upload time plus the retention.
    public var expiresAt: Date?
    public var deletedAt: Date?

    public init(index: Int, source: String) {
        self.index = index
        self.source = source
    }

    /// The `gs://` path of the object, when there is one.
    public var gcsPath: String? {
        guard let bucket, let object else { return nil }
        return "gs://\(bucket)/\(object)"
    }
}
