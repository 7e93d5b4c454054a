import Foundation

/// The JSON shape of a received post on `/posts/{id}.json` and `/api/posts`.
struct SandboxPostView: Encodable {
    var id: String
    var url: String
    var network: String
    var account: String
    var method: String
    var path: String
    var text: String?
    var media: [String]
    var clientPostID: String?
    var idempotencyKey: String?
    var signatureVerified: Bool
    var receivedAt: Date
    var headers: [SandboxHeader]
    var body: String
    var thumbnail: String?

    init(_ post: SandboxReceivedPost, url: String) {
        id = post.id
        self.url = url
        network = post.network
        account = post.account
        method = post.method
        path = post.path
        text = post.text
        media = post.mediaURLs
        clientPostID = post.clientPostID
        idempotencyKey = post.idempotencyKey
        signatureVerified = post.signatureVerified
        receivedAt = post.receivedAt
        headers = post.headers
        body = post.bodyText
        thumbnail = post.thumbnailURL
    }
}

/// `{"count": n, "posts": [...]}`, newest first.
struct SandboxPostList: Encodable {
    var count: Int
    var posts: [SandboxPostView]
}
