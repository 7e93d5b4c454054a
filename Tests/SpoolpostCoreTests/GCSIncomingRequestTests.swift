import Foundation
import SpoolpostCore
import Testing

// Google's V4 conformance vectors (see shared/conformance/gcs/SOURCE.md), read back the way a server receives them.
private let conformanceFile = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()  // SpoolpostCoreTests
    .deletingLastPathComponent()  // Tests
    .deletingLastPathComponent()  // package root
    .deletingLastPathComponent()
    .appendingPathComponent("shared/conformance/gcs/v4_signatures.json")

struct IncomingVector: Sendable, CustomTestStringConvertible {
    let index: Int
    let name: String
    let method: String
    let url: String
    let headers: [String: String]
    let expectedCanonicalRequest: String
    let expectedStringToSign: String

    static let all: [IncomingVector] = {
        guard let data = try? Data(contentsOf: conformanceFile),
            let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let cases = root["signingV4Tests"] as? [[String: Any]]
        else { return [] }
        return cases.enumerated().map { index, json in
            IncomingVector(
                index: index,
                name: json["description"] as? String ?? "",
                method: json["method"] as? String ?? "",
                url: json["expectedUrl"] as? String ?? "",
                headers: json["headers"] as? [String: String] ?? [:],
                expectedCanonicalRequest: json["expectedCanonicalRequest"] as? String ?? "",
                expectedStringToSign: json["expectedStringToSign"] as? String ?? ""
            )
        }
    }()

    var testDescription: String { "#\(index) \(name)" }

    /// The request a server gets for this URL: the client sends the authority as `Host`, without a default port.
    var incoming: GCSIncomingRequest {
        let schemeEnd = url.range(of: "://")!
        let scheme = String(url[..<schemeEnd.lowerBound])
        let rest = url[schemeEnd.upperBound...]
        let pathStart = rest.firstIndex(of: "/")!
        var host = String(rest[..<pathStart])
        let defaultPort = scheme == "https" ? ":443" : ":80"
        if host.hasSuffix(defaultPort) { host.removeLast(defaultPort.count) }
        let target = rest[pathStart...]
        let query = target.firstIndex(of: "?")
        return GCSIncomingRequest(
            method: method,
            rawPath: String(target[..<(query ?? target.endIndex)]),
            rawQuery: query.map { String(target[target.index(after: $0)...]) } ?? "",
            host: host,
            headers: headers.map { GCSIncomingRequest.Header(name: $0.key, value: $0.value) }
        )
    }
}

/// Two of the vectors' listed canonical requests differ from what their own URLs and signatures were made from
/// (SOURCE.md); a server rebuilding the request from the URL gets the signed text, so the expectation is corrected.
private func correctedExpectation(_ vector: IncomingVector) -> String {
    switch vector.name {
    case "Simple GET with non-default hostname", "Endpoint on client with scheme",
        "Endpoint on client takes precedence over emulator":
        // The client sends `Host: localhost:8080`; the vectors sign `host:localhost`.
        return vector.expectedCanonicalRequest
            .replacingOccurrences(of: "\nhost:localhost\n", with: "\nhost:localhost:8080\n")
    case "Universe domain with virtual hosted style":
        // The URL's path is `/test-object` (bucket in the host); the listed request says `/test-bucket/test-object`.
        return vector.expectedCanonicalRequest
            .replacingOccurrences(of: "GET\n/test-bucket/test-object\n", with: "GET\n/test-object\n")
    default:
        return vector.expectedCanonicalRequest
    }
}

private func signedRequest(
    method: String = "GET",
    query: String,
    headers: [GCSIncomingRequest.Header] = [],
    path: String = "/bucket/object"
) -> GCSIncomingRequest {
    GCSIncomingRequest(method: method, rawPath: path, rawQuery: query, host: "127.0.0.1:8089", headers: headers)
}

private let validQuery = "X-Goog-Algorithm=GOOG4-HMAC-SHA256"
    + "&X-Goog-Credential=GOOG1ID%2F20240301%2Fauto%2Fstorage%2Fgoog4_request"
    + "&X-Goog-Date=20240301T120000Z&X-Goog-Expires=3600&X-Goog-SignedHeaders=host&X-Goog-Signature=abcd"

private func replacing(_ name: String, with value: String?) -> String {
    validQuery.split(separator: "&").compactMap { piece -> String? in
        guard piece.hasPrefix(name + "=") else { return String(piece) }
        return value.map { "\(name)=\($0)" }
    }.joined(separator: "&")
}

private func refusal(_ request: GCSIncomingRequest) -> GCSIncomingError? {
    do {
        _ = try GCSIncomingSignature(request)
        return nil
    } catch {
        return error
    }
}

