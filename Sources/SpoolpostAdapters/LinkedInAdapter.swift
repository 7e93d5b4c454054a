// LinkedIn Marketing / Community Management API reference followed (Microsoft Learn, versioned `li-lms`):
//   Posts API (POST /rest/posts, x-restli-id, visibility, distribution, lifecycleState, content.media):
//     https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api
//   MultiImage API (content.multiImage.images, 2 to 20 images):
//     https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/multiimage-post-api
//   Images API (POST /rest/images?action=initializeUpload, PUT to uploadUrl):
//     https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/images-api
//   Videos API (initializeUpload with fileSizeBytes, part PUTs returning ETags, finalizeUpload, GET status):
//     https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/videos-api
//   little text format (reserved characters `| { } @ [ ] ( ) < > # \ * _ ~` escaped with a backslash):
//     https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/little-text-format
//   Versioning (LinkedIn-Version: YYYYMM, X-Restli-Protocol-Version: 2.0.0):
//     https://learn.microsoft.com/en-us/linkedin/marketing/versioning
//   Refresh tokens (POST https://www.linkedin.com/oauth/v2/accessToken, grant_type=refresh_token):
//     https://learn.microsoft.com/en-us/linkedin/shared/authentication/programmatic-refresh-tokens
//   Find Posts by Authors (GET /rest/posts?author={urn}&q=author&count=N&sortBy=LAST_MODIFIED with
//   X-RestLi-Method: FINDER -> {"elements": [{"id", "author", "commentary", "createdAt", ...}], "paging": {...}};
//   reading a person's posts needs r_member_social, an organization's r_organization_social):
//     https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api
//   Pagination (start, count; elements and paging):
//     https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/pagination
//   Error handling (status, serviceErrorCode, code, message) and rate limits (429):
//     https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/error-handling
import Foundation
public import SpoolpostCore
public import SpoolpostIO

/// Publishes to one LinkedIn member or organization through the versioned REST API: images and videos are
/// uploaded first (invisible), then one `POST /posts` makes the post public.
///
/// Account settings: `author:` (`urn:li:person:…` or `urn:li:organization:…`, required), `api_base:` (default
/// `https://api.linkedin.com/rest`), `oauth_base:` (default `https://www.linkedin.com/oauth/v2`), `web_base:`
/// (default `https://www.linkedin.com`, for post URLs), `version:` (LinkedIn-Version, default ``defaultVersion``),
/// `poll_interval:` (default 5s) and `max_polls:` (default 120) for video processing.
/// Credentials: `access_token`; optional `refresh_token`, `client_id`, `client_secret`, `expires_at`.
///
/// Steps recorded: `image.<n>` (image URNs), `video` (URN), `video.upload` (the upload instructions),
/// `video.part.<n>` (each part's ETag), `video.finalized`, `post_sent_at` (when the post request left, in seconds
/// since 1970), `post` (the post URN).
///
/// `POST /posts` has no idempotency key, so a lost answer is settled by the author's recent posts: a post with the
/// same commentary created since `post_sent_at` (less five minutes for clock differences) is the one sent, and the
/// target is published with its URN; when none shows (or the posts cannot be read), the outcome stays unknown and
/// nothing is posted again automatically. An attempt that starts with `post_sent_at` recorded looks first too.
public struct LinkedInAdapter: PublishingAdapter {
    public let platform = Platform.linkedin
    public let account: String
    public var publicStepIsFirstRequest: Bool { false }

    let author: String
    let apiBase: String
    let oauthBase: String
    let webBase: String
    let version: String
    let pollInterval: Double
    let maxPolls: Int
    let http: HTTPClient
    private let tokens: OAuth2TokenSession

    /// The LinkedIn-Version sent unless the account sets `version:`.
    public static let defaultVersion = "202605"
    static let maxCommentary = 3000
    static let maxImages = 20
    static let imageTypes: Set<String> = ["image/jpeg", "image/png", "image/gif"]
    static let videoTypes: Set<String> = ["video/mp4"]
    /// Largest media downloaded for an upload (the Videos API takes up to 500 MB).
    static let maxDownloadBytes = 500 * 1024 * 1024
    /// Refresh a token that expires within this many seconds.
    static let refreshMargin: Double = 300

