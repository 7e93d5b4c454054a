import Foundation
import Glibc
import Synchronization

/// A one-thread HTTP/1.1 server on 127.0.0.1 that answers `GET <path>` with fixed bytes, 404 for other paths,
/// and counts requests per path: the media host networks that fetch by URL (Meta) download from.
final class StaticMediaServer: Sendable {
    struct File: Sendable {
        var contentType: String
        var bytes: [UInt8]
    }

    /// A few bytes that sniff as each kind (the simulator only reads the leading bytes).
    static let jpeg: [UInt8] =
        [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10] + Array("JFIF".utf8) + [0x00, 0x01, 0x01, 0x00, 0xFF, 0xD9]
    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D]
    static let mp4: [UInt8] =
        [0x00, 0x00, 0x00, 0x18] + Array("ftypmp42".utf8) + [0, 0, 0, 0] + Array("mp42isom".utf8)

    private let listener: LoopbackListener
    private let files: [String: File]
    private let hits = Mutex<[String: Int]>([:])

    init(files: [String: File]) throws {
        self.files = files
        listener = try LoopbackListener(backlog: 32)
        listener.start { [self] client in
            guard let path = Self.readPath(client) else { return nil }
            hits.withLock { $0[path, default: 0] += 1 }
            guard let file = files[path] else {
                return Array("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8)
            }
            return Array(
                ("HTTP/1.1 200 OK\r\nContent-Type: \(file.contentType)\r\nContent-Length: \(file.bytes.count)\r\n"
                    + "Connection: close\r\n\r\n").utf8) + file.bytes
        }
    }

    var port: Int { listener.port }

    /// The standard set: `/a.jpg`, `/b.jpg`, `/c.jpg`, `/pic.png`, `/clip.mp4`, `/page.html`.
    static func standard() throws -> StaticMediaServer {
        try StaticMediaServer(files: [
            "/a.jpg": File(contentType: "image/jpeg", bytes: jpeg),
            "/b.jpg": File(contentType: "image/jpeg", bytes: jpeg),
            "/c.jpg": File(contentType: "image/jpeg", bytes: jpeg),
            "/pic.png": File(contentType: "image/png", bytes: png),
            "/clip.mp4": File(contentType: "video/mp4", bytes: mp4),
            "/page.html": File(contentType: "text/html", bytes: Array("<html></html>".utf8)),
        ])
    }

    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    func hitCount(_ path: String) -> Int { hits.withLock { $0[path, default: 0] } }

    func stop() {
        listener.stop()
    }

    /// The path of a GET request (query dropped), once its head has arrived.
    private static func readPath(_ client: Int32) -> String? {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while !String(decoding: buffer, as: UTF8.self).contains("\r\n\r\n") {
            let count = chunk.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
            if count <= 0 { return nil }
            buffer += chunk[0..<count]
        }
        let line = String(decoding: buffer, as: UTF8.self).split(separator: "\r\n").first ?? ""
        let parts = line.split(separator: " ")
        guard parts.count >= 2 else { return nil }
        return String(parts[1].split(separator: "?", maxSplits: 1).first ?? "")
    }
}
