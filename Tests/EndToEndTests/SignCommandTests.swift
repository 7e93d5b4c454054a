import Foundation
import Glibc
import SpoolpostCore
import SpoolpostIO
import Testing

/// A temporary working folder for running the real `spoolpost` binary, removed at the end.
final class CLIFolder {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("spoolpost-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    var path: String { directory.path }

    /// Writes a file with `mode` and returns its path.
    @discardableResult
    func write(_ name: String, _ text: String, mode: mode_t = 0o644) throws -> String {
        let file = directory.appendingPathComponent(name).path
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        chmod(file, mode)
        return file
    }

    /// Runs the binary in this folder to completion.
    func run(_ arguments: [String]) async throws -> (status: Int32, output: String, errors: String) {
        try await runSpoolpost(arguments, in: directory)
    }
}

let conformanceDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("shared/conformance/gcs")

private func conformance() throws -> (signing: [[String: Any]], policies: [[String: Any]], key: String) {
    let data = try Data(contentsOf: conformanceDirectory.appendingPathComponent("v4_signatures.json"))
    let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    let key = try String(contentsOf: conformanceDirectory.appendingPathComponent("test_service_account.json"), encoding: .utf8)
    return (root["signingV4Tests"] as? [[String: Any]] ?? [], root["postPolicyV4Tests"] as? [[String: Any]] ?? [], key)
}

/// The `sign` arguments that describe a signing vector.
private func signArguments(_ vector: [String: Any], keyPath: String) -> [String] {
    let bucket = vector["bucket"] as? String ?? ""
    var arguments = ["sign", vector["object"].map { "gs://\(bucket)/\($0)" } ?? "gs://\(bucket)", "--key", keyPath]
    arguments += ["--method", vector["method"] as? String ?? "GET"]
    arguments += ["--expires", String(vector["expiration"] as? Int ?? 0), "--at", vector["timestamp"] as? String ?? ""]
    for (name, value) in (vector["headers"] as? [String: String] ?? [:]).sorted(by: { $0.key < $1.key }) {
        arguments += ["--header", "\(name): \(value)"]
    }
    for (name, value) in (vector["queryParameters"] as? [String: String] ?? [:]).sorted(by: { $0.key < $1.key }) {
        arguments += ["--query", "\(name)=\(value)"]
    }
    if let scheme = vector["scheme"] as? String { arguments += ["--scheme", scheme] }
    switch vector["urlStyle"] as? String {
    case "VIRTUAL_HOSTED_STYLE": arguments += ["--style", "virtual-hosted"]
    case "BUCKET_BOUND_HOSTNAME": arguments += ["--style", "bucket-bound", "--host", vector["bucketBoundHostname"] as? String ?? ""]
    default: break
    }
    return arguments
}

@Suite("spoolpost sign", .serialized)
struct SignCommandTests {
    /// GET, PUT, resumable POST with a signed header, slashes and `&` in names, a leading slash, headers that need
    /// trimming, several headers, query parameters, the bucket alone, virtual-hosted and bucket-bound (http and
    /// https) URLs.
    static let vectorCases = [0, 1, 2, 4, 5, 6, 7, 9, 11, 12, 14, 17, 18, 19]

    @Test("sign reproduces Google's conformance URLs byte for byte", arguments: vectorCases)
    func conformanceVector(index: Int) async throws {
        let folder = try CLIFolder()
        let vectors = try conformance()
        let keyPath = try folder.write("sa.json", vectors.key, mode: 0o600)
        let vector = vectors.signing[index]
        let result = try await folder.run(signArguments(vector, keyPath: keyPath))
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.errors.isEmpty)
        #expect(result.output == (vector["expectedUrl"] as? String ?? "") + "\n", "case \(index): \(vector["description"] ?? "")")
    }

