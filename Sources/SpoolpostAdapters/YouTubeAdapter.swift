// YouTube Data API v3, as documented at developers.google.com/youtube/v3 (read 2026-11):
// - videos.insert with a resumable upload (guides/using_resumable_upload_protocol): POST
//   {upload_base}/videos?uploadType=resumable&part=snippet,status with the video resource JSON and
//   `X-Upload-Content-Length`/`X-Upload-Content-Type` -> 200 with the session URI in `Location`; PUT chunks (multiples
//   of 256 KiB except the last) with `Content-Range: bytes a-b/N` -> 308 with `Range: bytes=0-x` while incomplete,
//   200/201 with the video resource at the end; a `Content-Range: bytes */N` PUT asks for the upload's status; 404
//   means the session is gone (start again).
// - Video resource: snippet.title (max 100 characters, no < or >), snippet.description (max 5000 bytes), snippet.tags,
//   snippet.categoryId, status.privacyStatus, status.publishAt (only with privacyStatus private),
//   status.selfDeclaredMadeForKids (docs/videos#resource).
// - Errors: {"error": {"code", "message", "errors": [{"domain", "reason", "message"}]}} with reasons quotaExceeded,
//   rateLimitExceeded, userRateLimitExceeded, uploadLimitExceeded, authError, forbidden, invalidTitle, ...
//   (docs/errors, docs/videos/insert#errors); the daily quota resets at midnight Pacific Time
//   (guides/quota_and_compliance_audits).
// - thumbnails.set (docs/thumbnails/set): POST {upload_base}/thumbnails/set?videoId=ID&uploadType=media with the image
//   as the body (image/jpeg or image/png, at most 2 MB) -> {"kind": "youtube#thumbnailSetResponse", "items": [...]};
//   errors invalidImage and mediaBodyRequired (400), forbidden (403: the channel may not set custom thumbnails, or
//   the video is not its), videoNotFound (404), uploadRateLimitExceeded (429).
// - OAuth 2.0 refresh: POST https://oauth2.googleapis.com/token grant_type=refresh_token with client_id and
//   client_secret in the body (developers.google.com/identity/protocols/oauth2/web-server#offline).
import Dispatch
import Foundation
public import SpoolpostCore
public import SpoolpostIO

/// Publishes one video to a YouTube channel (`video`, or `short` for a vertical video under three minutes).
///
/// Account settings: `credentials:` (`access_token`, `refresh_token`, `client_id`, `client_secret`, `expires_at`),
/// `api_base` (default `https://www.googleapis.com/youtube/v3`), `upload_base` (default
/// `https://www.googleapis.com/upload/youtube/v3`), `oauth_base` (default `https://oauth2.googleapis.com/token`),
/// `web_base` (default `https://www.youtube.com`, for the recorded watch URL),
/// `chunk_bytes` (a multiple of 262144, default 8 MiB).
///
/// Target fields: `title` (required), `description`, `tags`, `category`, `privacy`, `publish_at`, `made_for_kids`,
/// `thumbnail` (a JPEG or PNG of at most 2 MB in spool/media/, set once the video exists).
/// Steps recorded: `session` (the resumable session URI, before any byte is sent), `offset` (bytes the server
/// confirmed), `video` (the id) and `thumbnail` (`done`, or `failed: ...` when YouTube refused it for good). The
/// session is the idempotency: a retry probes it and continues, and can never create a second video.
///
/// A thumbnail is decoration on a video that already exists: a refusal that retrying cannot change (the channel may
/// not set custom thumbnails, the image is invalid) is recorded in the `thumbnail` step and the target still
/// succeeds with the video; a retryable failure (rate limit, server error, lost connection) fails the attempt as
/// retryable, and the retry, seeing the recorded `video`, sets only the thumbnail.
public struct YouTubeAdapter: PublishingAdapter {
    public let platform = Platform.youtube
    public let account: String
    public var publicStepIsFirstRequest: Bool { false }

