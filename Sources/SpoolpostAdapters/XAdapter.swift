// X API v2, as documented at docs.x.com (read 2026-11):
// - Create Post: POST /2/tweets {"text", "media": {"media_ids"}, "reply": {"in_reply_to_tweet_id"}} -> 201 {"data": {"id"}}
//   (docs.x.com/x-api/posts/create-post).
// - Media upload, the dedicated v2 endpoints (docs.x.com/x-api/media/initialize-media-upload, .../append-media-upload,
//   .../finalize-media-upload, .../get-media-upload-status and the quickstart media-upload-chunked):
//   POST /2/media/upload/initialize {"media_type", "total_bytes", "media_category"} -> {"data": {"id", "media_key"}};
//   POST /2/media/upload/{id}/append, multipart `segment_index` + `media`; POST /2/media/upload/{id}/finalize ->
//   {"data": {"id", "processing_info"?: {"state", "check_after_secs"}}}; GET /2/media/upload?command=STATUS&media_id=
//   until `processing_info.state` is `succeeded` (or `failed`, with `error`).
// - Alt text: POST /2/media/metadata {"id", "metadata": {"alt_text": {"text"}}} (docs.x.com/x-api/media/create-media-metadata).
// - Errors: RFC 7807 problem details {"title", "detail", "type", "status"} and {"errors": [...]} (docs.x.com/x-api/
//   fundamentals/response-codes-and-errors); rate limits: `x-rate-limit-limit/-remaining/-reset` (epoch seconds)
//   (docs.x.com/x-api/fundamentals/rate-limits).
// - Auth: OAuth 2.0 user context, refresh via POST /2/oauth2/token (grant_type=refresh_token; confidential clients
//   with HTTP Basic), refresh tokens single-use (docs.x.com/fundamentals/authentication/oauth-2-0/user-access-token);
//   or OAuth 1.0a HMAC-SHA1 (see OAuth1Signer).
// - Counting characters: twitter-text configuration v3 (github.com/twitter/twitter-text, config/v3.json,
//   docs.x.com/resources/fundamentals/counting-characters).
import Foundation
public import SpoolpostCore
public import SpoolpostIO

/// Publishes to X: a post with up to 4 images, or one video or GIF, and an optional thread of replies.
///
/// Account settings: `credentials:` (OAuth 2.0 `access_token` [+ `refresh_token`, `client_id`, `client_secret`,
/// `expires_at`], or OAuth 1.0a `consumer_key`, `consumer_secret`, `token`, `token_secret`), `api_base` (default
/// `https://api.x.com/2`), `upload_base` (default `https://api.x.com/2`), `oauth_base` (default
/// `https://api.x.com/2/oauth2/token`), `max_weighted_length` (default 280; higher for premium accounts),
/// `upload_chunk_bytes` (default 4 MiB).
///
/// Steps recorded: `media.<i>.id`, `media.<i>.segment` (last appended segment index), `media.<i>.finalized`,
/// `media.<i>.ready`, `media.<i>.alt`, and `tweet.<n>` (the post, then each reply) — each post is its own public step.
public struct XAdapter: PublishingAdapter {
    public let platform = Platform.x
    public let account: String
    public var publicStepIsFirstRequest: Bool { false }

    let apiBase: String
    /// Where post pages live (`web_base`, default `https://x.com`), for the recorded URL.
    let webBase: String
    let uploadBase: String
    let maxWeightedLength: Int
    let chunkBytes: Int
    let http: HTTPClient
    /// The quota the rate-limit headers of successful answers reported spent.
    let quota = AccountQuota()
    let authorization: Authorization

    enum Authorization: Sendable {
        case oauth2(OAuth2TokenSession)
        case oauth1(OAuth1Signer)
    }

    /// X's documented limits.
    static let maxImages = 4
    static let maxMediaBytes = 512 * 1024 * 1024
    static let maxAltTextLength = 1000
    static let maxProcessingPolls = 120