    @Test("object names are taken literally: spaces, ?, #, % and unicode")
    func literalObjectNames() async throws {
        let folder = try CLIFolder()
        let vectors = try conformance()
        let keyPath = try folder.write("sa.json", vectors.key, mode: 0o600)
        let signer = GCSURLSigner(serviceAccount: try GCSServiceAccountKey(jsonText: vectors.key))
        let date = try #require(RFC3339.parse("2024-05-01T12:00:00Z"))
        for object in ["summer photos/beach day.jpg", "what?#100%.png", "café/日本語 ✓.mp4", "a//b/"] {
            let result = try await folder.run(["sign", "gs://test-bucket/\(object)", "--key", keyPath, "--at", "2024-05-01T12:00:00Z"])
            #expect(result.status == 0, "\(result.errors)")
            let expected = try signer.signedURL(
                for: GCSSigningRequest(bucket: "test-bucket", object: object, expiration: 3600, date: date))
            #expect(result.output == expected + "\n", "\(object)")
        }
        let spaced = try await folder.run(["sign", "gs://test-bucket/summer photos/a b.jpg", "--key", keyPath])
        #expect(spaced.output.hasPrefix("https://storage.googleapis.com/test-bucket/summer%20photos/a%20b.jpg?"))
        let unicode = try await folder.run(["sign", "gs://test-bucket/café?#%", "--key", keyPath])
        #expect(unicode.output.hasPrefix("https://storage.googleapis.com/test-bucket/caf%C3%A9%3F%23%25?"))
    }

    @Test("expiry: 7d is the most; longer, malformed or zero is refused with exit 1")
    func expiryBounds() async throws {
        let folder = try CLIFolder()
        let keyPath = try folder.write("sa.json", try conformance().key, mode: 0o600)
        let week = try await folder.run(["sign", "gs://b-1/o", "--key", keyPath, "--expires", "7d"])
        #expect(week.status == 0, "\(week.errors)")
        #expect(week.output.contains("X-Goog-Expires=604800&"))
        let seconds = try await folder.run(["sign", "gs://b-1/o", "--key", keyPath, "--expires", "90"])
        #expect(seconds.output.contains("X-Goog-Expires=90&"))
        let defaulted = try await folder.run(["sign", "gs://b-1/o", "--key", keyPath])
        #expect(defaulted.output.contains("X-Goog-Expires=3600&"))
        for (text, message) in [("8d", "at most 7 days"), ("604801", "at most 7 days"), ("0", "at least 1 second"),
                                ("soon", "not a duration")] {
            let refused = try await folder.run(["sign", "gs://b-1/o", "--key", keyPath, "--expires", text])
            #expect(refused.status == 1, "\(text)")
            #expect(refused.output.isEmpty)
            #expect(refused.errors.contains(message), "\(text): \(refused.errors)")
        }
    }

    @Test("bad input is refused with exit 1 and a clear message")
    func refusals() async throws {
        let folder = try CLIFolder()
        let key = try conformance().key
        let keyPath = try folder.write("sa.json", key, mode: 0o600)
        let exposed = try folder.write("exposed.json", key, mode: 0o644)
        let cases: [([String], String)] = [
            (["sign", "gs://b-1/o", "--key", exposed], "chmod 600"),
            (["sign", "s3://b-1/o", "--key", keyPath], "is not a gs://BUCKET/OBJECT address"),
            (["sign", "gs:///o", "--key", keyPath], "names no bucket"),
            (["sign", "gs://b-1/o", "--key", keyPath, "--at", "yesterday"], "not an RFC 3339 time"),
            (["sign", "gs://b-1/o", "--key", keyPath, "--header", "NoColon"], "has no ':'"),
            (["sign", "gs://b-1/o", "--key", keyPath, "--style", "sideways"], "--style must be"),
            (["sign", "gs://b-1/o", "--key", keyPath, "--style", "bucket-bound"], "needs --host"),
            (["sign", "gs://b-1/o", "--key", keyPath, "--scheme", "ftp"], "--scheme must be https or http"),
            (["sign", "gs://b-1/o", "--key", keyPath, "--hmac-key", keyPath], "not both"),
            (["sign", "gs://b-1", "--key", keyPath, "--post-policy"], "needs an object name"),
            (["sign", "gs://b-1/o", "--key", keyPath, "--field", "acl=private"], "only to --post-policy"),
        ]
        for (arguments, message) in cases {
            let result = try await folder.run(arguments)
            #expect(result.status == 1, "\(arguments)")
            #expect(result.output.isEmpty, "\(arguments)")
            #expect(result.errors.contains(message), "\(arguments): \(result.errors)")
            #expect(!result.errors.contains("PRIVATE KEY"))
        }
    }