/// 2024-03-01T12:00:00Z
private let signingTime = Date(timeIntervalSince1970: 1_709_294_400)

@Suite("GCS incoming V4 requests")
struct GCSIncomingRequestTests {
    @Test("All 29 conformance vectors are loaded")
    func vectorsLoaded() {
        #expect(IncomingVector.all.count == 29)
    }

    @Test("A vector's signed URL, received by a server, rebuilds the vector's canonical request",
        arguments: IncomingVector.all)
    func rebuildsCanonicalRequest(_ vector: IncomingVector) throws {
        let signature = try GCSIncomingSignature(vector.incoming)
        #expect(signature.canonicalRequest == correctedExpectation(vector))
        #expect(signature.unsentSignedHeaders.isEmpty)
        #expect(signature.algorithm == .rsa)
        #expect(signature.credentialID == "test-iam-credentials@dummy-project-id.iam.gserviceaccount.com")
        // Everything but the hash line of the string to sign comes from the parsed parameters.
        let expectedPrefix = vector.expectedStringToSign.split(separator: "\n").prefix(3).joined(separator: "\n")
        #expect(signature.stringToSign(canonicalRequestHash: "HASH") == expectedPrefix + "\nHASH")
        #expect(signature.signature.count == 256)
    }

    @Test("A request without any V4 parameter needs authentication (401)")
    func unsigned() {
        let error = refusal(signedRequest(query: "alt=media"))
        #expect(error?.code == "AuthenticationRequired")
        #expect(error?.status == 401)
    }

    @Test("Each missing or empty V4 parameter is named (MissingSecurityHeader)", arguments: [
        "X-Goog-Algorithm", "X-Goog-Credential", "X-Goog-Date", "X-Goog-Expires", "X-Goog-SignedHeaders",
        "X-Goog-Signature",
    ])
    func missingParameter(_ name: String) {
        for query in [replacing(name, with: nil), replacing(name, with: "")] {
            let error = refusal(signedRequest(query: query))
            #expect(error?.code == "MissingSecurityHeader")
            #expect(error?.status == 400)
            #expect(error?.details?.contains(name) == true)
        }
    }

    @Test("Malformed parameters are InvalidArgument", arguments: [
        ("X-Goog-Algorithm", "AWS4-HMAC-SHA256"),
        ("X-Goog-Credential", "GOOG1ID%2F20240301%2Fus%2Fstorage%2Fgoog4_request"),
        ("X-Goog-Credential", "GOOG1ID%2F20240302%2Fauto%2Fstorage%2Fgoog4_request"),
        ("X-Goog-Credential", "%2F20240301%2Fauto%2Fstorage%2Fgoog4_request"),
        ("X-Goog-Date", "2024-03-01T12:00:00Z"),
        ("X-Goog-Date", "20240230T120000Z"),
        ("X-Goog-Expires", "0"),
        ("X-Goog-Expires", "604801"),
        ("X-Goog-Expires", "-5"),
        ("X-Goog-Expires", "1e3"),
        ("X-Goog-SignedHeaders", "content-type"),
        ("X-Goog-SignedHeaders", "host%3Bcontent-type"),
        ("X-Goog-SignedHeaders", "Host"),
        ("X-Goog-Signature", "xyz"),
        ("X-Goog-Signature", "abc"),
    ])
    func malformed(_ name: String, _ value: String) {
        let error = refusal(signedRequest(query: replacing(name, with: value)))
        #expect(error?.code == "InvalidArgument", "\(name)=\(value)")
        #expect(error?.status == 400)
    }

