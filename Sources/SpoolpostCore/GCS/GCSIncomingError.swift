/// A refusal of a Cloud Storage XML API request, named and numbered as Cloud Storage answers it
/// (`<Error><Code>…</Code><Message>…</Message>…</Error>` with the matching HTTP status).
///
/// Messages describe the request (a parameter's name, a header's name, a time); they never contain a secret or the
/// signature that would have been right.
public struct GCSIncomingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The XML `<Code>` text, such as `SignatureDoesNotMatch`.
    public var code: String
    /// The HTTP status the code is answered with.
    public var status: Int
    /// The XML `<Message>` text.
    public var message: String
    /// The XML `<Details>` text, when there is more to say.
    public var details: String?
    /// For `SignatureDoesNotMatch`: the string to sign the server computed, so the client can compare.
    public var stringToSign: String?
    /// For `SignatureDoesNotMatch`: the canonical request the server computed.
    public var canonicalRequest: String?

    public init(
        code: String,
        status: Int,
        message: String,
        details: String? = nil,
        stringToSign: String? = nil,
        canonicalRequest: String? = nil
    ) {
        self.code = code
        self.status = status
        self.message = message
        self.details = details
        self.stringToSign = stringToSign
        self.canonicalRequest = canonicalRequest
    }

    public var description: String {
        "\(code) (HTTP \(status)): \(message)" + (details.map { " \($0)" } ?? "")
    }

    /// The XML error document Cloud Storage sends as the response body.
    public var xmlDocument: String {
        var text = "<?xml version='1.0' encoding='UTF-8'?><Error><Code>\(Self.escape(code))</Code>"
        text += "<Message>\(Self.escape(message))</Message>"
        if let details { text += "<Details>\(Self.escape(details))</Details>" }
        if let stringToSign { text += "<StringToSign>\(Self.escape(stringToSign))</StringToSign>" }
        if let canonicalRequest { text += "<CanonicalRequest>\(Self.escape(canonicalRequest))</CanonicalRequest>" }
        return text + "</Error>"
    }

    private static func escape(_ text: String) -> String {
        var output = ""
        output.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"": output += "&quot;"
            case "'": output += "&apos;"
            default: output.append(character)
            }
        }
        return output
    }
}

extension GCSIncomingError {
    /// 400 `InvalidArgument`: a parameter or header has a value Cloud Storage cannot accept.
    public static func invalidArgument(_ details: String) -> GCSIncomingError {
        GCSIncomingError(code: "InvalidArgument", status: 400, message: "Invalid argument.", details: details)
    }

    /// 400 `MissingSecurityHeader`: the request is partly signed; a required `X-Goog-*` parameter is absent.
    public static func missingSecurityHeader(_ details: String) -> GCSIncomingError {
        GCSIncomingError(
            code: "MissingSecurityHeader", status: 400,
            message: "Your request was missing a required header.", details: details
        )
    }

    /// 401 `AuthenticationRequired`: the request carries no signature at all.
    public static func authenticationRequired(_ details: String) -> GCSIncomingError {
        GCSIncomingError(
            code: "AuthenticationRequired", status: 401, message: "Authentication required.", details: details
        )
    }

    /// 400 `ExpiredToken`: the signed URL's validity ended at `expiredAt` (ISO 8601).
    public static func expiredToken(expiredAt: String) -> GCSIncomingError {
        GCSIncomingError(
            code: "ExpiredToken", status: 400, message: "The provided token has expired.",
            details: "Request signature expired at: \(expiredAt)"
        )
    }

    /// 403 `SignatureDoesNotMatch`, with what the server signed, so the client can find the difference.
    public static func signatureDoesNotMatch(
        _ details: String, stringToSign: String, canonicalRequest: String
    ) -> GCSIncomingError {
        GCSIncomingError(
            code: "SignatureDoesNotMatch", status: 403, message: "Access denied.", details: details,
            stringToSign: stringToSign, canonicalRequest: canonicalRequest
        )
    }

    /// 403 `InvalidAccessKeyId`: the HMAC access ID or service account named in the credential is unknown.
    public static func invalidAccessKeyID(_ credentialID: String) -> GCSIncomingError {
        GCSIncomingError(
            code: "InvalidAccessKeyId", status: 403,
            message: "The access key Id you provided does not exist in our records.",
            details: "No key for '\(credentialID)' is configured."
        )
    }
}
