import Foundation
import Glibc

/// A TCP listener on 127.0.0.1 with one accept thread, for the hand-written test servers: each connection is
/// handed to the `respond` given to `start`, whose answer (if any) is sent before the connection is closed.
final class LoopbackListener: Sendable {
    let port: Int
    private let listener: Int32

    /// Listens on a kernel-chosen port; connections wait in the backlog until `start`.
    init(backlog: Int32) throws {
        let (fd, port) = try Self.bindLoopback()
        guard listen(fd, backlog) == 0 else {
            close(fd)
            throw CapturingServerError("listen: \(errno)")
        }
        listener = fd
        self.port = port
    }

    /// Starts the accept thread, which serves until `stop()` shuts the socket down.
    func start(respond: @escaping @Sendable (_ client: Int32) -> [UInt8]?) {
        let fd = listener
        let thread = Thread {
            while true {
                let client = accept(fd, nil, nil)
                guard client >= 0 else {
                    if errno == EINTR { continue }
                    return
                }
                if let reply = respond(client) { Self.send(reply, to: client) }
                close(client)
            }
        }
        thread.start()
    }

    /// Stops accepting; the accept loop ends when the listening socket is shut down.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    /// A TCP socket bound (not yet listening) to a kernel-chosen loopback port.
    static func bindLoopback() throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw CapturingServerError("socket: \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else {
            close(fd)
            throw CapturingServerError("bind: \(errno)")
        }
        var local = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return (fd, Int(UInt16(bigEndian: local.sin_port)))
    }

    private static func send(_ reply: [UInt8], to client: Int32) {
        reply.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Glibc.send(client, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if written <= 0 { break }
                offset += written
            }
        }
    }
}

struct CapturingServerError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
