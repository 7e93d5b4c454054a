// Threads API reference followed (Meta for Developers):
//   Posts (containers, carousels, threads_publish, 500-character limit, media specifications):
//     https://developers.facebook.com/docs/threads/posts
//   Troubleshooting (container `status`: EXPIRED, ERROR, FINISHED, IN_PROGRESS, PUBLISHED; `error_message`):
//     https://developers.facebook.com/docs/threads/troubleshooting
//   Replies (`reply_to_id` on the container): https://developers.facebook.com/docs/threads/reply-management
//   Long-lived tokens (`GET /refresh_access_token?grant_type=th_refresh_token`), through MetaTokenRefresher:
//     https://developers.facebook.com/docs/threads/get-started/long-lived-tokens
//   Retrieve posts (`GET /{threads-user-id}/threads` and `/replies` with `fields`, `since`, `limit`), to find a
//   post whose publish answer was lost: https://developers.facebook.com/docs/threads/threads-media
//   Graph API error object (`code`, `error_subcode`, `is_transient`) and rate-limit codes:
//     https://developers.facebook.com/docs/graph-api/guides/error-handling
import Foundation
public import SpoolpostCore
public import SpoolpostIO

/// Publishes to one Threads profile: a media container (TEXT, IMAGE, VIDEO, or CAROUSEL of item containers),
/// polled until FINISHED, then `threads_publish`, then the permalink.
///
/// Account settings: `user_id:` (required), `api_base:` (default `https://graph.threads.net/v1.0`),
/// `oauth_base:` (default `https://graph.threads.net`, where `refresh_access_token` lives), `poll_interval:`
/// (default 5s) and `max_polls:` (default 60). Credentials: `access_token` (long-lived), optional `expires_at`
/// (Unix seconds or RFC 3339); a token within 7 days of expiry, or refused with Graph error 190, is refreshed
/// (`th_refresh_token`) and written back (see ``MetaTokenRefresher``).
///
/// Steps recorded: `item.<n>` (carousel item containers), `container`, `publish_sent_at` (Unix seconds, just
/// before `threads_publish`), `media_id` (from the publish answer, or found among the profile's posts when the
/// answer was lost).
public struct ThreadsAdapter: PublishingAdapter {
    public let platform = Platform.threads
    public let account: String
    public var publicStepIsFirstRequest: Bool { false }

    let userID: String
    let apiBase: String
    let oauthBase: String
    let pollInterval: Double
    let maxPolls: Int
    let http: HTTPClient
    /// The quota the rate-limit headers of successful answers reported spent.
    let quota = AccountQuota()
    private let tokens: MetaTokenRefresher

    /// Text limit of a post, from the Posts reference.
    static let maxTextLength = 500
    /// Carousel item bounds.
    static let carouselItems = 2...20
    static let imageTypes: Set<String> = ["image/jpeg", "image/png"]
    static let videoTypes: Set<String> = ["video/mp4", "video/quicktime"]

    /// Builds the adapter from its account settings and credentials file.
    public init(account: AccountConfig, credentials: Credentials?, http: HTTPClient) throws(SpoolpostError) {
        let settings = AccountSettings(account)
        let userID = try settings.required("user_id", missing: "threads needs `user_id:` (the Threads user id)")
        guard let credentials, let accessToken = credentials["access_token"], !accessToken.isEmpty else {
            throw settings.invalid("threads needs a `credentials:` file with `access_token`")
        }
        self.account = settings.name
        self.userID = userID
        self.apiBase = try settings.baseURL("api_base", default: "https://graph.threads.net/v1.0")
        let oauthBase = try settings.baseURL("oauth_base", default: "https://graph.threads.net")
        self.oauthBase = oauthBase
        self.pollInterval = try settings.seconds("poll_interval", default: 5)
        self.maxPolls = try settings.positiveCount("max_polls", default: 60)
        self.http = http
        self.tokens = try MetaTokenRefresher(
            credentials: credentials, flow: .threadsRefresh, endpointBase: oauthBase, platform: .threads,
            account: settings.name, http: http)
    }

    private var service: String { "threads account '\(account)'" }

    // MARK: - Validation

