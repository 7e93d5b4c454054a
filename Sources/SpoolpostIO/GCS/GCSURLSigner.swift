import SpoolpostCore

/// A V4 signed URL together with what was signed, so a failure at Google can be compared with its error text.
public struct GCSSignedURL: Sendable, Hashable {
    public let url: String
    public let canonicalRequest: GCSCanonicalRequest
    public let stringToSign: String
}

/// A signed V4 POST policy: the form posts `fields` (all of them, as form fields) to `url`.
public struct GCSSignedPostPolicy: Sendable, Hashable {
    public let url: String
    /// `key`, the extra fields, `x-goog-algorithm`, `x-goog-credential`, `x-goog-date`, `x-goog-signature`, `policy`.
    public let fields: [String: String]
    /// The decoded policy document, for diagnostics.
    public let policyJSON: String
}

/// Signs Cloud Storage V4 URLs and POST policies with a service-account RSA key or an HMAC key.
///
/// Signing is CPU work of about a millisecond (RSA-2048) and does not block on I/O.
public struct GCSURLSigner: Sendable {
    public enum Credentials: Sendable {
        case serviceAccount(GCSServiceAccountKey)
        case hmac(GCSHMACKey)
    }

    public let credentials: Credentials

    public init(credentials: Credentials) {
        self.credentials = credentials
    }

    public init(serviceAccount: GCSServiceAccountKey) {
        self.init(credentials: .serviceAccount(serviceAccount))
    }

    public init(hmacKey: GCSHMACKey) {
        self.init(credentials: .hmac(hmacKey))
    }

    public var algorithm: GCSSigningAlgorithm {
        switch credentials {
        case .serviceAccount: .rsa
        case .hmac: .hmac
        }
    }

    /// The ID written into `X-Goog-Credential`: the service account's email or the HMAC access ID.
    public var credentialID: String {
        switch credentials {
        case .serviceAccount(let key): key.clientEmail
        case .hmac(let key): key.accessID
        }
    }

    /// Signs `request`, returning the URL with the canonical request and string to sign behind it.
    public func sign(_ request: GCSSigningRequest) throws(GCSSigningError) -> GCSSignedURL {
        let canonical = try GCSCanonicalRequest(request, algorithm: algorithm, credentialID: credentialID)
        let hash = Hex.encode(Digest.sha256(Array(canonical.canonicalRequest.utf8)))
        let stringToSign = canonical.stringToSign(canonicalRequestHash: hash)
        let signature = try signatureHex(stringToSign, datestamp: String(canonical.credentialScope.prefix(8)))
        return GCSSignedURL(
            url: canonical.signedURL(signatureHex: signature),
            canonicalRequest: canonical,
            stringToSign: stringToSign
        )
    }

    /// The signed URL for `request`.
    public func signedURL(for request: GCSSigningRequest) throws(GCSSigningError) -> String {
        try sign(request).url
    }

    /// A signed POST policy for an HTML form upload described by `request`.
    public func postPolicy(for request: GCSPostPolicyRequest) throws(GCSSigningError) -> GCSSignedPostPolicy {
        let document = try GCSPostPolicyDocument(request, algorithm: algorithm, credentialID: credentialID)
        let datestamp = String((document.fields["x-goog-date"] ?? "").prefix(8))
        var fields = document.fields
        fields["x-goog-signature"] = try signatureHex(document.base64Policy, datestamp: datestamp)
        return GCSSignedPostPolicy(url: document.url, fields: fields, policyJSON: document.policyJSON)
    }

    private func signatureHex(_ stringToSign: String, datestamp: String) throws(GCSSigningError) -> String {
        switch credentials {
        case .serviceAccount(let key):
            do {
                return Hex.encode(try key.privateKey.signSHA256(Array(stringToSign.utf8)))
            } catch {
                throw GCSSigningError(.signingFailed, "RSA signing as \(key.clientEmail) failed: \(error.message)")
            }
        case .hmac(let key):
            return key.signatureHex(stringToSign: stringToSign, datestamp: datestamp)
        }
    }
}
