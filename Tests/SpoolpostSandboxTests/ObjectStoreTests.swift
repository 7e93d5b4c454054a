import Foundation
import SpoolpostCore
import SpoolpostIO
import SpoolpostSandbox
import Testing

@Suite("Embedded object store with GCSObjectClient")
struct ObjectStoreTests {
    @Test("Upload, HEAD, GET (whole and a range), DELETE round trip")
    func roundTrip() async throws {
        try await withStore { store, http in
            let client = store.client(http: http)
            let bytes = testBytes(300_000, seed: 1)
            let md5 = Digest.md5(bytes)
            let object = "media/images/alice/1767225600000-0f0e0d0c.jpg"
            try await client.upload(
                object: object, contentType: "image/jpeg", file: try store.file(bytes), size: Int64(bytes.count),
                md5: md5
            )

            let info = try #require(try await client.head(object: object))
            #expect(info.size == Int64(bytes.count))
            #expect(info.contentType == "image/jpeg")
            #expect(info.md5 == md5)
            #expect(info.etag == "\"\(Hex.encode(md5))\"")

            let readURL = try client.signedURL(method: "GET", object: object, expiration: 86_400)
            let whole = try await http.execute(HTTPRequest(url: readURL))
            #expect(whole.status == 200)
            #expect(whole.body == bytes)
            #expect(whole.header("x-goog-hash") == "md5=\(Data(md5).base64EncodedString())")
            #expect(whole.header("x-goog-stored-content-length") == String(bytes.count))

            let part = try await http.execute(
                HTTPRequest(url: readURL, headers: [HTTPHeader(name: "Range", value: "bytes=1000-1999")])
            )
            #expect(part.status == 206)
            #expect(part.body == Array(bytes[1000...1999]))
            #expect(part.header("Content-Range") == "bytes 1000-1999/300000")

            #expect(try await client.delete(object: object))
            #expect(try await client.head(object: object) == nil)
            #expect(try await client.delete(object: object) == false)
            let gone = try await http.execute(HTTPRequest(url: readURL))
            #expect(gone.status == 404)
            #expect(xmlCode(gone) == "NoSuchKey")
        }
    }

    @Test("Uploading again replaces the object")
    func overwrite() async throws {
        try await withStore { store, http in
            let client = store.client(http: http)
            for (seed, type) in [(UInt64(2), "image/png"), (3, "image/gif")] {
                let bytes = testBytes(5000 + Int(seed), seed: seed)
                try await client.upload(
                    object: "same", contentType: type, file: try store.file(bytes), size: Int64(bytes.count),
                    md5: Digest.md5(bytes)
                )
            }
            let info = try #require(try await client.head(object: "same"))
            #expect(info.contentType == "image/gif")
            #expect(info.size == 5003)
            #expect(info.md5 == Digest.md5(testBytes(5003, seed: 3)))
        }
    }

    @Test("A Content-Type other than the signed one fails with SignatureDoesNotMatch and the server's texts")
    func contentTypeMismatch() async throws {
        try await withStore { store, http in
            let client = store.client(http: http)
            let url = try client.signedURL(
                method: "PUT", object: "typed", expiration: 600, headers: ["Content-Type": "image/png"]
            )
            // Large enough that the refusal comes while the body is still on its way.
            let bytes = testBytes(3_000_000, seed: 4)
            let response = try await http.execute(
                HTTPRequest(
                    method: "PUT", url: url, headers: [HTTPHeader(name: "Content-Type", value: "image/jpeg")],
                    body: .bytes(bytes)
                )
            )
            #expect(response.status == 403)
            #expect(xmlCode(response) == "SignatureDoesNotMatch")
            #expect(response.bodyText.contains("<StringToSign>GOOG4-HMAC-SHA256\n20260115T100000Z\n"))
            #expect(response.bodyText.contains("content-type:image/jpeg\nhost:127.0.0.1:\(store.port)\n"))

            let accepted = try await http.execute(
                HTTPRequest(
                    method: "PUT", url: url, headers: [HTTPHeader(name: "Content-Type", value: "image/png")],
                    body: .bytes(bytes)
                )
            )
            #expect(accepted.status == 200)
            #expect(try await client.head(object: "typed")?.contentType == "image/png")
        }
    }

