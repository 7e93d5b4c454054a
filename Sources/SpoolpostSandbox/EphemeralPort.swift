import Glibc
import SpoolpostCore

/// Asks the kernel for a free port by binding a throwaway socket to port 0.
///
/// Hummingbird reports the bound port only through NIO's `Channel`, whose members this target cannot see without a
/// direct swift-nio dependency; so the sandbox picks the port itself and retries if someone takes it in between.
/// Numeric addresses only, so no DNS lookup can block a cooperative thread.
enum EphemeralPort {
    static func pick(host: String) throws -> Int {
        var hints = addrinfo()
        hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let lookup = getaddrinfo(host, "0", &hints, &list)
        guard lookup == 0, let info = list else {
            throw SpoolpostError(
                .invalidConfig, "sandbox host '\(host)' is not a numeric IP address (use 127.0.0.1 or ::1)"
            )
        }
        defer { freeaddrinfo(list) }

        let descriptor = socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw systemError("create a socket") }
        defer { close(descriptor) }
        guard bind(descriptor, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else {
            throw systemError("bind to \(host)")
        }
        var address = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard named == 0 else { throw systemError("read the bound address") }
        let family = Int32(address.ss_family)
        let networkOrderPort: UInt16 = withUnsafePointer(to: &address) { pointer in
            switch family {
            case AF_INET6:
                pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_port }
            default:
                pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_port }
            }
        }
        return Int(UInt16(bigEndian: networkOrderPort))
    }

    private static func systemError(_ action: String) -> SpoolpostError {
        let reason = String(cString: strerror(errno))
        return SpoolpostError(.io, "sandbox could not \(action) to find a free port: \(reason)", retryable: true)
    }
}
