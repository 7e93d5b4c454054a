import Foundation
import SpoolpostCore
import Testing

private let email = "signer@project.iam.gserviceaccount.com"

private func request(
    object: String? = "object",
    method: String = "GET",
    expiration: Int = 60,
    seconds: Double = 1_548_982_800,  // 2019-02-01T01:00:00Z
    style: GCSURLStyle = .pathStyle,
    scheme: String = "https",
    endpoint: String? = nil,
    headers: [String: String] = [:],
    query: [String: String] = [:]
) -> GCSSigningRequest {
    GCSSigningRequest(
        bucket: "bucket", object: object, method: method, expiration: expiration,
        date: Date(timeIntervalSince1970: seconds), style: style, scheme: scheme, endpoint: endpoint,
        headers: headers, queryParameters: query
    )
}

private func canonical(_ request: GCSSigningRequest) throws(GCSSigningError) -> GCSCanonicalRequest {
    try GCSCanonicalRequest(request, algorithm: .rsa, credentialID: email)
}

private func lines(_ canonical: GCSCanonicalRequest) -> [String] {
    canonical.canonicalRequest.components(separatedBy: "\n")
}

@Suite("GCS V4 canonical requests")
struct GCSCanonicalRequestTests {
    @Test("Timestamps and scopes in UTC across leap days, centuries and fractional seconds", arguments: [
        (1_709_251_199.0, "20240229T235959Z"),
        (951_825_600.0, "20000229T120000Z"),
        (4_107_542_400.0, "21000301T000000Z"),
        (0.0, "19700101T000000Z"),
        (1.9, "19700101T000001Z"),
        (253_402_300_799.0, "99991231T235959Z"),
    ])
    func timestamps(seconds: Double, expected: String) throws {
        let result = try canonical(request(seconds: seconds))
        #expect(result.timestamp == expected)
        #expect(result.credentialScope == "\(expected.prefix(8))/auto/storage/goog4_request")
        #expect(result.stringToSign(canonicalRequestHash: "abc")
            == "GOOG4-RSA-SHA256\n\(expected)\n\(expected.prefix(8))/auto/storage/goog4_request\nabc")
    }

    @Test("Expiration must be 1 ... 604800 seconds", arguments: [0, -5, 604_801])
    func expirationOutOfRange(seconds: Int) {
        do {
            _ = try canonical(request(expiration: seconds))
            Issue.record("expiration \(seconds) was accepted")
        } catch {
            #expect(error.kind == .invalidRequest)
            #expect(error.message.contains("604800"))
            #expect(error.spoolpostError.code == .invalidConfig)
            #expect(!error.spoolpostError.isRetryable)
        }
    }

    @Test("The expiration bounds themselves are accepted")
    func expirationBounds() throws {
        #expect(try canonical(request(expiration: 1)).canonicalQuery.contains("X-Goog-Expires=1&"))
        #expect(try canonical(request(expiration: 604_800)).canonicalQuery.contains("X-Goog-Expires=604800&"))
    }

    @Test("Object names keep unreserved characters and '/', and percent-encode the rest in uppercase UTF-8")
    func objectEncoding() throws {
        let result = try canonical(request(object: "a b/\u{fc}+?#%~._-/"))
        #expect(result.path == "/bucket/a%20b/%C3%BC%2B%3F%23%25~._-/")
        #expect(lines(result)[1] == result.path)
    }

    @Test("Paths for each URL style, with and without an object")
    func urlStyles() throws {
        #expect(try canonical(request(object: nil)).path == "/bucket")
        let virtual = try canonical(request(object: nil, style: .virtualHostedStyle))
        #expect(virtual.path == "/")
        #expect(virtual.host == "bucket.storage.googleapis.com")
        let bound = try canonical(request(style: .bucketBoundHostname("https://cdn.example.com/"), scheme: "http"))
        #expect(bound.scheme == "https")
        #expect(bound.urlWithoutSignature.hasPrefix("https://cdn.example.com/object?X-Goog-Algorithm="))
    }

    @Test("Default ports are left out of the signed host, other ports are kept")
    func ports() throws {
        let httpDefault = try canonical(request(endpoint: "http://localhost:80"))
        #expect(httpDefault.host == "localhost:80")
        #expect(lines(httpDefault).contains("host:localhost"))
        let custom = try canonical(request(endpoint: "https://example.com:8443"))
        #expect(lines(custom).contains("host:example.com:8443"))
        let httpsOnHTTPPort = try canonical(request(endpoint: "https://example.com:80"))
        #expect(lines(httpsOnHTTPPort).contains("host:example.com:80"))
        #expect(custom.signedURL(signatureHex: "ab").hasPrefix("https://example.com:8443/bucket/object?"))
        #expect(custom.signedURL(signatureHex: "ab").hasSuffix("&X-Goog-SignedHeaders=host&X-Goog-Signature=ab"))
    }

    @Test("Headers: lowercase names, trimmed and collapsed values, sorted, host always signed")
    func headers() throws {
        let result = try canonical(request(headers: [
            "Content-Type": "  text/plain ",
            "X-Goog-Meta-A": "one\t\t two",
            "x-goog-meta-a": "three",
        ]))
        #expect(result.signedHeaders == "content-type;host;x-goog-meta-a")
        let text = result.canonicalRequest
        #expect(text.contains("\ncontent-type:text/plain\nhost:storage.googleapis.com\nx-goog-meta-a:one two,three\n\n"))
        #expect(text.hasSuffix("\nUNSIGNED-PAYLOAD"))
    }

    @Test("A signed payload hash replaces UNSIGNED-PAYLOAD")
    func payloadHash() throws {
        let result = try canonical(request(method: "put", headers: ["X-Goog-Content-SHA256": "abc123"]))
        #expect(result.canonicalRequest.hasPrefix("PUT\n"))
        #expect(result.canonicalRequest.hasSuffix("\nhost;x-goog-content-sha256\nabc123"))
    }

    @Test("Query parameters sort by encoded name, then value, after encoding")
    func queryOrdering() throws {
        let result = try canonical(request(query: ["b": "2", "A": "x y", "a/b": "/"]))
        #expect(result.canonicalQuery.hasPrefix("A=x%20y&X-Goog-Algorithm="))
        #expect(result.canonicalQuery.hasSuffix("&X-Goog-SignedHeaders=host&a%2Fb=%2F&b=2"))
    }

    @Test("Requests that cannot be signed are refused with a clear message", arguments: [
        ("scheme", request(scheme: "ftp"), "scheme"),
        ("endpoint with a path", request(endpoint: "localhost:8080/storage"), "host[:port]"),
        ("empty endpoint", request(endpoint: "https://"), "host[:port]"),
        ("host header", request(headers: ["Host": "evil.example"]), "'host'"),
        ("reserved query", request(query: ["X-Goog-Signature": "x"]), "X-Goog-Signature"),
        ("header with colon", request(headers: ["a:b": "1"]), "a:b"),
        ("header value with newline", request(headers: ["a": "1\r\nb: 2"]), "line break"),
        ("method", request(method: "G ET"), "method"),
        ("empty object", request(object: ""), "empty"),
    ])
    func refusals(what: String, request: GCSSigningRequest, fragment: String) {
        do {
            _ = try canonical(request)
            Issue.record("\(what) was accepted")
        } catch {
            #expect(error.kind == .invalidRequest)
            #expect(error.message.contains(fragment), "\(error.message)")
        }
    }

    @Test("An empty credential ID is a credentials error")
    func emptyCredential() {
        #expect(throws: GCSSigningError(.invalidCredentials, "the credential has no client email or access ID")) {
            try GCSCanonicalRequest(request(), algorithm: .hmac, credentialID: "")
        }
    }
}