    public init(account: AccountConfig, credentials: Credentials?, http: HTTPClient) throws(SpoolpostError) {
        let settings = AccountSettings(account)
        self.account = account.name
        self.http = http
        apiBase = try settings.baseURL("api_base", default: "https://api.x.com/2")
        uploadBase = try settings.baseURL("upload_base", default: "https://api.x.com/2")
        webBase = try settings.baseURL("web_base", default: "https://x.com")
        let oauthBase = try settings.url("oauth_base", default: "https://api.x.com/2/oauth2/token")
        maxWeightedLength = try settings.positiveCount("max_weighted_length", default: 280)
        if let text = account.string("upload_chunk_bytes") {
            guard let value = Int(text), value >= 1, value <= 5 * 1024 * 1024 else {
                throw settings.invalid("`upload_chunk_bytes` must be between 1 and 5242880 (X's segment limit)")
            }
            chunkBytes = value
        } else {
            chunkBytes = 4 * 1024 * 1024
        }
        guard let credentials else {
            throw settings.invalid("x needs `credentials:` (an OAuth 2.0 access_token, or OAuth 1.0a consumer and token keys)")
        }
        if let key = credentials["consumer_key"], let secret = credentials["consumer_secret"],
            let token = credentials["token"], let tokenSecret = credentials["token_secret"]
        {
            authorization = .oauth1(
                OAuth1Signer(consumerKey: key, consumerSecret: secret, token: token, tokenSecret: tokenSecret))
        } else if credentials["access_token"] != nil {
            authorization = .oauth2(
                OAuth2TokenSession(
                    credentials: credentials, tokenURL: oauthBase, authentication: .basicWhenSecret, http: http,
                    service: "X account '\(account.name)'"))
        } else {
            throw settings.invalid(
                "credentials file \(credentials.path) needs access_token (OAuth 2.0) or consumer_key, consumer_secret, "
                    + "token and token_secret (OAuth 1.0a)")
        }
    }

    var service: String { "X account '\(account)'" }

    // MARK: - Validation