    let apiBase: String
    let uploadBase: String
    /// Where watch pages live (`web_base`, default `https://www.youtube.com`), for the recorded URL.
    let webBase: String
    let chunkBytes: Int64
    let http: HTTPClient
    let tokens: OAuth2TokenSession

    static let chunkGranularity: Int64 = 256 * 1024
    static let maxTitleLength = 100
    static let maxDescriptionBytes = 5000
    static let maxTagCharacters = 500
    static let maxVideoDownloadBytes = 4 * 1024 * 1024 * 1024
    static let privacyValues: Set<String> = ["public", "unlisted", "private"]
    static let maxThumbnailBytes: Int64 = 2 * 1024 * 1024
    static let thumbnailTypes: Set<String> = ["image/jpeg", "image/png"]

    public init(account: AccountConfig, credentials: Credentials?, http: HTTPClient) throws(SpoolpostError) {
        let settings = AccountSettings(account)
        self.account = account.name
        self.http = http
        apiBase = try settings.baseURL("api_base", default: "https://www.googleapis.com/youtube/v3")
        uploadBase = try settings.baseURL("upload_base", default: "https://www.googleapis.com/upload/youtube/v3")
        webBase = try settings.baseURL("web_base", default: "https://www.youtube.com")
        let oauthBase = try settings.url("oauth_base", default: "https://oauth2.googleapis.com/token")
        if let text = account.string("chunk_bytes") {
            guard let value = Int64(text), value > 0, value % Self.chunkGranularity == 0 else {
                throw settings.invalid("`chunk_bytes` must be a positive multiple of 262144 (256 KiB), as YouTube requires")
            }
            chunkBytes = value
        } else {
            chunkBytes = 32 * Self.chunkGranularity
        }
        guard let credentials, credentials["access_token"] != nil else {
            throw settings.invalid("youtube needs `credentials:` with access_token (and refresh_token, client_id, client_secret)")
        }
        tokens = OAuth2TokenSession(
            credentials: credentials, tokenURL: oauthBase, authentication: .formBody, http: http,
            service: "YouTube account '\(account.name)'")
    }

    var service: String { "YouTube account '\(account)'" }

    // MARK: - Validation

    public func problems(with check: TargetCheck) -> [TargetProblem] {
        var problems: [TargetProblem] = []
        let target = check.target
        if let type = target.type, type != "video" && type != "short" {
            problems.append(TargetProblem(field: "type", "youtube supports types `video` and `short` (got `\(type)`)"))
        }
        if let title = target.option("title"), !title.trimmingCharacters(in: .whitespaces).isEmpty {
            if title.count > Self.maxTitleLength {
                problems.append(
                    TargetProblem(field: "title", "the title is \(title.count) characters; YouTube allows \(Self.maxTitleLength)"))
            }
            if title.contains("<") || title.contains(">") {
                problems.append(TargetProblem(field: "title", "YouTube titles cannot contain < or >"))
            }
        } else {
            problems.append(TargetProblem(field: "title", "a YouTube video needs a `title`"))
        }
        if let description = target.option("description") ?? check.text {
            if description.utf8.count > Self.maxDescriptionBytes {
                problems.append(
                    TargetProblem(
                        field: target.option("description") == nil ? "text" : "description",
                        "the description is \(description.utf8.count) bytes; YouTube allows \(Self.maxDescriptionBytes)"))
            }
            if description.contains("<") || description.contains(">") {
                problems.append(TargetProblem(field: "description", "YouTube descriptions cannot contain < or >"))
            }
        }
        let tags = Self.tags(target)
        if tags == nil {
            problems.append(TargetProblem(field: "tags", "`tags` must be a list of texts"))
        } else if let tags, tags.reduce(0, { $0 + $1.count + ($1.contains(" ") ? 2 : 0) }) + max(0, tags.count - 1)
            > Self.maxTagCharacters
        {
            problems.append(TargetProblem(field: "tags", "tags add up to more than \(Self.maxTagCharacters) characters"))
        }
        if let category = target.option("category"), Int(category) == nil {
            problems.append(TargetProblem(field: "category", "`category` must be a numeric YouTube video category id"))
        }
        let privacy = target.option("privacy")
        if let privacy, !Self.privacyValues.contains(privacy) {
            problems.append(TargetProblem(field: "privacy", "`privacy` must be public, unlisted or private"))
        }
        if let publishAt = target.option("publish_at") {
            if RFC3339.parse(publishAt) == nil {
                problems.append(TargetProblem(field: "publish_at", "`publish_at` must be an RFC 3339 time"))
            }
            if privacy != "private" {
                problems.append(TargetProblem(field: "publish_at", "`publish_at` requires `privacy: private`"))
            }
        }
        if let kids = target.option("made_for_kids"), Self.bool(kids) == nil {
            problems.append(TargetProblem(field: "made_for_kids", "`made_for_kids` must be true or false"))
        }
        if target.option("thumbnail") != nil, let file = check.files["thumbnail"] {
            if let problem = Self.thumbnailProblem(mimeType: file.mimeType, size: file.size) {
                problems.append(TargetProblem(field: "thumbnail", problem))
            }
        }
        if check.media.count != 1 {
            problems.append(TargetProblem(field: "media", "a YouTube post takes exactly one video"))
        } else if let type = check.mediaTypes.first ?? nil, !type.hasPrefix("video/") {
            problems.append(TargetProblem(field: "media", "YouTube takes a video, not \(type)"))
        }
        return problems
    }

