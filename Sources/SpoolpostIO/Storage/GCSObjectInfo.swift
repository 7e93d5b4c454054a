import Foundation

/// What Cloud Storage reports about a stored object in the headers of a HEAD or GET.
public struct GCSObjectInfo: Sendable, Hashable {
    /// The stored size in bytes (`x-goog-stored-content-length`, else `Content-Length`).
    public var size: Int64
    public var contentType: String?
    /// The object's MD5 from `x-goog-hash: md5=…` (absent for composite objects).
    public var md5: [UInt8]?
    /// The object's CRC32C from `x-goog-hash: crc32c=…`, big-endian.
    public var crc32c: [UInt8]?
    public var etag: String?

    public init(size: Int64, contentType: String?, md5: [UInt8]?, crc32c: [UInt8]? = nil, etag: String? = nil) {
        self.size = size
        self.contentType = contentType
        self.md5 = md5
        self.crc32c = crc32c
        self.etag = etag
    }

    /// Reads `x-goog-hash` values (`crc32c=…,md5=…`, possibly over several headers) into their decoded digests.
    static func hashes(_ values: [String]) -> (md5: [UInt8]?, crc32c: [UInt8]?) {
        var md5: [UInt8]?
        var crc32c: [UInt8]?
        for value in values {
            for part in value.split(separator: ",") {
                let trimmed = part.trimmingCharacters(in: .whitespaces)
                guard let equals = trimmed.firstIndex(of: "=") else { continue }
                let name = trimmed[..<equals].lowercased()
                let digest = Data(base64Encoded: String(trimmed[trimmed.index(after: equals)...])).map(Array.init)
                if name == "md5" { md5 = digest }
                if name == "crc32c" { crc32c = digest }
            }
        }
        return (md5, crc32c)
    }
}
