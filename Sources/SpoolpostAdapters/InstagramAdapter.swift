import Foundation
public import SpoolpostCore
public import SpoolpostIO

/// Publishes to an Instagram professional account through the Graph API (Instagram API with Facebook Login).
///
/// References followed:
/// - Content publishing: https://developers.facebook.com/docs/instagram-platform/content-publishing
///   (`POST /{ig-user-id}/media` creates a container: `image_url` for an image, `media_type=REELS` +
///   `video_url`, `media_type=STORIES` + `image_url`/`video_url`, carousel items with `is_carousel_item=true`
///   then `media_type=CAROUSEL` + `children`; `POST /{ig-user-id}/media_publish?creation_id=` publishes;
///   JPEG is the only image format; caption at most 2,200 characters, 30 hashtags and 20 @ tags; carousels
///   take at most 10 items).
/// - Container status: https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-container
///   (`status_code`: EXPIRED, ERROR, FINISHED, IN_PROGRESS, PUBLISHED; `status` carries the error subcode).
/// - Media: https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-media
///   (`permalink`) and `GET /{ig-user-id}/media` to find a media whose publish answer was lost.
/// - Publishing quota: https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/content_publishing_limit
///   (`quota_usage`, `config.quota_total`, `config.quota_duration`), checked before creating containers.
/// - Errors: see ``GraphAPIError``; 9007/2207027 (media not ready) is retried.
/// - Token renewal (``MetaTokenRefresher``): with Facebook Login the long-lived token exchange
///   (`fb_exchange_token`), with Instagram Login `GET https://graph.instagram.com/refresh_access_token?grant_type=
///   ig_refresh_token` (https://developers.facebook.com/docs/instagram-platform/reference/refresh_access_token).
///
/// Account settings: `user_id:` (required), `api_base:` (default `https://graph.facebook.com/v21.0`),
/// `login:` (`facebook` or `instagram`: which login issued the token; default `instagram` when `api_base`'s host
/// is `graph.instagram.com`, else `facebook`), `oauth_base:` (where the renewal endpoint lives; default `api_base`
/// for Facebook Login, `https://graph.instagram.com` for Instagram Login), `poll_interval:` (default 5s) and
/// `poll_timeout:` (default 5m) for container processing, `credentials:` a file with `access_token:`, optional
/// `expires_at:`, and for Facebook Login's exchange `client_id:` and `client_secret:` (the app's id and secret).
/// A token within 7 days of `expires_at`, or refused with Graph error 190, is renewed once and written back.
/// Post types: `feed` (one JPEG image, or a carousel of 2-10 items), `reel` (one video),
/// `story` (one JPEG image or video).
public struct InstagramAdapter: PublishingAdapter {
    public static let defaultAPIBase = "https://graph.facebook.com/v21.0"
    public static let maxCaptionLength = 2_200
    public static let maxHashtags = 30
    public static let maxMentions = 20
    public static let maxCarouselItems = 10
    public static let supportedTypes = ["feed", "reel", "story"]

    public let platform = Platform.instagram
    public let account: String
    public let userID: String
    public let apiBase: String
    /// Seconds between container status checks, and the longest an attempt waits for processing.
    public let pollInterval: Double
    public let pollTimeout: Double
    private let tokens: MetaTokenRefresher
    private let http: HTTPClient
    /// The quota the rate-limit headers of successful answers reported spent.
    let quota = AccountQuota()

    public var publicStepIsFirstRequest: Bool { false }
    /// How the account's token is renewed (chosen by `login:` or the `api_base` host).
    public var tokenFlow: MetaTokenRefresher.Flow { tokens.flow }

    /// An adapter whose token renews through `tokens` (a ``MetaTokenRefresher``).
    public init(
        account: String, userID: String, tokens: MetaTokenRefresher, apiBase: String = Self.defaultAPIBase,
        pollInterval: Double = 5, pollTimeout: Double = 300, http: HTTPClient
    ) {
        self.account = account
        self.userID = userID
        self.tokens = tokens
        self.apiBase = apiBase.hasSuffix("/") ? String(apiBase.dropLast()) : apiBase
        self.pollInterval = max(0, pollInterval)
        self.pollTimeout = max(0, pollTimeout)
        self.http = http
    }