    public func problems(with check: TargetCheck) -> [TargetProblem] {
        var problems: [TargetProblem] = []
        if let type = check.target.type, type != "post" {
            problems.append(TargetProblem(field: "type", "threads supports only type `post`, not `\(type)`"))
        }
        let text = check.text ?? ""
        let length = Self.textLength(text)
        if length > Self.maxTextLength {
            problems.append(
                TargetProblem(field: "text", "threads allows \(Self.maxTextLength) characters; this text has \(length)"))
        }
        let count = check.media.count
        if count == 0 && text.isEmpty {
            problems.append(TargetProblem(field: "text", "a threads post without media needs text"))
        }
        if count > Self.carouselItems.upperBound {
            problems.append(
                TargetProblem(
                    field: "media",
                    "threads carousels hold at most \(Self.carouselItems.upperBound) items; this post has \(count)"))
        }
        for (index, mime) in check.mediaTypes.enumerated() {
            guard let mime else { continue }
            if !Self.imageTypes.contains(mime) && !Self.videoTypes.contains(mime) {
                problems.append(
                    TargetProblem(
                        field: "media",
                        "media item \(index + 1) is \(mime); threads takes JPEG or PNG images and MP4 or MOV videos"))
            }
        }
        if check.target.options["reply_to"] != nil && (check.target.option("reply_to") ?? "").isEmpty {
            problems.append(TargetProblem(field: "reply_to", "reply_to must be the id of the Threads post to reply to"))
        }
        return problems
    }

    /// Characters as Threads counts them: emoji count as their UTF-8 bytes, everything else as one.
    static func textLength(_ text: String) -> Int {
        text.reduce(0) { total, character in
            let isEmoji = character.unicodeScalars.contains {
                $0.properties.isEmojiPresentation || ($0.properties.isEmoji && $0.value > 0xFF && $0.value != 0x200D)
            }
            return total + (isEmoji ? character.utf8.count : 1)
        }
    }

    // MARK: - Publishing

    public func publish(_ request: PublishRequest, progress: PublishProgress) async -> PublishOutcome {
        let outcome = await publishOnce(request, progress: progress)
        await quota.report(to: progress)
        return outcome
    }

    private func publishOnce(_ request: PublishRequest, progress: PublishProgress) async -> PublishOutcome {
        do {
            return try await attempt(request, progress: progress)
        } catch {
            return .failed(error)
        }
    }

    private enum Kind: String {
        case image = "IMAGE"
        case video = "VIDEO"
    }

    private func attempt(_ request: PublishRequest, progress: PublishProgress) async throws(SpoolpostError)
        -> PublishOutcome
    {
        if let mediaID = request.steps["media_id"] {
            return .published(platformPostID: mediaID, url: await permalink(of: mediaID))
        }
        var steps = request.steps
        // A container recorded by an earlier attempt: it may already be public (the answer to the publish
        // request was lost), or it may have expired (containers live 24 hours).
        if let container = steps["container"] {
            let status = try await containerStatus(container)
            switch status.status {
            case "PUBLISHED":
                return await recoverPublished(request, sentAt: steps["publish_sent_at"], progress: progress)
            case "EXPIRED":
                try await progress.record("container", nil)
                steps["container"] = nil
            default:
                break
            }
        }
        let container: String
        if let recorded = steps["container"] {
            container = recorded
        } else {
            container = try await createContainer(request, steps: steps, progress: progress)
        }
        try await waitUntilFinished(container, what: "the post's container")

        // Noted before the request leaves, so a lost answer (now, or after a restart) is looked up among the
        // posts made since.
        let sentAt = GraphAnswer.sentAtNow()
        try await progress.record("publish_sent_at", sentAt)
        try await progress.beginPublicStep()
        let answer: [String: Any]
        do throws(SpoolpostError) {
            answer = try await send(
                method: "POST", url: "\(apiBase)/\(Self.pathComponent(userID))/threads_publish",
                form: [("creation_id", container)], repeatable: false)
        } catch {
            // Reconcile: a container that reads PUBLISHED was published by the request whose answer was lost.
            if [.unknownOutcome, .timeout, .connection, .serverError].contains(error.code),
                let status = try? await containerStatus(container), status.status == "PUBLISHED"
            {
                return await recoverPublished(request, sentAt: sentAt, progress: progress)
            }
            throw error
        }
        guard let mediaID = Self.string(answer["id"]) else {
            throw SpoolpostError(
                .unknownOutcome, "\(service) answered threads_publish without a media id; check the profile")
        }
        try? await progress.record("media_id", mediaID)
        return .published(platformPostID: mediaID, url: await permalink(of: mediaID))
    }

