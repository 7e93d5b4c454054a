import Foundation
import Glibc
import Synchronization

/// A one-thread HTTP/1.1 listener on 127.0.0.1 that records each request exactly as it arrived (head and
/// body) and answers every one with the same scripted response, closing the connection after it.
///
/// Independent of Hummingbird and of the sandbox, so the tests can read headers the sandbox redacts
/// (`X-Spoolpost-Signature`) and script answers the sandbox never gives.
final class CapturingHTTPServer: @unchecked Sendable {
    struct Captured: Sendable {
        var requestLine: String
        /// Header names lower-cased, in arrival order.
        var headers: [(name: String, value: String)]
        var body: [UInt8]

        func header(_ name: String) -> String? {
            headers.first { $0.name == name.lowercased() }?.value
        }
    }

    let port: Int
    private let listener: Int32
    private let reply: [UInt8]
    private let captured = Mutex<[Captured]>([])

    /// Starts listening; `status` and `body` make the answer to every request.
    init(status: Int, body: String, contentType: String = "application/json") throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw CapturingServerError("socket: \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            close(fd)
            throw CapturingServerError("bind/listen: \(errno)")
        }
        var local = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = Int(UInt16(bigEndian: local.sin_port))
        let bodyBytes = Array(body.utf8)
        reply = Array(
            ("HTTP/1.1 \(status) Scripted\r\nContent-Type: \(contentType)\r\nContent-Length: \(bodyBytes.count)\r\n"
                + "Connection: close\r\n\r\n").utf8) + bodyBytes
        // The accept loop holds the server until `stop()` ends it.
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    var url: String { "http://127.0.0.1:\(port)/hook" }

    var requests: [Captured] { captured.withLock { $0 } }

    /// Stops accepting; the accept loop ends when the listening socket is shut down.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else {
                if errno == EINTR { continue }
                return
            }
            if let request = readRequest(client) {
                captured.withLock { $0.append(request) }
                reply.withUnsafeBytes { raw in
                    var offset = 0
                    while offset < raw.count {
                        let written = send(client, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                        if written <= 0 { break }
                        offset += written
                    }
                }
            }
            close(client)
        }
    }

    private func readRequest(_ client: Int32) -> Captured? {
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
            if headEnd == nil, let range = Self.find(separator, in: buffer) {
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
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw CapturingServerError("socket: \(errno)") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0 else { throw CapturingServerError("bind: \(errno)") }
    var local = sockaddr_in()
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &local) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return try await body(Int(UInt16(bigEndian: local.sin_port)))
}

struct CapturingServerError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
