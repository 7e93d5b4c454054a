import Foundation
public import SpoolpostCore
public import SpoolpostIO

/// Publishes to a Facebook Page through the Graph API.
///
/// References followed:
/// - Pages publishing: https://developers.facebook.com/docs/pages-api/posts (`POST /{page-id}/feed` with
///   `message`, `link`, `attached_media[i]={"media_fbid": ...}`; answer `{"id": "{page-id}_{post-id}"}`).
/// - Page photos: https://developers.facebook.com/docs/graph-api/reference/page/photos (`POST /{page-id}/photos`
///   with `url` and `published=false` uploads a photo that stays invisible until a feed post attaches it).
/// - Page videos: https://developers.facebook.com/docs/graph-api/reference/page/videos (`POST /{page-id}/videos`
///   with `file_url`, `description`, `title`; non-resumable uploads up to 1 GB / 20 minutes).
/// - Reels: https://developers.facebook.com/docs/video-api/guides/reels-publishing (`/{page-id}/video_reels`
///   `upload_phase=start` → `video_id` + `upload_url`; `POST {upload_url}` with `file_url` header; video `status`;
///   `upload_phase=finish&video_state=PUBLISHED`). Stories: https://developers.facebook.com/docs/page-stories-api
///   (`/{page-id}/video_stories` in the same phases; `/{page-id}/photo_stories` with an unpublished `photo_id`).
/// - Post fields: https://developers.facebook.com/docs/graph-api/reference/post (`permalink_url`).
/// - Errors and rate limits: see ``GraphAPIError``. Text limit: 63,206 characters per post.
/// - Token renewal: the long-lived token exchange (`fb_exchange_token`), see ``MetaTokenRefresher``.
///
/// Account settings: `page_id:` (required), `api_base:` (default `https://graph.facebook.com/v21.0`),
/// `oauth_base:` (where `/oauth/access_token` lives; default: `api_base`), `poll_interval:`/`poll_timeout:`
/// (reel and video story uploads, default 5s/5m), `credentials:` a file with `access_token:` (a Page access
/// token) and, for renewal, `client_id:` and `client_secret:` (the app's id and secret) and optional
/// `expires_at:`. A token within 7 days of `expires_at`, or refused with Graph error 190, is exchanged once and
/// written back; without the app's id and secret a refused token is AUTH_EXPIRED. Post types (`type:`): `post` (text, a `link:` option, photos), `video`
/// (one video), `reel` (one video) and `story` (one photo or video).
public struct FacebookAdapter: PublishingAdapter {
    public static let defaultAPIBase = "https://graph.facebook.com/v21.0"
    public static let maxTextLength = 63_206
    public static let supportedTypes = ["post", "video", "reel", "story"]

    public let platform = Platform.facebook
    public let account: String
    public let pageID: String
    public let apiBase: String
    private let tokens: MetaTokenRefresher
    private let http: HTTPClient
    /// The quota the rate-limit headers of successful answers reported spent.
    let quota = AccountQuota()
    private let timeout: Double
    /// Seconds between upload status checks for reels and video stories, and the longest an attempt waits.
    public let pollInterval: Double
    public let pollTimeout: Double

    public var publicStepIsFirstRequest: Bool { false }

    /// An adapter whose token renews through `tokens` (a ``MetaTokenRefresher`` with the exchange flow).
    public init(
        account: String, pageID: String, tokens: MetaTokenRefresher, apiBase: String = Self.defaultAPIBase,
        timeout: Double = 60, pollInterval: Double = 5, pollTimeout: Double = 300, http: HTTPClient
    ) {
        self.pollInterval = max(0, pollInterval)
        self.pollTimeout = max(0, pollTimeout)
        self.account = account
        self.pageID = pageID
        self.tokens = tokens
        self.apiBase = apiBase.hasSuffix("/") ? String(apiBase.dropLast()) : apiBase
        self.timeout = timeout
        self.http = http
    }

