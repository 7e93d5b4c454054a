/// Why a Cloud Storage signed URL or POST policy could not be produced.
///
/// Messages name the offending input (bucket, header name, expiry) but never a key, secret or signature.
public struct GCSSigningError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// The request cannot be signed as given (expiry out of range, bad scheme, malformed header...).
        case invalidRequest
        /// The credentials could not be read (service-account JSON, PEM key, HMAC secret).
        case invalidCredentials
        /// The cryptographic operation itself failed.
        case signingFailed
    }

    public var kind: Kind
    /// What went wrong and what to change.
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { "GCS signing (\(kind.rawValue)): \(message)" }

    /// The same failure as a project error: configuration problems are not retryable.
    public var spoolpostError: SpoolpostError {
        switch kind {
        case .invalidRequest, .invalidCredentials:
            SpoolpostError(.invalidConfig, message)
        case .signingFailed:
            SpoolpostError(.internalError, message)
        }
    }
}
