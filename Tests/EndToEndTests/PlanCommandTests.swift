import Foundation
import SpoolpostSandbox
import Testing

@Suite("spoolpost plan", .serialized)
struct PlanCommandTests {
    /// A config whose Facebook account points at the harness's sandbox (which must see no request at all), an
    /// X account on the real host with OAuth 1.0a keys, and the harness's signed webhook.
    private func harness() async throws -> DaemonHarness {
        let harness = try await DaemonHarness(extraAccounts: { base in
            """
              fb:
                platform: facebook
                page_id: "4242"
                api_base: \(base)/graph.facebook.com/v21.0
                credentials: fb.yaml
              xx:
                platform: x
                credentials: x.yaml
              fb2:
                platform: facebook
                page_id: "777"
                credentials: fb.yaml
            """
        })
        let secrets = [
            "fb.yaml": "access_token: fb-secret-token-never-printed\n",
            "x.yaml": "consumer_key: x-consumer-never-printed\nconsumer_secret: cs\ntoken: t\ntoken_secret: ts\n",
        ]
        for (name, text) in secrets {
            let path = harness.directory.appendingPathComponent(name).path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        }
        let media = harness.spool.appendingPathComponent("media")
        try FileManager.default.createDirectory(at: media, withIntermediateDirectories: true)
        let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10] + Array("JFIF".utf8)
            + [0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00] + Array(repeating: 0x42, count: 2000) + [0xFF, 0xD9]
        try Data(jpeg).write(to: media.appendingPathComponent("photo.jpg"))
        // Any request reaching the harness's sandbox would be counted here.
        harness.sandbox.faults.replace(with: SandboxFaults([
            SandboxFaultRule(pathPrefix: "/", count: 1_000_000, action: .serverError)
        ]))
        return harness
    }

    @Test("plan prints each target's requests with real URLs and the public step marked, and sends nothing")
    func plan() async throws {
        let harness = try await harness()
        defer { harness.stop() }
        let post = harness.directory.appendingPathComponent("post.yaml")
        try """
            id: plan-1
            text: "Planned, not sent"
            media:
              - file: photo.jpg
                alt: a photo
            targets:
              - {platform: facebook, account: fb}
              - {platform: x, account: xx}
              - {platform: webhook, account: hooks}
            """.write(to: post, atomically: true, encoding: .utf8)
        let result = try await harness.command(["plan", "--config", harness.configPath, post.path])
        #expect(result.status == 0, "\(result.errors)")
        let lines = result.output.split(separator: "\n").map(String.init)
        let base = "http://127.0.0.1:\(harness.port)"

        // The media is uploaded once to the embedded store the daemon would use.
        #expect(lines.contains { $0.contains("PUT http://127.0.0.1:8089/spoolpost-local/media/images/fb/") })
        // Facebook: the photo, then the public step, then the feed post on the account's own base URL.
        let photo = try #require(lines.firstIndex { $0.contains("POST \(base)/graph.facebook.com/v21.0/4242/photos") })
        let feed = try #require(lines.firstIndex { $0.contains("POST \(base)/graph.facebook.com/v21.0/4242/feed") })
        let marks = lines.indices.filter { lines[$0].contains("the next request makes the post public") }
        #expect(photo < feed)
        #expect(marks.contains { $0 > photo && $0 < feed })
        // X on its real host, signed with OAuth 1.0a; the webhook with its signature header.
        #expect(lines.contains { $0.contains("POST https://api.x.com/2/media/upload/initialize") })
        #expect(lines.contains { $0.contains("POST https://api.x.com/2/tweets") })
        #expect(lines.contains { $0.contains("Authorization: OAuth ‹redacted›") })
        #expect(lines.contains { $0.contains("POST \(base)/webhook/hooks") })
        #expect(lines.filter { $0.contains("=> published (in the rehearsal)") }.count == 3)

        // No secret and no signature shows, and nothing reached the configured hosts.
        for secret in ["fb-secret-token-never-printed", "x-consumer-never-printed", "sandbox-token"] {
            #expect(!result.output.contains(secret), "\(secret)")
        }
        let signatures = result.output.components(separatedBy: "X-Goog-Signature=").dropFirst()
        #expect(!signatures.isEmpty)
        #expect(signatures.allSatisfy { $0.hasPrefix("‹redacted›") })
        #expect(harness.sandbox.faults.firedCount == 0)
        #expect(harness.names("pending").isEmpty)

        // The same plan as JSON, for scripts.
        let json = try await harness.command(["plan", "--json", "--config", harness.configPath, post.path])
        #expect(json.status == 0, "\(json.errors)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])
        #expect(object["post"] as? String == "plan-1")
        let targets = try #require(object["targets"] as? [[String: Any]])
        #expect(targets.map { $0["account"] as? String } == ["fb", "xx", "hooks"])
        let facebook = try #require(targets.first?["entries"] as? [[String: Any]])
        let publicStep = try #require(facebook.firstIndex { $0["public_step"] as? Bool == true })
        let feedRequest = facebook[publicStep + 1]["request"] as? [String: Any]
        #expect(feedRequest?["url"] as? String == "\(base)/graph.facebook.com/v21.0/4242/feed")
        #expect(!json.output.contains("fb-secret-token-never-printed"))
    }

    @Test("two accounts of one network are each shown with their own base URL")
    func twoAccountsOfOneNetwork() async throws {
        let harness = try await harness()
        defer { harness.stop() }
        let post = harness.directory.appendingPathComponent("two.yaml")
        try "id: plan-3\ntext: Two pages\ntargets:\n  - {platform: facebook, account: fb}\n  - {platform: facebook, account: fb2}\n"
            .write(to: post, atomically: true, encoding: .utf8)
        let result = try await harness.command(["plan", "--config", harness.configPath, post.path])
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.output.contains("POST http://127.0.0.1:\(harness.port)/graph.facebook.com/v21.0/4242/feed"))
        #expect(result.output.contains("POST https://graph.facebook.com/v21.0/777/feed"))
        #expect(harness.sandbox.faults.firedCount == 0)
    }

    @Test("plan refuses an invalid manifest with its line and exits 1")
    func invalid() async throws {
        let harness = try await harness()
        defer { harness.stop() }
        let post = harness.directory.appendingPathComponent("bad.yaml")
        try "id: plan-2\ntext: hi\ntargets:\n  - {platform: facebook, account: nobody}\n"
            .write(to: post, atomically: true, encoding: .utf8)
        let result = try await harness.command(["plan", "--config", harness.configPath, post.path])
        #expect(result.status == 1)
        #expect(result.errors.contains("bad.yaml:4:"))
        #expect(harness.sandbox.faults.firedCount == 0)
    }
}
