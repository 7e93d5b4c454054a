import CLibCrypto

/// An RSA private key, parsed once from PEM, that signs with RSASSA-PKCS1-v1_5 and SHA-256 (RS256).
///
/// Safe to share across tasks and threads. The `EVP_PKEY` is never modified after `init`, and each signature gets its
/// own `EVP_MD_CTX` (and, inside `EVP_DigestSignInit`, its own `EVP_PKEY_CTX`). OpenSSL 3's openssl-threads(7) says
/// objects are thread-safe while the functions called do not modify them, that internal caches are updated under
/// locks, and that two threads can compute signatures with two different `EVP_PKEY_CTX` objects; signing with a
/// shared key through separate contexts is exactly that case, so no lock is taken here.
public final class RSAPrivateKey: @unchecked Sendable {
    private let key: OpaquePointer
    /// A digest-sign context initialised once for RSA-SHA256 with this key; each signature signs with a copy.
    /// Initialising fetches the algorithms from the provider, which costs a tenth of an RSA-2048 signature; the
    /// template is only ever read (copied), never used to sign, so sharing it across threads is safe.
    private let template: OpaquePointer?

    /// Parses a PEM private key: PKCS#8 (`BEGIN PRIVATE KEY`, as in Google service-account files) or PKCS#1
    /// (`BEGIN RSA PRIVATE KEY`). Encrypted keys are refused rather than prompting for a passphrase.
    public init(pem: String) throws(CryptoError) {
        let bytes = Array(pem.utf8)
        guard !bytes.isEmpty else {
            throw CryptoError("cannot read the RSA private key: the PEM text is empty")
        }
        _ = CryptoError.drainOpenSSLErrors()
        let parsed: OpaquePointer? = bytes.withUnsafeBytes { buffer in
            guard let bio = BIO_new_mem_buf(buffer.baseAddress, Int32(buffer.count)) else { return nil }
            defer { BIO_free(bio) }
            // A callback that supplies no passphrase: without one OpenSSL would prompt on the terminal.
            return PEM_read_bio_PrivateKey(bio, nil, { _, _, _, _ in -1 }, nil)
        }
        guard let parsed else {
            throw CryptoError.openSSL(
                "cannot read the RSA private key: expected an unencrypted PEM block "
                    + "('-----BEGIN PRIVATE KEY-----' or '-----BEGIN RSA PRIVATE KEY-----')"
            )
        }
        guard EVP_PKEY_get_base_id(parsed) == EVP_PKEY_RSA else {
            EVP_PKEY_free(parsed)
            throw CryptoError("the private key is not an RSA key; GOOG4-RSA-SHA256 and RS256 need RSA")
        }
        key = parsed
        template = Self.makeTemplate(parsed)
    }

    deinit {
        if let template { EVP_MD_CTX_free(template) }
        EVP_PKEY_free(key)
    }

    private static func makeTemplate(_ key: OpaquePointer) -> OpaquePointer? {
        guard let context = EVP_MD_CTX_new() else { return nil }
        guard EVP_DigestSignInit(context, nil, EVP_sha256(), nil, key) == 1 else {
            EVP_MD_CTX_free(context)
            _ = CryptoError.drainOpenSSLErrors()
            return nil
        }
        return context
    }

    /// The key size in bits (the signature is this many bits long).
    public var bitCount: Int { Int(EVP_PKEY_get_bits(key)) }

    /// The RSASSA-PKCS1-v1_5 signature of SHA-256(`message`); deterministic, so equal to `openssl dgst -sha256 -sign`.
    public func signSHA256(_ message: some Collection<UInt8>) throws(CryptoError) -> [UInt8] {
        guard let context = EVP_MD_CTX_new() else {
            throw CryptoError("cannot sign: out of memory")
        }
        defer { EVP_MD_CTX_free(context) }
        _ = CryptoError.drainOpenSSLErrors()
        let started = if let template {
            EVP_MD_CTX_copy_ex(context, template) == 1
        } else {
            EVP_DigestSignInit(context, nil, EVP_sha256(), nil, key) == 1
        }
        guard started else {
            throw CryptoError.openSSL("cannot start an RSA-SHA256 signature")
        }
        let result: Result<[UInt8], CryptoError> = withContiguousBytes(message) { input in
            let data = input.baseAddress!.assumingMemoryBound(to: UInt8.self)
            var length = 0
            guard EVP_DigestSign(context, nil, &length, data, input.count) == 1 else {
                return .failure(.openSSL("cannot size the RSA-SHA256 signature"))
            }
            var signature = [UInt8](repeating: 0, count: length)
            let signed = signature.withUnsafeMutableBufferPointer { out in
                EVP_DigestSign(context, out.baseAddress, &length, data, input.count) == 1
            }
            guard signed else {
                return .failure(.openSSL("RSA-SHA256 signing failed"))
            }
            return .success(Array(signature.prefix(length)))
        }
        return try result.get()
    }
}
