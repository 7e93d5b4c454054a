extension SpoolNames {
    /// The manifest's extension, `.yaml`, `.yml` or `.json` (empty for other names).
    public static func extensionPart(of name: String) -> String {
        manifestExtensions.first { name.hasSuffix($0) } ?? ""
    }

    /// A sidecar's stem and kind ("status" or "retry"), or nil for any other name.
    public static func sidecar(_ name: String) -> (stem: String, kind: String)? {
        guard !isIgnored(name) else { return nil }
        if name.hasSuffix(statusSuffix), name.count > statusSuffix.count {
            return (String(name.dropLast(statusSuffix.count)), "status")
        }
        if name.hasSuffix(retrySuffix), name.count > retrySuffix.count {
            return (String(name.dropLast(retrySuffix.count)), "retry")
        }
        return nil
    }
}

extension SpoolNames {
    /// The stem of a manifest name, or the whole name when it has no manifest extension.
    public static func manifestStem(of name: String) -> String { stem(of: name) ?? name }
}