    @Test("A tampered signature or path is refused (403), and the client's error is not retryable and secret-free")
    func tampered() async throws {
        try await withStore { store, http in
            let client = store.client(http: http)
            let bytes = testBytes(64, seed: 5)
            try await client.upload(
                object: "kept", contentType: "text/plain", file: try store.file(bytes), size: 64,
                md5: Digest.md5(bytes)
            )
            let url = try client.signedURL(object: "kept", expiration: 600)
            #expect(try await http.execute(HTTPRequest(url: url)).status == 200)
            let flipped = String(url.dropLast()) + (url.hasSuffix("0") ? "1" : "0")
            let refused = try await http.execute(HTTPRequest(url: flipped))
            #expect(refused.status == 403)
            #expect(xmlCode(refused) == "SignatureDoesNotMatch")
            let otherObject = try await http.execute(
                HTTPRequest(url: url.replacingOccurrences(of: "/kept?", with: "/kep?"))
            )
            #expect(xmlCode(otherObject) == "SignatureDoesNotMatch")

            // Same access ID, wrong secret: the client reports Cloud Storage's code without any secret or signature.
            let wrongSecret = try GCSHMACKey(
                accessID: testHMACKey.accessID, secret: "d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldA=="
            )
            let wrong = store.client(signer: GCSURLSigner(hmacKey: wrongSecret), http: http)
            do {
                try await wrong.delete(object: "kept")
                Issue.record("a wrongly signed DELETE succeeded")
            } catch let error as SpoolpostError {
                #expect(error.code == .forbidden)
                #expect(error.platformCode == "SignatureDoesNotMatch")
                #expect(!error.isRetryable)
                #expect(error.message.contains("SignatureDoesNotMatch"))
                #expect(!error.message.contains("X-Goog-Signature"))
                #expect(!error.message.contains("d3Jvbmc"))
            }
            #expect(try await client.head(object: "kept") != nil)
        }
    }

    @Test("An unknown key is InvalidAccessKeyId; an unsigned request needs authentication")
    func unknownKeyAndUnsigned() async throws {
        try await withStore { store, http in
            let stranger = try GCSHMACKey(accessID: "GOOG1UNKNOWN", secret: "c2VjcmV0")
            let client = store.client(signer: GCSURLSigner(hmacKey: stranger), http: http)
            let url = try client.signedURL(object: "x", expiration: 60)
            let response = try await http.execute(HTTPRequest(url: url))
            #expect(response.status == 403)
            #expect(xmlCode(response) == "InvalidAccessKeyId")

            let unsigned = try await http.execute(HTTPRequest(url: "\(store.endpoint)/\(bucket)/x"))
            #expect(unsigned.status == 401)
            #expect(xmlCode(unsigned) == "AuthenticationRequired")
        }
    }

    @Test("A URL used after X-Goog-Date + X-Goog-Expires is ExpiredToken (400); earlier than 15 min ahead too")
    func expired() async throws {
        try await withStore { store, http in
            let client = store.client(http: http)
            let url = try client.signedURL(object: "x", expiration: 60)
            store.serverClock.set(baseTime.addingTimeInterval(61))
            let response = try await http.execute(HTTPRequest(url: url))
            #expect(response.status == 400)
            #expect(xmlCode(response) == "ExpiredToken")
            #expect(response.bodyText.contains("Request signature expired at: 2026-01-15T10:01:00Z"))

            // The client signs for an hour; a store clock past that refuses its requests.
            store.serverClock.set(baseTime.addingTimeInterval(3601))
            do {
                _ = try await client.head(object: "x")
                Issue.record("a HEAD with an expired URL succeeded")
            } catch let error as SpoolpostError {
                // HEAD answers carry no body, so only the status is known; it is a client error, not retryable.
                #expect(!error.isRetryable)
            }
            let bytes = testBytes(10, seed: 6)
            do {
                try await client.upload(
                    object: "x", contentType: "text/plain", file: try store.file(bytes), size: 10,
                    md5: Digest.md5(bytes)
                )
                Issue.record("an upload with an expired URL succeeded")
            } catch let error as SpoolpostError {
                #expect(error.platformCode == "ExpiredToken")
                #expect(!error.isRetryable)
            }

            store.serverClock.set(baseTime.addingTimeInterval(-901))
            let early = try await http.execute(HTTPRequest(url: url))
            #expect(early.status == 400)
            #expect(xmlCode(early) == "InvalidArgument")
            store.serverClock.set(baseTime.addingTimeInterval(-899))
            #expect(try await http.execute(HTTPRequest(url: url)).status == 404)
        }
    }

