import Foundation

/// The V4 query-string signature of a received request, checked for form and rebuilt into the canonical request and
/// string to sign that Cloud Storage computes from it. Checking the signature bytes needs the signer's key, so it is
/// left to the caller (`GCSSignatureVerifier` in SpoolpostIO).
public struct GCSIncomingSignature: Sendable, Hashable {
    /// How early a signed URL may be used: Google's signatures page says a V4 signature "is usable from 15 minutes
    /// before the active datetime" (`X-Goog-Date`), allowing for clocks that run apart.
    public static let allowedClockSkew = 900

    public let algorithm: GCSSigningAlgorithm
    /// The service-account email or HMAC access ID named in `X-Goog-Credential`.
    public let credentialID: String
    /// `YYYYMMDD/auto/storage/goog4_request`.
    public let credentialScope: String
    /// `X-Goog-Date` as sent, `YYYYMMDDTHHMMSSZ`.
    public let timestamp: String
    /// `X-Goog-Date` as seconds since 1970.
    public let signedAt: Int
    /// `X-Goog-Expires`: seconds of validity after `signedAt`.
    public let expiration: Int
    /// The signed header names, lowercase and sorted.
    public let signedHeaders: [String]
    /// The signature from `X-Goog-Signature`, decoded from hex.
    public let signature: [UInt8]
    /// The canonical request rebuilt from what was received.
    public let canonicalRequest: String
    /// Signed headers the request does not carry; such a request cannot match its signature.
    public let unsentSignedHeaders: [String]
    /// `YYYYMMDD`, the date that keys an HMAC signature.
    public var datestamp: String { String(timestamp.prefix(8)) }

    private static let requiredParameters = [
        "X-Goog-Algorithm", "X-Goog-Credential", "X-Goog-Date", "X-Goog-Expires", "X-Goog-SignedHeaders",
        "X-Goog-Signature",
    ]

    /// Reads and checks the `X-Goog-*` query parameters of `request` and rebuilds its canonical request.
    ///
    /// Fails with `AuthenticationRequired` when the request has no V4 parameters at all, `MissingSecurityHeader`
    /// when some are missing, `InvalidArgument` when one is malformed (unknown algorithm, credential scope other than
    /// `DATE/auto/storage/goog4_request` or dated differently from `X-Goog-Date`, expiry outside 1...604800,
    /// `host` not signed). A signed header that was not sent is listed in `unsentSignedHeaders` and makes
    /// `mismatch(stringToSign:)` say so.
    public init(_ request: GCSIncomingRequest) throws(GCSIncomingError) {
        let items = try request.queryItems()
        var parameters: [String: String] = [:]
        for item in items {
            guard let name = Self.requiredParameters.first(where: { $0.lowercased() == item.name.lowercased() })
            else { continue }
            guard parameters[name] == nil else {
                throw .invalidArgument("The query parameter \(name) is given more than once.")
            }
            parameters[name] = item.value
        }
        guard !parameters.isEmpty else {
            throw .authenticationRequired("The request has no X-Goog-Signature or other V4 signing parameters.")
        }
        let missing = Self.requiredParameters.filter { (parameters[$0] ?? "").isEmpty }
        guard missing.isEmpty else {
            throw .missingSecurityHeader("Missing or empty query parameters: \(missing.joined(separator: ", ")).")
        }
        let algorithmText = parameters["X-Goog-Algorithm"]!
        guard let algorithm = GCSSigningAlgorithm(rawValue: algorithmText) else {
            throw .invalidArgument(
                "X-Goog-Algorithm must be GOOG4-RSA-SHA256 or GOOG4-HMAC-SHA256, not '\(algorithmText)'."
            )
        }

        let timestamp = parameters["X-Goog-Date"]!
        guard let signedAt = Self.secondsSince1970(compactTimestamp: timestamp) else {
            throw .invalidArgument("X-Goog-Date must be a UTC time as YYYYMMDD'T'HHMMSS'Z', not '\(timestamp)'.")
        }

        let credential = parameters["X-Goog-Credential"]!
        let parts = credential.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count >= 5, !parts[..<(parts.count - 4)].joined(separator: "/").isEmpty else {
            throw .invalidArgument(
                "X-Goog-Credential must be CREDENTIAL_ID/DATE/auto/storage/goog4_request, not '\(credential)'."
            )
        }
        let scopeParts = parts.suffix(4).map(String.init)
        guard scopeParts[1] == "auto", scopeParts[2] == "storage", scopeParts[3] == "goog4_request" else {
            throw .invalidArgument(
                "The credential scope must be DATE/auto/storage/goog4_request, "
                    + "not '\(scopeParts.joined(separator: "/"))'."
            )
        }
        guard scopeParts[0] == String(timestamp.prefix(8)) else {
            throw .invalidArgument(
                "The credential scope's date \(scopeParts[0]) is not the date of X-Goog-Date \(timestamp)."
            )
        }

        let expiresText = parameters["X-Goog-Expires"]!
        guard expiresText.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            expiresText.utf8.count <= 9, let expiration = Int(expiresText),
            (1...GCSSigningRequest.maximumExpiration).contains(expiration)
        else {
            throw .invalidArgument(
                "X-Goog-Expires must be 1 to \(GCSSigningRequest.maximumExpiration) seconds (7 days), "
                    + "not '\(expiresText)'."
            )
        }

        let signedHeaderText = parameters["X-Goog-SignedHeaders"]!
        let signedHeaders = signedHeaderText.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
        guard signedHeaders.allSatisfy({ !$0.isEmpty && $0 == $0.lowercased() }),
            zip(signedHeaders, signedHeaders.dropFirst()).allSatisfy({
                $0.utf8.lexicographicallyPrecedes($1.utf8)
            })
        else {
            throw .invalidArgument(
                "X-Goog-SignedHeaders must list lowercase header names, sorted and separated by ';', "
                    + "not '\(signedHeaderText)'."
            )
        }
        guard signedHeaders.contains("host") else {
            throw .invalidArgument("X-Goog-SignedHeaders must include host.")
        }

        let signatureText = parameters["X-Goog-Signature"]!
        guard let signature = Self.decodeHex(signatureText) else {
            throw .invalidArgument("X-Goog-Signature must be hexadecimal.")
        }

        self.algorithm = algorithm
        credentialID = parts[..<(parts.count - 4)].joined(separator: "/")
        credentialScope = scopeParts.joined(separator: "/")
        self.timestamp = timestamp
        self.signedAt = signedAt
        self.expiration = expiration
        self.signedHeaders = signedHeaders
        self.signature = signature

        // The canonical request, built by the same rules the signer in GCSCanonicalRequest follows.
        let path = GCSEncoding.percentEncode(try request.decodedPath(), keepSlash: true)
        let canonicalQuery = GCSEncoding.canonicalQuery(
            items.filter { $0.name.lowercased() != "x-goog-signature" }.map { (name: $0.name, value: $0.value) })
        var canonicalHeaders = ""
        var unsent: [String] = []
        var payload = GCSCanonicalRequest.unsignedPayload
        for name in signedHeaders {
            let values = name == "host" ? [request.host] : request.headerValues(name)
            if values.isEmpty { unsent.append(name) }
            let value = values.map(GCSEncoding.canonicalHeaderValue).joined(separator: ",")
            canonicalHeaders += "\(name):\(value)\n"
            if name == "x-goog-content-sha256", let last = values.last {
                payload = GCSEncoding.canonicalHeaderValue(last)
            }
        }
        canonicalRequest = [request.method, path, canonicalQuery, canonicalHeaders, signedHeaderText, payload]
            .joined(separator: "\n")
        unsentSignedHeaders = unsent
    }