    @Test("--hmac-key signs GOOG4-HMAC-SHA256 exactly as the library does")
    func hmacKey() async throws {
        let folder = try CLIFolder()
        let keyPath = try folder.write("hmac.json", #"{"access_id": "GOOG1EXAMPLE", "secret": "bGlrZSBhIHNlY3JldA"}"#, mode: 0o600)
        let result = try await folder.run([
            "sign", "gs://media-bucket/media/images/acme/1-x.jpg", "--hmac-key", keyPath, "--method", "PUT",
            "--header", "Content-Type: image/jpeg", "--at", "2026-01-02T03:04:05Z", "--expires", "15m",
            "--host", "127.0.0.1:8089", "--scheme", "http",
        ])
        #expect(result.status == 0, "\(result.errors)")
        let signer = GCSURLSigner(hmacKey: try GCSHMACKey(accessID: "GOOG1EXAMPLE", secret: "bGlrZSBhIHNlY3JldA"))
        let expected = try signer.signedURL(for: GCSSigningRequest(
            bucket: "media-bucket", object: "media/images/acme/1-x.jpg", method: "PUT", expiration: 900,
            date: try #require(RFC3339.parse("2026-01-02T03:04:05Z")), scheme: "http", endpoint: "127.0.0.1:8089",
            headers: ["Content-Type": "image/jpeg"]))
        #expect(result.output == expected + "\n")
        #expect(result.output.hasPrefix("http://127.0.0.1:8089/media-bucket/media/images/acme/1-x.jpg?X-Goog-Algorithm=GOOG4-HMAC-SHA256"))
    }

    @Test("without a key, sign uses the embedded store's key and endpoint")
    func embeddedStoreDefault() async throws {
        let folder = try CLIFolder()
        try folder.write("spoolpost.yaml", "spool: spool\nstorage:\n  embedded_port: 18777\n")
        let result = try await folder.run(["sign", "gs://spoolpost-local/media/x.jpg", "--config", "spoolpost.yaml"])
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.output.hasPrefix("http://127.0.0.1:18777/spoolpost-local/media/x.jpg?X-Goog-Algorithm=GOOG4-HMAC-SHA256"))
        let files = EmbeddedStoreFiles(spoolRoot: folder.directory.appendingPathComponent("spool").path)
        let key = try files.loadOrCreateKey()
        #expect(result.output.contains("X-Goog-Credential=\(key.accessID)%2F"))
        let lines = result.output.split(separator: "\n")
        #expect(lines.count == 1)
    }

    @Test("--post-policy prints the form URL and fields of Google's policy vectors")
    func postPolicy() async throws {
        let folder = try CLIFolder()
        let vectors = try conformance()
        let keyPath = try folder.write("sa.json", vectors.key, mode: 0o600)
        // Case 4 has a starts-with condition, case 5 a content-length range, case 6 extra fields.
        let extras: [Int: [String]] = [
            4: ["--condition", #"["starts-with", "$acl", "public"]"#],
            5: ["--condition", #"["content-length-range", 246, 266]"#],
            6: ["--field", "acl=public-read", "--field", "cache-control=public,max-age=86400"],
        ]
        for (index, flags) in extras.sorted(by: { $0.key < $1.key }) {
            let vector = vectors.policies[index]
            let input = try #require(vector["policyInput"] as? [String: Any])
            let output = try #require(vector["policyOutput"] as? [String: Any])
            let bucket = input["bucket"] as? String ?? ""
            let object = input["object"] as? String ?? ""
            let result = try await folder.run(
                ["sign", "gs://\(bucket)/\(object)", "--key", keyPath, "--post-policy", "--expires",
                 String(input["expiration"] as? Int ?? 0), "--at", input["timestamp"] as? String ?? ""] + flags)
            #expect(result.status == 0, "\(result.errors)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
            #expect(json["url"] as? String == output["url"] as? String, "case \(index)")
            let fields = json["fields"] as? [String: String] ?? [:]
            let expectedFields = output["fields"] as? [String: String] ?? [:]
            #expect(fields == expectedFields, "case \(index)")
        }
    }
}
