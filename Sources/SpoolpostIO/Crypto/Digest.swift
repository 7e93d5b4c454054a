import CLibCrypto

/// One-shot message digests over libcrypto's EVP interface.
public enum Digest {
    /// The SHA-256 digest (32 bytes) of `bytes`.
    public static func sha256(_ bytes: some Collection<UInt8>) -> [UInt8] {
        digest(bytes, EVP_sha256())
    }

    /// The MD5 digest (16 bytes) of `bytes`; Cloud Storage reports object checksums with it.
    public static func md5(_ bytes: some Collection<UInt8>) -> [UInt8] {
        digest(bytes, EVP_md5())
    }

    /// The SHA-1 digest (20 bytes) of `bytes`, for protocols that still require it; never for new designs.
    public static func sha1(_ bytes: some Collection<UInt8>) -> [UInt8] {
        digest(bytes, EVP_sha1())
    }

    private static func digest(_ bytes: some Collection<UInt8>, _ algorithm: OpaquePointer?) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let succeeded = withContiguousBytes(bytes) { input in
            output.withUnsafeMutableBufferPointer { out in
                EVP_Digest(input.baseAddress, input.count, out.baseAddress, &length, algorithm, nil) == 1
            }
        }
        // EVP_Digest fails only when memory runs out or the algorithm is unavailable (MD5 in FIPS-only builds);
        // neither is recoverable here, and a wrong digest must never be returned.
        guard succeeded else {
            fatalError("EVP_Digest failed: \(CryptoError.openSSL("digest").message)")
        }
        return Array(output.prefix(Int(length)))
    }
}