@Suite("GCS V4 POST policy documents")
struct GCSPostPolicyDocumentTests {
    @Test("Policy JSON escapes like Python's json.dumps and orders conditions as Google's libraries do")
    func policyJSON() throws {
        let document = try GCSPostPolicyDocument(
            GCSPostPolicyRequest(
                bucket: "bucket", object: "dir/\u{e9}.txt", expiration: 86_400,
                date: Date(timeIntervalSince1970: 1_709_251_199),
                fields: ["x-goog-meta-z": "\u{1F600}\u{1}\\\n/\u{7f}\"\u{e9}\t", "content-type": "text/plain"],
                conditions: [.contentLengthRange(minimum: 0, maximum: 10), .startsWith(field: "$key", prefix: "dir/"),
                             .equals(field: "$acl", value: "private")]
            ),
            algorithm: .hmac,
            credentialID: "GOOG1ID"
        )
        let expected = #"{"conditions":[["content-length-range",0,10],["starts-with","$key","dir/"],"#
            + #"["eq","$acl","private"],{"content-type":"text/plain"},"#
            + #"{"x-goog-meta-z":"\ud83d\ude00\u0001\\\n/\u007f\"\u00e9\t"},{"bucket":"bucket"},"#
            + #"{"key":"dir/\u00e9.txt"},{"x-goog-date":"20240229T235959Z"},"#
            + #"{"x-goog-credential":"GOOG1ID/20240229/auto/storage/goog4_request"},"#
            + #"{"x-goog-algorithm":"GOOG4-HMAC-SHA256"}],"expiration":"2024-03-01T23:59:59Z"}"#
        #expect(document.policyJSON == expected)
        #expect(document.base64Policy == Data(expected.utf8).base64EncodedString())
        #expect(document.url == "https://storage.googleapis.com/bucket/")
        #expect(document.fields["key"] == "dir/\u{e9}.txt")
        #expect(document.fields["policy"] == document.base64Policy)
        #expect(document.fields["x-goog-signature"] == nil)
        #expect(document.fields.count == 7)
    }

    @Test("Fields the signer writes cannot be supplied", arguments: ["key", "Policy", "x-goog-date", "bucket"])
    func reservedFields(name: String) {
        #expect(throws: GCSSigningError.self) {
            try GCSPostPolicyDocument(
                GCSPostPolicyRequest(bucket: "b", object: "o", expiration: 10, date: Date(), fields: [name: "x"]),
                algorithm: .rsa, credentialID: email
            )
        }
    }

    @Test("POST policies share the 7-day limit")
    func expiration() {
        #expect(throws: GCSSigningError.self) {
            try GCSPostPolicyDocument(
                GCSPostPolicyRequest(bucket: "b", object: "o", expiration: 604_801, date: Date()),
                algorithm: .rsa, credentialID: email
            )
        }
    }
}
