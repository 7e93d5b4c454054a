/// The smallest bytes each media type is recognised by: what `spoolpost plan` puts behind a `url:` or `gcs:`
/// item it must not fetch, so the networks' simulators can go through their steps. Never published.
public enum MediaStandIn {
    public static func bytes(for type: MediaType) -> [UInt8] {
        switch type {
        case .jpeg:
            // SOI, a JFIF APP0 segment, EOI.
            return [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10] + Array("JFIF".utf8)
                + [0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0xFF, 0xD9]
        case .png:
            // Signature and an IEND chunk with its CRC.
            return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0] + Array("IEND".utf8)
                + [0xAE, 0x42, 0x60, 0x82]
        case .gif:
            return Array("GIF89a".utf8) + [0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x3B]
        case .webp:
            return Array("RIFF".utf8) + [0x04, 0x00, 0x00, 0x00] + Array("WEBP".utf8)
        case .mp4:
            return [0x00, 0x00, 0x00, 0x18] + Array("ftypisom".utf8) + [0x00, 0x00, 0x02, 0x00]
                + Array("isommp41".utf8)
        case .mov:
            return [0x00, 0x00, 0x00, 0x14] + Array("ftypqt  ".utf8) + [0x00, 0x00, 0x00, 0x00] + Array("qt  ".utf8)
        }
    }
}