    /// Builds the adapter from its account settings and credentials file.
    public init(account: AccountConfig, credentials: Credentials?, http: HTTPClient) throws(SpoolpostError) {
        let settings = AccountSettings(account)
        guard let author = account.string("author"),
            author.hasPrefix("urn:li:person:") || author.hasPrefix("urn:li:organization:"),
            !author.hasSuffix(":")
        else {
            throw settings.invalid(
                "linkedin needs `author:` with a person or organization URN "
                    + "(urn:li:person:… or urn:li:organization:…)")
        }
        guard let credentials, let accessToken = credentials["access_token"], !accessToken.isEmpty else {
            throw settings.invalid("linkedin needs a `credentials:` file with `access_token`")
        }
        // Checked here so a malformed `expires_at` is a config error at start-up, not at the first post.
        _ = try settings.credentialExpiry(credentials)
        let version = account.string("version") ?? Self.defaultVersion
        guard version.count == 6, version.allSatisfy(\.isASCII), Int(version) != nil else {
            throw settings.invalid("version '\(version)' must be a LinkedIn-Version like 202605 (YYYYMM)")
        }
        self.account = settings.name
        self.author = author
        self.apiBase = try settings.baseURL("api_base", default: "https://api.linkedin.com/rest")
        let oauthBase = try settings.baseURL("oauth_base", default: "https://www.linkedin.com/oauth/v2")
        self.oauthBase = oauthBase
        self.webBase = try settings.baseURL("web_base", default: "https://www.linkedin.com")
        self.version = version
        self.pollInterval = try settings.seconds("poll_interval", default: 5)
        self.maxPolls = try settings.positiveCount("max_polls", default: 120)
        self.http = http
        self.tokens = OAuth2TokenSession(
            credentials: credentials, tokenURL: "\(oauthBase)/accessToken", authentication: .formBody, http: http,
            service: "linkedin account '\(settings.name)'", refreshMargin: Self.refreshMargin)
    }

    private var service: String { "linkedin account '\(account)'" }

    // MARK: - little text format

    /// The characters the little text format reserves for its elements; each is written `\c` to mean itself.
    static let littleReserved: Set<Character> = ["\\", "|", "{", "}", "@", "[", "]", "(", ")", "<", ">", "#", "*", "_", "~"]

