/// Whether a media file is a still image or a moving one; limits and object folders follow from it.
public enum MediaKind: String, Sendable, Hashable, CaseIterable {
    case image
    case video
}

/// A media format spoolpost recognises by its content.
public enum MediaType: String, Sendable, Hashable, CaseIterable {
    case jpeg, png, gif, webp, mp4, mov

    public var kind: MediaKind {
        switch self {
        case .jpeg, .png, .gif, .webp: .image
        case .mp4, .mov: .video
        }
    }

    /// The Content-Type sent to the store and the networks.
    public var mimeType: String {
        switch self {
        case .jpeg: "image/jpeg"
        case .png: "image/png"
        case .gif: "image/gif"
        case .webp: "image/webp"
        case .mp4: "video/mp4"
        case .mov: "video/quicktime"
        }
    }

    /// The extension object names end in (without the dot).
    public var fileExtension: String {
        switch self {
        case .jpeg: "jpg"
        case .png: "png"
        case .gif: "gif"
        case .webp: "webp"
        case .mp4: "mp4"
        case .mov: "mov"
        }
    }

    /// The type a MIME type names (case and parameters such as `; charset=` ignored); `image/jpg` is accepted
    /// because browsers and pipelines still send it.
    public init?(mimeType: String) {
        let essence = mimeType.split(separator: ";", maxSplits: 1).first.map(String.init) ?? ""
        switch essence.trimmingASCIIWhitespace().lowercased() {
        case "image/jpeg", "image/jpg", "image/pjpeg": self = .jpeg
        case "image/png": self = .png
        case "image/gif": self = .gif
        case "image/webp": self = .webp
        case "video/mp4": self = .mp4
        case "video/quicktime": self = .mov
        default: return nil
        }
    }

    /// The type a file name's extension suggests; nil for an unknown or missing extension.
    ///
    /// Only a hint: a file's type is decided by its content (``MediaSniffer``).
    public init?(fileName: String) {
        guard let dot = fileName.lastIndex(of: "."), !fileName[dot...].contains("/") else { return nil }
        switch fileName[fileName.index(after: dot)...].lowercased() {
        case "jpg", "jpeg", "jpe", "jfif": self = .jpeg
        case "png": self = .png
        case "gif": self = .gif
        case "webp": self = .webp
        case "mp4", "m4v": self = .mp4
        case "mov", "qt": self = .mov
        default: return nil
        }
    }

    /// "JPEG, PNG, GIF, WebP, MP4 or MOV": the accepted formats, for messages.
    public static let acceptedList = "JPEG, PNG, GIF, WebP, MP4 or MOV"

    /// The accepted MIME types, for messages.
    public static var acceptedMIMETypes: String { allCases.map(\.mimeType).joined(separator: ", ") }

    /// The format's usual name ("JPEG", "WebP", "MOV").
    public var displayName: String {
        switch self {
        case .jpeg: "JPEG"
        case .png: "PNG"
        case .gif: "GIF"
        case .webp: "WebP"
        case .mp4: "MP4"
        case .mov: "MOV"
        }
    }
}
