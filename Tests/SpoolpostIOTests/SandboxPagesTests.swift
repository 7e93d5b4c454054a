import Foundation
import SpoolpostSandbox
import Testing

@Suite("Sandbox pages")
struct SandboxPagesTests {
    @Test func postPageShowsTextEscaped() async throws {
        try await withSandboxServer { _, client in
            let payload = #"""
                {"text": "<script>alert('x')</script> & more",
                 "media": ["https://example.com/i.png?a=1&b=2", "javascript:alert(1)"]}
                """#
            let accepted = try await client.post(
                "/webhook/alice", json: payload, headers: ["Idempotency-Key": "k\"<1>"]
            )
            let id = try #require(try accepted.json()["id"] as? String)

            let page = try await client.get("/posts/" + id)
            #expect(page.status == 200)
            #expect(page.header("Content-Type")?.hasPrefix("text/html") == true)
            #expect(!page.text.contains("<script>"))
            #expect(page.text.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more"))
            #expect(page.text.contains(#"<a href="https://example.com/i.png?a=1&amp;b=2">"#))
            #expect(!page.text.contains(#"href="javascript:"#))
            #expect(page.text.contains("k&quot;&lt;1&gt;"))
            #expect(page.text.contains("alice"))
            #expect(page.text.contains("webhook"))

            let missing = try await client.get("/posts/wh_999999")
            #expect(missing.status == 404)
        }
    }

    @Test func postAsJSON() async throws {
        try await withSandboxServer { _, client in
            let accepted = try await client.post("/webhook/alice", json: #"{"id": "p1", "text": "hi"}"#)
            let id = try #require(try accepted.json()["id"] as? String)
            let reply = try await client.get("/posts/\(id).json")
            #expect(reply.status == 200)
            let json = try reply.json()
            #expect(json["id"] as? String == id)
            #expect(json["network"] as? String == "webhook")
            #expect(json["account"] as? String == "alice")
            #expect(json["text"] as? String == "hi")
            #expect(json["clientPostID"] as? String == "p1")
            #expect(json["url"] as? String == client.baseURL + "/posts/" + id)
            #expect(json["receivedAt"] is String)

            let missing = try await client.get("/posts/wh_999999.json")
            #expect(missing.status == 404)
            #expect(try missing.json()["error"] != nil)
        }
    }

    @Test func aThumbnailSetAfterThePostShowsOnItsPageAndOnlyAsAWebLink() async throws {
        try await withSandboxServer { server, client in
            let accepted = try await client.post("/webhook/alice", json: #"{"id": "p2", "text": "with a picture"}"#)
            let id = try #require(try accepted.json()["id"] as? String)
            #expect(server.store.update(id: id) { post in
                post.thumbnailURL = "https://i.example/t.jpg?a=1&b=2"
                post.id = "changed"
                post.network = "other"
            })
            #expect(server.store.post(id: id)?.network == "webhook")
            #expect(!server.store.update(id: "wh_999999") { _ in })
            let page = try await client.get("/posts/" + id)
            #expect(page.text.contains(#"<img src="https://i.example/t.jpg?a=1&amp;b=2""#))
            #expect(try await client.get("/posts/\(id).json").json()["thumbnail"] as? String
                == "https://i.example/t.jpg?a=1&b=2")

            server.store.update(id: id) { $0.thumbnailURL = "javascript:alert(1)" }
            #expect(!(try await client.get("/posts/" + id).text.contains("javascript:")))
        }
    }

    @Test func indexAndJSONListShowNewestFirst() async throws {
        try await withSandboxServer { _, client in
            for text in ["first", "second", "third <3"] {
                let reply = try await client.post("/webhook/alice", json: "{\"text\": \"\(text)\"}")
                #expect(reply.status == 201)
            }
            let list = try await client.get("/api/posts")
            #expect(list.status == 200)
            let json = try list.json()
            #expect(json["count"] as? Int == 3)
            let posts = try #require(json["posts"] as? [[String: Any]])
            #expect(posts.compactMap { $0["id"] as? String } == ["wh_000003", "wh_000002", "wh_000001"])
            #expect(posts.compactMap { $0["text"] as? String } == ["third <3", "second", "first"])

            let index = try await client.get("/")
            #expect(index.status == 200)
            let html = index.text
            let third = try #require(html.range(of: #"href="/posts/wh_000003""#))
            let first = try #require(html.range(of: #"href="/posts/wh_000001""#))
            #expect(third.lowerBound < first.lowerBound)
            #expect(html.contains("third &lt;3"))
        }
    }

    @Test func healthCheck() async throws {
        try await withSandboxServer { _, client in
            let reply = try await client.get("/healthz")
            #expect(reply.status == 200)
            #expect(reply.text == "ok")
        }
    }
}
