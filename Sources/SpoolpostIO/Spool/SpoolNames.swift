/// Naming rules for files in the spool: manifests, the daemon's sidecars, and names to ignore.
public enum SpoolNames {
    /// Extensions a manifest may have; the stem is the name without it.
    public static let manifestExtensions = [".yaml", ".yml", ".json"]
    /// Suffix of the status sidecar kept beside a manifest.
    public static let statusSuffix = ".status.yaml"
    /// Suffix of the retry sidecar kept beside a manifest.
    public static let retrySuffix = ".retry"
    /// Marker inside the names of the daemon's own temporary files (`.NAME.tmp-<pid>-<counter>`).
    static let temporaryMarker = ".tmp-"

    /// Whether `name` is a manifest: not ignored, not a sidecar, with a manifest extension and a non-empty stem.
    public static func isManifestName(_ name: String) -> Bool {
        if isIgnored(name) || isSidecarName(name) { return false }
        guard let stem = stem(of: name) else { return false }
        return !stem.isEmpty
    }

    /// Whether `name` is one of the daemon's sidecars (`<stem>.status.yaml` or `<stem>.retry`).
    public static func isSidecarName(_ name: String) -> Bool {
        (name.hasSuffix(statusSuffix) && name.count > statusSuffix.count)
            || (name.hasSuffix(retrySuffix) && name.count > retrySuffix.count)
    }

    /// The manifest name without its `.yaml`, `.yml` or `.json` extension; nil when it has none of them.
    public static func stem(of name: String) -> String? {
        for ext in manifestExtensions where name.hasSuffix(ext) {
            return String(name.dropLast(ext.count))
        }
        return nil
    }

    /// The status sidecar's name for a manifest stem: `<stem>.status.yaml`.
    public static func statusName(forStem stem: String) -> String { stem + statusSuffix }

    /// The retry sidecar's name for a manifest stem: `<stem>.retry`.
    public static func retryName(forStem stem: String) -> String { stem + retrySuffix }

    /// Whether a folder entry is never looked at: dotfiles (which covers rsync's `.NAME.XXXXXX` and our own
    /// temporary files), and editor or downloader leftovers `*.tmp`, `*.part`, `*~`, `*.swp`.
    public static func isIgnored(_ name: String) -> Bool {
        name.isEmpty || name.hasPrefix(".") || name.hasSuffix(".tmp") || name.hasSuffix(".part")
            || name.hasSuffix("~") || name.hasSuffix(".swp")
    }

    /// Whether `name` can name an entry directly inside a spool folder: one non-empty path component.
    public static func isValidEntryName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.utf8.contains(UInt8(ascii: "/"))
            && !name.utf8.contains(0) && name.utf8.count <= 255
    }

    /// Whether `name` has the shape of a temporary file this daemon (any process of it) created:
    /// `.NAME.tmp-<pid>-<counter>`.
    public static func isOwnTemporaryName(_ name: String) -> Bool {
        guard name.hasPrefix(".") else { return false }
        var rest = Substring(name)
        for _ in 0..<2 {
            guard let dash = rest.lastIndex(of: "-") else { return false }
            let digits = rest[rest.index(after: dash)...]
            guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return false }
            rest = rest[..<dash]
        }
        return rest.hasSuffix(".tmp") && rest.count > ".tmp".count
    }

    /// A temporary file name for `name`; the name part is shortened so the result stays within NAME_MAX.
    static func temporaryName(for name: String, pid: Int32, counter: UInt64) -> String {
        var kept = ""
        var bytes = 0
        for scalar in name.unicodeScalars {
            let size = String(scalar).utf8.count
            if bytes + size > 160 { break }
            kept.unicodeScalars.append(scalar)
            bytes += size
        }
        return ".\(kept)\(temporaryMarker)\(pid)-\(counter)"
    }
}
