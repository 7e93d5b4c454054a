import Foundation
import Glibc
public import SpoolpostCore

/// A local media file whose type was read from its content.
public struct InspectedMedia: Sendable, Hashable {
    public let path: String
    /// The type the leading bytes show; the file's extension plays no part.
    public let type: MediaType
    public let size: Int64

    public init(path: String, type: MediaType, size: Int64) {
        self.path = path
        self.type = type
        self.size = size
    }
}

/// Checks local media files before they are uploaded: type from content, size against the limits, and MD5.
///
/// Every call blocks on file I/O: run it on a thread of its own, never on the cooperative pool.
public enum MediaFileInspector {
    /// Bytes read at a time while hashing.
    static let chunkSize = 1 << 20

    /// The file's type (from its leading bytes) and size, refused when the content is not an accepted format or
    /// the size is over the limit for its kind. An extension that disagrees with the content is not an error:
    /// the content wins.
    public static func inspect(path: String, limits: MediaLimits) throws(SpoolpostError) -> InspectedMedia {
        let descriptor = try open(path)
        defer { close(descriptor) }
        let size = try regularFileSize(descriptor, path: path)
        guard size > 0 else {
            throw SpoolpostError(.invalidManifest, "media file \(path) is empty")
        }
        var prefix = [UInt8](repeating: 0, count: MediaSniffer.bytesNeeded)
        let count = try readFully(descriptor, into: &prefix, path: path)
        guard let type = MediaSniffer.detect(prefix.prefix(count)) else {
            throw SpoolpostError(
                .invalidManifest,
                "media file \(path) is not a \(MediaType.acceptedList) file (its content starts with "
                    + "\(hexPreview(prefix.prefix(min(count, 12)))))")
        }
        if let problem = limits.problem(size: size, kind: type.kind) {
            throw SpoolpostError(.invalidManifest, "media file \(path) (\(type.displayName)): \(problem)")
        }
        return InspectedMedia(path: path, type: type, size: size)
    }

    /// The MD5 digest (16 bytes) of the whole file, read in chunks so that a large video is never held in memory.
    public static func md5(path: String) throws(SpoolpostError) -> [UInt8] {
        let descriptor = try open(path)
        defer { close(descriptor) }
        var hasher = MD5Hasher()
        var buffer = [UInt8](repeating: 0, count: chunkSize)
        while true {
            let count = buffer.withUnsafeMutableBytes { raw in
                LinuxCalls.retryingOnInterrupt {
                    Int32(truncatingIfNeeded: read(descriptor, raw.baseAddress, raw.count))
                }
            }
            if count < 0 { throw ioError(path, "cannot be read") }
            if count == 0 { break }
            buffer.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<Int(count)])) }
        }
        return hasher.finalize()
    }

    /// The MD5 as Cloud Storage writes it in `x-goog-hash: md5=...` and `Content-MD5`: base64.
    public static func md5Base64(path: String) throws(SpoolpostError) -> String {
        Data(try md5(path: path)).base64EncodedString()
    }

    // MARK: File access

    private static func open(_ path: String) throws(SpoolpostError) -> Int32 {
        // O_NOFOLLOW: a symlink planted in the media folder must not lead the upload to another file.
        let descriptor = LinuxCalls.retryingOnInterrupt { Glibc.open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW) }
        guard descriptor >= 0 else {
            let reason = errno
            if reason == ENOENT { throw SpoolpostError(.invalidManifest, "media file \(path) does not exist") }
            if reason == ELOOP {
                throw SpoolpostError(.invalidManifest, "media file \(path) is a symlink; give the file itself")
            }
            throw ioError(path, "cannot be opened", errno: reason)
        }
        return descriptor
    }

    private static func regularFileSize(_ descriptor: Int32, path: String) throws(SpoolpostError) -> Int64 {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw ioError(path, "cannot be examined") }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw SpoolpostError(.invalidManifest, "media file \(path) is not a regular file")
        }
        return Int64(info.st_size)
    }

    /// Reads until `buffer` is full or the file ends; the number of bytes read.
    private static func readFully(
        _ descriptor: Int32, into buffer: inout [UInt8], path: String
    ) throws(SpoolpostError) -> Int {
        var filled = 0
        while filled < buffer.count {
            let count = buffer.withUnsafeMutableBytes { raw in
                LinuxCalls.retryingOnInterrupt {
                    Int32(truncatingIfNeeded: read(descriptor, raw.baseAddress! + filled, raw.count - filled))
                }
            }
            if count < 0 { throw ioError(path, "cannot be read") }
            if count == 0 { break }
            filled += Int(count)
        }
        return filled
    }

    private static func ioError(_ path: String, _ what: String, errno reason: Int32 = errno) -> SpoolpostError {
        SpoolpostError(.io, "media file \(path) \(what): \(String(cString: strerror(reason)))")
    }

    private static func hexPreview(_ bytes: ArraySlice<UInt8>) -> String {
        bytes.isEmpty ? "nothing" : bytes.map { String(format: "%02X", $0) }.joined(separator: " ")
    }
}