    /// What YouTube would refuse about a thumbnail image; unknown facts are not judged.
    static func thumbnailProblem(mimeType: String?, size: Int64?) -> String? {
        if let mimeType, !thumbnailTypes.contains(mimeType) {
            return "a YouTube thumbnail must be a JPEG or PNG image (this file is \(mimeType))"
        }
        if let size, size > maxThumbnailBytes {
            return "the thumbnail is \(ByteSize.describe(size)); YouTube takes at most \(ByteSize.describe(maxThumbnailBytes))"
        }
        return nil
    }

    /// The `tags` option: nil when it is not a list of scalars.
    static func tags(_ target: PostTarget) -> [String]? {
        guard let node = target.options["tags"], !node.isNull else { return [] }
        if let scalar = node.scalar { return scalar.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        guard let items = node.sequence else { return nil }
        var tags: [String] = []
        for item in items {
            guard let text = item.scalar else { return nil }
            tags.append(text)
        }
        return tags
    }

    static func bool(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: return nil
        }
    }

    /// The video resource (`snippet`, `status`) sent when the session is created.
    static func metadata(_ request: PublishRequest) -> [String: Any] {
        let target = request.target
        var snippet: [String: Any] = ["title": target.option("title") ?? ""]
        if let description = target.option("description") ?? request.text { snippet["description"] = description }
        if let tags = tags(target), !tags.isEmpty { snippet["tags"] = tags }
        if let category = target.option("category") { snippet["categoryId"] = category }
        var status: [String: Any] = ["privacyStatus": target.option("privacy") ?? "public"]
        if let publishAt = target.option("publish_at"), let date = RFC3339.parse(publishAt) {
            status["publishAt"] = RFC3339.format(date)
        }
        if let kids = target.option("made_for_kids").flatMap(bool) { status["selfDeclaredMadeForKids"] = kids }
        return ["snippet": snippet, "status": status]
    }

    // MARK: - Publishing

    public func publish(_ request: PublishRequest, progress: PublishProgress) async -> PublishOutcome {
        do {
            return try await upload(request, progress: progress)
        } catch {
            return .failed(error)
        }
    }

    private func published(_ id: String, _ request: PublishRequest) -> PublishOutcome {
        let path = request.target.type == "short" ? "shorts/\(id)" : "watch?v=\(id)"
        return .published(platformPostID: id, url: "\(webBase)/\(path)")
    }

    /// The answer to a chunk or a probe: where the upload stands.
    enum UploadState {
        case incomplete(confirmed: Int64)
        case complete(videoID: String)
        case sessionGone
    }

