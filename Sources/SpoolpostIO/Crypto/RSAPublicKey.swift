import CLibCrypto
import Foundation

/// An RSA public key that verifies RSASSA-PKCS1-v1_5 SHA-256 signatures (RS256, GOOG4-RSA-SHA256).
///
/// Safe to share across tasks and threads for the same reason as `RSAPrivateKey`: the `EVP_PKEY` is never modified
/// after `init`, and every verification gets its own `EVP_MD_CTX`.
public final class RSAPublicKey: @unchecked Sendable {
    private let key: OpaquePointer

    /// Parses a PEM public key (SubjectPublicKeyInfo, `-----BEGIN PUBLIC KEY-----`, as `openssl pkey -pubout`
    /// writes it).
    public init(pem: String) throws(CryptoError) {
        let parsed = Self.read(pem) { bio in PEM_read_bio_PUBKEY(bio, nil, nil, nil) }
        guard let parsed else {
            throw CryptoError.openSSL("cannot read the RSA public key: expected a '-----BEGIN PUBLIC KEY-----' block")
        }
        key = try Self.requireRSA(parsed)
    }

    /// The public half of a PEM private key (PKCS#8 or PKCS#1, unencrypted), such as a service account's
    /// `private_key`.
    public init(privateKeyPEM pem: String) throws(CryptoError) {
        let parsed = Self.read(pem) { bio in
            PEM_read_bio_PrivateKey(bio, nil, { _, _, _, _ in -1 }, nil)
        }
        guard let parsed else {
            throw CryptoError.openSSL("cannot read the RSA private key to derive its public key")
        }
        defer { EVP_PKEY_free(parsed) }
        let privateKey = try Self.requireRSA(parsed, freeOnFailure: false)
        // Re-encoding the public part alone gives a key object that holds no private material.
        var derBuffer: UnsafeMutablePointer<UInt8>?
        let length = i2d_PUBKEY(privateKey, &derBuffer)
        guard length > 0, let derBuffer else {
            throw CryptoError.openSSL("cannot encode the public half of the RSA key")
        }
        defer { clibcrypto_free(derBuffer) }
        var cursor: UnsafePointer<UInt8>? = UnsafePointer(derBuffer)
        guard let publicKey = d2i_PUBKEY(nil, &cursor, Int(length)) else {
            throw CryptoError.openSSL("cannot decode the public half of the RSA key")
        }
        key = publicKey
    }

    /// The public key of a Google service-account key file (JSON with a `private_key`).
    public convenience init(serviceAccountJSON json: Data) throws(CryptoError) {
        guard let object = try? JSONSerialization.jsonObject(with: json) as? [String: Any],
            let pem = object["private_key"] as? String
        else {
            throw CryptoError("the service-account key file is not JSON with a 'private_key'")
        }
        try self.init(privateKeyPEM: pem)
    }

    deinit {
        EVP_PKEY_free(key)
    }

    /// The key size in bits.
    public var bitCount: Int { Int(EVP_PKEY_get_bits(key)) }

    /// The key as a PEM `BEGIN PUBLIC KEY` block.
    public var pem: String {
        guard let bio = BIO_new(BIO_s_mem()) else { return "" }
        defer { BIO_free(bio) }
        guard PEM_write_bio_PUBKEY(bio, key) == 1 else { return "" }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { BIO_read(bio, $0.baseAddress, Int32($0.count)) }
            guard count > 0 else { break }
            bytes += chunk.prefix(Int(count))
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// True when `signature` is the RSASSA-PKCS1-v1_5 signature of SHA-256(`message`) under this key.
    /// A wrong or malformed signature is `false`, not an error.
    public func verifySHA256(signature: some Collection<UInt8>, message: some Collection<UInt8>) -> Bool {
        guard let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        defer { _ = CryptoError.drainOpenSSLErrors() }
        guard EVP_DigestVerifyInit(context, nil, EVP_sha256(), nil, key) == 1 else { return false }
        return withContiguousBytes(signature) { signatureBytes in
            withContiguousBytes(message) { messageBytes in
                EVP_DigestVerify(
                    context,
                    signatureBytes.baseAddress!.assumingMemoryBound(to: UInt8.self), signatureBytes.count,
                    messageBytes.baseAddress!.assumingMemoryBound(to: UInt8.self), messageBytes.count
                ) == 1
            }
        }
    }

    private static func read(_ pem: String, _ reader: (OpaquePointer) -> OpaquePointer?) -> OpaquePointer? {
        let bytes = Array(pem.utf8)
        guard !bytes.isEmpty else { return nil }
        _ = CryptoError.drainOpenSSLErrors()
        return bytes.withUnsafeBytes { buffer in
            guard let bio = BIO_new_mem_buf(buffer.baseAddress, Int32(buffer.count)) else { return nil }
            defer { BIO_free(bio) }
            return reader(bio)
        }
    }

    private static func requireRSA(_ key: OpaquePointer, freeOnFailure: Bool = true) throws(CryptoError)
        -> OpaquePointer
    {
        guard EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA else {
            if freeOnFailure { EVP_PKEY_free(key) }
            throw CryptoError("the key is not an RSA key; GOOG4-RSA-SHA256 and RS256 need RSA")
        }
        return key
    }
}
