import Foundation

/// A post a simulated network accepted, as the sandbox recorded it.
public struct SandboxReceivedPost: Sendable, Hashable, Codable {
    /// Sandbox-assigned id, prefixed per network (for example `wh_000001`).
    public var id: String
    /// Which simulator received it (for example `webhook`).
    public var network: String
    /// The account (or page, channel, handle) it was posted to.
    public var account: String
    /// Method and path the post arrived on.
    public var method: String
    public var path: String
    /// The request body exactly as received.
    public var body: [UInt8]
    /// The text of the post as the simulator understood it, when it has one.
    public var text: String?
    /// Media URLs the post referenced.
    public var mediaURLs: [String]
    /// The client's own id for the post, when it sent one (the webhook payload's `id`).
    public var clientPostID: String?
    /// The `Idempotency-Key` the client sent, if any.
    public var idempotencyKey: String?
    /// Request headers in arrival order, minus credentials and signatures (see `SandboxHeader.redactedNames`).
    public var headers: [SandboxHeader]
    /// Whether a signature was required and verified for this post.
    public var signatureVerified: Bool
    public var receivedAt: Date
    /// An image the network set for the post after it was received (a YouTube custom thumbnail), by URL.
    public var thumbnailURL: String?

    /// The body decoded as UTF-8 (invalid sequences replaced), for display.
    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    public init(
        id: String,
        network: String,
        account: String,
        method: String,
        path: String,
        body: [UInt8],
        text: String?,
        mediaURLs: [String],
        clientPostID: String?,
        idempotencyKey: String?,
        headers: [SandboxHeader],
        signatureVerified: Bool,
        receivedAt: Date
    ) {
        self.id = id
        self.network = network
        self.account = account
        self.method = method
        self.path = path
        self.body = body
        self.text = text
        self.mediaURLs = mediaURLs
        self.clientPostID = clientPostID
        self.idempotencyKey = idempotencyKey
        self.headers = headers
        self.signatureVerified = signatureVerified
        self.receivedAt = receivedAt
    }

    /// The first header with this name, compared case-insensitively.
    public func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return headers.first { $0.name.lowercased() == lowered }?.value
    }
}

/// One request header as recorded.
public struct SandboxHeader: Sendable, Hashable, Codable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }

    /// Header names (lower case) never recorded, because they carry credentials or signatures.
    public static let redactedNames: Set<String> = [
        "authorization", "proxy-authorization", "cookie", "x-api-key", "x-spoolpost-signature",
        "x-hub-signature", "x-hub-signature-256",
    ]
}
