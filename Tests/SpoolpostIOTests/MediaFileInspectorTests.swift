import Foundation
import Glibc
import SpoolpostCore
import SpoolpostIO
import Testing

/// A fresh temporary folder, removed when the test ends.
final class MediaTestFolder {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("spoolpost-media-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    @discardableResult
    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let file = "\(path)/\(name)"
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        return file
    }
}

private let pngHeader: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13] + Array("IHDR".utf8)
private let jpegHeader: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10] + Array("JFIF".utf8)
private let mp4Header: [UInt8] = [0, 0, 0, 24] + Array("ftypisom".utf8) + [0, 0, 2, 0] + Array("isomiso2".utf8)

@Suite struct MediaFileInspectorTests {
    @Test func typeComesFromTheContentNotTheExtension() throws {
        let folder = try MediaTestFolder()
        let file = try folder.write("photo.jpg", pngHeader + [UInt8](repeating: 7, count: 1000))
        let inspected = try MediaFileInspector.inspect(path: file, limits: MediaLimits())
        #expect(inspected.type == .png)
        #expect(inspected.size == Int64(pngHeader.count + 1000))
        #expect(inspected.path == file)
        let video = try folder.write("clip.bin", mp4Header + [UInt8](repeating: 0, count: 10))
        #expect(try MediaFileInspector.inspect(path: video, limits: MediaLimits()).type == .mp4)
    }

    @Test func unknownContentIsRefusedNamingTheFile() throws {
        let folder = try MediaTestFolder()
        let file = try folder.write("notes.png", Array("%PDF-1.7 hello".utf8))
        let error = try #require(throws: SpoolpostError.self) {
            try MediaFileInspector.inspect(path: file, limits: MediaLimits())
        }
        #expect(error.code == .invalidManifest)
        #expect(error.message.contains(file))
        #expect(error.message.contains("is not a JPEG, PNG, GIF, WebP, MP4 or MOV file"))
        #expect(error.message.contains("25 50 44 46"))
    }

    @Test func tooLargeForItsKind() throws {
        let folder = try MediaTestFolder()
        let file = try folder.write("big.jpg", jpegHeader + [UInt8](repeating: 1, count: 2048))
        let limits = MediaLimits(maxImageBytes: 1024, maxVideoBytes: 1 << 30)
        let error = try #require(throws: SpoolpostError.self) { try MediaFileInspector.inspect(path: file, limits: limits) }
        #expect(error.message.contains(file))
        #expect(error.message.contains("(JPEG)"))
        #expect(error.message.contains("over the 1 KiB limit for images"))
        // The same size is fine as a video limit: limits are per kind.
        #expect(try MediaFileInspector.inspect(path: file, limits: MediaLimits(maxImageBytes: 4096)).type == .jpeg)
    }

    @Test func missingEmptySymlinkAndFolderAreRefused() throws {
        let folder = try MediaTestFolder()
        let missing = try #require(throws: SpoolpostError.self) {
            try MediaFileInspector.inspect(path: "\(folder.path)/none.jpg", limits: MediaLimits())
        }
        #expect(missing.message.contains("does not exist"))
        let empty = try folder.write("empty.jpg", [])
        #expect(throws: SpoolpostError.self) { try MediaFileInspector.inspect(path: empty, limits: MediaLimits()) }
        let target = try folder.write("real.jpg", jpegHeader)
        #expect(symlink(target, "\(folder.path)/link.jpg") == 0)
        let link = try #require(throws: SpoolpostError.self) {
            try MediaFileInspector.inspect(path: "\(folder.path)/link.jpg", limits: MediaLimits())
        }
        #expect(link.message.contains("symlink"))
        #expect(mkdir("\(folder.path)/dir.jpg", 0o755) == 0)
        let directory = try #require(throws: SpoolpostError.self) {
            try MediaFileInspector.inspect(path: "\(folder.path)/dir.jpg", limits: MediaLimits())
        }
        #expect(directory.message.contains("not a regular file"))
    }

    @Test func md5IsStreamedOverTheWholeFile() throws {
        let folder = try MediaTestFolder()
        // Larger than one read chunk, and not a multiple of it.
        var bytes = [UInt8](repeating: 0, count: 3 * 1_048_576 + 12345)
        for index in bytes.indices { bytes[index] = UInt8(truncatingIfNeeded: index &* 31 &+ index >> 11) }
        let file = try folder.write("large.bin", bytes)
        #expect(try MediaFileInspector.md5(path: file) == Digest.md5(bytes))
        let empty = try folder.write("empty.bin", [])
        #expect(Hex.encode(try MediaFileInspector.md5(path: empty)) == "d41d8cd98f00b204e9800998ecf8427e")
        let hello = try folder.write("hello.txt", Array("hello".utf8))
        #expect(try MediaFileInspector.md5Base64(path: hello) == "XUFAKrxLKna5cZ2REBfFkg==")
    }
}
