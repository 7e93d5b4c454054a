import Foundation
import SpoolpostCore

/// A Google service-account key file, with its RSA key parsed once.
public struct GCSServiceAccountKey: Sendable {
    /// The account's email; it names the signer in `X-Goog-Credential`.
    public let clientEmail: String
    /// The key's ID (`private_key_id`), for logs and JWT headers.
    public let privateKeyID: String?
    public let projectID: String?
    public let privateKey: RSAPrivateKey

    public init(clientEmail: String, privateKeyID: String?, projectID: String? = nil, privateKey: RSAPrivateKey) {
        self.clientEmail = clientEmail
        self.privateKeyID = privateKeyID
        self.projectID = projectID
        self.privateKey = privateKey
    }

    /// Parses the JSON key file Google issues (`type`, `client_email`, `private_key`, `private_key_id`, ...).
    public init(json: Data) throws(GCSSigningError) {
        let object: [String: Any]
        do {
            guard let parsed = try JSONSerialization.jsonObject(with: json) as? [String: Any] else {
                throw GCSSigningError(.invalidCredentials, "the service-account key file is not a JSON object")
            }
            object = parsed
        } catch let error as GCSSigningError {
            throw error
        } catch {
            // The parser's own message can quote the text near the error, which may be key material.
            throw GCSSigningError(.invalidCredentials, "the service-account key file is not valid JSON")
        }
        if let type = object["type"] as? String, type != "service_account" {
            throw GCSSigningError(
                .invalidCredentials,
                "the key file has type '\(type)'; a 'service_account' key is needed to sign URLs"
            )
        }
        guard let clientEmail = object["client_email"] as? String, !clientEmail.isEmpty else {
            throw GCSSigningError(.invalidCredentials, "the service-account key file has no 'client_email'")
        }
        guard let pem = object["private_key"] as? String, !pem.isEmpty else {
            throw GCSSigningError(.invalidCredentials, "the service-account key file has no 'private_key'")
        }
        let key: RSAPrivateKey
        do {
            key = try RSAPrivateKey(pem: pem)
        } catch {
            throw GCSSigningError(
                .invalidCredentials,
                "the 'private_key' of service account \(clientEmail) is unusable: \(error.message)"
            )
        }
        self.init(
            clientEmail: clientEmail,
            privateKeyID: object["private_key_id"] as? String,
            projectID: object["project_id"] as? String,
            privateKey: key
        )
    }

    /// Parses the JSON key file text.
    public init(jsonText: String) throws(GCSSigningError) {
        try self.init(json: Data(jsonText.utf8))
    }
}