    private func upload(
        _ request: PublishRequest, progress: PublishProgress
    ) async throws(SpoolpostError) -> PublishOutcome {
        if let id = request.steps["video"] { return try await finish(id, request, progress: progress) }
        guard let media = request.media.first, request.media.count == 1 else {
            throw SpoolpostError(.invalidManifest, "a YouTube post takes exactly one video")
        }
        // Read before any byte of the video leaves: a thumbnail that cannot be sent fails while nothing exists.
        let thumbnail = try await thumbnailImage(request)
        let payload = try await MediaPayload.load(
            media, http: http, maxBytes: Self.maxVideoDownloadBytes, service: service)
        let total = payload.size
        var session = request.steps["session"]
        var offset: Int64 = 0
        if let recorded = session {
            switch try await probe(recorded, total: total) {
            case .complete(let id):
                try await progress.record("video", id)
                return try await finish(id, request, thumbnail: thumbnail, progress: progress)
            case .incomplete(let confirmed):
                offset = confirmed
            case .sessionGone:
                session = nil
            }
        }
        var restarts = 0
        while true {
            let uri: String
            if let session {
                uri = session
            } else {
                uri = try await createSession(request, payload: payload)
                // Recorded before any byte is sent: the session is what prevents a second video.
                try await progress.record("session", uri)
                try await progress.record("offset", "0")
                session = uri
                offset = 0
            }
            switch try await send(from: offset, total: total, payload: payload, session: uri, progress: progress) {
            case .complete(let id):
                try await progress.record("video", id)
                return try await finish(id, request, thumbnail: thumbnail, progress: progress)
            case .sessionGone:
                // A 404 means nothing was created: start over with a fresh session, once.
                guard restarts == 0 else {
                    throw SpoolpostError(.serverError, "\(service): the upload session vanished twice", retryable: true)
                }
                restarts += 1
                session = nil
            case .incomplete(let confirmed):
                throw SpoolpostError(
                    .serverError, "\(service): the upload stopped at byte \(confirmed) of \(total)", retryable: true)
            }
        }
    }

    /// Sends the chunks from `offset`; the last one (which creates the video) is the public step.
    private func send(
        from start: Int64, total: Int64, payload: MediaPayload, session: String, progress: PublishProgress
    ) async throws(SpoolpostError) -> UploadState {
        var offset = start
        while offset < total {
            let length = min(chunkBytes, total - offset)
            let isLast = offset + length == total
            if isLast { try await progress.beginPublicStep() }
            var request = HTTPRequest(
                method: "PUT", url: session,
                headers: [
                    HTTPHeader(name: "Content-Range", value: "bytes \(offset)-\(offset + length - 1)/\(total)"),
                    HTTPHeader(name: "Content-Type", value: payload.mimeType ?? "application/octet-stream"),
                ],
                body: payload.body(offset: offset, length: length), timeout: 900)
            // The last chunk creates the video: never let a dead kept-alive connection send it twice.
            request.freshConnection = isLast
            let state: UploadState
            do {
                state = try await sendUpload(request)
            } catch let failure as TransportFailure {
                guard isLast else {
                    throw HTTPFailureClassifier.classify(failure.error, service: service, repeatable: true)
                }
                // The answer to the creating chunk was lost: the session knows whether the video exists.
                switch try? await probe(session, total: total) {
                case .complete(let id)?:
                    return .complete(videoID: id)
                case .incomplete(let confirmed)?:
                    try await progress.record("offset", String(confirmed))
                    throw SpoolpostError(
                        .connection, "the connection to \(service) broke during the last chunk; no video was created yet",
                        retryable: true)
                case .sessionGone?, nil:
                    throw HTTPFailureClassifier.classify(failure.error, service: service, repeatable: false)
                }
            } catch let error as SpoolpostError {
                throw error
            } catch {
                throw SpoolpostError(.internalError, "\(service): \(error)")
            }
            switch state {
            case .complete, .sessionGone:
                return state
            case .incomplete(let confirmed):
                guard confirmed > offset || confirmed == offset + length else {
                    throw SpoolpostError(
                        .serverError, "\(service) did not confirm the chunk at byte \(offset)", retryable: true)
                }
                offset = confirmed
                try await progress.record("offset", String(confirmed))
            }
        }
        return .incomplete(confirmed: offset)
    }

