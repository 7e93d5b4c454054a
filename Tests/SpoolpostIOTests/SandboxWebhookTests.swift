import Foundation
import SpoolpostIO
import SpoolpostSandbox
import Testing

@Suite("Sandbox webhook simulator")
struct SandboxWebhookTests {
    static let payload = #"{"id": "2025-06-01-launch", "text": "Hello <b>world</b>", "#
        + #""media": ["https://example.com/a.jpg"], "target": {"network": "webhook", "account": "alice"}}"#

    static func signature(secret: String, body: String) -> String {
        "sha256=" + Hex.encode(HMAC.sha256(key: Array(secret.utf8), message: Array(body.utf8)))
    }

    @Test func acceptsAPostAndAnswersWithItsIdAndURL() async throws {
        try await withSandboxServer { server, client in
            let reply = try await client.post("/webhook/alice", json: Self.payload, headers: ["X-Trace": "t-1"])
            #expect(reply.status == 201)
            let json = try reply.json()
            let id = try #require(json["id"] as? String)
            #expect(id == "wh_000001")
            #expect(json["url"] as? String == client.baseURL + "/posts/wh_000001")
            #expect(reply.header("Location") == client.baseURL + "/posts/wh_000001")

            let stored = try #require(server.store.post(id: id))
            #expect(stored.network == "webhook")
            #expect(stored.account == "alice")
            #expect(stored.text == "Hello <b>world</b>")
            #expect(stored.mediaURLs == ["https://example.com/a.jpg"])
            #expect(stored.clientPostID == "2025-06-01-launch")
            #expect(stored.bodyText == Self.payload)
            #expect(stored.header("x-trace") == "t-1")
            #expect(stored.signatureVerified == false)
            #expect(server.store.count == 1)

            let second = try await client.post("/webhook/bob", json: #"{"text": "second"}"#)
            #expect(try second.json()["id"] as? String == "wh_000002")
        }
    }

    @Test func repeatedIdempotencyKeyReturnsTheSamePostWithoutStoringTwice() async throws {
        try await withSandboxServer { server, client in
            let headers = ["Idempotency-Key": "post-42/webhook/alice"]
            let first = try await client.post("/webhook/alice", json: Self.payload, headers: headers)
            let repeated = try await client.post("/webhook/alice", json: Self.payload, headers: headers)
            #expect(first.status == 201)
            #expect(repeated.status == 200)
            let firstID = try #require(try first.json()["id"] as? String)
            #expect(try repeated.json()["id"] as? String == firstID)
            #expect(try repeated.json()["url"] as? String == client.baseURL + "/posts/" + firstID)
            #expect(server.store.count == 1)
            #expect(server.store.post(id: firstID)?.idempotencyKey == "post-42/webhook/alice")

            // The same key on another account is a different post; the same key with another body is refused.
            let otherAccount = try await client.post("/webhook/bob", json: Self.payload, headers: headers)
            #expect(otherAccount.status == 201)
            let changedBody = try await client.post("/webhook/alice", json: #"{"text": "edited"}"#, headers: headers)
            #expect(changedBody.status == 422)
            #expect(server.store.count == 2)
        }
    }

    @Test func refusesBodiesThatAreNotJSON() async throws {
        try await withSandboxServer { server, client in
            let plain = try await client.post(
                "/webhook/alice", json: Self.payload, headers: ["Content-Type": "text/plain"]
            )
            #expect(plain.status == 415)
            let error = try #require(try plain.json()["error"] as? [String: Any])
            #expect(error["status"] as? Int == 415)
            #expect((error["message"] as? String)?.contains("application/json") == true)

            let missing = try await client.send(
                method: "POST", path: "/webhook/alice", headers: [:], body: Data("{}".utf8)
            )
            #expect(missing.status == 415)

            let withCharset = try await client.post(
                "/webhook/alice", json: Self.payload, headers: ["Content-Type": "Application/JSON; charset=utf-8"]
            )
            #expect(withCharset.status == 201)

            let notAnObject = try await client.post("/webhook/alice", json: "[1, 2]")
            #expect(notAnObject.status == 400)
            let badMedia = try await client.post("/webhook/alice", json: #"{"media": [3]}"#)
            #expect(badMedia.status == 400)
            #expect(server.store.count == 1)
        }
    }

    @Test func refusesBodiesOverTheLimit() async throws {
        try await withSandboxServer(SandboxConfiguration(maxBodyBytes: 64)) { server, client in
            let longText = String(repeating: "x", count: 100)
            let large = try await client.post("/webhook/alice", json: "{\"text\": \"\(longText)\"}")
            #expect(large.status == 413)
            let small = try await client.post("/webhook/alice", json: #"{"text": "fits"}"#)
            #expect(small.status == 201)
            #expect(server.store.count == 1)
        }
    }

    @Test func verifiesSignaturesForAccountsWithASecret() async throws {
        let secret = "s3cret-for-alice"
        let configuration = SandboxConfiguration(webhookSecrets: ["alice": secret])
        try await withSandboxServer(configuration) { server, client in
            let signature = Self.signature(secret: secret, body: Self.payload)

            let signed = try await client.post(
                "/webhook/alice", json: Self.payload, headers: ["X-Spoolpost-Signature": signature]
            )
            #expect(signed.status == 201)
            let id = try #require(try signed.json()["id"] as? String)
            let stored = try #require(server.store.post(id: id))
            #expect(stored.signatureVerified)
            #expect(stored.header("X-Spoolpost-Signature") == nil)

            let unsigned = try await client.post("/webhook/alice", json: Self.payload)
            #expect(unsigned.status == 401)
            let missingMessage = try #require((try unsigned.json()["error"] as? [String: Any])?["message"] as? String)
            #expect(missingMessage.contains("missing X-Spoolpost-Signature"))

            let wrong = try await client.post(
                "/webhook/alice", json: Self.payload,
                headers: ["X-Spoolpost-Signature": Self.signature(secret: "other", body: Self.payload)]
            )
            #expect(wrong.status == 401)
            #expect(!wrong.text.contains(secret))
            #expect(!wrong.text.contains(signature))

            // A signature over another body does not verify this one.
            let tampered = try await client.post(
                "/webhook/alice", json: Self.payload + " ", headers: ["X-Spoolpost-Signature": signature]
            )
            #expect(tampered.status == 401)

            // Accounts without a secret take unsigned posts.
            let bob = try await client.post("/webhook/bob", json: Self.payload)
            #expect(bob.status == 201)
            #expect(server.store.count == 2)
        }
    }

    @Test func verifiesSignaturesAgainstAKnownHMACVector() async throws {
        // RFC 4231 test case 2: HMAC-SHA256("Jefe", "what do ya want for nothing?"); the body need not be pretty.
        let configuration = SandboxConfiguration(webhookSecrets: ["jefe": "Jefe"])
        try await withSandboxServer(configuration) { _, client in
            let body = "what do ya want for nothing?"
            let expected = "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
            let reply = try await client.post("/webhook/jefe", json: body, headers: ["X-Spoolpost-Signature": expected])
            // The signature passes, so the sandbox gets as far as parsing the (non-JSON) body.
            #expect(reply.status == 400)
            let unsigned = try await client.post("/webhook/jefe", json: body)
            #expect(unsigned.status == 401)
        }
    }
}