    public func problems(with check: TargetCheck) -> [TargetProblem] {
        var problems: [TargetProblem] = []
        if let type = check.target.type, type != "post" {
            problems.append(TargetProblem(field: "type", "x supports type `post` only (got `\(type)`)"))
        }
        let text = check.text ?? ""
        let weighted = XTextWeight.weightedLength(text)
        if weighted > maxWeightedLength {
            problems.append(
                TargetProblem(
                    field: "text",
                    "the text is \(weighted) weighted characters; X allows \(maxWeightedLength) (URLs count 23, "
                        + "CJK characters and emoji 2)"))
        }
        if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty && check.media.isEmpty {
            problems.append(TargetProblem(field: "text", "an X post needs text or media"))
        }
        let thread = Self.threadTexts(check.target)
        if let problem = thread.problem {
            problems.append(problem)
        } else {
            for (offset, reply) in thread.texts.enumerated() {
                let length = XTextWeight.weightedLength(reply)
                if reply.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                    problems.append(TargetProblem(field: "thread", "thread reply \(offset + 1) is empty"))
                } else if length > maxWeightedLength {
                    problems.append(
                        TargetProblem(
                            field: "thread",
                            "thread reply \(offset + 1) is \(length) weighted characters; X allows \(maxWeightedLength)"))
                }
            }
        }
        let videos = check.videoCount
        let gifs = check.gifCount
        let images = check.imageCount
        if videos + gifs > 0 && check.media.count > 1 {
            problems.append(
                TargetProblem(field: "media", "X takes one video or one GIF alone, not mixed with other media"))
        } else if images > Self.maxImages || check.media.count > Self.maxImages {
            problems.append(TargetProblem(field: "media", "X takes at most \(Self.maxImages) images per post"))
        }
        for (index, type) in check.mediaTypes.enumerated() {
            if let type, !type.hasPrefix("image/") && !type.hasPrefix("video/") {
                problems.append(TargetProblem(field: "media", "media item \(index + 1) (\(type)) is not an image or video"))
            }
        }
        for item in check.media {
            if let alt = item.alt, alt.count > Self.maxAltTextLength {
                problems.append(TargetProblem(field: "media", "alt text is limited to \(Self.maxAltTextLength) characters on X"))
            }
        }
        return problems
    }

    /// The `thread:` option: a list of reply texts.
    static func threadTexts(_ target: PostTarget) -> (texts: [String], problem: TargetProblem?) {
        guard let node = target.options["thread"], !node.isNull else { return ([], nil) }
        guard let items = node.sequence else {
            return ([], TargetProblem(field: "thread", "`thread` must be a list of reply texts"))
        }
        var texts: [String] = []
        for item in items {
            guard let text = item.scalar else {
                return ([], TargetProblem(field: "thread", "each `thread` item must be a text"))
            }
            texts.append(text)
        }
        return (texts, nil)
    }

    // MARK: - Publishing

    public func publish(_ request: PublishRequest, progress: PublishProgress) async -> PublishOutcome {
        let outcome = await publishOnce(request, progress: progress)
        await quota.report(to: progress)
        return outcome
    }

    private func publishOnce(_ request: PublishRequest, progress: PublishProgress) async -> PublishOutcome {
        do {
            return try await publishSteps(request, progress: progress)
        } catch {
            return .failed(error)
        }
    }

    private func publishSteps(
        _ request: PublishRequest, progress: PublishProgress
    ) async throws(SpoolpostError) -> PublishOutcome {
        let thread = Self.threadTexts(request.target)
        if let problem = thread.problem { throw SpoolpostError(.invalidManifest, problem.message) }
        let replies = thread.texts
        var steps = request.steps
        let texts = [request.text ?? ""] + replies
        var mediaIDs: [String] = []
        if steps["tweet.0"] == nil {
            for (index, media) in request.media.enumerated() {
                mediaIDs.append(try await upload(media, index: index, steps: &steps, progress: progress))
            }
        }
        for (position, text) in texts.enumerated() where steps["tweet.\(position)"] == nil {
            var body: [String: Any] = ["text": text]
            if position == 0 && !mediaIDs.isEmpty { body["media"] = ["media_ids": mediaIDs] }
            if position > 0, let parent = steps["tweet.\(position - 1)"] {
                body["reply"] = ["in_reply_to_tweet_id": parent]
            }
            try await progress.beginPublicStep()
            let answer = try await sendJSON("POST", apiBase + "/tweets", body, repeatable: false)
            guard let id = Self.dataID(answer) else {
                throw SpoolpostError(
                    .unknownOutcome, "\(service) accepted a post but its answer has no data.id; check the account")
            }
            try await progress.record("tweet.\(position)", id)
            steps["tweet.\(position)"] = id
        }
        let id = steps["tweet.0"]
        return .published(platformPostID: id, url: id.map { "\(webBase)/i/web/status/\($0)" })
    }

    /// Uploads one item through initialize/append/finalize, waits for processing and sets alt text, resuming from
    /// recorded steps. Returns the media id.
    private func upload(
        _ media: PreparedMedia, index: Int, steps: inout [String: String], progress: PublishProgress
    ) async throws(SpoolpostError) -> String {
        let prefix = "media.\(index)."
        func record(_ key: String, _ value: String) async throws(SpoolpostError) {
            try await progress.record(prefix + key, value)
            steps[prefix + key] = value
        }
        if steps[prefix + "finalized"] == nil {
            let payload = try await MediaPayload.load(media, http: http, maxBytes: Self.maxMediaBytes, service: service)
            let mime = payload.mimeType ?? media.mimeType ?? "application/octet-stream"
            let mediaID: String
            if let recorded = steps[prefix + "id"] {
                mediaID = recorded
            } else {
                let answer = try await sendJSON(
                    "POST", uploadBase + "/media/upload/initialize",
                    ["media_type": mime, "total_bytes": payload.size, "media_category": Self.category(for: mime)],
                    repeatable: true)
                guard let id = Self.dataID(answer) else {
                    throw SpoolpostError(.serverError, "\(service): media initialize answered without data.id", retryable: true)
                }
                mediaID = id
                try await record("id", id)
            }
            let segments = max(1, Int((payload.size + Int64(chunkBytes) - 1) / Int64(chunkBytes)))
            let appended = steps[prefix + "segment"].flatMap(Int.init) ?? -1
            for segment in (appended + 1)..<segments {
                let offset = Int64(segment) * Int64(chunkBytes)
                let length = min(Int64(chunkBytes), payload.size - offset)
                let chunk = try Self.read(payload.body(offset: offset, length: length))
                try await sendMultipart(
                    uploadBase + "/media/upload/\(mediaID)/append",
                    fields: [("segment_index", String(segment))], file: chunk)
                try await record("segment", String(segment))
            }
            let finalized = try await sendJSON(
                "POST", uploadBase + "/media/upload/\(mediaID)/finalize", nil, repeatable: true)
            try await record("finalized", "1")
            if Self.processingState(finalized) == nil { try await record("ready", "1") }
        }
        guard let mediaID = steps[prefix + "id"] else {
            throw SpoolpostError(.internalError, "\(service): media \(index + 1) finalized without a recorded id")
        }
        if steps[prefix + "ready"] == nil {
            try await waitForProcessing(mediaID)
            try await record("ready", "1")
        }
        if let alt = media.reference.alt, !alt.isEmpty, steps[prefix + "alt"] == nil {
            _ = try await sendJSON(
                "POST", uploadBase + "/media/metadata",
                ["id": mediaID, "metadata": ["alt_text": ["text": alt]]], repeatable: true)
            try await record("alt", "1")
        }
        return mediaID
    }

    /// Polls STATUS until processing succeeds, waiting `check_after_secs` between polls.
    private func waitForProcessing(_ mediaID: String) async throws(SpoolpostError) {
        for _ in 0..<Self.maxProcessingPolls {
            let answer = try await sendJSON(
                "GET", uploadBase + "/media/upload?command=STATUS&media_id=\(mediaID)", nil, repeatable: true)
            guard let info = Self.processingState(answer) else { return }
            switch info.state {
            case "succeeded":
                return
            case "failed":
                throw SpoolpostError(
                    .rejected, "\(service) could not process media \(mediaID): \(info.error ?? "processing failed")",
                    platformCode: info.code)
            default:
                let delay = min(max(info.checkAfter ?? 1, 1), 30)
                try? await Task.sleep(for: .seconds(delay))
                if Task.isCancelled {
                    throw SpoolpostError(.cancelled, "\(service): cancelled while media \(mediaID) was processing")
                }
            }
        }
        throw SpoolpostError(
            .timeout, "\(service): media \(mediaID) was still processing after \(Self.maxProcessingPolls) checks",
            retryable: true)
    }

    static func category(for mime: String) -> String {
        if mime == "image/gif" { return "tweet_gif" }
        return mime.hasPrefix("video/") ? "tweet_video" : "tweet_image"
    }

    struct ProcessingInfo {
        var state: String
        var checkAfter: Double?
        var error: String?
        var code: String?
    }

    static func processingState(_ answer: [String: Any]) -> ProcessingInfo? {
        guard let data = answer["data"] as? [String: Any], let info = data["processing_info"] as? [String: Any],
            let state = info["state"] as? String
        else { return nil }
        let error = info["error"] as? [String: Any]
        return ProcessingInfo(
            state: state, checkAfter: (info["check_after_secs"] as? NSNumber)?.doubleValue,
            error: error?["message"] as? String, code: (error?["code"] as? NSNumber)?.stringValue ?? error?["name"] as? String)
    }

    static func dataID(_ answer: [String: Any]) -> String? {
        guard let data = answer["data"] as? [String: Any] else { return nil }
        if let id = data["id"] as? String { return id }
        return (data["id"] as? NSNumber)?.stringValue
    }

    static func read(_ body: HTTPBody) throws(SpoolpostError) -> [UInt8] {
        switch body {
        case .empty:
            return []
        case .bytes(let bytes):
            return bytes
        case .file(let path, let offset, let length):
            guard let handle = FileHandle(forReadingAtPath: path) else {
                throw SpoolpostError(.io, "media file \(path) cannot be opened")
            }
            defer { try? handle.close() }
            do {
                try handle.seek(toOffset: UInt64(offset))
                let data = try handle.read(upToCount: Int(length)) ?? Data()
                guard data.count == Int(length) else {
                    throw SpoolpostError(.io, "media file \(path) is shorter than expected")
                }
                return Array(data)
            } catch let error as SpoolpostError {
                throw error
            } catch {
                throw SpoolpostError(.io, "media file \(path) cannot be read: \(error.localizedDescription)")
            }
        }
    }

    // MARK: - HTTP

    private func sendJSON(
        _ method: String, _ url: String, _ body: [String: Any]?, repeatable: Bool
    ) async throws(SpoolpostError) -> [String: Any] {
        var headers: [HTTPHeader] = []
        var payload = HTTPBody.empty
        if let body {
            headers.append(HTTPHeader(name: "Content-Type", value: "application/json"))
            let data = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data("{}".utf8)
            payload = .bytes(Array(data))
        }
        let response = try await send(
            HTTPRequest(method: method, url: url, headers: headers, body: payload), repeatable: repeatable)
        return (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] ?? [:]
    }

    private func sendMultipart(
        _ url: String, fields: [(String, String)], file: [UInt8]
    ) async throws(SpoolpostError) {
        let boundary = "spoolpost-" + UUID().uuidString
        var body: [UInt8] = []
        for (name, value) in fields {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        body += Array(
            ("--\(boundary)\r\nContent-Disposition: form-data; name=\"media\"; filename=\"blob\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n").utf8)
        body += file
        body += Array("\r\n--\(boundary)--\r\n".utf8)
        let headers = [HTTPHeader(name: "Content-Type", value: "multipart/form-data; boundary=\(boundary)")]
        _ = try await send(
            HTTPRequest(method: "POST", url: url, headers: headers, body: .bytes(body), timeout: 300), repeatable: true)
    }

    /// `x-rate-limit-remaining: 0` on a successful answer: the endpoint's window is used up until
    /// `x-rate-limit-reset` (epoch seconds), so the account waits rather than being refused.
    private func noteSpentQuota(_ response: HTTPResponse, request: HTTPRequest) {
        guard response.header("x-rate-limit-remaining").flatMap(Int.init) == 0,
            let reset = response.header("x-rate-limit-reset").flatMap(Double.init)
        else { return }
        let path = request.url.split(separator: "?").first.map { $0.split(separator: "/").suffix(2).joined(separator: "/") }
        quota.spend(
            until: Date(timeIntervalSince1970: reset),
            reason: "\(service)'s rate limit for \(path ?? "the endpoint") is used up until its reset")
    }

    /// Signs and sends; a 401 under OAuth 2.0 refreshes the token once and repeats the request.
    private func send(_ request: HTTPRequest, repeatable: Bool) async throws(SpoolpostError) -> HTTPResponse {
        var token: String?
        var refreshed = false
        while true {
            var signed = request
            signed.freshConnection = !repeatable
            switch authorization {
            case .oauth1(let signer):
                signed.headers.append(
                    HTTPHeader(name: "Authorization", value: signer.authorizationHeader(method: request.method, url: request.url)))
            case .oauth2(let session):
                let current = try await session.accessToken()
                token = current
                signed.headers.append(HTTPHeader(name: "Authorization", value: "Bearer \(current)"))
            }
            let response: HTTPResponse
            do {
                response = try await http.execute(signed)
            } catch {
                throw HTTPFailureClassifier.classify(error, service: service, repeatable: repeatable)
            }
            if (200..<300).contains(response.status) {
                noteSpentQuota(response, request: request)
                return response
            }
            if response.status == 401, !refreshed, case .oauth2(let session) = authorization, let token,
                try await session.replacement(for: token) != nil
            {
                // A 401 is a definite refusal: nothing was posted, so repeating with the new token is safe.
                refreshed = true
                continue
            }
            throw Self.classify(response, service: service)
        }
    }

    // MARK: - Errors

    /// Classifies an X error answer from its problem-details body and rate-limit headers.
    public static func classify(_ response: HTTPResponse, service: String, now: Date = Date()) -> SpoolpostError {
        let problem = XProblem(response.body)
        let problemName = problem.type.map { $0.split(separator: "/").last.map(String.init) ?? $0 }
        let platformCode = problemName.map { "\(response.status)/\($0)" } ?? String(response.status)
        let detail = problem.summary.map { ": \($0)" } ?? ""
        let reset = response.header("x-rate-limit-reset").flatMap(Double.init).map {
            max(1, $0 - now.timeIntervalSince1970)
        }
        switch response.status {
        case 401:
            return SpoolpostError(
                .authExpired,
                "\(service) refused the credentials (HTTP 401)\(detail); re-authorise the account and update its "
                    + "credentials file", platformCode: platformCode)
        case 429:
            let retryAfter = reset ?? response.header("Retry-After").flatMap { RetryAfter.seconds(from: $0, now: now) }
            return SpoolpostError(
                .rateLimit, "\(service) is rate limited (HTTP 429)\(detail)", retryable: true, retryAfter: retryAfter,
                platformCode: platformCode)
        case 403:
            switch problemName {
            case "usage-capped":
                return SpoolpostError(
                    .rateLimit, "\(service): the app's X usage cap is reached\(detail)", retryable: true,
                    retryAfter: reset, platformCode: platformCode)
            case "client-forbidden", "not-authorized-for-resource", "unsupported-authentication", "oauth1-permissions":
                return SpoolpostError(
                    .forbidden, "\(service) is not allowed to do this (HTTP 403)\(detail); check the app's permissions",
                    platformCode: platformCode)
            default:
                // `about:blank` 403s are content refusals, duplicate posts among them: repeating cannot help.
                return SpoolpostError(
                    .rejected, "\(service) refused the post (HTTP 403)\(detail)", platformCode: platformCode)
            }
        case 500...599:
            return SpoolpostError(
                .serverError, "\(service) failed on its side (HTTP \(response.status))\(detail)", retryable: true,
                retryAfter: response.header("Retry-After").flatMap { RetryAfter.seconds(from: $0, now: now) },
                platformCode: platformCode)
        case 400, 422:
            return SpoolpostError(
                .rejected, "\(service) rejected the request (HTTP \(response.status))\(detail)", platformCode: platformCode)
        default:
            var error = HTTPFailureClassifier.classify(response, service: service, now: now)
            error.platformCode = platformCode
            return error
        }
    }
}

