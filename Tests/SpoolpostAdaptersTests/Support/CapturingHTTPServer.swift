import Foundation
import Glibc
import Synchronization

/// A one-thread HTTP/1.1 listener on 127.0.0.1 that records each request exactly as it arrived (head and
/// body) and answers every one with the same scripted response, closing the connection after it.
///
/// Independent of Hummingbird and of the sandbox, so the tests can read headers the sandbox redacts
/// (`X-Spoolpost-Signature`) and script answers the sandbox never gives.
final class CapturingHTTPServer: Sendable {
    struct Captured: Sendable {
        var requestLine: String
        /// Header names lower-cased, in arrival order.
        var headers: [(name: String, value: String)]
        var body: [UInt8]

        func header(_ name: String) -> String? {
            headers.first { $0.name == name.lowercased() }?.value
        }
    }

    private let listener: LoopbackListener
    private let captured = Mutex<[Captured]>([])

    /// Starts listening; `status` and `body` make the answer to every request.
    init(status: Int, body: String, contentType: String = "application/json") throws {
        let bodyBytes = Array(body.utf8)
        let reply = Array(
            ("HTTP/1.1 \(status) Scripted\r\nContent-Type: \(contentType)\r\nContent-Length: \(bodyBytes.count)\r\n"
                + "Connection: close\r\n\r\n").utf8) + bodyBytes
        listener = try LoopbackListener(backlog: 16)
        listener.start { [self] client in
            guard let request = Self.readRequest(client) else { return nil }
            captured.withLock { $0.append(request) }
            return reply
        }
    }

    var port: Int { listener.port }

    var url: String { "http://127.0.0.1:\(port)/hook" }

    var requests: [Captured] { captured.withLock { $0 } }

    /// Stops accepting.
    func stop() {
        listener.stop()
    }

    private static func readRequest(_ client: Int32) -> Captured? {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        var headEnd: Int?
        var expected = 0
        while true {
            if let headEnd, buffer.count >= headEnd + expected { break }
            let count = chunk.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
            if count <= 0 { return nil }
            buffer += chunk[0..<count]
            if headEnd == nil, let range = find(separator, in: buffer) {
                headEnd = range
                let head = String(decoding: buffer[0..<range], as: UTF8.self)
                for line in head.split(separator: "\r\n").dropFirst() {
                    let parts = line.split(separator: ":", maxSplits: 1)
                    if parts.count == 2, parts[0].lowercased() == "content-length" {
                        expected = Int(parts[1].trimmingCharacters(in: .whitespaces)) ?? 0
                    }
                }
            }
        }
        guard let headEnd else { return nil }
        let lines = String(decoding: buffer[0..<(headEnd - 4)], as: UTF8.self).split(separator: "\r\n").map(String.init)
        let headers = lines.dropFirst().compactMap { line -> (name: String, value: String)? in
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { return nil }
            return (parts[0].lowercased(), parts[1].trimmingCharacters(in: .whitespaces))
        }
        return Captured(requestLine: lines.first ?? "", headers: headers, body: Array(buffer[headEnd..<(headEnd + expected)]))
    }

    /// The offset just past the first occurrence of `needle`.
    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where Array(haystack[start..<(start + needle.count)]) == needle {
            return start + needle.count
        }
        return nil
    }
}

/// A loopback port bound but not listening for the duration of `body`: connections to it are refused, and no
/// other test can take it meanwhile.
func withRefusingPort<T>(_ body: (Int) async throws -> T) async throws -> T {
    let (fd, port) = try LoopbackListener.bindLoopback()
    defer { close(fd) }
    return try await body(port)
}
