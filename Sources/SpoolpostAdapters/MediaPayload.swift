import Foundation
public import SpoolpostCore
public import SpoolpostIO

/// The bytes of a media item for networks that take uploads rather than URLs: the local file of a `file:`
/// item, streamed from disk, or the content behind its fetch URL (a signed GCS read URL or the item's own
/// URL), downloaded first.
public struct MediaPayload: Sendable {
    public var size: Int64
    public var mimeType: String?
    private var storage: Storage

    private enum Storage: Sendable {
        case file(String)
        case bytes([UInt8])
    }

    /// Opens a prepared item's bytes; downloads refuse content over `maxBytes`.
    public static func load(
        _ media: PreparedMedia, http: HTTPClient, maxBytes: Int, service: String
    ) async throws(SpoolpostError) -> MediaPayload {
        if let path = media.localPath {
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                let size = (attributes[.size] as? NSNumber)?.int64Value
            else {
                throw SpoolpostError(.notFound, "media file \(path) is gone")
            }
            return MediaPayload(size: size, mimeType: media.mimeType, storage: .file(path))
        }
        guard let url = media.fetchURL else {
            throw SpoolpostError(.invalidManifest, "a media item has neither a local file nor a URL to fetch")
        }
        let response: HTTPResponse
        do {
            response = try await http.execute(HTTPRequest(url: url, timeout: 600, maxResponseBytes: maxBytes))
        } catch {
            throw HTTPFailureClassifier.classify(error, service: "the media host for \(service)", repeatable: true)
        }
        guard (200..<300).contains(response.status) else {
            throw HTTPFailureClassifier.classify(response, service: "the media host for \(service)")
        }
        return MediaPayload(
            size: Int64(response.body.count), mimeType: media.mimeType ?? response.header("Content-Type"),
            storage: .bytes(response.body))
    }

    /// `length` bytes from `offset`, as a request body (streamed from disk for local files).
    public func body(offset: Int64 = 0, length: Int64? = nil) -> HTTPBody {
        let count = length ?? (size - offset)
        switch storage {
        case .file(let path):
            return .file(path: path, offset: offset, length: count)
        case .bytes(let bytes):
            return .bytes(Array(bytes[Int(offset)..<Int(offset + count)]))
        }
    }

    /// The whole content in memory, for multipart bodies.
    public func bytes() throws(SpoolpostError) -> [UInt8] {
        switch storage {
        case .bytes(let bytes):
            return bytes
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw SpoolpostError(.io, "media file \(path) cannot be read")
            }
            return Array(data)
        }
    }
}