/// The fields of an X error body: RFC 7807 problem details, possibly with an `errors` array.
struct XProblem {
    var title: String?
    var detail: String?
    var type: String?
    var errors: [String] = []

    init(_ body: [UInt8]) {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] else { return }
        title = object["title"] as? String
        detail = object["detail"] as? String
        type = object["type"] as? String
        for item in object["errors"] as? [[String: Any]] ?? [] {
            if let message = (item["message"] ?? item["detail"]) as? String { errors.append(message) }
            if type == nil { type = item["type"] as? String }
        }
    }

    /// "title: detail (errors...)" in one line, for messages.
    var summary: String? {
        let parts = [title, detail].compactMap { $0 }.filter { !$0.isEmpty }
        var text = parts.joined(separator: ": ")
        if !errors.isEmpty { text += (text.isEmpty ? "" : " ") + "(" + errors.joined(separator: "; ") + ")" }
        return text.isEmpty ? nil : String(text.prefix(400))
    }
}

/// X's weighted text length (twitter-text configuration v3): code points in the listed ranges weigh 100, all
/// others 200, on a scale of 100; every URL counts as 23 characters and every emoji (including ZWJ sequences and
/// skin-tone modifiers) as 2; the text is NFC-normalised first.
public enum XTextWeight {
    public static let scale = 100
    public static let defaultWeight = 200
    public static let transformedURLLength = 23
    /// Inclusive code point ranges of weight 100: Latin and most alphabetic scripts, then general punctuation.
    public static let lightRanges: [ClosedRange<UInt32>] = [0...4351, 8192...8205, 8208...8223, 8242...8247]