    /// An adapter with a bare Facebook Login token and no credentials file: a refused token cannot be renewed.
    public init(
        account: String, userID: String, accessToken: String, apiBase: String = Self.defaultAPIBase,
        pollInterval: Double = 5, pollTimeout: Double = 300, http: HTTPClient
    ) {
        let tokens = MetaTokenRefresher(
            accessToken: accessToken, flow: .facebookExchange, endpointBase: apiBase, platform: .instagram,
            account: account, http: http)
        self.init(
            account: account, userID: userID, tokens: tokens, apiBase: apiBase, pollInterval: pollInterval,
            pollTimeout: pollTimeout, http: http)
    }

    /// Builds the adapter from its account settings and credentials file.
    public init(account: AccountConfig, credentials: Credentials?, http: HTTPClient) throws(SpoolpostError) {
        let settings = AccountSettings(account)
        let userID = try settings.required(
            "user_id", missing: "instagram needs `user_id:` (the professional account's id)")
        _ = try settings.requiredCredential(
            "access_token", in: credentials,
            missing: "instagram needs `credentials:` naming a file with `access_token:`")
        let apiBase = try settings.baseURL("api_base", default: Self.defaultAPIBase)
        let flow = try Self.tokenFlow(settings, apiBase: apiBase)
        let oauthBase = try settings.baseURL(
            "oauth_base", default: flow == .instagramRefresh ? Self.instagramLoginOAuthBase : apiBase)
        let tokens = try MetaTokenRefresher(
            credentials: credentials ?? Credentials(path: "", values: [:]), flow: flow, endpointBase: oauthBase,
            platform: .instagram, account: settings.name, http: http)
        self.init(
            account: settings.name, userID: userID, tokens: tokens, apiBase: apiBase,
            pollInterval: try settings.seconds("poll_interval", default: 5),
            pollTimeout: try settings.seconds("poll_timeout", default: 300),
            http: http)
    }

    /// Where Instagram Login's `refresh_access_token` lives.
    public static let instagramLoginOAuthBase = "https://graph.instagram.com"

    /// The account's renewal flow: `login: instagram` (Instagram Login, `ig_refresh_token`) or `login: facebook`
    /// (Facebook Login, `fb_exchange_token`); unset, the `api_base` host decides (`graph.instagram.com` serves
    /// only Instagram Login tokens).
    static func tokenFlow(
        _ settings: AccountSettings, apiBase: String
    ) throws(SpoolpostError) -> MetaTokenRefresher.Flow {
        switch settings.string("login")?.lowercased() {
        case "instagram": return .instagramRefresh
        case "facebook": return .facebookExchange
        case nil: return URL(string: apiBase)?.host?.lowercased() == "graph.instagram.com"
                ? .instagramRefresh : .facebookExchange
        case let other?:
            throw settings.invalid("login '\(other)' is neither `facebook` nor `instagram`")
        }
    }

    private var service: String { "instagram '\(account)'" }

    // MARK: - Validation

    public func problems(with check: TargetCheck) -> [TargetProblem] {
        let type = check.target.type ?? "feed"
        guard Self.supportedTypes.contains(type) else {
            return [TargetProblem(field: "type", "instagram type '\(type)' is not supported; use feed, reel or story")]
        }
        var problems: [TargetProblem] = []
        if type != "story", let text = check.text {
            if text.count > Self.maxCaptionLength {
                problems.append(
                    TargetProblem(
                        field: "text",
                        "instagram captions take at most \(Self.maxCaptionLength) characters, this has \(text.count)"))
            }
            let hashtags = Self.count(of: "#", in: text)
            if hashtags > Self.maxHashtags {
                problems.append(
                    TargetProblem(
                        field: "text",
                        "instagram captions take at most \(Self.maxHashtags) hashtags, this has \(hashtags)"))
            }
            let mentions = Self.count(of: "@", in: text)
            if mentions > Self.maxMentions {
                problems.append(
                    TargetProblem(
                        field: "text",
                        "instagram captions take at most \(Self.maxMentions) @-mentions, this has \(mentions)"))
            }
        }
        let types = check.mediaTypes
        guard !types.isEmpty else {
            return problems + [TargetProblem(field: "media", "an instagram \(type) needs at least one media item")]
        }
        let nonJPEG = types.compactMap { $0 }.first { $0.hasPrefix("image/") && $0 != "image/jpeg" }
        let jpegOnly = "instagram publishes JPEG images only (\(nonJPEG ?? "")); convert the image to JPEG"
        switch type {
        case "reel":
            if types.count != 1 || !(types[0]?.hasPrefix("video/") ?? true) {
                problems.append(TargetProblem(field: "media", "an instagram reel needs exactly one video"))
            }
        case "story":
            if types.count != 1 {
                problems.append(TargetProblem(field: "media", "an instagram story takes exactly one image or video"))
            } else if nonJPEG != nil {
                problems.append(TargetProblem(field: "media", jpegOnly))
            }
        default:
            if types.count > Self.maxCarouselItems {
                problems.append(
                    TargetProblem(
                        field: "media",
                        "an instagram carousel takes at most \(Self.maxCarouselItems) items, this has \(types.count)"))
            }
            if types.count == 1, types[0]?.hasPrefix("video/") == true {
                problems.append(TargetProblem(field: "media", "a single instagram video is a reel; use type: reel"))
            }
            if nonJPEG != nil { problems.append(TargetProblem(field: "media", jpegOnly)) }
        }
        let others = types.compactMap { $0 }.filter { !$0.hasPrefix("image/") && !$0.hasPrefix("video/") }
        if let other = others.first {
            problems.append(TargetProblem(field: "media", "instagram takes images and videos only, not \(other)"))
        }
        return problems
    }

