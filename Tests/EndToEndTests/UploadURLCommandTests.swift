import Foundation
import Glibc
import SpoolpostCore
import SpoolpostIO
import Testing

private func parseJSON(_ text: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not a JSON object: \(text)")
}

/// The query parameter `name` of `url`, percent-decoded.
private func queryValue(_ url: String, _ name: String) -> String? {
    URLComponents(string: url)?.queryItems?.first { $0.name == name }?.value
}

@Suite("spoolpost upload-url", .serialized)
struct UploadURLCommandTests {
    @Test("prints the gcs path, a signed PUT URL, the headers to send and the expiry")
    func jsonShape() async throws {
        let folder = try CLIFolder()
        try folder.write("spoolpost.yaml", "spool: spool\n")
        let before = Date()
        let result = try await folder.run([
            "upload-url", "--name", "Beach Day.JPG", "--type", "image", "--content-type", "image/jpeg", "--size", "48213",
            "--account", "Acme",
        ])
        #expect(result.status == 0, "\(result.errors)")
        let json = try parseJSON(result.output)
        #expect(Set(json.keys) == ["gcs", "url", "method", "headers", "expires_at"])
        let gcs = try #require(json["gcs"] as? String)
        let prefix = "gs://spoolpost-local/media/images/acme/"
        #expect(gcs.hasPrefix(prefix) && gcs.hasSuffix(".jpg"), "\(gcs)")
        let object = String(gcs.dropFirst("gs://spoolpost-local/".count))
        let leaf = gcs.dropFirst(prefix.count).dropLast(4)
        let millis = try #require(Int64(leaf.prefix(13)))
        #expect(abs(Double(millis) / 1000 - before.timeIntervalSince1970) < 600)
        #expect(UUID(uuidString: String(leaf.dropFirst(14))) != nil && leaf == leaf.lowercased(), "\(leaf)")

        #expect(json["method"] as? String == "PUT")
        let headers = try #require(json["headers"] as? [String: String])
        #expect(headers == ["Content-Type": "image/jpeg", "x-goog-content-length-range": "48213,48213"])
        let url = try #require(json["url"] as? String)
        #expect(url.hasPrefix("http://127.0.0.1:8089/spoolpost-local/\(object)?X-Goog-Algorithm=GOOG4-HMAC-SHA256"))
        #expect(queryValue(url, "X-Goog-Expires") == "3600")
        #expect(queryValue(url, "X-Goog-SignedHeaders") == "content-type;host;x-goog-content-length-range")

        // The URL carries a valid signature by the embedded store's key, for exactly that object and headers.
        let key = try EmbeddedStoreFiles(spoolRoot: folder.directory.appendingPathComponent("spool").path).loadOrCreateKey()
        let signedAt = try #require(queryValue(url, "X-Goog-Date"))
        let date = try #require(RFC3339.parse(
            "\(signedAt.prefix(4))-\(signedAt.dropFirst(4).prefix(2))-\(signedAt.dropFirst(6).prefix(2))T"
                + "\(signedAt.dropFirst(9).prefix(2)):\(signedAt.dropFirst(11).prefix(2)):\(signedAt.dropFirst(13).prefix(2))Z"))
        let expected = try GCSURLSigner(hmacKey: key).signedURL(for: GCSSigningRequest(
            bucket: "spoolpost-local", object: object, method: "PUT", expiration: 3600, date: date, scheme: "http",
            endpoint: "http://127.0.0.1:8089", headers: headers))
        #expect(url == expected)
        let expiresText = try #require(json["expires_at"] as? String)
        let expiresAt = try #require(RFC3339.parse(expiresText))
        #expect(expiresAt == date.addingTimeInterval(3600))
    }

    @Test("reels and videos, the default owner, and a configured bucket")
    func typesOwnersAndBuckets() async throws {
        let folder = try CLIFolder()
        try folder.write("spoolpost.yaml", "spool: spool\n")
        let reel = try parseJSON(try await folder.run([
            "upload-url", "--name", "clip.mov", "--type", "reel", "--content-type", "video/quicktime", "--size", "1000",
        ]).output)
        let user = MediaObjectName.sanitizedOwner(String(cString: getpwuid(getuid()).pointee.pw_name))
        let reelPath = try #require(reel["gcs"] as? String)
        #expect(reelPath.hasPrefix("gs://spoolpost-local/media/reels/\(user)/") && reelPath.hasSuffix(".mov"))
        #expect((reel["headers"] as? [String: String])?["Content-Type"] == "video/quicktime")

        let bucketFolder = try CLIFolder()
        try bucketFolder.write("hmac.json", #"{"access_id": "GOOG1TEST", "secret": "c2VjcmV0"}"#, mode: 0o600)
        try bucketFolder.write("spoolpost.yaml", """
            spool: spool
            storage:
              bucket: acme-media
              hmac_key: hmac.json
              upload_url_expiry: 15m
            """)
        let video = try await bucketFolder.run([
            "upload-url", "--name", "clip.mp4", "--type", "video", "--content-type", "video/mp4", "--size", "5000000",
            "--account", "acme",
        ])
        #expect(video.status == 0, "\(video.errors)")
        let json = try parseJSON(video.output)
        let gcs = try #require(json["gcs"] as? String)
        #expect(gcs.hasPrefix("gs://acme-media/media/videos/acme/") && gcs.hasSuffix(".mp4"))
        let url = try #require(json["url"] as? String)
        #expect(url.hasPrefix("https://storage.googleapis.com/acme-media/media/videos/acme/"))
        #expect(queryValue(url, "X-Goog-Credential")?.hasPrefix("GOOG1TEST/") == true)
        #expect(queryValue(url, "X-Goog-Expires") == "900")
    }

    @Test("type, MIME, name and size are validated; every problem is listed and the exit status is 1")
    func validation() async throws {
        let folder = try CLIFolder()
        try folder.write("spoolpost.yaml", "spool: spool\nmedia:\n  max_image_size: 1KiB\n")
        let cases: [([String], [String])] = [
            (["--name", "a.jpg", "--type", "image", "--content-type", "image/jpeg", "--size", "2000"],
             ["--size: 2000 bytes is over the 1 KiB limit for images (media.max_image_size)"]),
            (["--name", "a.mp4", "--type", "image", "--content-type", "video/mp4", "--size", "10"],
             ["--content-type video/mp4 is a video, but --type is image"]),
            (["--name", "a.png", "--type", "image", "--content-type", "image/jpeg", "--size", "10"],
             ["--name a.png looks like PNG, but --content-type says image/jpeg"]),
            (["--name", "a.heic", "--type", "image", "--content-type", "image/heic", "--size", "10"],
             ["--content-type 'image/heic' is not accepted"]),
            (["--name", "a.jpg", "--type", "story", "--content-type", "image/jpeg", "--size", "ten"],
             ["--type must be image, video or reel, not 'story'", "--size must be the file's size in bytes"]),
            ([], ["--name is required", "--type is required", "--content-type is required", "--size is required"]),
        ]
        for (arguments, messages) in cases {
            let result = try await folder.run(["upload-url"] + arguments)
            #expect(result.status == 1, "\(arguments)")
            #expect(result.output.isEmpty, "\(arguments)")
            for message in messages {
                #expect(result.errors.contains(message), "\(arguments): \(result.errors)")
            }
        }
        // Under the configured video limit (1 GiB by default) a large video is fine.
        let large = try await folder.run([
            "upload-url", "--name", "v.mp4", "--type", "video", "--content-type", "video/mp4", "--size", "900000000",
        ])
        #expect(large.status == 0, "\(large.errors)")
        let tooLarge = try await folder.run([
            "upload-url", "--name", "v.mp4", "--type", "video", "--content-type", "video/mp4", "--size", "1073741825",
        ])
        #expect(tooLarge.status == 1)
        #expect(tooLarge.errors.contains("over the 1 GiB limit for videos"))
    }

    @Test("the N+1th URL within the window is refused, per account, across runs")
    func rateLimit() async throws {
        let folder = try CLIFolder()
        try folder.write("spoolpost.yaml", "spool: spool\nstorage:\n  upload_url_rate: 3/hour\n")
        func request(_ account: String, size: String = "100") async throws -> (status: Int32, output: String, errors: String) {
            try await folder.run([
                "upload-url", "--name", "a.gif", "--type", "image", "--content-type", "image/gif", "--size", size,
                "--account", account,
            ])
        }
        for attempt in 1...3 {
            let granted = try await request("acme")
            #expect(granted.status == 0, "attempt \(attempt): \(granted.errors)")
        }
        // An invalid request costs nothing and is reported as invalid, not as rate-limited.
        let invalid = try await request("acme", size: "0")
        #expect(invalid.status == 1 && !invalid.errors.contains("rate limit"))
        let refused = try await request("acme")
        #expect(refused.status == 1)
        #expect(refused.output.isEmpty)
        #expect(refused.errors.contains("rate limit: account 'acme' has used its 3/hour upload URLs"))
        #expect(refused.errors.contains("try again in"))
        let other = try await request("globex")
        #expect(other.status == 0, "\(other.errors)")
        let ledger = folder.directory.appendingPathComponent("spool/store/upload-url-rate/acme").path
        let lines = String(decoding: try #require(FileManager.default.contents(atPath: ledger)), as: UTF8.self)
            .split(separator: "\n")
        #expect(lines.count == 3)
    }
}
