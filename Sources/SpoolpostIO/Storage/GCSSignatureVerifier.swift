import Foundation
public import SpoolpostCore

/// Checks V4 signed requests the way Cloud Storage does, against the HMAC keys and service-account public keys it
/// knows: form and expiry first (`GCSIncomingSignature`), then the key named in the credential, then the signature.
public struct GCSSignatureVerifier: Sendable {
    /// Access ID → key, for GOOG4-HMAC-SHA256.
    public var hmacKeys: [String: GCSHMACKey]
    /// Service-account email → public key, for GOOG4-RSA-SHA256.
    public var serviceAccounts: [String: RSAPublicKey]

    public init(hmacKeys: [String: GCSHMACKey] = [:], serviceAccounts: [String: RSAPublicKey] = [:]) {
        self.hmacKeys = hmacKeys
        self.serviceAccounts = serviceAccounts
    }

    /// The request's signature when it is well formed, current at `now` and made by a known key; otherwise the
    /// Cloud Storage error to answer with.
    public func verify(_ request: GCSIncomingRequest, now: Date) throws(GCSIncomingError) -> GCSIncomingSignature {
        let signature = try GCSIncomingSignature(request)
        try signature.checkTime(now: now)
        let hash = Hex.encode(Digest.sha256(Array(signature.canonicalRequest.utf8)))
        let stringToSign = signature.stringToSign(canonicalRequestHash: hash)
        let matches: Bool
        switch signature.algorithm {
        case .hmac:
            guard let key = hmacKeys[signature.credentialID] else {
                throw .invalidAccessKeyID(signature.credentialID)
            }
            let expected = Hex.decode(key.signatureHex(stringToSign: stringToSign, datestamp: signature.datestamp))
            matches = expected.map { Self.constantTimeEqual($0, signature.signature) } ?? false
        case .rsa:
            guard let key = serviceAccounts[signature.credentialID] else {
                throw .invalidAccessKeyID(signature.credentialID)
            }
            matches = key.verifySHA256(signature: signature.signature, message: Array(stringToSign.utf8))
        }
        guard matches, signature.unsentSignedHeaders.isEmpty else {
            throw signature.mismatch(stringToSign: stringToSign)
        }
        return signature
    }

    /// Compares without stopping at the first difference, so timing does not reveal how much of a guess was right.
    private static func constantTimeEqual(_ left: [UInt8], _ right: [UInt8]) -> Bool {
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }
}