    @Test("A body that does not match Content-MD5 is BadDigest and stores nothing")
    func badDigest() async throws {
        try await withStore { store, http in
            let client = store.client(http: http)
            let bytes = testBytes(2048, seed: 7)
            do {
                try await client.upload(
                    object: "damaged", contentType: "image/png", file: try store.file(bytes), size: 2048,
                    md5: Digest.md5(testBytes(2048, seed: 8))
                )
                Issue.record("a body with the wrong MD5 was stored")
            } catch let error as SpoolpostError {
                #expect(error.platformCode == "BadDigest")
                #expect(error.code == .rejected)
                #expect(!error.isRetryable)
            }
            #expect(try await client.head(object: "damaged") == nil)
        }
    }

    @Test("x-goog-content-length-range bounds a PUT: outside it is EntityTooLarge or EntityTooSmall and stores nothing")
    func contentLengthRange() async throws {
        try await withStore { store, http in
            let client = store.client(http: http)
            func put(_ object: String, size: Int, range: String) async throws -> HTTPResponse {
                let url = try client.signedURL(
                    method: "PUT", object: object, expiration: 600, headers: ["x-goog-content-length-range": range])
                return try await http.execute(HTTPRequest(
                    method: "PUT", url: url, headers: [HTTPHeader(name: "x-goog-content-length-range", value: range)],
                    body: .bytes(testBytes(size, seed: 3))))
            }
            let large = try await put("large", size: 25, range: "10,20")
            #expect(large.status == 400)
            #expect(xmlCode(large) == "EntityTooLarge")
            let small = try await put("small", size: 5, range: "10,20")
            #expect(small.status == 400)
            #expect(xmlCode(small) == "EntityTooSmall")
            let malformed = try await put("malformed", size: 15, range: "20,10")
            #expect(malformed.status == 400)
            #expect(xmlCode(malformed) == "InvalidArgument")
            for refused in ["large", "small", "malformed"] {
                #expect(try await client.head(object: refused) == nil)
            }
            let fits = try await put("fits", size: 20, range: "10,20")
            #expect(fits.status == 200)
            #expect(try await client.head(object: "fits")?.size == 20)
        }
    }

    @Test("An unknown bucket is NoSuchBucket")
    func noSuchBucket() async throws {
        try await withStore { store, http in
            let client = store.client(bucket: "other-bucket", http: http)
            let bytes = testBytes(10, seed: 9)
            do {
                try await client.upload(
                    object: "x", contentType: "text/plain", file: try store.file(bytes), size: 10,
                    md5: Digest.md5(bytes)
                )
                Issue.record("an upload to an unknown bucket succeeded")
            } catch let error as SpoolpostError {
                #expect(error.code == .notFound)
                #expect(error.platformCode == "NoSuchBucket")
            }
        }
    }

    @Test("Names with spaces, unicode, ?, #, %, and . or .. segments are distinct objects inside the root")
    func objectNames() async throws {
        try await withStore { store, http in
            let client = store.client(http: http)
            let names = [
                "media/images/bob/a b.jpg", "media/été/📷 #1?.png", "100%25 %41", "../../escape", "a/../b", "b",
                "./x", "x", "a/./b", "trailing/..", "..a/b..", "  spaced  ",
            ]
            for (index, name) in names.enumerated() {
                let bytes = testBytes(1000 + index, seed: UInt64(100 + index))
                try await client.upload(
                    object: name, contentType: "application/octet-stream", file: try store.file(bytes),
                    size: Int64(bytes.count), md5: Digest.md5(bytes)
                )
            }
            for (index, name) in names.enumerated() {
                let info = try #require(try await client.head(object: name), "\(name)")
                #expect(info.size == Int64(1000 + index), "\(name)")
                let url = try client.signedURL(object: name, expiration: 600)
                let response = try await http.execute(HTTPRequest(url: url))
                #expect(response.body == testBytes(1000 + index, seed: UInt64(100 + index)), "\(name)")
            }
            // Nothing was written beside the root (only the upload source files live there).
            let siblings = try FileManager.default.contentsOfDirectory(atPath: store.parent.path)
            #expect(siblings.allSatisfy { $0 == "store" || $0.hasPrefix("upload-") }, "\(siblings)")
        }
    }

