import Foundation
public import SpoolpostCore
public import SpoolpostIO

/// A generic signed webhook: POSTs the post as JSON.
///
/// Headers: `Content-Type: application/json`, `Idempotency-Key: <post id>:<target index>` (stable across
/// retries and restarts, so a receiver can drop repeats) and, when the account has a secret,
/// `X-Spoolpost-Signature: sha256=<hex HMAC-SHA256 of the body>`. Any 2xx is success; the response's
/// `id` (and `url`) fields, if any, are recorded as the platform post id and URL.
///
/// Account settings: `url:` (required), `timeout:` (seconds, default 30), `credentials:` (a file with `secret:`).
public struct WebhookAdapter: PublishingAdapter {
    public let platform = Platform.webhook
    public let account: String
    let url: String
    let secret: [UInt8]?
    let timeout: Double
    let http: HTTPClient

    public init(account: String, url: String, secret: [UInt8]?, timeout: Double = 30, http: HTTPClient) {
        self.account = account
        self.url = url
        self.secret = secret
        self.timeout = timeout
        self.http = http
    }

    /// Builds the adapter from its account settings, reading the secret from the credentials file.
    public init(account: AccountConfig, credentials: Credentials?, http: HTTPClient) throws(SpoolpostError) {
        let settings = AccountSettings(account)
        guard let url = account.string("url"), AccountSettings.isWebURL(url) else {
            throw settings.invalid("webhook needs `url:` with an http or https URL")
        }
        let timeout = try settings.seconds("timeout", default: 30, allowsZero: false)
        let secret = credentials?["secret"].map { Array($0.utf8) }
        self.init(account: account.name, url: url, secret: secret, timeout: timeout, http: http)
    }

    public func publish(_ request: PublishRequest, progress: PublishProgress) async -> PublishOutcome {
        let body = Self.body(for: request)
        var headers = [
            HTTPHeader(name: "Content-Type", value: "application/json"),
            HTTPHeader(name: "Idempotency-Key", value: request.idempotencyKey),
            // Outside the body, so every attempt sends the same signed body under the same key.
            HTTPHeader(name: "X-Spoolpost-Attempt", value: String(request.attempt)),
        ]
        if let secret {
            let signature = Hex.encode(HMAC.sha256(key: secret, message: body))
            headers.append(HTTPHeader(name: "X-Spoolpost-Signature", value: "sha256=\(signature)"))
        }
        let service = "webhook '\(account)'"
        var httpRequest = HTTPRequest(method: "POST", url: url, headers: headers, body: .bytes(body))
        httpRequest.timeout = timeout
        let response: HTTPResponse
        do {
            response = try await http.execute(httpRequest)
        } catch {
            // The Idempotency-Key makes a repeat safe for a receiver that honours it.
            return .failed(HTTPFailureClassifier.classify(error, service: service, repeatable: true))
        }
        guard (200..<300).contains(response.status) else {
            return .failed(HTTPFailureClassifier.classify(response, service: service))
        }
        let answer = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]
        let id = answer?["id"].flatMap { value -> String? in
            if let text = value as? String { return text }
            if let number = value as? NSNumber { return number.stringValue }
            return nil
        }
        return .published(platformPostID: id, url: answer?["url"] as? String)
    }

    /// The JSON body: `{"id", "text", "media", "target": {"index", "platform", "account", "type"}}`;
    /// each media item has its `file`/`gcs`/`url`, `alt`, `type` and, once prepared, `fetch_url`, `mime`, `size`.
    static func body(for request: PublishRequest) -> [UInt8] {
        struct Body: Encodable {
            struct Media: Encodable {
                var file: String?
                var gcs: String?
                var url: String?
                var alt: String?
                var type: String?
                /// Where the receiver can fetch the bytes (a signed GET URL for file and gcs items).
                var fetchURL: String?
                var mime: String?
                var size: Int64?

                enum CodingKeys: String, CodingKey {
                    case file, gcs, url, alt, type, mime, size
                    case fetchURL = "fetch_url"
                }
            }
            struct Target: Encodable {
                var index: Int
                var platform: String
                var account: String
                var type: String?
            }
            var id: String
            var text: String?
            var media: [Media]
            var target: Target
        }
        let media = request.media.map { prepared -> Body.Media in
            let item = prepared.reference
            var m = Body.Media(
                alt: item.alt, type: item.kindHint, fetchURL: prepared.fetchURL, mime: prepared.mimeType,
                size: prepared.size)
            switch item.source {
            case .file(let path): m.file = path
            case .gcs(let bucket, let object): m.gcs = "gs://\(bucket)/\(object)"
            case .url(let url): m.url = url
            }
            return m
        }
        let body = Body(
            id: request.postID, text: request.text, media: media,
            target: .init(
                index: request.target.index, platform: request.target.platform.rawValue,
                account: request.target.account, type: request.target.type)
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding plain strings and ints cannot fail.
        return Array((try? encoder.encode(body)) ?? Data("{}".utf8))
    }
}