    /// An adapter with a bare token and no credentials file: a refused token cannot be renewed.
    public init(
        account: String, pageID: String, accessToken: String, apiBase: String = Self.defaultAPIBase,
        timeout: Double = 60, pollInterval: Double = 5, pollTimeout: Double = 300, http: HTTPClient
    ) {
        let tokens = MetaTokenRefresher(
            accessToken: accessToken, flow: .facebookExchange, endpointBase: apiBase, platform: .facebook,
            account: account, http: http)
        self.init(
            account: account, pageID: pageID, tokens: tokens, apiBase: apiBase, timeout: timeout,
            pollInterval: pollInterval, pollTimeout: pollTimeout, http: http)
    }

    /// Builds the adapter from its account settings and credentials file.
    public init(account: AccountConfig, credentials: Credentials?, http: HTTPClient) throws(SpoolpostError) {
        let settings = AccountSettings(account)
        let pageID = try settings.required("page_id", missing: "facebook needs `page_id:` (the Page's id)")
        _ = try settings.requiredCredential(
            "access_token", in: credentials,
            missing: "facebook needs `credentials:` naming a file with `access_token:` (a Page access token)")
        let apiBase = try settings.baseURL("api_base", default: Self.defaultAPIBase)
        let tokens = try MetaTokenRefresher(
            credentials: credentials ?? Credentials(path: "", values: [:]), flow: .facebookExchange,
            endpointBase: try settings.baseURL("oauth_base", default: apiBase), platform: .facebook,
            account: settings.name, http: http)
        self.init(
            account: settings.name, pageID: pageID, tokens: tokens, apiBase: apiBase,
            pollInterval: try settings.seconds("poll_interval", default: 5),
            pollTimeout: try settings.seconds("poll_timeout", default: 300),
            http: http)
    }

    private var service: String { "facebook '\(account)'" }

    // MARK: - Validation

    public func problems(with check: TargetCheck) -> [TargetProblem] {
        var problems: [TargetProblem] = []
        let type = check.target.type ?? (check.videoCount > 0 ? "video" : "post")
        guard Self.supportedTypes.contains(type) else {
            return [
                TargetProblem(field: "type", "facebook type '\(type)' is not supported; use post, video, reel or story")
            ]
        }
        if let text = check.text, text.count > Self.maxTextLength {
            problems.append(
                TargetProblem(
                    field: "text",
                    "facebook posts take at most \(Self.maxTextLength) characters, this has \(text.count)"))
        }
        if let link = check.target.option("link") {
            let scheme = URL(string: link)?.scheme?.lowercased()
            if scheme != "http" && scheme != "https" {
                problems.append(TargetProblem(field: "link", "link must be an http or https URL"))
            }
        }
        let others = check.mediaTypes.compactMap { $0 }.filter { !$0.hasPrefix("image/") && !$0.hasPrefix("video/") }
        if !others.isEmpty {
            problems.append(TargetProblem(field: "media", "facebook takes images and videos only, not \(others[0])"))
        }
        let images = check.mediaTypes.compactMap { $0 }.filter { $0.hasPrefix("image/") }.count
        switch type {
        case "video", "reel":
            if check.videoCount != 1 || images > 0 || check.media.count != 1 {
                problems.append(TargetProblem(field: "media", "a facebook \(type) needs exactly one video"))
            }
        case "story":
            if check.media.count != 1 {
                problems.append(TargetProblem(field: "media", "a facebook story takes exactly one photo or video"))
            }
        default:
            if check.videoCount > 0 {
                problems.append(
                    TargetProblem(field: "media", "a facebook post takes photos only; use type: video for a video"))
            }
            if (check.text ?? "").isEmpty && check.target.option("link") == nil && check.media.isEmpty {
                problems.append(TargetProblem(field: "text", "a facebook post needs text, a link or photos"))
            }
        }
        return problems
    }

    // MARK: - Publishing

    public func publish(_ request: PublishRequest, progress: PublishProgress) async -> PublishOutcome {
        let outcome = await publishOnce(request, progress: progress)
        await quota.report(to: progress)
        return outcome
    }

