import CLibCrypto

/// A failure in a cryptographic operation, with OpenSSL's own reason when it gave one.
///
/// The message names what was attempted and OpenSSL's error text; it never contains key material or the input.
public struct CryptoError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What failed and why, for a person to act on.
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }

    /// An error for `operation`, followed by the reasons queued by OpenSSL on this thread (the queue is emptied).
    static func openSSL(_ operation: String) -> CryptoError {
        let reasons = drainOpenSSLErrors()
        if reasons.isEmpty {
            return CryptoError(operation)
        }
        return CryptoError("\(operation): \(reasons.joined(separator: "; "))")
    }

    /// Empties OpenSSL's per-thread error queue, returning each entry as text, oldest first.
    static func drainOpenSSLErrors() -> [String] {
        var reasons: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            // Bounded: a failing decoder can queue many entries; a few say enough.
            guard reasons.count < 4 else { continue }
            var buffer = [CChar](repeating: 0, count: 256)
            let text = buffer.withUnsafeMutableBufferPointer { pointer in
                ERR_error_string_n(code, pointer.baseAddress, pointer.count)
                return String(cString: pointer.baseAddress!)
            }
            reasons.append(text)
        }
        return reasons
    }
}
