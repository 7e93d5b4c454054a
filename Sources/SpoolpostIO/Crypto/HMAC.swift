import CLibCrypto

/// One-shot HMAC through OpenSSL's `HMAC()` (the `HMAC_CTX` API is deprecated in OpenSSL 3).
public enum HMAC {
    /// HMAC-SHA256 (32 bytes) of `message` under `key`.
    public static func sha256(key: some Collection<UInt8>, message: some Collection<UInt8>) -> [UInt8] {
        mac(EVP_sha256(), key: key, message: message)
    }

    /// HMAC-SHA1 (20 bytes) of `message` under `key`, for protocols that still require it (OAuth 1.0a).
    public static func sha1(key: some Collection<UInt8>, message: some Collection<UInt8>) -> [UInt8] {
        mac(EVP_sha1(), key: key, message: message)
    }

    private static func mac(
        _ algorithm: OpaquePointer?,
        key: some Collection<UInt8>,
        message: some Collection<UInt8>
    ) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let succeeded = withContiguousBytes(key) { keyBytes in
            withContiguousBytes(message) { messageBytes in
                output.withUnsafeMutableBufferPointer { out in
                    CLibCrypto.HMAC(
                        algorithm,
                        keyBytes.baseAddress, Int32(clamping: keyBytes.count),
                        messageBytes.baseAddress.map { $0.assumingMemoryBound(to: UInt8.self) }, messageBytes.count,
                        out.baseAddress, &length
                    ) != nil
                }
            }
        }
        guard succeeded else {
            fatalError("HMAC failed: \(CryptoError.openSSL("HMAC").message)")
        }
        return Array(output.prefix(Int(length)))
    }
}