    /// The length X counts against its limit.
    public static func weightedLength(_ text: String) -> Int {
        let normalized = text.precomposedStringWithCanonicalMapping
        var total = 0
        for token in tokens(of: normalized) {
            if token.isURL {
                total += transformedURLLength * scale
                continue
            }
            for character in token.text {
                if isEmoji(character) {
                    total += defaultWeight
                } else {
                    for scalar in character.unicodeScalars { total += weight(of: scalar) }
                }
            }
        }
        return total / scale
    }

    static func weight(of scalar: Unicode.Scalar) -> Int {
        lightRanges.contains { $0.contains(scalar.value) } ? 100 : defaultWeight
    }

    static func isEmoji(_ character: Character) -> Bool {
        guard let first = character.unicodeScalars.first else { return false }
        if first.properties.isEmojiPresentation { return true }
        // Text-default emoji count as emoji with a variation selector, keycap or ZWJ sequence after them.
        let scalars = Array(character.unicodeScalars)
        return first.properties.isEmoji && scalars.count > 1
            && scalars.contains { [0xFE0F, 0x20E3, 0x200D].contains($0.value) }
    }

    struct Token {
        var text: Substring
        var isURL: Bool
    }

    /// The text cut into URL and non-URL runs.
    static func tokens(of text: String) -> [Token] {
        var tokens: [Token] = []
        var plainStart = text.startIndex
        var index = text.startIndex
        while index < text.endIndex {
            guard !text[index].isWhitespace else {
                index = text.index(after: index)
                continue
            }
            var end = index
            while end < text.endIndex && !text[end].isWhitespace { end = text.index(after: end) }
            let word = text[index..<end]
            if let url = urlRange(in: word) {
                if plainStart < url.lowerBound { tokens.append(Token(text: text[plainStart..<url.lowerBound], isURL: false)) }
                tokens.append(Token(text: text[url], isURL: true))
                plainStart = url.upperBound
            }
            index = end
        }
        if plainStart < text.endIndex { tokens.append(Token(text: text[plainStart...], isURL: false)) }
        return tokens
    }

