import Foundation

/// A V4 POST policy before signing: the form's URL, its fields and the base64 policy that the signature covers.
///
/// The policy JSON is written exactly as Google's client libraries and conformance vectors write it: compact, with
/// the caller's conditions first, then each extra field sorted by name, then `bucket`, `key`, `x-goog-date`,
/// `x-goog-credential`, `x-goog-algorithm`, and finally `expiration`; strings escaped as Python's `json.dumps` does
/// (`\"`, `\\`, control characters, and every non-ASCII character as `\uXXXX`; `/` is left alone).
public struct GCSPostPolicyDocument: Sendable, Hashable {
    /// Field names the signer writes itself; a caller may not set them.
    static let reservedFieldNames: Set<String> = [
        "key", "bucket", "policy", "x-goog-algorithm", "x-goog-credential", "x-goog-date", "x-goog-signature",
    ]

    /// Where the form posts: `https://storage.googleapis.com/bucket/` or the bucket's own host with `/`.
    public let url: String
    /// The policy document as JSON text.
    public let policyJSON: String
    /// The base64 of `policyJSON`: the `policy` field, and exactly the bytes to sign.
    public let base64Policy: String
    /// Every form field except `x-goog-signature`.
    public let fields: [String: String]

    public init(
        _ request: GCSPostPolicyRequest,
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
        try GCSCanonicalRequest.validate(bucket: request.bucket, object: request.object, credentialID: credentialID)
        for name in request.fields.keys where Self.reservedFieldNames.contains(name.lowercased()) {
            throw GCSSigningError(.invalidRequest, "the form field '\(name)' is written by the signer")
        }
        let endpoint = try GCSEndpoint(
            bucket: request.bucket,
            style: request.style,
            scheme: request.scheme,
            endpoint: request.endpoint,
            universeDomain: request.universeDomain
        )
        url = "\(endpoint.scheme)://\(endpoint.urlHost)/" + (endpoint.bucketInHost ? "" : "\(request.bucket)/")

        let seconds = Int(request.date.timeIntervalSince1970.rounded(.down))
        let signedAt = GCSTimestamp(secondsSince1970: seconds)
        let expiresAt = GCSTimestamp(secondsSince1970: seconds + request.expiration)
        let credential = "\(credentialID)/\(signedAt.datestamp)/auto/storage/goog4_request"

        var conditions: [String] = request.conditions.map(Self.json)
        let sortedFields = request.fields.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        for (name, value) in sortedFields {
            conditions.append(Self.object(name, value))
        }
        conditions.append(Self.object("bucket", request.bucket))
        conditions.append(Self.object("key", request.object))
        conditions.append(Self.object("x-goog-date", signedAt.compact))
        conditions.append(Self.object("x-goog-credential", credential))
        conditions.append(Self.object("x-goog-algorithm", algorithm.rawValue))
        policyJSON = "{\"conditions\":[" + conditions.joined(separator: ",") + "],\"expiration\":"
            + Self.string(expiresAt.iso8601) + "}"
        base64Policy = Data(policyJSON.utf8).base64EncodedString()

        var fields = request.fields
        fields["key"] = request.object
        fields["x-goog-algorithm"] = algorithm.rawValue
        fields["x-goog-credential"] = credential
        fields["x-goog-date"] = signedAt.compact
        fields["policy"] = base64Policy
        self.fields = fields
    }

    private static func json(_ condition: GCSPostPolicyCondition) -> String {
        switch condition {
        case .startsWith(let field, let prefix):
            "[\(string("starts-with")),\(string(field)),\(string(prefix))]"
        case .equals(let field, let value):
            "[\(string("eq")),\(string(field)),\(string(value))]"
        case .contentLengthRange(let minimum, let maximum):
            "[\(string("content-length-range")),\(minimum),\(maximum)]"
        }
    }

    private static func object(_ name: String, _ value: String) -> String {
        "{\(string(name)):\(string(value))}"
    }

    /// A JSON string literal escaped like Python's `json.dumps(..., ensure_ascii=True)`.
    static func string(_ text: String) -> String {
        let hexDigits = Array("0123456789abcdef".utf8)
        var output: [UInt8] = [UInt8(ascii: "\"")]
        func appendUnicodeEscape(_ unit: UInt16) {
            output.append(contentsOf: Array("\\u".utf8))
            for shift in stride(from: 12, through: 0, by: -4) {
                output.append(hexDigits[Int((unit >> UInt16(shift)) & 0xF)])
            }
        }
        for unit in text.utf16 {
            switch unit {
            case 0x22: output.append(contentsOf: Array("\\\"".utf8))
            case 0x5C: output.append(contentsOf: Array("\\\\".utf8))
            case 0x0A: output.append(contentsOf: Array("\\n".utf8))
            case 0x0D: output.append(contentsOf: Array("\\r".utf8))
            case 0x09: output.append(contentsOf: Array("\\t".utf8))
            case 0x08: output.append(contentsOf: Array("\\b".utf8))
            case 0x0C: output.append(contentsOf: Array("\\f".utf8))
            case 0x20...0x7E: output.append(UInt8(unit))
            default: appendUnicodeEscape(unit)
            }
        }
        output.append(UInt8(ascii: "\""))
        return String(decoding: output, as: UTF8.self)
    }
}
