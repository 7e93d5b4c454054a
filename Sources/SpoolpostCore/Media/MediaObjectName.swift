import Foundation

/// The folder of the object layout an upload goes to: `media/{images|videos|reels}/...`.
public enum MediaCategory: String, Sendable, Hashable, CaseIterable {
    case images, videos, reels

    /// The folder for a file of `kind` when no post type says otherwise.
    public init(kind: MediaKind) {
        switch kind {
        case .image: self = .images
        case .video: self = .videos
        }
    }

    /// From an explicit type: `image`, `video` or `reel` (any case, as the multipost format's `IMAGE`/`VIDEO`/`REEL`,
    /// plural forms too); nil for anything else.
    public init?(typeName: String) {
        switch typeName.lowercased() {
        case "image", "images": self = .images
        case "video", "videos": self = .videos
        case "reel", "reels": self = .reels
        default: return nil
        }
    }

    /// The media kind the category holds: reels are videos.
    public var kind: MediaKind {
        switch self {
        case .images: .image
        case .videos, .reels: .video
        }
    }
}

/// Object names for uploaded media, in the original document's layout:
/// `media/{images|videos|reels}/{owner}/{timestamp}-{uuid}.{ext}` (Unix milliseconds, lowercase UUID).
///
/// Names are always built here, never taken from a manifest, so they cannot climb out of `media/` or collide.
public enum MediaObjectName {
    /// The folder every uploaded object lives under.
    public static let prefix = "media/"
    /// The owner used when sanitising leaves nothing usable.
    public static let fallbackOwner = "unknown"
    /// Longest owner segment kept; longer names are cut (object names are limited to 1024 bytes).
    public static let maximumOwnerLength = 64

    /// The object name for a file of `type`, owned by `owner`, uploaded at `date`.
    public static func make(
        category: MediaCategory, owner: String, type: MediaType, date: Date, uuid: UUID = UUID()
    ) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        return "\(prefix)\(category.rawValue)/\(sanitizedOwner(owner))/\(milliseconds)-"
            + "\(uuid.uuidString.lowercased()).\(type.fileExtension)"
    }

    /// `owner` as an object-name segment: lowercase ASCII letters, digits, `.`, `_` and `-` only (anything else
    /// becomes `-`), at most ``maximumOwnerLength`` characters, and never empty, `.` or `..`.
    public static func sanitizedOwner(_ owner: String) -> String {
        var output = ""
        for scalar in owner.unicodeScalars {
            guard output.count < maximumOwnerLength else { break }
            switch scalar {
            case "a"..."z", "0"..."9", ".", "_", "-":
                output.unicodeScalars.append(scalar)
            case "A"..."Z":
                output += String(scalar).lowercased()
            default:
                output += "-"
            }
        }
        // Only dots (".", "..", "...") would read as a relative path segment in a store that maps names to files.
        if output.isEmpty || output.allSatisfy({ $0 == "." }) { return fallbackOwner }
        return output
    }

    /// Whether `object` has the layout's shape; a quick check for names read back from status files.
    public static func isMediaObjectName(_ object: String) -> Bool {
        let parts = object.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "media", MediaCategory(rawValue: String(parts[1])) != nil else {
            return false
        }
        let owner = String(parts[2])
        return !owner.isEmpty && sanitizedOwner(owner) == owner && !parts[3].isEmpty && !parts[3].hasPrefix(".")
    }
}