    /// `#tags` or `@mentions`: the marker followed by a letter, digit or underscore, not inside a word.
    static func count(of marker: Character, in text: String) -> Int {
        var count = 0
        var previous: Character?
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            let next = text.index(after: index)
            if character == marker, next < text.endIndex, isWordCharacter(text[next]),
                !(previous.map(isWordCharacter) ?? false)
            {
                count += 1
            }
            previous = character
            index = next
        }
        return count
    }

    private static func isWordCharacter(_ character: Character) -> Bool {
        character.isLetter || character.isNumber || character == "_"
    }

    // MARK: - Publishing

    public func publish(_ request: PublishRequest, progress: PublishProgress) async -> PublishOutcome {
        let outcome = await publishOnce(request, progress: progress)
        await quota.report(to: progress)
        return outcome
    }

    private func publishOnce(_ request: PublishRequest, progress: PublishProgress) async -> PublishOutcome {
        do throws(SpoolpostError) {
            return try await publishSteps(request, progress: progress)
        } catch {
            return .failed(error)
        }
    }

    private func publishSteps(_ request: PublishRequest, progress: PublishProgress) async throws(SpoolpostError)
        -> PublishOutcome
    {
        let type = request.target.type ?? "feed"
        guard Self.supportedTypes.contains(type) else {
            throw SpoolpostError(.invalidManifest, "instagram type '\(type)' is not supported; use feed, reel or story")
        }
        guard !request.media.isEmpty else {
            throw SpoolpostError(.invalidManifest, "an instagram \(type) needs at least one media item")
        }
        let caption = type == "story" ? nil : request.text.flatMap { $0.isEmpty ? nil : $0 }
        if let mediaID = request.steps["media_id"] {
            return .published(platformPostID: mediaID, url: await permalink(of: mediaID))
        }
        // A container recorded by an earlier attempt may already be published (its answer lost): recover it.
        if let recorded = request.steps["container"],
            let status = try? await status(of: recorded), status.code == "PUBLISHED"
        {
            return await recoverPublished(caption: caption, sentAt: request.steps["publish_sent_at"], progress: progress)
        }

        try await checkPublishingLimit()
        let container: String
        if let recorded = request.steps["container"] {
            container = recorded
        } else {
            container = try await createContainer(request, type: type, caption: caption, progress: progress)
        }
        if try await waitUntilReady(container, key: "container", progress: progress) == "PUBLISHED" {
            return await recoverPublished(caption: caption, sentAt: request.steps["publish_sent_at"], progress: progress)
        }

        // Noted before the request leaves, so a lost answer (now, or after a restart) is looked up among the
        // media made since.
        let sentAt = GraphAnswer.sentAtNow()
        try await progress.record("publish_sent_at", sentAt)
        try await progress.beginPublicStep()
        let answer: [String: Any]
        do throws(SpoolpostError) {
            answer = try await post("/\(userID)/media_publish", [("creation_id", container)], repeatable: false)
        } catch {
            // The answer may be lost while the post went out: the container tells.
            if error.code == .unknownOutcome || error.code == .serverError || error.code == .timeout,
                let status = try? await status(of: container), status.code == "PUBLISHED"
            {
                return await recoverPublished(caption: caption, sentAt: sentAt, progress: progress)
            }
            throw error
        }
        guard let mediaID = GraphAnswer.id(answer["id"]) else {
            throw SpoolpostError(
                .unknownOutcome, "\(service) answered media_publish without an id; check the account before retrying")
        }
        try? await progress.record("media_id", mediaID)
        return .published(platformPostID: mediaID, url: await permalink(of: mediaID))
    }

    /// Instagram's rolling publishing quota, read from `content_publishing_limit` rather than hard-coded (the
    /// documents disagree on the number). A spent quota waits; a quota that cannot be read does not block, since
    /// the container requests report the same problems.
    private func checkPublishingLimit() async throws(SpoolpostError) {
        guard
            let answer = try? await get("/\(userID)/content_publishing_limit", [("fields", "quota_usage,config")]),
            let entry = (answer["data"] as? [[String: Any]])?.first,
            let usage = (entry["quota_usage"] as? NSNumber)?.intValue,
            let config = entry["config"] as? [String: Any],
            let total = (config["quota_total"] as? NSNumber)?.intValue, usage >= total
        else { return }
        let window = (config["quota_duration"] as? NSNumber)?.doubleValue ?? 86_400
        // The window rolls: a slot frees when the oldest post in it ages out, which the API does not say.
        throw SpoolpostError(
            .rateLimit,
            "\(service) has used its publishing quota (\(usage) of \(total) posts per \(Int(window / 3600)) hours); "
                + "publishing waits until the window moves on",
            retryable: true, retryAfter: min(3600, window), platformCode: "content_publishing_limit")
    }

    /// Creates the container to publish (after the carousel's items), recording each id as it comes back.
    private func createContainer(
        _ request: PublishRequest, type: String, caption: String?, progress: PublishProgress
    ) async throws(SpoolpostError) -> String {
        var fields: [(String, String)] = []
        switch type {
        case "reel":
            fields = [("media_type", "REELS"), ("video_url", try fetchURL(request.media[0], index: 0))]
        case "story":
            // A story names its kind by the URL field alone: `media_type` is STORIES either way.
            fields =
                [("media_type", "STORIES")]
                + (try mediaFields(request.media[0], index: 0)).filter { $0.0 != "media_type" }
        default:
            if request.media.count == 1 {
                fields = [("image_url", try fetchURL(request.media[0], index: 0))]
            } else {
                var children: [String] = []
                for (index, media) in request.media.enumerated() {
                    let key = "item.\(index)"
                    var item = request.steps[key]
                    if item == nil {
                        let itemFields = [("is_carousel_item", "true")] + (try mediaFields(media, index: index))
                        item = try await createOne(itemFields, what: "carousel item \(index + 1)")
                        try await progress.record(key, item)
                    }
                    guard let item else { continue }
                    _ = try await waitUntilReady(item, key: key, progress: progress)
                    children.append(item)
                }
                fields = [("media_type", "CAROUSEL"), ("children", children.joined(separator: ","))]
            }
        }
        if let caption { fields.append(("caption", caption)) }
        let id = try await createOne(fields, what: "the \(type) container")
        try await progress.record("container", id)
        return id
    }

    private func mediaFields(_ media: PreparedMedia, index: Int) throws(SpoolpostError) -> [(String, String)] {
        let url = try fetchURL(media, index: index)
        let isVideo =
            media.mimeType?.hasPrefix("video/")
            ?? (media.reference.kindHint.map { ["VIDEO", "REEL"].contains($0) } ?? false)
        return isVideo ? [("media_type", "VIDEO"), ("video_url", url)] : [("image_url", url)]
    }

    private func createOne(_ fields: [(String, String)], what: String) async throws(SpoolpostError) -> String {
        let answer = try await post("/\(userID)/media", fields, repeatable: true)
        guard let id = GraphAnswer.id(answer["id"]) else {
            throw SpoolpostError(.serverError, "\(service) created \(what) without an id", retryable: true)
        }
        return id
    }

    private func fetchURL(_ media: PreparedMedia, index: Int) throws(SpoolpostError) -> String {
        guard let url = media.fetchURL else {
            throw SpoolpostError(
                .invalidConfig,
                "media item \(index + 1) has no URL Instagram can fetch; instagram takes media by URL, so file: items "
                    + "need the media storage to sign URLs")
        }
        return url
    }

    struct ContainerStatus {
        var code: String
        var message: String?
    }

    private func status(of container: String) async throws(SpoolpostError) -> ContainerStatus {
        let answer = try await get("/\(container)", [("fields", "status_code,status")])
        return ContainerStatus(code: (answer["status_code"] as? String) ?? "", message: answer["status"] as? String)
    }

    /// Polls until the container is FINISHED (or PUBLISHED), at most `pollTimeout / pollInterval` checks.
    /// ERROR and EXPIRED fail for good with Instagram's status text and forget the container, so a manual retry
    /// starts over; still IN_PROGRESS at the end is retryable with the container kept.
    private func waitUntilReady(_ container: String, key: String, progress: PublishProgress)
        async throws(SpoolpostError)
        -> String
    {
        let checks = pollInterval > 0 ? max(1, Int((pollTimeout / pollInterval).rounded(.up)) + 1) : 1
        for check in 1...checks {
            let status = try await status(of: container)
            switch status.code {
            case "FINISHED", "PUBLISHED":
                return status.code
            case "ERROR", "EXPIRED":
                try? await progress.record(key, nil)
                let why = status.code == "EXPIRED" ? "expired (not published within 24 hours)" : "failed processing"
                throw SpoolpostError(
                    .rejected, "\(service): container \(container) \(why): \(status.message ?? status.code)",
                    platformCode: status.code)
            default:
                if check < checks {
                    do {
                        try await Task.sleep(for: .seconds(pollInterval))
                    } catch {
                        throw SpoolpostError(.cancelled, "\(service): waiting for container \(container) was cancelled")
                    }
                }
            }
        }
        throw SpoolpostError(
            .timeout,
            "\(service): container \(container) was still processing after \(checks) checks over "
                + "\(Int(pollTimeout)) s; a retry continues with the same container",
            retryable: true)
    }

    /// The container reads PUBLISHED but its media id never came back: find the media among the account's
    /// latest, by caption, made since the publish request left (less five minutes for clock differences). One
    /// match is recorded as `media_id`; none or several, or no recorded send time to bound the search (an older
    /// post with the same caption must not be taken for this one), leave the id unknown, and the post counts as
    /// published either way (it is never sent again).
    private func recoverPublished(caption: String?, sentAt: String?, progress: PublishProgress) async -> PublishOutcome {
        guard let since = sentAt.flatMap(Double.init).map({ $0 - 300 }) else {
            return .published(platformPostID: nil, url: nil)
        }
        let answer = try? await get(
            "/\(userID)/media", [("fields", "id,caption,permalink,timestamp"), ("limit", "25")])
        let items = (answer?["data"] as? [[String: Any]]) ?? []
        let matches = items.filter { item in
            guard (item["caption"] as? String ?? "") == (caption ?? ""),
                let stamp = item["timestamp"] as? String, let date = GraphAnswer.timestamp(stamp)
            else { return false }
            return date.timeIntervalSince1970 >= since
        }
        guard matches.count == 1, let id = GraphAnswer.id(matches[0]["id"]) else {
            return .published(platformPostID: nil, url: nil)
        }
        try? await progress.record("media_id", id)
        return .published(platformPostID: id, url: matches[0]["permalink"] as? String)
    }

    /// The media's `permalink`; the post is already public, so a failure here only loses the link.
    private func permalink(of mediaID: String) async -> String? {
        let answer = try? await get("/\(mediaID)", [("fields", "permalink")])
        return answer?["permalink"] as? String
    }

    // MARK: - HTTP

    private func post(_ path: String, _ fields: [(String, String)], repeatable: Bool) async throws(SpoolpostError)
        -> [String: Any]
    {
        let request = HTTPRequest(
            method: "POST", url: apiBase + path,
            headers: [HTTPHeader(name: "Content-Type", value: "application/x-www-form-urlencoded")],
            body: .bytes(Array(WebFormEncoding.encode(fields).utf8)), timeout: 60)
        return try await execute(request, repeatable: repeatable)
    }

    private func get(_ path: String, _ query: [(String, String)]) async throws(SpoolpostError) -> [String: Any] {
        let request = HTTPRequest(
            method: "GET", url: apiBase + path + "?" + WebFormEncoding.encode(query), timeout: 60)
        return try await execute(request, repeatable: true)
    }

    /// Sends with the token in the Authorization header (never in a URL that could end up in a message); a
    /// refused token is renewed once and the request repeated.
    private func execute(_ request: HTTPRequest, repeatable: Bool) async throws(SpoolpostError) -> [String: Any] {
        try await tokens.withToken { (token) async throws(SpoolpostError) -> [String: Any] in
            var request = request
            request.headers.append(HTTPHeader(name: "Authorization", value: "Bearer \(token)"))
            return try await GraphAnswer.send(
                request, repeatable: repeatable, http: http, service: service, quota: quota
            ) { error in
                // 9007/2207027: the media is not ready yet; the same container publishes later.
                guard error.platformCode == "9007/2207027" else { return error }
                var retryable = error
                retryable.code = .serverError
                retryable.isRetryable = true
                return retryable
            }
        }
    }
}
