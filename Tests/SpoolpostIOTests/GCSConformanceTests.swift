import Foundation
import SpoolpostCore
import SpoolpostIO
import Testing

// Google's V4 signing conformance vectors (googleapis/conformance-tests, storage/v1), kept in the shared/ folder
// that sits beside the repository: <package root>/../shared/conformance/gcs/. See SOURCE.md there for provenance
// and for the known quirks of the data, which the tests below name case by case.

private let conformanceDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()  // SpoolpostIOTests
    .deletingLastPathComponent()  // Tests
    .deletingLastPathComponent()  // package root
    .deletingLastPathComponent()
    .appendingPathComponent("shared/conformance/gcs")

private struct ConformanceFile: Sendable {
    let signingCases: [SigningCase]
    let postPolicyCases: [PostPolicyCase]
    let serviceAccountJSON: Data?
    let loadError: String?

    static let shared = ConformanceFile()

    private init() {
        var signing: [SigningCase] = []
        var policies: [PostPolicyCase] = []
        var account: Data?
        var problem: String?
        do {
            let data = try Data(contentsOf: conformanceDirectory.appendingPathComponent("v4_signatures.json"))
            let root = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
            let signingJSON = root["signingV4Tests"] as? [[String: Any]] ?? []
            let policyJSON = root["postPolicyV4Tests"] as? [[String: Any]] ?? []
            signing = signingJSON.enumerated().map { SigningCase(index: $0.offset, json: $0.element) }
            policies = policyJSON.enumerated().map { PostPolicyCase(index: $0.offset, json: $0.element) }
            account = try Data(contentsOf: conformanceDirectory.appendingPathComponent("test_service_account.json"))
        } catch {
            problem = "cannot load the conformance vectors from \(conformanceDirectory.path): \(error)"
        }
        signingCases = signing
        postPolicyCases = policies
        serviceAccountJSON = account
        loadError = problem
    }

    func signer() throws -> GCSURLSigner {
        let json = try #require(serviceAccountJSON, "test_service_account.json is missing")
        return GCSURLSigner(serviceAccount: try GCSServiceAccountKey(json: json))
    }
}

private func parseTimestamp(_ text: String) -> Date {
    ISO8601DateFormatter().date(from: text) ?? Date(timeIntervalSince1970: -1)
}

private func urlStyle(_ name: String?, bucketBoundHostname: String?) -> GCSURLStyle {
    switch name {
    case "VIRTUAL_HOSTED_STYLE": .virtualHostedStyle
    case "BUCKET_BOUND_HOSTNAME": .bucketBoundHostname(bucketBoundHostname ?? "")
    default: .pathStyle
    }
}

struct SigningCase: Sendable, CustomTestStringConvertible {
    let index: Int
    let name: String
    let request: GCSSigningRequest
    let expectedURL: String
    let expectedCanonicalRequest: String
    let expectedStringToSign: String

    init(index: Int, json: [String: Any]) {
        self.index = index
        name = json["description"] as? String ?? "case \(index)"
        // Which host wins when a case sets several, as the vectors' descriptions say: hostname, then the client's
        // endpoint, then the emulator host, then storage.<universe domain>.
        let endpoint = json["hostname"] as? String ?? json["clientEndpoint"] as? String
            ?? json["emulatorHostname"] as? String
        request = GCSSigningRequest(
            bucket: json["bucket"] as? String ?? "",
            object: json["object"] as? String,
            method: json["method"] as? String ?? "",
            expiration: json["expiration"] as? Int ?? 0,
            date: parseTimestamp(json["timestamp"] as? String ?? ""),
            style: urlStyle(json["urlStyle"] as? String, bucketBoundHostname: json["bucketBoundHostname"] as? String),
            scheme: json["scheme"] as? String ?? "https",
            endpoint: endpoint,
            universeDomain: json["universeDomain"] as? String ?? "googleapis.com",
            headers: json["headers"] as? [String: String] ?? [:],
            queryParameters: json["queryParameters"] as? [String: String] ?? [:]
        )
        expectedURL = json["expectedUrl"] as? String ?? ""
        expectedCanonicalRequest = json["expectedCanonicalRequest"] as? String ?? ""
        expectedStringToSign = json["expectedStringToSign"] as? String ?? ""
    }

    var testDescription: String { "#\(index) \(name)" }
}

struct PostPolicyCase: Sendable, CustomTestStringConvertible {
    let index: Int
    let name: String
    let request: GCSPostPolicyRequest
    let expectedURL: String
    let expectedFields: [String: String]
    let expectedDecodedPolicy: String