    /// Creates the item containers (carousels) and the post's container, recording each.
    private func createContainer(
        _ request: PublishRequest, steps: [String: String], progress: PublishProgress
    ) async throws(SpoolpostError) -> String {
        var form: [(String, String)] = []
        let text = request.text ?? ""
        if request.media.count > 1 {
            guard Self.carouselItems.contains(request.media.count) else {
                throw SpoolpostError(
                    .invalidManifest, "threads carousels hold 2 to 20 items; this post has \(request.media.count)")
            }
            var children: [String] = []
            for (index, media) in request.media.enumerated() {
                let key = "item.\(index)"
                if let recorded = steps[key] {
                    children.append(recorded)
                    continue
                }
                var itemForm = try mediaParameters(media, index: index)
                itemForm.append(("is_carousel_item", "true"))
                let answer = try await send(
                    method: "POST", url: "\(apiBase)/\(Self.pathComponent(userID))/threads", form: itemForm,
                    repeatable: true)
                guard let id = Self.string(answer["id"]) else {
                    throw SpoolpostError(.serverError, "\(service) created a carousel item without an id", retryable: true)
                }
                try await progress.record(key, id)
                children.append(id)
            }
            for (index, child) in children.enumerated() {
                try await waitUntilFinished(child, what: "carousel item \(index + 1)")
            }
            form = [("media_type", "CAROUSEL"), ("children", children.joined(separator: ","))]
        } else if let media = request.media.first {
            form = try mediaParameters(media, index: 0)
        } else {
            form = [("media_type", "TEXT")]
        }
        if !text.isEmpty { form.append(("text", text)) }
        if let replyTo = request.target.option("reply_to"), !replyTo.isEmpty { form.append(("reply_to_id", replyTo)) }
        let answer = try await send(
            method: "POST", url: "\(apiBase)/\(Self.pathComponent(userID))/threads", form: form, repeatable: true)
        guard let id = Self.string(answer["id"]) else {
            throw SpoolpostError(.serverError, "\(service) created a container without an id", retryable: true)
        }
        try await progress.record("container", id)
        return id
    }

    private func mediaParameters(_ media: PreparedMedia, index: Int) throws(SpoolpostError) -> [(String, String)] {
        guard let url = media.fetchURL else {
            throw SpoolpostError(
                .invalidManifest, "media item \(index + 1) has no URL Threads can fetch; threads takes media by URL")
        }
        guard let kind = Self.kind(of: media) else {
            throw SpoolpostError(
                .invalidManifest,
                "media item \(index + 1) is neither an image nor a video (\(media.mimeType ?? "unknown type"))")
        }
        var form: [(String, String)] = [("media_type", kind.rawValue)]
        form.append((kind == .image ? "image_url" : "video_url", url))
        if let alt = media.reference.alt, !alt.isEmpty { form.append(("alt_text", alt)) }
        return form
    }

    private static func kind(of media: PreparedMedia) -> Kind? {
        if let mime = media.mimeType?.lowercased() {
            if mime.hasPrefix("image/") { return .image }
            if mime.hasPrefix("video/") { return .video }
            return nil
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
        case "jpg", "jpeg", "png": return .image
        case "mp4", "mov": return .video
        default: return nil
        }
    }

    private struct ContainerStatus {
        var status: String
        var errorMessage: String?
    }

    private func containerStatus(_ id: String) async throws(SpoolpostError) -> ContainerStatus {
        let answer = try await send(
            method: "GET", url: "\(apiBase)/\(Self.pathComponent(id))?fields=status,error_message", form: [],
            repeatable: true)
        return ContainerStatus(
            status: Self.string(answer["status"]) ?? "", errorMessage: Self.string(answer["error_message"]))
    }

    /// Polls a container until FINISHED (bounded); ERROR and EXPIRED fail with Threads' message.
    private func waitUntilFinished(_ id: String, what: String) async throws(SpoolpostError) {
        for poll in 0..<maxPolls {
            let status = try await containerStatus(id)
            switch status.status {
            case "FINISHED", "PUBLISHED":
                return
            case "ERROR":
                throw SpoolpostError(
                    .rejected,
                    "Threads could not process \(what) for \(service): \(status.errorMessage ?? "no message given")",
                    platformCode: status.errorMessage)
            case "EXPIRED":
                throw SpoolpostError(
                    .rejected, "\(what) for \(service) expired before it was published (containers live 24 hours)",
                    retryable: false, platformCode: "EXPIRED")
            default:
                if poll + 1 < maxPolls { try await pause(pollInterval) }
            }
        }
        throw SpoolpostError(
            .timeout,
            "Threads was still processing \(what) for \(service) after \(maxPolls) status checks; trying again later",
            retryable: true)
    }