    @Test("The longest and shortest expiry are accepted")
    func expiryBounds() throws {
        #expect(try GCSIncomingSignature(signedRequest(query: replacing("X-Goog-Expires", with: "604800")))
            .expiration == 604_800)
        #expect(try GCSIncomingSignature(signedRequest(query: replacing("X-Goog-Expires", with: "1")))
            .expiration == 1)
    }

    @Test("A repeated V4 parameter is refused")
    func repeatedParameter() {
        let error = refusal(signedRequest(query: validQuery + "&x-goog-date=20240301T120000Z"))
        #expect(error?.code == "InvalidArgument")
    }

    @Test("Expired after X-Goog-Date + X-Goog-Expires: ExpiredToken with the time; valid up to that second")
    func expiry() throws {
        let signature = try GCSIncomingSignature(signedRequest(query: validQuery))
        #expect(signature.signedAt == Int(signingTime.timeIntervalSince1970))
        try signature.checkTime(now: signingTime)
        try signature.checkTime(now: signingTime.addingTimeInterval(3600))
        do {
            try signature.checkTime(now: signingTime.addingTimeInterval(3601))
            Issue.record("an expired signature was accepted")
        } catch {
            #expect(error.code == "ExpiredToken")
            #expect(error.status == 400)
            #expect(error.details == "Request signature expired at: 2024-03-01T13:00:00Z")
        }
    }

    @Test("Usable from 15 minutes before X-Goog-Date, not earlier")
    func futureDate() throws {
        let signature = try GCSIncomingSignature(signedRequest(query: validQuery))
        try signature.checkTime(now: signingTime.addingTimeInterval(-900))
        do {
            try signature.checkTime(now: signingTime.addingTimeInterval(-901))
            Issue.record("a signature dated too far ahead was accepted")
        } catch {
            #expect(error.code == "InvalidArgument")
            #expect(error.details?.contains("future") == true)
        }
    }

    @Test("A signed header the request does not send is reported, and the mismatch names it")
    func unsentSignedHeader() throws {
        let query = replacing("X-Goog-SignedHeaders", with: "content-type%3Bhost")
        let signature = try GCSIncomingSignature(signedRequest(method: "PUT", query: query))
        #expect(signature.unsentSignedHeaders == ["content-type"])
        #expect(signature.canonicalRequest.contains("\ncontent-type:\nhost:127.0.0.1:8089\n"))
        let error = signature.mismatch(stringToSign: "STS")
        #expect(error.code == "SignatureDoesNotMatch")
        #expect(error.status == 403)
        #expect(error.details?.contains("content-type") == true)
        #expect(error.canonicalRequest == signature.canonicalRequest)

        let sent = try GCSIncomingSignature(
            signedRequest(
                method: "PUT", query: query,
                headers: [.init(name: "Content-Type", value: "  image/png "), .init(name: "X-Other", value: "1")]
            )
        )
        #expect(sent.unsentSignedHeaders.isEmpty)
        #expect(sent.canonicalRequest == "PUT\n/bucket/object\n" + validQuery.replacingOccurrences(
            of: "X-Goog-SignedHeaders=host&X-Goog-Signature=abcd", with: "X-Goog-SignedHeaders=content-type%3Bhost"
        ) + "\ncontent-type:image/png\nhost:127.0.0.1:8089\n\ncontent-type;host\nUNSIGNED-PAYLOAD")
    }

    @Test("Paths decode to the bucket and the object name, which keeps `..`, `?`, `#`, `%` and unicode")
    func pathStyle() throws {
        let cases: [(String, String, String?)] = [
            ("/spoolpost-local", "spoolpost-local", nil),
            ("/spoolpost-local/", "spoolpost-local", nil),
            ("/b/media/a%20b.jpg", "b", "media/a b.jpg"),
            ("/b/../../etc/passwd", "b", "../../etc/passwd"),
            ("/b/%3F%23%25x", "b", "?#%x"),
            ("/b/%C3%A9t%C3%A9/%F0%9F%93%B7", "b", "été/📷"),
            ("/b//leading", "b", "/leading"),
        ]
        for (path, bucket, object) in cases {
            let parsed = try signedRequest(query: "", path: path).pathStyleBucketAndObject()
            #expect(parsed.bucket == bucket, "\(path)")
            #expect(parsed.object == object, "\(path)")
        }
        for bad in ["/b/%zz", "/b/%C3", "/b/%"] {
            #expect(throws: GCSIncomingError.self) { try signedRequest(query: "", path: bad).decodedPath() }
        }
    }

    @Test("The canonical path is re-encoded, so equivalent encodings of one name sign alike")
    func pathNormalisation() throws {
        let plain = try GCSIncomingSignature(signedRequest(query: validQuery, path: "/b/a~b%2Ec"))
        #expect(plain.canonicalRequest.hasPrefix("GET\n/b/a~b.c\n"))
        let escaped = try GCSIncomingSignature(signedRequest(query: validQuery, path: "/b/%61%7Eb.c"))
        #expect(escaped.canonicalRequest == plain.canonicalRequest)
    }

    @Test("Error documents are escaped XML with Cloud Storage's elements")
    func xmlDocument() {
        let error = GCSIncomingError.signatureDoesNotMatch(
            "a <b> & 'c'", stringToSign: "S\nT", canonicalRequest: "GET\n/x?a=1&b=2"
        )
        #expect(error.xmlDocument == "<?xml version='1.0' encoding='UTF-8'?><Error><Code>SignatureDoesNotMatch</Code>"
            + "<Message>Access denied.</Message><Details>a &lt;b&gt; &amp; &apos;c&apos;</Details>"
            + "<StringToSign>S\nT</StringToSign><CanonicalRequest>GET\n/x?a=1&amp;b=2</CanonicalRequest></Error>")
    }
}
