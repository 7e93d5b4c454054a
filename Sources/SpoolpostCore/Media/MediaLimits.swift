/// The largest file spoolpost accepts for each media kind, checked before anything is uploaded or signed.
///
/// The defaults follow the strictest limit among the networks that take that kind in their publishing APIs,
/// so a file that passes here is not refused for its size by most of them:
/// - images, 8 MiB: Instagram's content publishing API takes JPEGs of at most 8 MB (X takes 5 MB, Facebook 10 MB
///   and LinkedIn about 36 MP; an X-only pipeline can lower it);
/// - videos, 1 GiB: Instagram Reels take at most 1 GB (X takes 512 MB, TikTok 4 GB, YouTube far more).
/// A network with a tighter limit still refuses a larger file at publish time; this check only stops files that
/// no network would take from being uploaded at all.
public struct MediaLimits: Sendable, Hashable {
    public static let defaultMaxImageBytes: Int64 = 8 << 20
    public static let defaultMaxVideoBytes: Int64 = 1 << 30

    /// `media.max_image_size`.
    public var maxImageBytes: Int64
    /// `media.max_video_size`.
    public var maxVideoBytes: Int64

    public init(maxImageBytes: Int64 = defaultMaxImageBytes, maxVideoBytes: Int64 = defaultMaxVideoBytes) {
        self.maxImageBytes = maxImageBytes
        self.maxVideoBytes = maxVideoBytes
    }

    public func maxBytes(for kind: MediaKind) -> Int64 {
        switch kind {
        case .image: maxImageBytes
        case .video: maxVideoBytes
        }
    }

    /// Nil when `size` bytes is allowed for `kind`; otherwise the problem, for a message.
    public func problem(size: Int64, kind: MediaKind) -> String? {
        let limit = maxBytes(for: kind)
        guard size > limit else { return nil }
        return "\(ByteSize.describe(size)) is over the \(ByteSize.describe(limit)) limit for \(kind.rawValue)s "
            + "(media.max_\(kind.rawValue)_size)"
    }
}