    private func pause(_ seconds: Double) async throws(SpoolpostError) {
        do {
            try await Task.sleep(for: .seconds(seconds))
        } catch {
            throw SpoolpostError(.cancelled, "publishing to \(service) was cancelled")
        }
    }

    /// The post's permalink; nil when Threads does not give one (the post is public either way).
    private func permalink(of mediaID: String) async -> String? {
        let answer = try? await send(
            method: "GET", url: "\(apiBase)/\(Self.pathComponent(mediaID))?fields=permalink", form: [],
            repeatable: true)
        return answer.flatMap { Self.string($0["permalink"]) }
    }

    // MARK: - Recovering a post whose publish answer was lost

    /// The container reads PUBLISHED but the media id never came back: find the post among the profile's posts
    /// (`/threads`, or `/replies` for a reply) made since the publish request left (less five minutes for clock
    /// differences), by its text and media type. One match is recorded as `media_id`; none or several, or no
    /// recorded send time to bound the search (an older post with the same text must not be taken for this one),
    /// leave the id unknown, and the post counts as published either way (it is never sent again).
    private func recoverPublished(
        _ request: PublishRequest, sentAt: String?, progress: PublishProgress
    ) async -> PublishOutcome {
        guard let since = sentAt.flatMap(Double.init).map({ $0 - 300 }) else {
            return .published(platformPostID: nil, url: nil)
        }
        let edge = (request.target.option("reply_to") ?? "").isEmpty ? "threads" : "replies"
        let query = [
            ("fields", "id,permalink,text,timestamp,media_type"), ("since", String(Int(since))), ("limit", "25"),
        ]
        guard
            let answer = try? await send(
                method: "GET",
                url: "\(apiBase)/\(Self.pathComponent(userID))/\(edge)?" + WebFormEncoding.encode(query),
                form: [], repeatable: true),
            let posts = answer["data"] as? [[String: Any]]
        else { return .published(platformPostID: nil, url: nil) }
        let text = request.text ?? ""
        let mediaType = Self.listedMediaType(mediaCount: request.media.count, first: request.media.first)
        let matches = posts.filter { post in
            guard (post["text"] as? String ?? "") == text else { return false }
            if let mediaType, let listed = post["media_type"] as? String, listed != mediaType { return false }
            guard let stamp = post["timestamp"] as? String, let date = GraphAnswer.timestamp(stamp) else { return false }
            return date.timeIntervalSince1970 >= since
        }
        guard matches.count == 1, let id = Self.string(matches[0]["id"]) else {
            return .published(platformPostID: nil, url: nil)
        }
        try? await progress.record("media_id", id)
        let link = matches[0]["permalink"] as? String
        return .published(platformPostID: id, url: link != nil ? link : await permalink(of: id))
    }

    /// The `media_type` the posts listing shows for what this post creates; nil when it cannot be told.
    private static func listedMediaType(mediaCount: Int, first: PreparedMedia?) -> String? {
        if mediaCount > 1 { return "CAROUSEL_ALBUM" }
        guard let first else { return "TEXT_POST" }
        return kind(of: first)?.rawValue
    }

    /// Threads' ISO 8601 `timestamp` (`2023-10-17T05:42:03+0000`).
    // MARK: - HTTP

    /// Sends one Graph request with the account's bearer token; an auth error (code 190) gets one token refresh
    /// and one repeat through ``MetaTokenRefresher``, which is safe because the refused request had no effect.
    private func send(
        method: String, url: String, form: [(String, String)], repeatable: Bool
    ) async throws(SpoolpostError) -> [String: Any] {
        try await tokens.withToken { (token) async throws(SpoolpostError) -> [String: Any] in
            var request = HTTPRequest(method: method, url: url)
            request.headers = [HTTPHeader(name: "Authorization", value: "Bearer \(token)")]
            if method == "POST" {
                request.headers.append(HTTPHeader(name: "Content-Type", value: "application/x-www-form-urlencoded"))
                request.body = .bytes(Array(WebFormEncoding.encode(form).utf8))
            }
            return try await GraphAnswer.send(request, repeatable: repeatable, http: http, service: service, quota: quota)
        }
    }

    // MARK: - Helpers

    static func string(_ value: Any?) -> String? {
        if let text = value as? String { return text }
        if let number = value as? NSNumber { return number.stringValue }
        return nil
    }

    static func pathComponent(_ text: String) -> String {
        WebFormEncoding.percentEncode(text)
    }
}
