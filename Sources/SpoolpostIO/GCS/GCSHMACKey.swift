import SpoolpostCore

/// A Cloud Storage HMAC key: an access ID and its secret, for GOOG4-HMAC-SHA256 signatures.
public struct GCSHMACKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// Names the signer in `X-Goog-Credential`.
    public let accessID: String
    private let secret: String

    /// `secret` is used as its text, as Google's key derivation does, never base64-decoded.
    public init(accessID: String, secret: String) throws(GCSSigningError) {
        guard !accessID.isEmpty else {
            throw GCSSigningError(.invalidCredentials, "the HMAC key has an empty access ID")
        }
        guard !secret.isEmpty else {
            throw GCSSigningError(.invalidCredentials, "the HMAC key \(accessID) has an empty secret")
        }
        self.accessID = accessID
        self.secret = secret
    }

    public var description: String { "GCSHMACKey(accessID: \(accessID), secret: <redacted>)" }
    public var debugDescription: String { description }

    /// The lowercase hex HMAC-SHA256 of `stringToSign` under the key derived for `datestamp` (`YYYYMMDD`):
    /// HMAC("GOOG4" + secret, date) → "auto" → "storage" → "goog4_request", as in Google's V4 signing process.
    func signatureHex(stringToSign: String, datestamp: String) -> String {
        let dateKey = HMAC.sha256(key: Array(("GOOG4" + secret).utf8), message: Array(datestamp.utf8))
        let regionKey = HMAC.sha256(key: dateKey, message: Array("auto".utf8))
        let serviceKey = HMAC.sha256(key: regionKey, message: Array("storage".utf8))
        let signingKey = HMAC.sha256(key: serviceKey, message: Array("goog4_request".utf8))
        return Hex.encode(HMAC.sha256(key: signingKey, message: Array(stringToSign.utf8)))
    }
}