    private static let leadingPunctuation: Set<Character> = ["(", "[", "{", "<", "\"", "'", "“", "‘"]
    private static let trailingPunctuation: Set<Character> = [
        ".", ",", ";", ":", "!", "?", ")", "]", "}", ">", "\"", "'", "”", "’",
    ]
    /// Top-level domains recognised without a scheme (twitter-text recognises the full IANA list; these are the
    /// common ones, so a scheme-less URL on a rare TLD is counted by its characters).
    static let commonTLDs: Set<String> = [
        "com", "net", "org", "edu", "gov", "io", "co", "me", "ly", "dev", "app", "info", "biz", "xyz", "ai", "tv",
        "us", "uk", "de", "fr", "jp", "cn", "ru", "br", "in", "eu", "ca", "au", "es", "it", "nl", "ch", "se", "no",
        "fi", "pl", "be", "at", "dk", "cz", "pt", "gr", "tr", "kr", "tw", "hk", "sg", "nz", "ie", "mx", "ar", "cl",
        "za", "il", "blog", "news", "shop", "site", "online", "tech", "page", "link",
    ]

    static func urlRange(in word: Substring) -> Range<String.Index>? {
        var start = word.startIndex
        while start < word.endIndex && leadingPunctuation.contains(word[start]) { start = word.index(after: start) }
        var end = word.endIndex
        while end > start && trailingPunctuation.contains(word[word.index(before: end)]) { end = word.index(before: end) }
        guard start < end else { return nil }
        let candidate = word[start..<end]
        let lower = candidate.lowercased()
        var hostPart = Substring(lower)
        let hasScheme = lower.hasPrefix("http://") || lower.hasPrefix("https://")
        if hasScheme { hostPart = hostPart[hostPart.index(after: hostPart.firstIndex(of: "/")!)...].dropFirst() }
        let host = hostPart.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let hostName = host.split(separator: ":", maxSplits: 1).first.map(String.init) ?? ""
        let labels = hostName.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy({ !$0.isEmpty }),
            hostName.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." })
        else { return nil }
        if !hasScheme {
            guard let tld = labels.last, commonTLDs.contains(String(tld)), !candidate.contains("@") else { return nil }
        }
        return start..<end
    }
}
