/// Where a resumable upload stands, as the session's last answer said.
public enum ResumableUploadProgress: Sendable, Hashable {
    /// The service holds the first `persistedBytes` bytes (308 Resume Incomplete); send from that offset on.
    case incomplete(persistedBytes: Int64)
    /// Every byte arrived and the object exists (200 or 201).
    case complete
}