    /// Asks the session how far the upload got (`Content-Range: bytes */N`).
    private func probe(_ session: String, total: Int64) async throws(SpoolpostError) -> UploadState {
        let request = HTTPRequest(
            method: "PUT", url: session, headers: [HTTPHeader(name: "Content-Range", value: "bytes */\(total)")])
        return try await classified(repeatable: true) { try await sendUpload(request) }
    }

    /// Runs `body`, turning a ``TransportFailure`` into our error (`repeatable` as the classifier takes it).
    private func classified<T>(
        repeatable: Bool, _ body: () async throws -> T
    ) async throws(SpoolpostError) -> T {
        do {
            return try await body()
        } catch let failure as TransportFailure {
            throw HTTPFailureClassifier.classify(failure.error, service: service, repeatable: repeatable)
        } catch let error as SpoolpostError {
            throw error
        } catch {
            throw SpoolpostError(.internalError, "\(service): \(error)")
        }
    }

    struct TransportFailure: Error {
        var error: HTTPClientError
    }

    /// One PUT to the session, read as an upload state; transport failures come back as ``TransportFailure`` so
    /// the caller decides whether the outcome is unknown.
    private func sendUpload(_ request: HTTPRequest) async throws -> UploadState {
        let response = try await authorized(request)
        switch response.status {
        case 200, 201:
            guard let id = Self.videoID(response) else {
                throw SpoolpostError(.unknownOutcome, "\(service) finished the upload but sent no video id; check the channel")
            }
            return .complete(videoID: id)
        case 308:
            return .incomplete(confirmed: Self.confirmedBytes(response.header("Range")))
        case 404, 410:
            return .sessionGone
        default:
            throw Self.classify(response, service: service)
        }
    }

    /// `Range: bytes=0-x` -> x + 1; no header -> nothing stored yet.
    static func confirmedBytes(_ range: String?) -> Int64 {
        guard let range, let dash = range.lastIndex(of: "-"), let last = Int64(range[range.index(after: dash)...])
        else { return 0 }
        return last + 1
    }

