/// Decides a media file's type from its leading bytes alone; the name and any claimed MIME type are not trusted.
public enum MediaSniffer {
    /// How many leading bytes ``detect(_:)`` looks at; pass at least this many when the file is that long.
    public static let bytesNeeded = 64

    /// ISO-BMFF major or compatible brands that make a file MP4 (ISO base media, MPEG-4, H.264, DASH, iTunes video).
    static let mp4Brands: Set<String> = [
        "isom", "iso2", "iso3", "iso4", "iso5", "iso6", "iso7", "iso8", "iso9", "mp41", "mp42", "avc1", "dash",
        "M4V ", "M4VH", "M4VP", "mmp4", "MSNV", "f4v ",
    ]

    /// The type of the file whose first bytes are `prefix`, or nil when it is none of the accepted formats.
    public static func detect(_ prefix: some Collection<UInt8>) -> MediaType? {
        let bytes = Array(prefix.prefix(bytesNeeded))
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if bytes.starts(with: Array("GIF87a".utf8)) || bytes.starts(with: Array("GIF89a".utf8)) { return .gif }
        if bytes.count >= 12, bytes.starts(with: Array("RIFF".utf8)), Array(bytes[8..<12]) == Array("WEBP".utf8) {
            return .webp
        }
        return isoMediaType(bytes)
    }

    /// MP4 or MOV from an ISO base media `ftyp` box: the major brand first, then the compatible brands.
    private static func isoMediaType(_ bytes: [UInt8]) -> MediaType? {
        guard bytes.count >= 12, Array(bytes[4..<8]) == Array("ftyp".utf8) else { return nil }
        let boxSize = bytes[0..<4].reduce(0) { $0 << 8 | Int($1) }
        // The box holds size, "ftyp", major brand, minor version, then compatible brands four bytes each;
        // size 0 means "to the end of the file".
        guard boxSize >= 16 || boxSize == 0 else { return nil }
        func brand(at offset: Int) -> String? {
            guard offset + 4 <= bytes.count else { return nil }
            return String(decoding: bytes[offset..<offset + 4], as: UTF8.self)
        }
        var brands: [String] = brand(at: 8).map { [$0] } ?? []
        let end = boxSize == 0 ? bytes.count : min(boxSize, bytes.count)
        var offset = 16
        while offset + 4 <= end {
            if let compatible = brand(at: offset) { brands.append(compatible) }
            offset += 4
        }
        for candidate in brands {
            if candidate == "qt  " { return .mov }
            if mp4Brands.contains(candidate) { return .mp4 }
        }
        return nil
    }
}