    /// `text` escaped for the Posts API's `commentary`, so LinkedIn shows it exactly as written (unescaped
    /// reserved characters start mentions, hashtags or templates, or cut the text short).
    public static func escapeLittleText(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            if littleReserved.contains(character) { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }

    // MARK: - Validation

    public func problems(with check: TargetCheck) -> [TargetProblem] {
        var problems: [TargetProblem] = []
        if let type = check.target.type, type != "post" {
            problems.append(TargetProblem(field: "type", "linkedin supports only type `post`, not `\(type)`"))
        }
        let text = check.text ?? ""
        if text.count > Self.maxCommentary {
            problems.append(
                TargetProblem(field: "text", "linkedin allows \(Self.maxCommentary) characters; this text has \(text.count)"))
        }
        if text.isEmpty && check.media.isEmpty {
            problems.append(TargetProblem(field: "text", "a linkedin post without media needs text"))
        }
        let images = check.mediaTypes.filter { $0?.hasPrefix("image/") ?? false }.count
        let videos = check.mediaTypes.filter { $0?.hasPrefix("video/") ?? false }.count
        if images > 0 && videos > 0 {
            problems.append(TargetProblem(field: "media", "a linkedin post carries images or one video, not both"))
        } else if videos > 1 {
            problems.append(TargetProblem(field: "media", "a linkedin post carries one video; this post has \(videos)"))
        } else if check.media.count > Self.maxImages {
            problems.append(
                TargetProblem(
                    field: "media", "a linkedin post carries at most \(Self.maxImages) images; this post has \(check.media.count)"))
        }
        for (index, mime) in check.mediaTypes.enumerated() {
            guard let mime else { continue }
            if !Self.imageTypes.contains(mime) && !Self.videoTypes.contains(mime) {
                problems.append(
                    TargetProblem(
                        field: "media",
                        "media item \(index + 1) is \(mime); linkedin takes JPEG, PNG or GIF images and MP4 video"))
            }
        }
        return problems
    }

    // MARK: - Publishing

    public func publish(_ request: PublishRequest, progress: PublishProgress) async -> PublishOutcome {
        do {
            return try await attempt(request, progress: progress)
        } catch {
            return .failed(error)
        }
    }

    private func attempt(_ request: PublishRequest, progress: PublishProgress) async throws(SpoolpostError)
        -> PublishOutcome
    {
        if let urn = request.steps["post"] {
            return .published(platformPostID: urn, url: postURL(urn))
        }
        let commentary = Self.escapeLittleText(request.text ?? "")
        // An earlier attempt sent the post and did not learn the outcome (a restart under at-least-once delivery,
        // or `spoolpost retry` after UNKNOWN): the author's posts say whether it went out.
        if let sentAt = request.steps["post_sent_at"].flatMap(Double.init),
            let urn = await recentPost(commentary: commentary, since: sentAt)
        {
            try? await progress.record("post", urn)
            return .published(platformPostID: urn, url: postURL(urn))
        }
        var content: [String: Any]?
        let kinds = request.media.map(Self.kind(of:))
        if kinds.contains(.video) {
            guard request.media.count == 1 else {
                throw SpoolpostError(.invalidManifest, "a linkedin post carries images or one video, not both")
            }
            let urn = try await uploadVideo(request.media[0], steps: request.steps, progress: progress)
            content = ["media": Self.mediaObject(id: urn, alt: request.media[0].reference.alt)]
        } else if !request.media.isEmpty {
            guard request.media.count <= Self.maxImages else {
                throw SpoolpostError(
                    .invalidManifest, "a linkedin post carries at most \(Self.maxImages) images; this post has \(request.media.count)")
            }
            var urns: [String] = []
            for (index, media) in request.media.enumerated() {
                urns.append(try await uploadImage(media, index: index, steps: request.steps, progress: progress))
            }
            if urns.count == 1 {
                content = ["media": Self.mediaObject(id: urns[0], alt: request.media[0].reference.alt)]
            } else {
                let images = zip(urns, request.media).map { Self.mediaObject(id: $0, alt: $1.reference.alt) }
                content = ["multiImage": ["images": images]]
            }
        }
        var post: [String: Any] = [
            "author": author,
            "commentary": commentary,
            "visibility": "PUBLIC",
            "distribution": [
                "feedDistribution": "MAIN_FEED", "targetEntities": [] as [Any],
                "thirdPartyDistributionChannels": [] as [Any],
            ],
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": false,
        ]
        if let content { post["content"] = content }

        let sentAt = Date().timeIntervalSince1970.rounded(.down)
        try await progress.record("post_sent_at", String(Int(sentAt)))
        try await progress.beginPublicStep()
        let urn: String
        do throws(SpoolpostError) {
            let response = try await send(method: "POST", url: "\(apiBase)/posts", json: post, repeatable: false)
            guard let created = response.header("x-restli-id"), !created.isEmpty else {
                throw SpoolpostError(
                    .unknownOutcome,
                    "\(service) accepted the post (HTTP \(response.status)) without an x-restli-id; check the feed")
            }
            urn = created
        } catch {
            // Only outcomes that may hide a created post are looked up; a refusal created nothing.
            guard [.unknownOutcome, .timeout, .connection, .serverError].contains(error.code),
                let found = await recentPost(commentary: commentary, since: sentAt)
            else { throw error }
            urn = found
        }
        try? await progress.record("post", urn)
        return .published(platformPostID: urn, url: postURL(urn))
    }

    /// How many of the author's newest posts a lookup reads: one page, enough for a post sent minutes ago.
    static let recentPostCount = 20

    /// The URN of the author's newest post with exactly this commentary created since `since` (less five minutes
    /// for clock differences), from Find Posts by Authors; nil when there is none, the commentary is empty (it
    /// would match any media post), or the posts cannot be read.
    private func recentPost(commentary: String, since: Double) async -> String? {
        guard !commentary.isEmpty else { return nil }
        let query = WebFormEncoding.encode([
            ("author", author), ("q", "author"), ("count", String(Self.recentPostCount)), ("sortBy", "LAST_MODIFIED"),
        ])
        guard
            let answer = try? await sendJSON(
                method: "GET", url: "\(apiBase)/posts?\(query)", json: nil,
                headers: [HTTPHeader(name: "X-RestLi-Method", value: "FINDER")]),
            let elements = answer["elements"] as? [[String: Any]]
        else { return nil }
        let match = elements.first { element in
            guard element["commentary"] as? String == commentary, element["author"] as? String == author,
                let created = (element["createdAt"] as? NSNumber)?.doubleValue
            else { return false }
            return created / 1000 >= since - 300
        }
        guard let urn = match?["id"] as? String, !urn.isEmpty else { return nil }
        return urn
    }

    private func postURL(_ urn: String) -> String { "\(webBase)/feed/update/\(urn)" }

    private static func mediaObject(id: String, alt: String?) -> [String: Any] {
        var object: [String: Any] = ["id": id]
        if let alt, !alt.isEmpty { object["altText"] = alt }
        return object
    }

    private enum Kind { case image, video, unknown }

    private static func kind(of media: PreparedMedia) -> Kind {
        if let mime = media.mimeType?.lowercased() {
            return mime.hasPrefix("video/") ? .video : mime.hasPrefix("image/") ? .image : .unknown
        }
        switch media.reference.kindHint {
        case "IMAGE": return .image
        case "VIDEO", "REEL": return .video
        default: break
        }
        let name: String
        switch media.reference.source {
        case .file(let path): name = path
        case .gcs(_, let object): name = object
        case .url(let url): name = URL(string: url)?.path ?? url
        }
        switch (name as NSString).pathExtension.lowercased() {
        case "jpg", "jpeg", "png", "gif": return .image
        case "mp4": return .video
        default: return .unknown
        }
    }

    // MARK: - Images

    private func uploadImage(
        _ media: PreparedMedia, index: Int, steps: [String: String], progress: PublishProgress
    ) async throws(SpoolpostError) -> String {
        let key = "image.\(index)"
        if let urn = steps[key] { return urn }
        guard Self.kind(of: media) == .image else {
            throw SpoolpostError(
                .invalidManifest, "media item \(index + 1) is not an image or video linkedin takes (\(media.mimeType ?? "unknown type"))")
        }
        let payload = try await MediaPayload.load(media, http: http, maxBytes: Self.maxDownloadBytes, service: service)
        let answer = try await sendJSON(
            method: "POST", url: "\(apiBase)/images?action=initializeUpload",
            json: ["initializeUploadRequest": ["owner": author]])
        guard let value = answer["value"] as? [String: Any], let uploadURL = value["uploadUrl"] as? String,
            let urn = value["image"] as? String
        else {
            throw SpoolpostError(.serverError, "\(service) answered initializeUpload without an upload URL", retryable: true)
        }
        var put = HTTPRequest(method: "PUT", url: uploadURL, body: payload.body(), timeout: 600)
        put.headers = [
            HTTPHeader(name: "Authorization", value: "Bearer \(try await tokens.accessToken())"),
            HTTPHeader(name: "Content-Type", value: payload.mimeType ?? "application/octet-stream"),
        ]
        let response = try await execute(put, what: "the upload of image \(index + 1)")
        guard (200..<300).contains(response.status) else { throw Self.classify(response, service: service) }
        try await progress.record(key, urn)
        return urn
    }

    // MARK: - Video

    private struct UploadPart: Codable {
        var uploadUrl: String
        var firstByte: Int64
        var lastByte: Int64
    }

    /// The answer to a video's initializeUpload, recorded as `video.upload` so a restart can finish it.
    private struct UploadPlan: Codable {
        var parts: [UploadPart]
        /// When the upload URLs stop working (`uploadUrlsExpireAt`), in seconds since 1970.
        var expiresAt: Double?
    }

    private func uploadVideo(
        _ media: PreparedMedia, steps recordedSteps: [String: String], progress: PublishProgress
    ) async throws(SpoolpostError) -> String {
        var steps = recordedSteps
        if let urn = steps["video"], steps["video.finalized"] != nil {
            try await waitUntilAvailable(urn)
            return urn
        }
        let payload = try await MediaPayload.load(media, http: http, maxBytes: Self.maxDownloadBytes, service: service)
        var urn: String
        var parts: [UploadPart]
        if let recorded = steps["video"], let text = steps["video.upload"],
            let plan = try? JSONDecoder().decode(UploadPlan.self, from: Data(text.utf8)),
            plan.expiresAt.map({ $0 - 60 > Date().timeIntervalSince1970 }) ?? true
        {
            urn = recorded
            parts = plan.parts
        } else {
            // Nothing recorded, or upload URLs that have expired: the unfinished video is abandoned.
            for key in steps.keys.sorted() where key == "video" || key.hasPrefix("video.") {
                try await progress.record(key, nil)
                steps[key] = nil
            }
            let answer = try await sendJSON(
                method: "POST", url: "\(apiBase)/videos?action=initializeUpload",
                json: [
                    "initializeUploadRequest": [
                        "owner": author, "fileSizeBytes": payload.size, "uploadCaptions": false,
                        "uploadThumbnail": false,
                    ] as [String: Any]
                ])
            guard let value = answer["value"] as? [String: Any], let video = value["video"] as? String,
                let instructions = value["uploadInstructions"] as? [[String: Any]], !instructions.isEmpty
            else {
                throw SpoolpostError(
                    .serverError, "\(service) answered the video initializeUpload without upload instructions",
                    retryable: true)
            }
            parts = []
            for instruction in instructions {
                guard let url = instruction["uploadUrl"] as? String,
                    let first = (instruction["firstByte"] as? NSNumber)?.int64Value,
                    let last = (instruction["lastByte"] as? NSNumber)?.int64Value, first <= last, last < payload.size
                else {
                    throw SpoolpostError(
                        .serverError, "\(service) gave a video upload instruction without a valid byte range",
                        retryable: true)
                }
                parts.append(UploadPart(uploadUrl: url, firstByte: first, lastByte: last))
            }
            urn = video
            let expiresAt = (value["uploadUrlsExpireAt"] as? NSNumber).map { $0.doubleValue / 1000 }
            let plan = UploadPlan(parts: parts, expiresAt: expiresAt)
            let text = (try? JSONEncoder().encode(plan)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
            try await progress.record("video.upload", text)
            try await progress.record("video", urn)
        }
        var etags: [String] = []
        for (index, part) in parts.enumerated() {
            let key = "video.part.\(index)"
            if let etag = steps[key] {
                etags.append(etag)
                continue
            }
            var put = HTTPRequest(
                method: "PUT", url: part.uploadUrl,
                body: payload.body(offset: part.firstByte, length: part.lastByte - part.firstByte + 1), timeout: 600)
            put.headers = [HTTPHeader(name: "Content-Type", value: "application/octet-stream")]
            let response = try await execute(put, what: "part \(index + 1) of the video upload")
            guard (200..<300).contains(response.status) else { throw Self.classify(response, service: service) }
            guard let etag = response.header("ETag"), !etag.isEmpty else {
                throw SpoolpostError(
                    .serverError, "\(service) accepted video part \(index + 1) without an ETag", retryable: true)
            }
            try await progress.record(key, etag)
            etags.append(etag)
        }
        _ = try await send(
            method: "POST", url: "\(apiBase)/videos?action=finalizeUpload",
            json: ["finalizeUploadRequest": ["video": urn, "uploadToken": "", "uploadedPartIds": etags] as [String: Any]],
            repeatable: true)
        try await progress.record("video.finalized", "true")
        try await waitUntilAvailable(urn)
        return urn
    }

    /// Polls the video until AVAILABLE (bounded); PROCESSING_FAILED fails with LinkedIn's reason.
    private func waitUntilAvailable(_ urn: String) async throws(SpoolpostError) {
        for poll in 0..<maxPolls {
            let answer = try await sendJSON(
                method: "GET", url: "\(apiBase)/videos/\(WebFormEncoding.percentEncode(urn))", json: nil)
            let status = answer["status"] as? String ?? ""
            switch status {
            case "AVAILABLE":
                return
            case "PROCESSING_FAILED":
                let reason = answer["processingFailureReason"] as? String ?? "no reason given"
                throw SpoolpostError(
                    .rejected, "LinkedIn could not process the video for \(service): \(reason)",
                    platformCode: "PROCESSING_FAILED")
            default:
                if poll + 1 < maxPolls {
                    do {
                        try await Task.sleep(for: .seconds(pollInterval))
                    } catch {
                        throw SpoolpostError(.cancelled, "publishing to \(service) was cancelled")
                    }
                }
            }
        }
        throw SpoolpostError(
            .timeout, "LinkedIn was still processing the video for \(service) after \(maxPolls) status checks",
            retryable: true)
    }

    // MARK: - HTTP

    private func execute(_ request: HTTPRequest, what: String, repeatable: Bool = true) async throws(SpoolpostError)
        -> HTTPResponse
    {
        var request = request
        request.freshConnection = !repeatable
        do {
            return try await http.execute(request)
        } catch {
            throw HTTPFailureClassifier.classify(error, service: "\(service) (\(what))", repeatable: repeatable)
        }
    }

    private func sendJSON(
        method: String, url: String, json: [String: Any]?, headers: [HTTPHeader] = []
    ) async throws(SpoolpostError) -> [String: Any] {
        let response = try await send(method: method, url: url, json: json, headers: headers, repeatable: true)
        guard let object = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] else {
            throw SpoolpostError(
                .serverError, "\(service) answered HTTP \(response.status) with a body that is not a JSON object",
                retryable: true)
        }
        return object
    }

    /// One REST request with the version headers; a 401 gets one token refresh (when the credentials have a
    /// refresh token) and one repeat, which is safe because the refused request had no effect.
    private func send(
        method: String, url: String, json: [String: Any]?, headers extra: [HTTPHeader] = [], repeatable: Bool
    ) async throws(SpoolpostError) -> HTTPResponse {
        var refreshed = false
        while true {
            let token = try await tokens.accessToken()
            var request = HTTPRequest(method: method, url: url)
            request.headers = [
                HTTPHeader(name: "Authorization", value: "Bearer \(token)"),
                HTTPHeader(name: "LinkedIn-Version", value: version),
                HTTPHeader(name: "X-Restli-Protocol-Version", value: "2.0.0"),
            ] + extra
            if let json {
                request.headers.append(HTTPHeader(name: "Content-Type", value: "application/json"))
                let data = (try? JSONSerialization.data(withJSONObject: json, options: [.sortedKeys, .withoutEscapingSlashes]))
                    ?? Data("{}".utf8)
                request.body = .bytes(Array(data))
            }
            let response = try await execute(request, what: "\(method) \(Self.pathForMessages(url))", repeatable: repeatable)
            if (200..<300).contains(response.status) { return response }
            let error = Self.classify(response, service: service)
            if error.code == .authExpired && !refreshed, try await tokens.replacement(for: token) != nil {
                refreshed = true
                continue
            }
            if error.code == .authExpired {
                throw SpoolpostError(
                    .authExpired,
                    error.message + "; re-authorise the linkedin account '\(account)' and update its credentials file",
                    platformCode: error.platformCode)
            }
            throw error
        }
    }

    /// The path of a URL without its query, for messages.
    static func pathForMessages(_ url: String) -> String {
        URL(string: url)?.path ?? "request"
    }

    /// Classifies an error answer from LinkedIn's `status`/`serviceErrorCode`/`code`/`message` body: 401 is the
    /// token, 429 the rate limit (with `Retry-After` when sent), 5xx retry, 400/422 and other 4xx are rejections.
    static func classify(_ response: HTTPResponse, service: String, now: Date = Date()) -> SpoolpostError {
        let object = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]
        guard let object, object["message"] is String || object["serviceErrorCode"] != nil || object["code"] != nil
        else {
            return HTTPFailureClassifier.classify(response, service: service, now: now)
        }
        let message = object["message"] as? String ?? "no message given"
        let serviceCode = (object["serviceErrorCode"] as? NSNumber)?.stringValue
        let code = object["code"] as? String
        let platformCode = [serviceCode, code].compactMap { $0 }.joined(separator: "/")
        let detail = "\(message)" + (platformCode.isEmpty ? "" : " (\(platformCode))")
        let retryAfter = response.header("Retry-After").flatMap { RetryAfter.seconds(from: $0, now: now) }
        let codeValue = platformCode.isEmpty ? String(response.status) : platformCode
        switch response.status {
        case 401:
            return SpoolpostError(.authExpired, "\(service) refused the access token: \(detail)", platformCode: codeValue)
        case 429:
            return SpoolpostError(
                .rateLimit, "\(service) is rate limited: \(detail)", retryable: true, retryAfter: retryAfter,
                platformCode: codeValue)
        case 500...599:
            return SpoolpostError(
                .serverError, "\(service) failed on its side (HTTP \(response.status)): \(detail)", retryable: true,
                retryAfter: retryAfter, platformCode: codeValue)
        case 403:
            return SpoolpostError(.forbidden, "\(service) lacks permission: \(detail)", platformCode: codeValue)
        case 408:
            return SpoolpostError(.timeout, "\(service) timed out: \(detail)", retryable: true, platformCode: codeValue)
        default:
            return SpoolpostError(
                .rejected, "\(service) rejected the request (HTTP \(response.status)): \(detail)", platformCode: codeValue)
        }
    }
}