    /// The string to sign: algorithm, timestamp, credential scope and the hex SHA-256 of `canonicalRequest`.
    /// Hashing is the caller's (this module has no cryptography), so the hash comes in as text.
    public func stringToSign(canonicalRequestHash hashHex: String) -> String {
        "\(algorithm.rawValue)\n\(timestamp)\n\(credentialScope)\n\(hashHex)"
    }

    /// When the signature stops being valid, in seconds since 1970.
    public var expiresAt: Int { signedAt + expiration }

    /// Whether the signature is valid at `now`: `ExpiredToken` once `X-Goog-Date + X-Goog-Expires` has passed,
    /// `InvalidArgument` when `X-Goog-Date` is more than `allowedClockSkew` seconds ahead of `now`.
    public func checkTime(now: Date, allowedClockSkew: Int = GCSIncomingSignature.allowedClockSkew)
        throws(GCSIncomingError)
    {
        let nowSeconds = Int(now.timeIntervalSince1970.rounded(.down))
        if nowSeconds > expiresAt {
            throw .expiredToken(expiredAt: GCSTimestamp(secondsSince1970: expiresAt).iso8601)
        }
        if signedAt - nowSeconds > allowedClockSkew {
            throw .invalidArgument(
                "The request is not yet valid: X-Goog-Date \(timestamp) is more than \(allowedClockSkew) seconds "
                    + "in the future."
            )
        }
    }

    /// The `SignatureDoesNotMatch` answer for this request, given the string to sign the server computed.
    public func mismatch(stringToSign: String) -> GCSIncomingError {
        var details = "The request signature we calculated does not match the signature you provided. "
            + "Check your Google secret key and signing method."
        if !unsentSignedHeaders.isEmpty {
            let names = unsentSignedHeaders.joined(separator: ", ")
            details += " The request does not send the signed header(s) \(names)."
        }
        return .signatureDoesNotMatch(
            details,
            stringToSign: stringToSign,
            canonicalRequest: canonicalRequest
        )
    }

    /// Seconds since 1970 for `YYYYMMDDTHHMMSSZ`, or nil if the text is not exactly a valid UTC time in that form.
    static func secondsSince1970(compactTimestamp text: String) -> Int? {
        let bytes = Array(text.utf8)
        guard bytes.count == 16, bytes[8] == UInt8(ascii: "T"), bytes[15] == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in bytes[range] {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(4..<6), let day = number(6..<8),
            let hour = number(9..<11), let minute = number(11..<13), let second = number(13..<15),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 60
        else { return nil }
        // Days from civil (Howard Hinnant), the inverse of GCSTimestamp's conversion.
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second
        // Rejects dates that do not exist, such as 20230230.
        guard GCSTimestamp(secondsSince1970: seconds).compact == text else { return nil }
        return seconds
    }

    private static func decodeHex(_ text: String) -> [UInt8]? {
        let characters = Array(text.utf8)
        guard !characters.isEmpty, characters.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(characters.count / 2)
        var index = 0
        while index < characters.count {
            guard let high = GCSEncoding.hexDigitValue(characters[index]),
                let low = GCSEncoding.hexDigitValue(characters[index + 1])
            else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

}