    init(index: Int, json: [String: Any]) {
        self.index = index
        name = json["description"] as? String ?? "case \(index)"
        let input = json["policyInput"] as? [String: Any] ?? [:]
        let output = json["policyOutput"] as? [String: Any] ?? [:]
        var conditions: [GCSPostPolicyCondition] = []
        let inputConditions = input["conditions"] as? [String: Any] ?? [:]
        if let startsWith = inputConditions["startsWith"] as? [String], startsWith.count == 2 {
            conditions.append(.startsWith(field: startsWith[0], prefix: startsWith[1]))
        }
        if let range = inputConditions["contentLengthRange"] as? [Int], range.count == 2 {
            conditions.append(.contentLengthRange(minimum: range[0], maximum: range[1]))
        }
        request = GCSPostPolicyRequest(
            bucket: input["bucket"] as? String ?? "",
            object: input["object"] as? String ?? "",
            expiration: input["expiration"] as? Int ?? 0,
            date: parseTimestamp(input["timestamp"] as? String ?? ""),
            style: urlStyle(input["urlStyle"] as? String, bucketBoundHostname: input["bucketBoundHostname"] as? String),
            scheme: input["scheme"] as? String ?? "https",
            fields: input["fields"] as? [String: String] ?? [:],
            conditions: conditions
        )
        expectedURL = output["url"] as? String ?? ""
        expectedFields = output["fields"] as? [String: String] ?? [:]
        expectedDecodedPolicy = json["expectedDecodedPolicy"] as? String
            ?? output["expectedDecodedPolicy"] as? String ?? ""
    }

    var testDescription: String { "#\(index) \(name)" }
}

/// Vector quirks from SOURCE.md, by description (case numbers are 0-based positions in signingV4Tests).
private enum SigningQuirk {
    /// Cases 21, 23, 25: the vectors sign `host:localhost` for a URL on localhost:8080. This signer signs the host
    /// the client will send (`localhost:8080`, as curl sends it), so only the host line and the signature differ.
    static let portDroppedFromHost: Set<String> = [
        "Simple GET with non-default hostname",
        "Endpoint on client with scheme",
        "Endpoint on client takes precedence over emulator",
    ]
    /// Case 28: `expectedCanonicalRequest` has path `/test-bucket/test-object`, but the string to sign and the URL's
    /// signature were computed from path `/test-object` (virtual-hosted style), which is what this signer produces.
    static let canonicalPathWrong = "Universe domain with virtual hosted style"
}

private func signature(in url: String) -> String {
    url.components(separatedBy: "&X-Goog-Signature=").last ?? ""
}

private func withoutSignature(_ url: String) -> String {
    url.components(separatedBy: "&X-Goog-Signature=").first ?? url
}

private func sha256Hex(_ text: String) -> String {
    Hex.encode(Digest.sha256(Array(text.utf8)))
}

@Suite("GCS V4 signing conformance (googleapis/conformance-tests)")
struct GCSConformanceTests {
    @Test("The vector file is present with 29 signed-URL and 11 POST-policy cases")
    func vectorsPresent() {
        let file = ConformanceFile.shared
        #expect(file.loadError == nil, "\(file.loadError ?? "")")
        #expect(file.signingCases.count == 29)
        #expect(file.postPolicyCases.count == 11)
    }

    @Test("Signed URL", arguments: ConformanceFile.shared.signingCases)
    func signedURL(_ vector: SigningCase) throws {
        let signer = try ConformanceFile.shared.signer()
        let signed = try signer.sign(vector.request)
        let canonical = signed.canonicalRequest.canonicalRequest

        if SigningQuirk.portDroppedFromHost.contains(vector.name) {
            // Everything but the host line is byte-for-byte the vector's.
            let expectedWithPort = vector.expectedCanonicalRequest
                .replacingOccurrences(of: "\nhost:localhost\n", with: "\nhost:localhost:8080\n")
            #expect(expectedWithPort != vector.expectedCanonicalRequest, "the quirk is no longer in the data")
            #expect(canonical == expectedWithPort)
            #expect(withoutSignature(signed.url) == withoutSignature(vector.expectedURL))
            #expect(signed.stringToSign == "GOOG4-RSA-SHA256\n20190201T090000Z\n20190201/auto/storage/goog4_request\n"
                + sha256Hex(canonical))
            // And the vector's own text, signed with this key, gives the vector's signature.
            #expect(vector.expectedStringToSign.hasSuffix(sha256Hex(vector.expectedCanonicalRequest)))
            let key = try GCSServiceAccountKey(json: try #require(ConformanceFile.shared.serviceAccountJSON))
            let theirs = Hex.encode(try key.privateKey.signSHA256(Array(vector.expectedStringToSign.utf8)))
            #expect(theirs == signature(in: vector.expectedURL))
        } else if vector.name == SigningQuirk.canonicalPathWrong {
            #expect(signed.url == vector.expectedURL)
            #expect(signed.stringToSign == vector.expectedStringToSign)
            let expectedFixed = vector.expectedCanonicalRequest
                .replacingOccurrences(of: "GET\n/test-bucket/test-object\n", with: "GET\n/test-object\n")
            #expect(canonical == expectedFixed)
            // The quirk itself: the listed canonical request does not hash to the listed string to sign.
            #expect(!vector.expectedStringToSign.hasSuffix(sha256Hex(vector.expectedCanonicalRequest)))
        } else {
            #expect(canonical == vector.expectedCanonicalRequest)
            #expect(signed.stringToSign == vector.expectedStringToSign)
            #expect(signed.url == vector.expectedURL)
        }
    }

