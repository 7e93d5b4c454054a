// Threads API reference followed (Meta for Developers):
//   Posts (containers, carousels, threads_publish, 500-character limit, media specifications):
//     https://developers.facebook.com/docs/threads/posts
//   Troubleshooting (container `status`: EXPIRED, ERROR, FINISHED, IN_PROGRESS, PUBLISHED; `error_message`):
//     https://developers.facebook.com/docs/threads/troubleshooting
//   Replies (`reply_to_id` on the container): https://developers.facebook.com/docs/threads/reply-management
//   Long-lived tokens (`GET /refresh_access_token?grant_type=th_refresh_token`):
//     https://developers.facebook.com/docs/threads/get-started/long-lived-tokens
//   Graph API error object (`code`, `error_subcode`, `is_transient`) and rate-limit codes:
//     https://developers.facebook.com/docs/graph-api/guides/error-handling
import Foundation
public import SpoolpostCore
public import SpoolpostIO
import Synchronization

/// Publishes to one Threads profile: a media container (TEXT, IMAGE, VIDEO, or CAROUSEL of item containers),
/// polled until FINISHED, then `threads_publish`, then the permalink.
///
/// Account settings: `user_id:` (required), `api_base:` (default `https://graph.threads.net/v1.0`),
/// `oauth_base:` (default `https://graph.threads.net`, where `refresh_access_token` lives), `poll_interval:`
/// (default 5s) and `max_polls:` (default 60). Credentials: `access_token` (long-lived), optional `expires_at`
/// (Unix seconds or RFC 3339); a token within 7 days of expiry is refreshed and written back.
///
/// Steps recorded: `item.<n>` (carousel item containers), `container`, `media_id` (after the publish answer).
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
    private let token: ThreadsTokenState

    /// Text limit of a post, from the Posts reference.
    static let maxTextLength = 500
    /// Carousel item bounds.
    static let carouselItems = 2...20
    /// Refresh a long-lived token when it has less than this left.
    static let refreshMargin: Double = 7 * 24 * 3600
    static let imageTypes: Set<String> = ["image/jpeg", "image/png"]
    static let videoTypes: Set<String> = ["video/mp4", "video/quicktime"]

    /// Builds the adapter from its account settings and credentials file.
    public init(account: AccountConfig, credentials: Credentials?, http: HTTPClient) throws(SpoolpostError) {
        let settings = AccountSettings(account)
        let userID = try settings.required("user_id", missing: "threads needs `user_id:` (the Threads user id)")
        guard let credentials, let accessToken = credentials["access_token"], !accessToken.isEmpty else {
            throw settings.invalid("threads needs a `credentials:` file with `access_token`")
        }
        let expiresAt = try settings.credentialExpiry(credentials)
        self.account = settings.name
        self.userID = userID
        self.apiBase = try settings.baseURL("api_base", default: "https://graph.threads.net/v1.0")
        self.oauthBase = try settings.baseURL("oauth_base", default: "https://graph.threads.net")
        self.pollInterval = try settings.seconds("poll_interval", default: 5)
        self.maxPolls = try settings.positiveCount("max_polls", default: 60)
        self.http = http
        self.token = ThreadsTokenState(credentials: credentials, accessToken: accessToken, expiresAt: expiresAt)
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
        try await refreshIfExpiring()
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
                return .published(platformPostID: nil, url: nil)
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

        try await progress.beginPublicStep()
        let answer: [String: Any]
        do throws(SpoolpostError) {
            answer = try await send(
                method: "POST", url: "\(apiBase)/\(Self.pathComponent(userID))/threads_publish",
                form: [("creation_id", container)], repeatable: false)
        } catch {
            // Reconcile: a container that reads PUBLISHED was published by the request whose answer was lost.
            if error.code == .unknownOutcome, let status = try? await containerStatus(container),
                status.status == "PUBLISHED"
            {
                return .published(platformPostID: nil, url: nil)
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

    // MARK: - HTTP

    /// Sends one Graph request with the bearer token; an auth error (code 190) gets one token refresh and one
    /// repeat, which is safe because the refused request had no effect.
    private func send(
        method: String, url: String, form: [(String, String)], repeatable: Bool
    ) async throws(SpoolpostError) -> [String: Any] {
        var refreshed = false
        while true {
            var request = HTTPRequest(method: method, url: url)
            request.freshConnection = !repeatable
            request.headers = [HTTPHeader(name: "Authorization", value: "Bearer \(token.accessToken)")]
            if method == "POST" {
                request.headers.append(HTTPHeader(name: "Content-Type", value: "application/x-www-form-urlencoded"))
                request.body = .bytes(Array(WebFormEncoding.encode(form).utf8))
            }
            let response: HTTPResponse
            do {
                response = try await http.execute(request)
            } catch {
                throw HTTPFailureClassifier.classify(error, service: service, repeatable: repeatable)
            }
            if (200..<300).contains(response.status) {
                guard let object = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]
                else {
                    throw SpoolpostError(
                        repeatable ? .serverError : .unknownOutcome,
                        "\(service) answered HTTP \(response.status) with a body that is not a JSON object",
                        retryable: repeatable)
                }
                return object
            }
            let error = Self.classify(response, service: service)
            if error.code == .authExpired && !refreshed {
                refreshed = true
                if (try? await refresh()) != nil { continue }
            }
            if error.code == .authExpired {
                throw SpoolpostError(
                    .authExpired,
                    error.message + "; re-authorise the threads account '\(account)' and update its credentials file",
                    platformCode: error.platformCode)
            }
            throw error
        }
    }

    /// Classifies a Graph-style error answer from its `error` object: code 190 is the token, 4/17/32/613 and the
    /// 80000 series are rate limits, 1/2 and `is_transient` are transient, 10 and 200–299 are permissions.
    static func classify(_ response: HTTPResponse, service: String, now: Date = Date()) -> SpoolpostError {
        let object = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]
        guard let error = object?["error"] as? [String: Any], let code = (error["code"] as? NSNumber)?.intValue else {
            return HTTPFailureClassifier.classify(response, service: service, now: now)
        }
        let subcode = (error["error_subcode"] as? NSNumber)?.intValue
        let transient = (error["is_transient"] as? NSNumber)?.boolValue ?? false
        let message = (error["error_user_msg"] as? String) ?? (error["message"] as? String) ?? "no message given"
        let platformCode = subcode.map { "\(code)/\($0)" } ?? String(code)
        let detail = "\(message) (code \(platformCode))"
        let retryAfter = response.header("Retry-After").flatMap { RetryAfter.seconds(from: $0, now: now) }
            ?? regainAccessSeconds(response)
        switch code {
        case 190, 102, 463, 467:
            return SpoolpostError(.authExpired, "\(service) refused the access token: \(detail)", platformCode: platformCode)
        case 4, 17, 32, 613, 80000...80099:
            return SpoolpostError(
                .rateLimit, "\(service) is rate limited: \(detail)", retryable: true, retryAfter: retryAfter,
                platformCode: platformCode)
        case _ where transient, 1, 2:
            return SpoolpostError(
                .serverError, "\(service) had a temporary problem: \(detail)", retryable: true, retryAfter: retryAfter,
                platformCode: platformCode)
        case 10, 200...299:
            return SpoolpostError(.forbidden, "\(service) lacks permission: \(detail)", platformCode: platformCode)
        default:
            if response.status >= 500 {
                return SpoolpostError(
                    .serverError, "\(service) failed on its side: \(detail)", retryable: true, retryAfter: retryAfter,
                    platformCode: platformCode)
            }
            return SpoolpostError(.rejected, "\(service) rejected the request: \(detail)", platformCode: platformCode)
        }
    }

    /// `estimated_time_to_regain_access` (minutes) from Meta's `X-Business-Use-Case-Usage` header, if any.
    static func regainAccessSeconds(_ response: HTTPResponse) -> Double? {
        guard let header = response.header("X-Business-Use-Case-Usage"),
            let object = (try? JSONSerialization.jsonObject(with: Data(header.utf8))) as? [String: Any]
        else { return nil }
        let minutes = object.values.compactMap { $0 as? [[String: Any]] }.joined()
            .compactMap { ($0["estimated_time_to_regain_access"] as? NSNumber)?.doubleValue }.max()
        return minutes.flatMap { $0 > 0 ? $0 * 60 : nil }
    }

    // MARK: - Tokens

    private func refreshIfExpiring() async throws(SpoolpostError) {
        guard let expiresAt = token.expiresAt, expiresAt.timeIntervalSinceNow < Self.refreshMargin else { return }
        do {
            try await refresh()
        } catch {
            // A still-valid token keeps working; only an expired one is fatal.
            if expiresAt.timeIntervalSinceNow <= 0 { throw error }
        }
    }

    /// Exchanges the long-lived token for a fresh one and writes it back to the credentials file.
    private func refresh() async throws(SpoolpostError) {
        let current = token.accessToken
        let url = "\(oauthBase)/refresh_access_token?grant_type=th_refresh_token&access_token="
            + WebFormEncoding.percentEncode(current)
        let response: HTTPResponse
        do {
            response = try await http.execute(HTTPRequest(url: url))
        } catch {
            throw HTTPFailureClassifier.classify(error, service: "\(service) token refresh", repeatable: true)
        }
        guard (200..<300).contains(response.status),
            let object = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any],
            let fresh = object["access_token"] as? String, !fresh.isEmpty
        else {
            let error = Self.classify(response, service: "\(service) token refresh")
            throw SpoolpostError(
                .authExpired,
                "could not refresh the token of the threads account '\(account)' (\(error.message)); re-authorise it",
                platformCode: error.platformCode)
        }
        let expiresIn = (object["expires_in"] as? NSNumber)?.doubleValue
        let expiresAt = expiresIn.map { Date().addingTimeInterval($0) }
        try token.replace(accessToken: fresh, expiresAt: expiresAt)
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

/// The account's current access token, shared by every attempt, and its write-back to the credentials file.
private final class ThreadsTokenState: Sendable {
    private struct Current {
        var credentials: Credentials
        var accessToken: String
        var expiresAt: Date?
    }
    private let current: Mutex<Current>

    init(credentials: Credentials, accessToken: String, expiresAt: Date?) {
        current = Mutex(Current(credentials: credentials, accessToken: accessToken, expiresAt: expiresAt))
    }

    var accessToken: String { current.withLock { $0.accessToken } }
    var expiresAt: Date? { current.withLock { $0.expiresAt } }

    /// Saves the new token durably first, then uses it.
    func replace(accessToken: String, expiresAt: Date?) throws(SpoolpostError) {
        let credentials = current.withLock { $0.credentials }
        var changes = ["access_token": accessToken]
        if let expiresAt { changes["expires_at"] = String(Int(expiresAt.timeIntervalSince1970)) }
        let values = credentials.updating(changes)
        try Credentials.save(path: credentials.path, values: values)
        current.withLock {
            $0.credentials = Credentials(path: credentials.path, values: values)
            $0.accessToken = accessToken
            $0.expiresAt = expiresAt
        }
    }
}