    private func publishOnce(_ request: PublishRequest, progress: PublishProgress) async -> PublishOutcome {
        let hasVideo = request.media.contains { $0.mimeType?.hasPrefix("video/") ?? false }
        let type = request.target.type ?? (hasVideo ? "video" : "post")
        do throws(SpoolpostError) {
            switch type {
            case "post": return try await publishPost(request, progress: progress)
            case "video": return try await publishVideo(request, progress: progress)
            case "reel": return try await publishUploadedVideo(request, edge: "video_reels", progress: progress)
            case "story":
                if request.media.count == 1, request.media[0].mimeType?.hasPrefix("video/") ?? false {
                    return try await publishUploadedVideo(request, edge: "video_stories", progress: progress)
                }
                return try await publishPhotoStory(request, progress: progress)
            default:
                throw SpoolpostError(
                    .invalidManifest, "facebook type '\(type)' is not supported; use post, video, reel or story")
            }
        } catch {
            return .failed(error)
        }
    }

    /// Photos go up unpublished first (each recorded as `photo.<index>`), then one feed post attaches them.
    private func publishPost(_ request: PublishRequest, progress: PublishProgress) async throws(SpoolpostError)
        -> PublishOutcome
    {
        var photoIDs: [String] = []
        for (index, media) in request.media.enumerated() {
            let key = "photo.\(index)"
            if let recorded = request.steps[key] {
                photoIDs.append(recorded)
                continue
            }
            let url = try fetchURL(of: media, index: index)
            let answer = try await post(
                "/\(pageID)/photos", [("url", url), ("published", "false")], repeatable: true)
            guard let id = GraphAnswer.id(answer["id"]) else {
                throw SpoolpostError(
                    .serverError, "\(service) accepted photo \(index + 1) without an id", retryable: true)
            }
            try await progress.record(key, id)
            photoIDs.append(id)
        }
        var fields: [(String, String)] = []
        if let text = request.text, !text.isEmpty { fields.append(("message", text)) }
        if let link = request.target.option("link") { fields.append(("link", link)) }
        for (index, id) in photoIDs.enumerated() {
            fields.append(("attached_media[\(index)]", #"{"media_fbid":"\#(id)"}"#))
        }
        // A feed post has no idempotency key: note when it leaves, so a lost answer (now, or after a restart under
        // at-least-once delivery) is settled by the Page's recent posts instead of by posting again.
        let message = request.text.flatMap { $0.isEmpty ? nil : $0 }
        if let recorded = request.steps["feed_sent_at"].flatMap(Double.init), let message,
            let found = await recentPost(message: message, since: recorded)
        {
            try? await progress.record("post_id", found.id)
            return .published(platformPostID: found.id, url: found.url)
        }
        let sentAt = Date().timeIntervalSince1970.rounded(.down)
        try await progress.record("feed_sent_at", String(Int(sentAt)))
        try await progress.beginPublicStep()
        let answer: [String: Any]
        do throws(SpoolpostError) {
            answer = try await post("/\(pageID)/feed", fields, repeatable: false)
        } catch {
            if [.unknownOutcome, .timeout, .connection, .serverError].contains(error.code), let message,
                let found = await recentPost(message: message, since: sentAt)
            {
                try? await progress.record("post_id", found.id)
                return .published(platformPostID: found.id, url: found.url)
            }
            throw error
        }
        guard let postID = GraphAnswer.id(answer["id"]) else {
            throw SpoolpostError(
                .unknownOutcome, "\(service) answered the feed post without an id; check the Page before retrying")
        }
        try? await progress.record("post_id", postID)
        return .published(platformPostID: postID, url: await permalink(of: postID))
    }

    /// A Page video is public as soon as `/videos` accepts it, so that request is the public step.
    private func publishVideo(_ request: PublishRequest, progress: PublishProgress) async throws(SpoolpostError)
        -> PublishOutcome
    {
        guard request.media.count == 1 else {
            throw SpoolpostError(.invalidManifest, "a facebook video post needs exactly one video")
        }
        var fields = [("file_url", try fetchURL(of: request.media[0], index: 0))]
        if let text = request.text, !text.isEmpty { fields.append(("description", text)) }
        if let title = request.target.option("title") { fields.append(("title", title)) }
        try await progress.beginPublicStep()
        let answer = try await post("/\(pageID)/videos", fields, repeatable: false)
        guard let videoID = GraphAnswer.id(answer["id"]) else {
            throw SpoolpostError(
                .unknownOutcome, "\(service) answered the video upload without an id; check the Page before retrying")
        }
        try? await progress.record("video_id", videoID)
        return .published(platformPostID: videoID, url: await permalink(of: videoID))
    }

    /// Reels and video stories: start an upload session (`upload_phase=start`, recorded as `video_id` and
    /// `upload_url`), have Meta fetch the file (`file_url` header to the returned upload URL, recorded as
    /// `uploaded`), wait until the upload is complete, then `upload_phase=finish` publishes.
    private func publishUploadedVideo(
        _ request: PublishRequest, edge: String, progress: PublishProgress
    ) async throws(SpoolpostError) -> PublishOutcome {
        guard request.media.count == 1 else {
            throw SpoolpostError(.invalidManifest, "a facebook reel or video story needs exactly one video")
        }
        let fileURL = try fetchURL(of: request.media[0], index: 0)
        var videoID = request.steps["video_id"]
        var uploadURL = request.steps["upload_url"]
        if videoID == nil || uploadURL == nil {
            let started = try await post("/\(pageID)/\(edge)", [("upload_phase", "start")], repeatable: true)
            guard let id = GraphAnswer.id(started["video_id"]), let url = started["upload_url"] as? String else {
                throw SpoolpostError(
                    .serverError, "\(service) started an upload session without video_id and upload_url",
                    retryable: true)
            }
            try await progress.record("video_id", id)
            try await progress.record("upload_url", url)
            videoID = id
            uploadURL = url
        }
        guard let videoID, let uploadURL else { throw SpoolpostError(.internalError, "upload session lost") }
        if request.steps["uploaded"] == nil {
            // rupload takes the token as `Authorization: OAuth`, and the hosted file's URL as a header.
            let upload = HTTPRequest(
                method: "POST", url: uploadURL, headers: [HTTPHeader(name: "file_url", value: fileURL)],
                timeout: timeout)
            _ = try await execute(upload, repeatable: true, scheme: "OAuth")
            try await progress.record("uploaded", "true")
        }
        try await waitForUpload(videoID)
        var fields = [("upload_phase", "finish"), ("video_id", videoID)]
        if edge == "video_reels" {
            fields.append(("video_state", "PUBLISHED"))
            if let text = request.text, !text.isEmpty { fields.append(("description", text)) }
        }
        try await progress.beginPublicStep()
        let answer = try await post("/\(pageID)/\(edge)", fields, repeatable: false)
        guard answer["success"] as? Bool == true else {
            throw SpoolpostError(
                .unknownOutcome,
                "\(service) did not confirm publishing video \(videoID); check the Page before retrying")
        }
        let postID = GraphAnswer.id(answer["post_id"]) ?? videoID
        try? await progress.record("post_id", postID)
        return .published(platformPostID: postID, url: await permalink(of: videoID))
    }

    /// Polls the video's `status` until Meta has the whole file; `error` fails for good.
    private func waitForUpload(_ videoID: String) async throws(SpoolpostError) {
        let checks = pollInterval > 0 ? max(1, Int((pollTimeout / pollInterval).rounded(.up)) + 1) : 1
        for check in 1...checks {
            let answer = try await get("/\(videoID)", [("fields", "status")])
            let status = answer["status"] as? [String: Any]
            let videoStatus = status?["video_status"] as? String
            let uploading = (status?["uploading_phase"] as? [String: Any])?["status"] as? String
            if videoStatus == "error" || uploading == "error" {
                let phase = (status?["uploading_phase"] as? [String: Any])?["errors"] as? [[String: Any]]
                let reason = phase?.first?["message"] as? String ?? "the upload failed"
                throw SpoolpostError(.rejected, "\(service): video \(videoID) was not accepted: \(reason)")
            }
            if uploading == "complete" || videoStatus == "ready" { return }
            if check < checks {
                do {
                    try await Task.sleep(for: .seconds(pollInterval))
                } catch {
                    throw SpoolpostError(.cancelled, "\(service): waiting for video \(videoID) was cancelled")
                }
            }
        }
        throw SpoolpostError(
            .timeout, "\(service): video \(videoID) was still uploading after \(checks) checks; a retry continues it",
            retryable: true)
    }

    /// A photo story: the photo goes up unpublished (`photo.0`), then `/photo_stories` publishes it.
    private func publishPhotoStory(_ request: PublishRequest, progress: PublishProgress) async throws(SpoolpostError)
        -> PublishOutcome
    {
        guard request.media.count == 1 else {
            throw SpoolpostError(.invalidManifest, "a facebook story takes exactly one photo or video")
        }
        var photoID = request.steps["photo.0"]
        if photoID == nil {
            let url = try fetchURL(of: request.media[0], index: 0)
            let answer = try await post("/\(pageID)/photos", [("url", url), ("published", "false")], repeatable: true)
            guard let id = GraphAnswer.id(answer["id"]) else {
                throw SpoolpostError(.serverError, "\(service) accepted the story photo without an id", retryable: true)
            }
            try await progress.record("photo.0", id)
            photoID = id
        }
        guard let photoID else { throw SpoolpostError(.internalError, "story photo lost") }
        try await progress.beginPublicStep()
        let answer = try await post("/\(pageID)/photo_stories", [("photo_id", photoID)], repeatable: false)
        guard answer["success"] as? Bool == true, let postID = GraphAnswer.id(answer["post_id"]) else {
            throw SpoolpostError(
                .unknownOutcome, "\(service) did not confirm the photo story; check the Page before retrying")
        }
        try? await progress.record("post_id", postID)
        return .published(platformPostID: postID, url: await permalink(of: postID))
    }

    private func fetchURL(of media: PreparedMedia, index: Int) throws(SpoolpostError) -> String {
        guard let url = media.fetchURL else {
            throw SpoolpostError(
                .invalidConfig,
                "media item \(index + 1) has no URL Facebook can fetch; facebook takes media by URL, so file: items "
                    + "need the media storage to sign URLs")
        }
        return url
    }

    /// The Page's newest post with exactly this message created since `since` (less five minutes for clock
    /// differences), from `GET /{page-id}/feed`; nil when there is none or the feed cannot be read.
    private func recentPost(message: String, since: Double) async -> (id: String, url: String?)? {
        guard
            let answer = try? await get(
                "/\(pageID)/feed", [("fields", "id,message,created_time,permalink_url"), ("limit", "25")]),
            let posts = answer["data"] as? [[String: Any]]
        else { return nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ssZ"
        let matches = posts.filter { post in
            guard post["message"] as? String == message, let created = post["created_time"] as? String,
                let date = formatter.date(from: created)
            else { return false }
            return date.timeIntervalSince1970 >= since - 300
        }
        guard let newest = matches.first, let id = GraphAnswer.id(newest["id"]) else { return nil }
        return (id, newest["permalink_url"] as? String)
    }

    /// The post's `permalink_url`; videos answer a path relative to facebook.com. The post is already public,
    /// so a failure here only loses the link, never the outcome.
    private func permalink(of id: String) async -> String? {
        guard let answer = try? await get("/\(id)", [("fields", "permalink_url")]),
            let link = answer["permalink_url"] as? String, !link.isEmpty
        else { return nil }
        return link.hasPrefix("/") ? "https://www.facebook.com" + link : link
    }

    // MARK: - HTTP

    private func post(_ path: String, _ fields: [(String, String)], repeatable: Bool) async throws(SpoolpostError)
        -> [String: Any]
    {
        let request = HTTPRequest(
            method: "POST", url: apiBase + path,
            headers: [HTTPHeader(name: "Content-Type", value: "application/x-www-form-urlencoded")],
            body: .bytes(Array(WebFormEncoding.encode(fields).utf8)), timeout: timeout)
        return try await execute(request, repeatable: repeatable)
    }

    private func get(_ path: String, _ query: [(String, String)]) async throws(SpoolpostError) -> [String: Any] {
        let request = HTTPRequest(
            method: "GET", url: apiBase + path + "?" + WebFormEncoding.encode(query), timeout: timeout)
        return try await execute(request, repeatable: true)
    }

    /// Sends with the token in the Authorization header (never in a URL that could end up in a message); a
    /// refused token is exchanged once and the request repeated.
    private func execute(
        _ request: HTTPRequest, repeatable: Bool, scheme: String = "Bearer"
    ) async throws(SpoolpostError) -> [String: Any] {
        try await tokens.withToken { (token) async throws(SpoolpostError) -> [String: Any] in
            var request = request
            request.headers.append(HTTPHeader(name: "Authorization", value: "\(scheme) \(token)"))
            return try await GraphAnswer.send(request, repeatable: repeatable, http: http, service: service, quota: quota)
        }
    }
}