    @Test("POST policy", arguments: ConformanceFile.shared.postPolicyCases)
    func postPolicy(_ vector: PostPolicyCase) throws {
        let signer = try ConformanceFile.shared.signer()
        let policy = try signer.postPolicy(for: vector.request)
        #expect(policy.url == vector.expectedURL)
        #expect(policy.fields == vector.expectedFields)
        let encoded = try #require(policy.fields["policy"])
        let decoded = String(decoding: try #require(Data(base64Encoded: encoded)), as: UTF8.self)
        #expect(decoded == policy.policyJSON)
        // `expectedDecodedPolicy` shows non-ASCII characters as themselves (cases 9 and 10, 'é'), while the signed
        // policy, like Google's libraries, writes them as \u escapes; compare after undoing the escapes.
        #expect(unescapeUnicode(policy.policyJSON) == vector.expectedDecodedPolicy)
    }

    @Test("HMAC key: GOOG4-HMAC-SHA256 URL matches an independent computation (Python hmac/hashlib)")
    func hmacSignedURL() throws {
        let key = try GCSHMACKey(accessID: "GOOG1EXAMPLEACCESSID", secret: "bGoa+V7g/yqDXvKRqq+JTFn4uQZbPiQJo4pf9RzJ")
        #expect(!"\(key)".contains("bGoa"))
        let signer = GCSURLSigner(hmacKey: key)
        let request = GCSSigningRequest(
            bucket: "test-bucket", object: "test-object", method: "GET", expiration: 10,
            date: parseTimestamp("2019-02-01T09:00:00Z")
        )
        let signed = try signer.sign(request)
        #expect(signed.canonicalRequest.canonicalRequest == "GET\n/test-bucket/test-object\n"
            + "X-Goog-Algorithm=GOOG4-HMAC-SHA256&X-Goog-Credential=GOOG1EXAMPLEACCESSID%2F20190201%2Fauto%2Fstorage"
            + "%2Fgoog4_request&X-Goog-Date=20190201T090000Z&X-Goog-Expires=10&X-Goog-SignedHeaders=host\n"
            + "host:storage.googleapis.com\n\nhost\nUNSIGNED-PAYLOAD")
        #expect(signed.stringToSign.hasPrefix("GOOG4-HMAC-SHA256\n20190201T090000Z\n"))
        #expect(signature(in: signed.url) == "2b200787b25bdfa0a69534a3b0357d88bc78920fb9b2bb85cdd77b7cf342df9f")
    }

    @Test("Service-account files that cannot be used give clear errors without key material")
    func badServiceAccount() throws {
        let cases: [(String, String)] = [
            ("{not json", "not valid JSON"),
            ("[]", "not a JSON object"),
            (#"{"type":"authorized_user","client_email":"a@b","private_key":"x"}"#, "'service_account'"),
            (#"{"private_key":"x"}"#, "no 'client_email'"),
            (#"{"client_email":"a@b"}"#, "no 'private_key'"),
            (#"{"client_email":"a@b","private_key":"-----BEGIN PRIVATE KEY-----\nSECRETSTUFF\n"}"#, "unusable"),
        ]
        for (json, fragment) in cases {
            do {
                _ = try GCSServiceAccountKey(jsonText: json)
                Issue.record("accepted \(json)")
            } catch {
                #expect(error.kind == .invalidCredentials)
                #expect(error.message.contains(fragment), "\(error.message)")
                #expect(!error.message.contains("SECRETSTUFF"))
            }
        }
    }
}

/// Replaces each `\uXXXX` escape (outside surrogate pairs) with its character.
private func unescapeUnicode(_ text: String) -> String {
    var output = ""
    var characters = Substring(text)
    while let range = characters.range(of: "\\u") {
        output += characters[..<range.lowerBound]
        let digits = characters[range.upperBound...].prefix(4)
        if digits.count == 4, let value = UInt32(digits, radix: 16), let scalar = Unicode.Scalar(value) {
            output.unicodeScalars.append(scalar)
            characters = characters[range.upperBound...].dropFirst(4)
        } else {
            output += "\\u"
            characters = characters[range.upperBound...]
        }
    }
    return output + characters
}