    static func videoID(_ response: HTTPResponse) -> String? {
        let object = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]
        return object?["id"] as? String
    }

    private func createSession(
        _ request: PublishRequest, payload: MediaPayload
    ) async throws(SpoolpostError) -> String {
        let body = (try? JSONSerialization.data(withJSONObject: Self.metadata(request), options: [.sortedKeys])) ?? Data()
        let httpRequest = HTTPRequest(
            method: "POST", url: uploadBase + "/videos?uploadType=resumable&part=snippet,status",
            headers: [
                HTTPHeader(name: "Content-Type", value: "application/json; charset=UTF-8"),
                HTTPHeader(name: "X-Upload-Content-Length", value: String(payload.size)),
                HTTPHeader(name: "X-Upload-Content-Type", value: payload.mimeType ?? "video/*"),
            ],
            body: .bytes(Array(body)))
        // A session only reserves an upload; an orphaned one expires unused, so a lost answer may be repeated.
        let response = try await classified(repeatable: true) { try await authorized(httpRequest) }
        guard (200..<300).contains(response.status) else { throw Self.classify(response, service: service) }
        guard let location = response.header("Location"), !location.isEmpty else {
            throw SpoolpostError(.serverError, "\(service) opened an upload without a session URI", retryable: true)
        }
        return location
    }

    // MARK: - Thumbnail

    /// A thumbnail file checked for sending: JPEG or PNG by content, at most 2 MB.
    struct ThumbnailImage: Sendable {
        var path: String
        var mimeType: String
        var size: Int64
    }

    /// The target's `thumbnail` file in the spool's media folder, checked again as YouTube would; nil without one.
    private func thumbnailImage(_ request: PublishRequest) async throws(SpoolpostError) -> ThumbnailImage? {
        guard let name = request.target.option("thumbnail") else { return nil }
        guard let root = request.mediaRoot else {
            throw SpoolpostError(
                .invalidManifest, "\(service): the thumbnail '\(name)' cannot be found without the spool's media folder")
        }
        let path = (root as NSString).appendingPathComponent(name)
        // The general media limits do not apply: YouTube's own 2 MB rule is checked below, with its own message.
        let unlimited = MediaLimits(maxImageBytes: .max, maxVideoBytes: .max)
        let inspected = try await Self.offThePool { () throws(SpoolpostError) in
            try MediaFileInspector.inspect(path: path, limits: unlimited)
        }
        if let problem = Self.thumbnailProblem(mimeType: inspected.type.mimeType, size: inspected.size) {
            throw SpoolpostError(.invalidManifest, "\(service): thumbnail '\(name)': \(problem)")
        }
        return ThumbnailImage(path: path, mimeType: inspected.type.mimeType, size: inspected.size)
    }

    /// Blocking file work on a dispatch thread, never on the cooperative pool.
    private static func offThePool<T: Sendable>(
        _ body: @escaping @Sendable () throws(SpoolpostError) -> T
    ) async throws(SpoolpostError) -> T {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<T, SpoolpostError>, Never>) in
            DispatchQueue.global(qos: .userInitiated).async {
                do throws(SpoolpostError) {
                    continuation.resume(returning: .success(try body()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try result.get()
    }

    /// The video exists: sets its thumbnail unless there is none or an earlier attempt settled it, then reports
    /// the video. The video id is never lost to a thumbnail failure: a final refusal is recorded in the
    /// `thumbnail` step and the target succeeds; a retryable one fails this attempt, and the retry, finding
    /// `video` recorded, comes back here without uploading anything else.
    private func finish(
        _ id: String, _ request: PublishRequest, thumbnail loaded: ThumbnailImage? = nil, progress: PublishProgress
    ) async throws(SpoolpostError) -> PublishOutcome {
        let outcome = published(id, request)
        guard let name = request.target.option("thumbnail"), request.steps["thumbnail"] == nil else { return outcome }
        let result: Result<Void, SpoolpostError>
        do throws(SpoolpostError) {
            let image: ThumbnailImage?
            if let loaded { image = loaded } else { image = try await thumbnailImage(request) }
            // thumbnails.set replaces the video's thumbnail: repeating it after a lost answer is harmless.
            if let image { try await setThumbnail(image, videoID: id) }
            result = .success(())
        } catch {
            result = .failure(error)
        }
        // The video is published whatever happens to these records: a failure to write one never turns the outcome
        // into a failure (at worst a later `spoolpost retry` sets the same thumbnail again).
        switch result {
        case .success:
            try? await progress.record("thumbnail", "done")
        case .failure(let error) where error.isRetryable:
            var pending = error
            pending.message = "the video \(id) is published, but its thumbnail '\(name)' is not set yet (the retry "
                + "sets only the thumbnail): \(error.message)"
            throw pending
        case .failure(let error):
            try? await progress.record(
                "thumbnail", "failed: \(error.platformCode ?? error.code.rawValue): \(error.message)")
        }
        return outcome
    }

    /// `thumbnails.set`: the image as the media body of one POST.
    private func setThumbnail(_ image: ThumbnailImage, videoID: String) async throws(SpoolpostError) {
        let query = WebFormEncoding.encode([("videoId", videoID), ("uploadType", "media")])
        let request = HTTPRequest(
            method: "POST", url: uploadBase + "/thumbnails/set?" + query,
            headers: [HTTPHeader(name: "Content-Type", value: image.mimeType)],
            body: .file(path: image.path, offset: 0, length: image.size), timeout: 300)
        let response = try await classified(repeatable: true) { try await authorized(request) }
        guard (200..<300).contains(response.status) else {
            throw Self.classify(response, service: service, subject: "the thumbnail")
        }
    }

    /// Sends with the bearer token; a 401 refreshes once and repeats (the 401 is a definite refusal).
    private func authorized(_ request: HTTPRequest) async throws -> HTTPResponse {
        var refreshed = false
        while true {
            let token = try await tokens.accessToken()
            var signed = request
            signed.headers.append(HTTPHeader(name: "Authorization", value: "Bearer \(token)"))
            let response: HTTPResponse
            do {
                response = try await http.execute(signed)
            } catch {
                throw TransportFailure(error: error)
            }
            if response.status == 401, !refreshed, try await tokens.replacement(for: token) != nil {
                refreshed = true
                continue
            }
            return response
        }
    }

    // MARK: - Errors

    /// Classifies a Google API error from `error.errors[].reason`.
    /// `subject` names what was refused (the video, the thumbnail).
    public static func classify(
        _ response: HTTPResponse, service: String, subject: String = "the video", now: Date = Date()
    ) -> SpoolpostError {
        let object = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]
        let error = object?["error"] as? [String: Any]
        let first = (error?["errors"] as? [[String: Any]])?.first
        let reason = first?["reason"] as? String
        let message = (error?["message"] as? String) ?? (first?["message"] as? String)
        let detail = message.map { ": \($0)" } ?? ""
        let platformCode = reason.map { "\(response.status)/\($0)" } ?? String(response.status)
        let retryAfter = response.header("Retry-After").flatMap { RetryAfter.seconds(from: $0, now: now) }
        switch reason {
        case "quotaExceeded", "uploadLimitExceeded":
            return SpoolpostError(
                .rateLimit, "\(service): the YouTube daily quota is used up (\(reason ?? ""))\(detail)", retryable: true,
                retryAfter: secondsUntilQuotaReset(now: now), platformCode: platformCode)
        case "rateLimitExceeded", "userRateLimitExceeded", "uploadRateLimitExceeded":
            return SpoolpostError(
                .rateLimit, "\(service) is sending too fast (\(reason ?? ""))\(detail)", retryable: true,
                retryAfter: retryAfter, platformCode: platformCode)
        case "authError", "unauthorized", "expired":
            return SpoolpostError(
                .authExpired, "\(service) refused the credentials\(detail); re-authorise the account",
                platformCode: platformCode)
        case "forbidden", "insufficientPermissions", "youtubeSignupRequired", "channelNotFound":
            return SpoolpostError(
                .forbidden, "\(service) may not do this with \(subject) (\(reason ?? ""))\(detail)",
                platformCode: platformCode)
        default:
            break
        }
        switch response.status {
        case 401:
            return SpoolpostError(
                .authExpired, "\(service) refused the credentials (HTTP 401)\(detail); re-authorise the account",
                platformCode: platformCode)
        case 429:
            return SpoolpostError(
                .rateLimit, "\(service) is rate limiting (HTTP 429)\(detail)", retryable: true, retryAfter: retryAfter,
                platformCode: platformCode)
        case 500...599:
            return SpoolpostError(
                .serverError, "\(service) failed on its side (HTTP \(response.status))\(detail)", retryable: true,
                retryAfter: retryAfter, platformCode: platformCode)
        case 403:
            return SpoolpostError(
                .forbidden, "\(service) denied \(subject) (HTTP 403)\(detail)", platformCode: platformCode)
        default:
            return SpoolpostError(
                .rejected, "\(service) rejected \(subject) (HTTP \(response.status))\(detail)", platformCode: platformCode)
        }
    }

    /// Seconds until the next midnight in Pacific Time, when YouTube resets daily quotas.
    static func secondsUntilQuotaReset(now: Date) -> Double {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "America/Los_Angeles") ?? TimeZone(secondsFromGMT: -8 * 3600)!
        let midnight = calendar.nextDate(
            after: now, matching: DateComponents(hour: 0, minute: 0, second: 0), matchingPolicy: .nextTime)
        return max(60, (midnight ?? now.addingTimeInterval(86400)).timeIntervalSince(now))
    }
}
