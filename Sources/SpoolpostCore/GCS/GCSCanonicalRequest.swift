import Foundation

/// The V4 canonical request for a signed URL, and the pieces derived from it, built without any cryptography.
///
/// The signer hashes `canonicalRequest` with SHA-256, passes the lowercase hex to `stringToSign(canonicalRequestHash:)`,
/// signs that text, and appends the signature with `signedURL(signatureHex:)`.
public struct GCSCanonicalRequest: Sendable, Hashable {
    /// The value used for the payload line when the request does not sign its body.
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"
    /// Query parameters the signer writes itself; a caller may not set them.
    static let reservedQueryNames: Set<String> = [
        "x-goog-algorithm", "x-goog-credential", "x-goog-date", "x-goog-expires", "x-goog-signedheaders",
        "x-goog-signature",
    ]

    public let algorithm: GCSSigningAlgorithm
    /// `https` or `http`.
    public let scheme: String
    /// The URL's authority (host and any port).
    public let host: String
    /// The encoded path: `/bucket/object`, or `/object` when the bucket is in the host.
    public let path: String
    /// The canonical query string, without `X-Goog-Signature`.
    public let canonicalQuery: String
    /// Lowercase header names joined by `;`, sorted (always includes `host`).
    public let signedHeaders: String
    /// `YYYYMMDD/auto/storage/goog4_request`.
    public let credentialScope: String
    /// `YYYYMMDDTHHMMSSZ`.
    public let timestamp: String
    /// The full canonical request text.
    public let canonicalRequest: String

    /// Builds the canonical request for `request`, signed by `credentialID` (service-account email or HMAC access ID).
    public init(
        _ request: GCSSigningRequest,
        algorithm: GCSSigningAlgorithm,
        credentialID: String
    ) throws(GCSSigningError) {
        guard (1...GCSSigningRequest.maximumExpiration).contains(request.expiration) else {
            throw GCSSigningError(
                .invalidRequest,
                "the expiration must be 1 to \(GCSSigningRequest.maximumExpiration) seconds (7 days), "
                    + "not \(request.expiration)"
            )
        }
        let method = request.method.uppercased()
        guard !method.isEmpty, method.utf8.allSatisfy({ $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }) else {
            throw GCSSigningError(.invalidRequest, "the HTTP method '\(request.method)' is not a method name")
        }
        try Self.validate(bucket: request.bucket, object: request.object, credentialID: credentialID)
        let endpoint = try GCSEndpoint(
            bucket: request.bucket,
            style: request.style,
            scheme: request.scheme,
            endpoint: request.endpoint,
            universeDomain: request.universeDomain
        )

        let objectPath = request.object.map { "/" + GCSEncoding.percentEncode($0, keepSlash: true) }
        if endpoint.bucketInHost {
            path = objectPath ?? "/"
        } else {
            path = "/" + GCSEncoding.percentEncode(request.bucket) + (objectPath ?? "")
        }

        // Headers: lowercase names, canonical values; names differing only in case are joined with commas.
        var headers: [String: [String]] = [:]
        for (name, value) in request.headers.sorted(by: { $0.key < $1.key }) {
            try Self.validate(headerName: name, value: value)
            headers[name.lowercased(), default: []].append(GCSEncoding.canonicalHeaderValue(value))
        }
        guard headers["host"] == nil else {
            throw GCSSigningError(
                .invalidRequest,
                "do not pass a 'host' header: the signer derives it from the URL style and endpoint"
            )
        }
        headers["host"] = [endpoint.signedHost]
        let sortedHeaders = headers.map { (name: $0.key, value: $0.value.joined(separator: ",")) }
            .sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        let canonicalHeaders = sortedHeaders.map { "\($0.name):\($0.value)\n" }.joined()
        signedHeaders = sortedHeaders.map(\.name).joined(separator: ";")
        let payload = headers["x-goog-content-sha256"]?.last ?? Self.unsignedPayload

        let timestamp = GCSTimestamp(secondsSince1970: Int(request.date.timeIntervalSince1970.rounded(.down)))
        credentialScope = "\(timestamp.datestamp)/auto/storage/goog4_request"
        self.timestamp = timestamp.compact

        var query: [(name: String, value: String)] = [
            ("X-Goog-Algorithm", algorithm.rawValue),
            ("X-Goog-Credential", "\(credentialID)/\(credentialScope)"),
            ("X-Goog-Date", timestamp.compact),
            ("X-Goog-Expires", String(request.expiration)),
            ("X-Goog-SignedHeaders", signedHeaders),
        ]
        for (name, value) in request.queryParameters {
            guard !Self.reservedQueryNames.contains(name.lowercased()) else {
                throw GCSSigningError(.invalidRequest, "the query parameter '\(name)' is written by the signer")
            }
            query.append((name, value))
        }
        canonicalQuery = GCSEncoding.canonicalQuery(query)

        self.algorithm = algorithm
        scheme = endpoint.scheme
        host = endpoint.urlHost
        canonicalRequest = [method, path, canonicalQuery, canonicalHeaders, signedHeaders, payload]
            .joined(separator: "\n")
    }

    /// The text to sign: algorithm, timestamp, scope and the hex SHA-256 of `canonicalRequest`, one per line.
    public func stringToSign(canonicalRequestHash hashHex: String) -> String {
        "\(algorithm.rawValue)\n\(timestamp)\n\(credentialScope)\n\(hashHex)"
    }

    /// The URL with every signed parameter, before `X-Goog-Signature` is appended.
    public var urlWithoutSignature: String {
        "\(scheme)://\(host)\(path)?\(canonicalQuery)"
    }

    /// The finished signed URL, given the lowercase hex signature.
    public func signedURL(signatureHex: String) -> String {
        "\(urlWithoutSignature)&X-Goog-Signature=\(signatureHex)"
    }

    static func validate(bucket: String, object: String?, credentialID: String) throws(GCSSigningError) {
        guard !bucket.isEmpty, !bucket.contains("/") else {
            throw GCSSigningError(.invalidRequest, "the bucket name '\(bucket)' is empty or contains '/'")
        }
        if let object, object.isEmpty {
            throw GCSSigningError(.invalidRequest, "the object name is empty; pass nil to sign a bucket request")
        }
        guard !credentialID.isEmpty else {
            throw GCSSigningError(.invalidCredentials, "the credential has no client email or access ID")
        }
    }

    private static func validate(headerName name: String, value: String) throws(GCSSigningError) {
        guard !name.isEmpty, !name.contains(where: { $0 == ":" || $0.isWhitespace || $0.isNewline }) else {
            throw GCSSigningError(.invalidRequest, "the header name '\(name)' is empty or has ':' or whitespace")
        }
        guard !value.contains(where: \.isNewline) else {
            throw GCSSigningError(.invalidRequest, "the value of header '\(name)' contains a line break")
        }
    }
}