    @Test("URLs signed with the service account's RSA key (conformance key) are verified with its public key")
    func serviceAccount() async throws {
        let json = try Data(contentsOf: serviceAccountFile)
        let account = try GCSServiceAccountKey(json: json)
        let publicKey = try RSAPublicKey(serviceAccountJSON: json)
        try await withStore(serviceAccounts: [account.clientEmail: publicKey]) { store, http in
            let client = store.client(signer: GCSURLSigner(serviceAccount: account), http: http)
            let bytes = testBytes(4000, seed: 10)
            try await client.upload(
                object: "rsa/photo.png", contentType: "image/png", file: try store.file(bytes), size: 4000,
                md5: Digest.md5(bytes)
            )
            #expect(try await client.head(object: "rsa/photo.png")?.md5 == Digest.md5(bytes))
            let url = try client.signedURL(object: "rsa/photo.png", expiration: 86_400)
            #expect(url.contains("X-Goog-Algorithm=GOOG4-RSA-SHA256"))
            #expect(try await http.execute(HTTPRequest(url: url)).body == bytes)
            let tampered = url.replacingOccurrences(of: "X-Goog-Expires=86400", with: "X-Goog-Expires=86401")
            #expect(xmlCode(try await http.execute(HTTPRequest(url: tampered))) == "SignatureDoesNotMatch")
            #expect(try await client.delete(object: "rsa/photo.png"))
        }
    }
}

@Suite("GCSObjectClient transport failures")
struct GCSObjectClientTransportTests {
    @Test("A store that is not listening gives a retryable connection error without the signed query")
    func notListening() async throws {
        let store = try await StoreHarness.start()
        await store.stop()
        defer { store.removeFiles() }
        let http = try HTTPClient()
        defer { http.shutdown() }
        let client = store.client(http: http)
        do {
            _ = try await client.head(object: "x")
            Issue.record("a HEAD to a stopped store succeeded")
        } catch {
            #expect(error.code == .connection)
            #expect(error.isRetryable)
            #expect(!error.message.contains("X-Goog-Signature"))
        }
    }
}

@Suite("Embedded object store: bucket-level requests")
struct ObjectStoreBucketTests {
    static func bucketURL(_ store: StoreHarness, method: String = "GET", query: [String: String] = [:]) throws -> String {
        try GCSURLSigner(hmacKey: testHMACKey).signedURL(for: GCSSigningRequest(
            bucket: bucket, object: nil, method: method, expiration: 600, date: baseTime, scheme: "http",
            endpoint: store.endpoint, queryParameters: query))
    }

    @Test("GET on the bucket lists its objects by prefix, in name order, with max-keys; other methods are refused")
    func listing() async throws {
        try await withStore { store, http in
            let client = store.client(http: http)
            for (name, size) in [("media/b.jpg", 300), ("media/a.jpg", 200), ("other.txt", 100)] {
                let bytes = testBytes(size, seed: UInt64(size))
                try await client.upload(
                    object: name, contentType: "image/jpeg", file: try store.file(bytes), size: Int64(size),
                    md5: Digest.md5(bytes))
            }
            let listed = try await http.execute(HTTPRequest(url: try Self.bucketURL(store, query: ["prefix": "media/"])))
            #expect(listed.status == 200)
            let keys = listed.bodyText.components(separatedBy: "<Key>").dropFirst().map { $0.prefix { $0 != "<" } }
            #expect(keys == ["media/a.jpg", "media/b.jpg"])
            #expect(listed.bodyText.contains("<Size>200</Size>"))
            #expect(listed.bodyText.contains("<IsTruncated>false</IsTruncated>"))

            let first = try await http.execute(HTTPRequest(url: try Self.bucketURL(store, query: ["max-keys": "1"])))
            #expect(first.bodyText.contains("<Key>media/a.jpg</Key>"))
            #expect(first.bodyText.contains("<IsTruncated>true</IsTruncated>"))
            #expect(!first.bodyText.contains("<Key>other.txt</Key>"))

            let head = try await http.execute(HTTPRequest(method: "HEAD", url: try Self.bucketURL(store, method: "HEAD")))
            #expect(head.status == 200)
            let delete = try await http.execute(HTTPRequest(method: "DELETE", url: try Self.bucketURL(store, method: "DELETE")))
            #expect(delete.status == 405)
            #expect(xmlCode(delete) == "MethodNotAllowed")
        }
    }
}
