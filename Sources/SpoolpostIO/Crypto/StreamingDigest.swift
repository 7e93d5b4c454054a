import CLibCrypto

/// An EVP digest context owned by exactly one value; the hashers below wrap it.
struct EVPDigestContext: ~Copyable {
    private let context: OpaquePointer

    init(algorithm: OpaquePointer?, name: String) {
        guard let context = EVP_MD_CTX_new() else {
            fatalError("EVP_MD_CTX_new failed: out of memory")
        }
        guard EVP_DigestInit_ex(context, algorithm, nil) == 1 else {
            EVP_MD_CTX_free(context)
            fatalError("EVP_DigestInit_ex(\(name)) failed: \(CryptoError.openSSL(name).message)")
        }
        self.context = context
    }

    deinit {
        EVP_MD_CTX_free(context)
    }

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        guard EVP_DigestUpdate(context, bytes.baseAddress, bytes.count) == 1 else {
            fatalError("EVP_DigestUpdate failed: \(CryptoError.openSSL("digest update").message)")
        }
    }

    consuming func finalize() -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let succeeded = output.withUnsafeMutableBufferPointer { out in
            EVP_DigestFinal_ex(context, out.baseAddress, &length) == 1
        }
        guard succeeded else {
            fatalError("EVP_DigestFinal_ex failed: \(CryptoError.openSSL("digest final").message)")
        }
        return Array(output.prefix(Int(length)))
    }
}

/// Which EVP digest a ``StreamingDigest`` computes.
public protocol StreamingDigestKind {
    /// The name used in failure messages.
    static var name: String { get }
    /// The OpenSSL `EVP_MD` for this digest.
    static var evpAlgorithm: OpaquePointer? { get }
}

/// A digest over data that arrives in pieces, such as a large file read in chunks.
///
/// Not copyable: the OpenSSL context has one owner, and `finalize()` consumes the hasher.
public struct StreamingDigest<Kind: StreamingDigestKind>: ~Copyable {
    private var context = EVPDigestContext(algorithm: Kind.evpAlgorithm, name: Kind.name)

    public init() {}

    /// Adds `bytes` to the data being hashed.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        context.update(bytes)
    }

    /// Adds `bytes` to the data being hashed.
    public mutating func update(_ bytes: some Collection<UInt8>) {
        withContiguousBytes(bytes) { context.update($0) }
    }

    /// The digest of everything added.
    public consuming func finalize() -> [UInt8] {
        context.finalize()
    }
}

/// SHA-256 (32-byte digests).
public enum SHA256DigestKind: StreamingDigestKind {
    public static var name: String { "SHA-256" }
    public static var evpAlgorithm: OpaquePointer? { EVP_sha256() }
}

/// MD5 (16-byte digests); Cloud Storage reports each object's MD5 to check an upload against.
public enum MD5DigestKind: StreamingDigestKind {
    public static var name: String { "MD5" }
    public static var evpAlgorithm: OpaquePointer? { EVP_md5() }
}

/// SHA-256 over data that arrives in pieces.
public typealias SHA256Hasher = StreamingDigest<SHA256DigestKind>

/// MD5 over data that arrives in pieces.
public typealias MD5Hasher = StreamingDigest<MD5DigestKind>
