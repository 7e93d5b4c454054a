import Foundation
import SpoolpostCore
import Testing

private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// An ISO-BMFF file start: an `ftyp` box with a major brand and compatible brands, then the next box.
private func ftyp(_ major: String, compatible: [String] = [], declaredSize: Int? = nil) -> [UInt8] {
    let size = declaredSize ?? (16 + 4 * compatible.count)
    var box: [UInt8] = [UInt8(size >> 24 & 0xFF), UInt8(size >> 16 & 0xFF), UInt8(size >> 8 & 0xFF), UInt8(size & 0xFF)]
    box += bytes("ftyp") + bytes(major) + [0, 0, 2, 0]
    for brand in compatible { box += bytes(brand) }
    return box + [0, 0, 0, 8] + bytes("free")
}

@Suite struct MediaSnifferTests {
    @Test func recognisesEachImageSignature() {
        #expect(MediaSniffer.detect([0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10] + bytes("JFIF")) == .jpeg)
        #expect(MediaSniffer.detect([0xFF, 0xD8, 0xFF, 0xE1] + bytes("Exif")) == .jpeg)
        #expect(MediaSniffer.detect([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13] + bytes("IHDR")) == .png)
        #expect(MediaSniffer.detect(bytes("GIF87a") + [1, 0, 1, 0]) == .gif)
        #expect(MediaSniffer.detect(bytes("GIF89a") + [1, 0, 1, 0]) == .gif)
        #expect(MediaSniffer.detect(bytes("RIFF") + [0x24, 0, 0, 0] + bytes("WEBPVP8 ")) == .webp)
    }

    @Test func videoBrandsDecideBetweenMP4AndMOV() {
        #expect(MediaSniffer.detect(ftyp("qt  ", compatible: ["qt  "])) == .mov)
        for brand in ["isom", "iso2", "mp41", "mp42", "avc1", "dash", "M4V "] {
            #expect(MediaSniffer.detect(ftyp(brand)) == .mp4, "\(brand)")
        }
        // An unknown major brand is decided by a known compatible brand.
        #expect(MediaSniffer.detect(ftyp("XAVC", compatible: ["XAVC", "mp42", "iso2"])) == .mp4)
        #expect(MediaSniffer.detect(ftyp("abcd", compatible: ["qt  "])) == .mov)
        // A box size of 0 means "to the end of the file".
        #expect(MediaSniffer.detect(ftyp("zzzz", compatible: ["isom"], declaredSize: 0)) == .mp4)
    }

    @Test func otherContentIsRefused() {
        // HEIC and AVIF share the ftyp box but are not accepted formats.
        #expect(MediaSniffer.detect(ftyp("heic", compatible: ["mif1", "heic"])) == nil)
        #expect(MediaSniffer.detect(ftyp("avif", compatible: ["avif", "mif1"])) == nil)
        // A brand named only after the ftyp box ends does not count.
        #expect(MediaSniffer.detect(ftyp("heic", compatible: [], declaredSize: 16) + bytes("isom")) == nil)
        #expect(MediaSniffer.detect(bytes("RIFF") + [0x24, 0, 0, 0] + bytes("WAVEfmt ")) == nil)
        #expect(MediaSniffer.detect(bytes("%PDF-1.7\n")) == nil)
        #expect(MediaSniffer.detect(bytes("<svg xmlns=")) == nil)
        #expect(MediaSniffer.detect(bytes("GIF90a")) == nil)
        #expect(MediaSniffer.detect([0xFF, 0xD8]) == nil)
        #expect(MediaSniffer.detect([UInt8]()) == nil)
        #expect(MediaSniffer.detect(bytes("RIFF")) == nil)
        #expect(MediaSniffer.detect([0, 0, 0, 8] + bytes("ftyp")) == nil)
    }

    @Test func typesCarryKindMIMEAndExtension() {
        #expect(MediaType.jpeg.kind == .image && MediaType.jpeg.mimeType == "image/jpeg")
        #expect(MediaType.jpeg.fileExtension == "jpg")
        #expect(MediaType.webp.mimeType == "image/webp" && MediaType.webp.kind == .image)
        #expect(MediaType.mov.mimeType == "video/quicktime" && MediaType.mov.kind == .video)
        #expect(MediaType.mp4.fileExtension == "mp4")
        for type in MediaType.allCases {
            #expect(MediaType(mimeType: type.mimeType) == type)
            #expect(MediaType(fileName: "x.\(type.fileExtension)") == type)
        }
        #expect(MediaType(mimeType: "IMAGE/JPG; charset=binary") == .jpeg)
        #expect(MediaType(mimeType: "image/heic") == nil)
        #expect(MediaType(fileName: "clip.M4V") == .mp4)
        #expect(MediaType(fileName: "archive.tar.gz") == nil)
        #expect(MediaType(fileName: "noextension") == nil)
        #expect(MediaType(fileName: "dir.png/file") == nil)
    }

    @Test func limitsPerKind() {
        let limits = MediaLimits()
        #expect(limits.maxBytes(for: .image) == 8 << 20)
        #expect(limits.maxBytes(for: .video) == 1 << 30)
        #expect(limits.problem(size: 8 << 20, kind: .image) == nil)
        let problem = limits.problem(size: (8 << 20) + 1, kind: .image)
        #expect(problem == "8388609 bytes is over the 8 MiB limit for images (media.max_image_size)")
        #expect(limits.problem(size: 9 << 20, kind: .video) == nil)
    }
}
