import Foundation
import Hummingbird

/// The human side of the sandbox: an index of received posts and a page per post, as plain escaped HTML
/// (no scripts), plus the same data as JSON, and a health check.
struct SandboxPages: Sendable {
    let environment: SandboxEnvironment

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/") { _, _ in self.indexPage() }
        router.get("/api/posts") { _, _ in self.postList() }
        router.get("/posts/{id}") { _, context in self.postPage(context.parameters.get("id") ?? "") }
        router.get("/healthz") { _, _ in SandboxResponse.text("ok") }
    }

    private func newestFirst() -> [SandboxReceivedPost] {
        environment.store.all.reversed()
    }

    func postList() -> Response {
        let views = newestFirst().map { SandboxPostView($0, url: environment.postURL(id: $0.id)) }
        return SandboxResponse.json(SandboxPostList(count: views.count, posts: views))
    }

    /// `/posts/{id}` as HTML, `/posts/{id}.json` as JSON; one route because the router cannot tell them apart.
    func postPage(_ requested: String) -> Response {
        let wantsJSON = requested.hasSuffix(".json")
        let id = wantsJSON ? String(requested.dropLast(".json".count)) : requested
        guard let post = environment.store.post(id: id) else {
            let message = "no post with id '\(id)' was received"
            return wantsJSON
                ? SandboxResponse.jsonError(status: .notFound, message: message)
                : SandboxResponse.html(status: .notFound, Self.document(title: "Not found", body: "<p>"
                    + HTMLEscaping.escape(message) + "</p>\n<p><a href=\"/\">All received posts</a></p>"))
        }
        if wantsJSON {
            return SandboxResponse.json(SandboxPostView(post, url: environment.postURL(id: post.id)))
        }
        return SandboxResponse.html(Self.document(title: "Post \(post.id)", body: Self.postBody(post)))
    }

    func indexPage() -> Response {
        let posts = newestFirst()
        var body = "<p>\(posts.count) post\(posts.count == 1 ? "" : "s") received. "
            + "<a href=\"/api/posts\">JSON</a></p>\n"
        if !posts.isEmpty {
            body += "<table>\n<tr><th>Id</th><th>Network</th><th>Account</th><th>Received</th><th>Text</th></tr>\n"
            for post in posts {
                let id = HTMLEscaping.escape(post.id)
                body += "<tr><td><a href=\"/posts/\(id)\">\(id)</a></td>"
                    + "<td>\(HTMLEscaping.escape(post.network))</td>"
                    + "<td>\(HTMLEscaping.escape(post.account))</td>"
                    + "<td>\(Self.timestamp(post.receivedAt))</td>"
                    + "<td>\(HTMLEscaping.escape(Self.excerpt(post.text ?? "")))</td></tr>\n"
            }
            body += "</table>\n"
        }
        return SandboxResponse.html(Self.document(title: "Spoolpost sandbox", body: body))
    }

    private static func postBody(_ post: SandboxReceivedPost) -> String {
        var rows: [(String, String)] = [
            ("Network", HTMLEscaping.escape(post.network)),
            ("Account", HTMLEscaping.escape(post.account)),
            ("Received", timestamp(post.receivedAt)),
            ("Request", HTMLEscaping.escape(post.method + " " + post.path)),
        ]
        if let clientPostID = post.clientPostID {
            rows.append(("Client post id", HTMLEscaping.escape(clientPostID)))
        }
        if let key = post.idempotencyKey {
            rows.append(("Idempotency-Key", HTMLEscaping.escape(key)))
        }
        rows.append(("Signature", post.signatureVerified ? "verified" : "not required"))

        var body = "<p><a href=\"/\">All received posts</a> · <a href=\"/posts/"
            + HTMLEscaping.escape(post.id) + ".json\">JSON</a></p>\n<table>\n"
        for (name, value) in rows {
            body += "<tr><th>\(name)</th><td>\(value)</td></tr>\n"
        }
        body += "</table>\n<h2>Text</h2>\n<pre>" + HTMLEscaping.escape(post.text ?? "") + "</pre>\n"
        if !post.mediaURLs.isEmpty {
            body += "<h2>Media</h2>\n<ul>\n"
            for url in post.mediaURLs {
                let escaped = HTMLEscaping.escape(url)
                // Only web links become links; anything else (javascript:, data:) is shown as text.
                body += Self.isWebLink(url) ? "<li><a href=\"\(escaped)\">\(escaped)</a></li>\n" : "<li>\(escaped)</li>\n"
            }
            body += "</ul>\n"
        }
        if let thumbnail = post.thumbnailURL, Self.isWebLink(thumbnail) {
            let escaped = HTMLEscaping.escape(thumbnail)
            body += "<h2>Thumbnail</h2>\n<p><a href=\"\(escaped)\"><img src=\"\(escaped)\" alt=\"thumbnail\" "
                + "width=\"320\"></a></p>\n"
        }
        if !post.headers.isEmpty {
            body += "<h2>Headers</h2>\n<table>\n"
            for header in post.headers {
                body += "<tr><th>\(HTMLEscaping.escape(header.name))</th>"
                    + "<td>\(HTMLEscaping.escape(header.value))</td></tr>\n"
            }
            body += "</table>\n"
        }
        body += "<h2>Body</h2>\n<pre>" + HTMLEscaping.escape(post.bodyText) + "</pre>\n"
        return body
    }

    private static func document(title: String, body: String) -> String {
        let title = HTMLEscaping.escape(title)
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <title>\(title)</title>
            <style>
            body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em}
            th{text-align:left;padding-right:1em;vertical-align:top}
            pre{white-space:pre-wrap;background:#f4f4f4;padding:.5em}
            </style>
            </head>
            <body>
            <h1>\(title)</h1>
            \(body)</body>
            </html>

            """
    }

    /// Only http(s) URLs become links or images; anything else (javascript:, data:) is shown as text or left out.
    private static func isWebLink(_ url: String) -> Bool {
        url.lowercased().hasPrefix("http://") || url.lowercased().hasPrefix("https://")
    }

    private static func timestamp(_ date: Date) -> String {
        date.formatted(.iso8601)
    }

    private static func excerpt(_ text: String) -> String {
        let firstLine = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return firstLine.count > 80 ? String(firstLine.prefix(79)) + "…" : String(firstLine)
    }
}
