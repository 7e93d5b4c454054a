import Foundation
import SpoolpostAdapters
import SpoolpostCore
import SpoolpostIO
import SpoolpostSandbox
import Testing

@Suite struct WebhookAdapterTests {
    typealias F = AdapterFixture

    // MARK: - Against the sandbox receiver

    @Test func postsTheJSONBodyWithTheIdempotencyKeyAndRecordsTheReturnedID() async throws {
        try await withSandbox { server, base, http in
            let adapter = WebhookAdapter(account: "alice", url: base + "/webhook/alice", secret: nil, http: http)
            #expect(adapter.platform == .webhook)
            #expect(adapter.account == "alice")
            let media = [
                MediaReference(source: .file(path: "img/a.jpg"), alt: "A cat", kindHint: "IMAGE"),
                MediaReference(source: .gcs(bucket: "bucket", object: "clips/v.mp4"), kindHint: "VIDEO"),
                MediaReference(source: .url("https://cdn.example.com/x.png")),
            ]
            let outcome = await adapter.publish(F.request(text: "Hello, \"world\" ✓", media: media, type: "reel"))
            #expect(outcome == .published(platformPostID: "wh_000001", url: base + "/posts/wh_000001"))

            #expect(server.store.count == 1)
            let stored = try #require(server.store.post(id: "wh_000001"))
            #expect(stored.account == "alice")
            #expect(stored.method == "POST")
            #expect(stored.idempotencyKey == "launch-1:1")
            #expect(stored.header("Content-Type") == "application/json")
            #expect(stored.clientPostID == "launch-1")
            #expect(stored.text == "Hello, \"world\" ✓")
            #expect(stored.mediaURLs == ["img/a.jpg", "gs://bucket/clips/v.mp4", "https://cdn.example.com/x.png"])
            #expect(stored.signatureVerified == false)

            let json = try #require(try JSONSerialization.jsonObject(with: Data(stored.body)) as? [String: Any])
            #expect(Set(json.keys) == ["id", "text", "media", "target"])
            #expect(json["id"] as? String == "launch-1")
            #expect(stored.header("X-Spoolpost-Attempt") == "1")
            let target = try #require(json["target"] as? [String: Any])
            #expect(target["index"] as? Int == 1)
            #expect(target["platform"] as? String == "webhook")
            #expect(target["account"] as? String == "alice")
            #expect(target["type"] as? String == "reel")
            let items = try #require(json["media"] as? [[String: String]])
            #expect(items == [
                ["file": "img/a.jpg", "alt": "A cat", "type": "IMAGE"],
                ["gcs": "gs://bucket/clips/v.mp4", "type": "VIDEO"],
                ["url": "https://cdn.example.com/x.png", "fetch_url": "https://cdn.example.com/x.png"],
            ])
            // Deterministic bytes: sorted keys, slashes unescaped.
            #expect(stored.bodyText.hasPrefix(#"{"id":"launch-1","media":[{"alt":"A cat","file":"img/a.jpg""#))
        }
    }

    @Test func aPostWithoutTextOrMediaLeavesThemOut() async throws {
        try await withSandbox { server, base, http in
            let adapter = WebhookAdapter(account: "bob", url: base + "/webhook/bob", secret: nil, http: http)
            let outcome = await adapter.publish(F.request(postID: "p-2", index: 0, account: "bob", text: nil))
            #expect(outcome == .published(platformPostID: "wh_000001", url: base + "/posts/wh_000001"))
            let stored = try #require(server.store.all.first)
            #expect(stored.idempotencyKey == "p-2:0")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(stored.body)) as? [String: Any])
            #expect(json["text"] == nil)
            #expect((json["media"] as? [Any])?.isEmpty == true)
            #expect((json["target"] as? [String: Any])?["type"] == nil)
        }
    }

    @Test func aSignedPostIsAcceptedByAReceiverThatRequiresTheSecret() async throws {
        try await withSandbox(SandboxConfiguration(webhookSecrets: ["alice": "s3cret"])) { server, base, http in
            let adapter = WebhookAdapter(
                account: "alice", url: base + "/webhook/alice", secret: Array("s3cret".utf8), http: http)
            let outcome = await adapter.publish(F.request())
            #expect(outcome == .published(platformPostID: "wh_000001", url: base + "/posts/wh_000001"))
            #expect(server.store.post(id: "wh_000001")?.signatureVerified == true)
        }
    }

    @Test func aWrongOrMissingSignatureIsAPermanentCredentialsError() async throws {
        try await withSandbox(SandboxConfiguration(webhookSecrets: ["alice": "s3cret"])) { server, base, http in
            let wrong = WebhookAdapter(account: "alice", url: base + "/webhook/alice", secret: Array("guess".utf8), http: http)
            let unsigned = WebhookAdapter(account: "alice", url: base + "/webhook/alice", secret: nil, http: http)
            for adapter in [wrong, unsigned] {
                let error = try F.requireFailure(
                    await adapter.publish(F.request()), .authExpired, retryable: false, platformCode: "401")
                #expect(!error.message.contains("s3cret"))
                #expect(!error.message.contains("guess"))
            }
            #expect(server.store.count == 0)
        }
    }

    @Test func unavailableWithRetryAfterIsRetryable() async throws {
        let faults = SandboxFaults.once("/webhook/", .unavailable(retryAfterSeconds: 7))
        try await withSandbox(SandboxConfiguration(faults: faults)) { server, base, http in
            let adapter = WebhookAdapter(account: "alice", url: base + "/webhook/alice", secret: nil, http: http)
            let error = try F.requireFailure(
                await adapter.publish(F.request()), .serverError, retryable: true, platformCode: "503", retryAfter: 7)
            #expect(error.message.contains("webhook 'alice'"))
            #expect(server.store.count == 0)
            // The next attempt goes through.
            #expect(await adapter.publish(F.request(attempt: 2)) == .published(platformPostID: "wh_000001", url: base + "/posts/wh_000001"))
        }
    }

    @Test func rateLimitedWithRetryAfterIsRetryable() async throws {
        let faults = SandboxFaults.once("/webhook/", .rateLimited(retryAfterSeconds: 3))
        try await withSandbox(SandboxConfiguration(faults: faults)) { _, base, http in
            let adapter = WebhookAdapter(account: "alice", url: base + "/webhook/alice", secret: nil, http: http)
            try F.requireFailure(await adapter.publish(F.request()), .rateLimit, retryable: true, retryAfter: 3)
        }
    }

    @Test func unprocessableContentIsPermanent() async throws {
        let faults = SandboxFaults.once("/webhook/", .status(422))
        try await withSandbox(SandboxConfiguration(faults: faults)) { server, base, http in
            let adapter = WebhookAdapter(account: "alice", url: base + "/webhook/alice", secret: nil, http: http)
            let error = try F.requireFailure(await adapter.publish(F.request()), .rejected, retryable: false)
            #expect(error.retryAfter == nil)
            #expect(error.platformCode == "422")
            #expect(error.message.contains("HTTP 422"))
            #expect(server.store.count == 0)
        }
    }

    @Test func aConnectionBrokenBeforeHandlingIsARetryableConnectionError() async throws {
        let faults = SandboxFaults.once("/webhook/", .breakConnection(afterHandling: false))
        try await withSandbox(SandboxConfiguration(faults: faults)) { server, base, http in
            let adapter = WebhookAdapter(account: "alice", url: base + "/webhook/alice", secret: nil, http: http)
            let error = try #require(F.error(await adapter.publish(F.request())))
            // The request may have left, but the Idempotency-Key makes a repeat safe.
            #expect(error.code == .connection)
            #expect(error.isRetryable)
            #expect(server.store.count == 0)
        }
    }

    @Test func aConnectionBrokenAfterHandlingIsRetryableAndTheReceiverKeptOnePost() async throws {
        let faults = SandboxFaults.once("/webhook/", .breakConnection(afterHandling: true))
        try await withSandbox(SandboxConfiguration(faults: faults)) { server, base, http in
            let adapter = WebhookAdapter(account: "alice", url: base + "/webhook/alice", secret: nil, http: http)
            try F.requireFailure(await adapter.publish(F.request()), .connection, retryable: true)
            #expect(server.store.count == 1)
            #expect(server.store.all.first?.idempotencyKey == "launch-1:1")
        }
    }

    // MARK: - Against a scripted receiver

    @Test func theSignatureIsTheHMACOfTheExactBodySent() async throws {
        let receiver = try CapturingHTTPServer(status: 201, body: #"{"id": "r-1", "url": "https://r.example/1"}"#)
        defer { receiver.stop() }
        try await withHTTPClient { http in
            let adapter = WebhookAdapter(account: "alice", url: receiver.url, secret: Array("k€y".utf8), http: http)
            let outcome = await adapter.publish(F.request(postID: "sig", index: 3))
            #expect(outcome == .published(platformPostID: "r-1", url: "https://r.example/1"))
        }
        let request = try #require(receiver.requests.first)
        #expect(request.requestLine == "POST /hook HTTP/1.1")
        #expect(request.header("Content-Type") == "application/json")
        #expect(request.header("Idempotency-Key") == "sig:3")
        let signature = try #require(request.header("X-Spoolpost-Signature"))
        #expect(signature == F.signature(secret: "k€y", body: request.body))
        #expect(signature != F.signature(secret: "key", body: request.body))
        #expect(signature.count == "sha256=".count + 64)
    }

    @Test func withoutASecretThereIsNoSignatureHeader() async throws {
        let receiver = try CapturingHTTPServer(status: 200, body: "{}")
        defer { receiver.stop() }
        try await withHTTPClient { http in
            let adapter = WebhookAdapter(account: "alice", url: receiver.url, secret: nil, http: http)
            #expect(await adapter.publish(F.request()) == .published(platformPostID: nil, url: nil))
        }
        let request = try #require(receiver.requests.first)
        #expect(request.header("X-Spoolpost-Signature") == nil)
        #expect(request.header("Idempotency-Key") == "launch-1:1")
    }

    @Test func aNumericIDIsRecordedAsText() async throws {
        let receiver = try CapturingHTTPServer(status: 202, body: #"{"id": 1234567890123}"#)
        defer { receiver.stop() }
        try await withHTTPClient { http in
            let adapter = WebhookAdapter(account: "alice", url: receiver.url, secret: nil, http: http)
            #expect(await adapter.publish(F.request()) == .published(platformPostID: "1234567890123", url: nil))
        }
    }

    @Test func anyTwoHundredIsSuccessEvenWithoutAJSONAnswer() async throws {
        let receiver = try CapturingHTTPServer(status: 204, body: "", contentType: "text/plain")
        defer { receiver.stop() }
        try await withHTTPClient { http in
            let adapter = WebhookAdapter(account: "alice", url: receiver.url, secret: nil, http: http)
            #expect(await adapter.publish(F.request()) == .published(platformPostID: nil, url: nil))
        }
        let plain = try CapturingHTTPServer(status: 200, body: "thanks!", contentType: "text/plain")
        defer { plain.stop() }
        try await withHTTPClient { http in
            let adapter = WebhookAdapter(account: "alice", url: plain.url, secret: nil, http: http)
            #expect(await adapter.publish(F.request()) == .published(platformPostID: nil, url: nil))
        }
    }

    @Test func aReceiverThatIsNotListeningIsARetryableConnectionError() async throws {
        try await withRefusingPort { port in
            let http = try HTTPClient()
            defer { http.shutdown() }
            let url = "http://127.0.0.1:\(port)/hook"
            let adapter = WebhookAdapter(account: "alice", url: url, secret: nil, timeout: 20, http: http)
            let error = try F.requireFailure(await adapter.publish(F.request()), .connection, retryable: true)
            #expect(error.message.contains("webhook 'alice'"))
        }
    }
}
