import Foundation
import Hummingbird
import SpoolpostCore
import SpoolpostIO
import Synchronization

/// The Threads API under `/graph.threads.net/v1.0` (point an account's `api_base` at
/// `http://HOST:PORT/graph.threads.net/v1.0` and `oauth_base` at `http://HOST:PORT/graph.threads.net`).
///
/// - `POST /{user-id}/threads`: TEXT, IMAGE, VIDEO, CAROUSEL containers (and `is_carousel_item` items), with the
///   real parameter checks; image and video URLs are downloaded like Threads does, and a container whose media
///   cannot be fetched (or is not an image/video) reads `ERROR` with Threads' `error_message`.
/// - `GET /{container-id}?fields=status,error_message`: IN_PROGRESS for a poll or two, then FINISHED
///   (PUBLISHED once published). `GET /{media-id}?fields=permalink`: the sandbox page of the post.
/// - `POST /{user-id}/threads_publish?creation_id=`: stores the post and answers `{"id": media id}`.
/// - `GET /{user-id}/threads` and `GET /{user-id}/replies` (`fields`, `since`, `until`, `limit`): the profile's
///   published posts (top-level ones, or replies), newest first, with `id`, `media_product_type`, `media_type`
///   (TEXT_POST, IMAGE, VIDEO, CAROUSEL_ALBUM), `permalink`, `text`, `timestamp`, `shortcode`, `is_quote_post`.
/// - `GET /graph.threads.net/refresh_access_token?grant_type=th_refresh_token&access_token=`: a fresh token.
///
/// Tokens: `sandbox-token` and every token this simulator issued are valid; `sandbox-stale-token` is refused
/// (190/460) but can still be refreshed, to exercise refresh-and-repeat; `sandbox-expired-token` (and anything
/// else) gets the Graph error 190 (subcode 463 for the expired one), and cannot be refreshed.
/// Errors use the Graph shape `{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}`.
final class ThreadsSimulator: NetworkSimulator {
    static let network = "threads"
    static let idPrefix = "th"
    static let prefix = "/graph.threads.net/v1.0"
    static let oauthPrefix = "/graph.threads.net"
    static let validToken = "sandbox-token"
    static let expiredToken = "sandbox-expired-token"
    static let staleToken = "sandbox-stale-token"

    let environment: SandboxEnvironment
    private let state = Mutex(State())

    init(environment: SandboxEnvironment) {
        self.environment = environment
    }

    struct Container {
        var userID: String
        var mediaType: String
        var text: String?
        var mediaURL: String?
        var children: [String]
        var isCarouselItem: Bool
        var replyTo: String?
        var pollsLeft: Int
        var failure: String?
        var publishedMediaID: String?
    }

    struct PublishedMedia {
        var postID: String
        var permalink: String
        var userID: String
        var mediaType: String
        var text: String?
        var isReply: Bool
        var publishedAt: Date
    }

    struct State {
        var nextID = 17_841_400_000_000_001
        var containers: [String: Container] = [:]
        var media: [String: PublishedMedia] = [:]
        var issuedTokens: Set<String> = []
        var refreshCount = 0

        mutating func newID() -> String {
            defer { nextID += 1 }
            return String(nextID)
        }
    }

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.post("\(Self.prefix)/{id}/threads") { request, context in
            await self.answer { try await self.createContainer(request, user: context.parameters.get("id") ?? "") }
        }
        router.post("\(Self.prefix)/{id}/threads_publish") { request, context in
            await self.answer { try await self.publish(request, user: context.parameters.get("id") ?? "") }
        }
        for edge in ["threads", "replies"] {
            router.get("\(Self.prefix)/{id}/\(edge)") { request, context in
                await self.answer {
                    try await self.list(request, user: context.parameters.get("id") ?? "", replies: edge == "replies")
                }
            }
        }
        router.get("\(Self.oauthPrefix)/refresh_access_token") { request, _ in
            await self.answer { try self.refresh(request) }
        }
        router.get("\(Self.prefix)/{id}") { request, context in
            await self.answer { try await self.read(request, id: context.parameters.get("id") ?? "") }
        }
    }

    // MARK: - Errors

    /// A Graph-style error answer.
    struct GraphError: Error {
        var status: HTTPResponse.Status
        var message: String
        var type: String
        var code: Int
        var subcode: Int?

        static func invalidParameter(_ message: String, subcode: Int? = nil) -> GraphError {
            GraphError(status: .badRequest, message: message, type: "OAuthException", code: 100, subcode: subcode)
        }

        var response: Response {
            var error: [String: Any] = [
                "message": message, "type": type, "code": code, "fbtrace_id": "AsandboxTrace",
            ]
            if let subcode { error["error_subcode"] = subcode }
            return ThreadsSimulator.json(status: status, ["error": error])
        }
    }

    static func json(status: HTTPResponse.Status = .ok, _ object: [String: Any]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=UTF-8"
        headers[.contentLength] = String(data.count)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: Array(data))))
    }

    private func answer(_ body: () async throws -> Response) async -> Response {
        do {
            return try await body()
        } catch let error as GraphError {
            return error.response
        } catch let rejection as SandboxRejection {
            return rejection.response
        } catch {
            return GraphError(
                status: .internalServerError, message: "An unknown error has occurred.", type: "OAuthException",
                code: 1
            ).response
        }
    }

    // MARK: - Parameters and tokens

    /// Query parameters merged with a form body (Graph takes either).
    private func parameters(_ request: Request) async throws -> [String: String] {
        var values: [String: String] = [:]
        for (name, value) in request.uri.queryParameters { values[String(name)] = String(value) }
        if request.method == .post {
            let body = try await SandboxRequest.collectBody(request, limit: environment.configuration.maxBodyBytes).get()
            if !body.isEmpty {
                guard SandboxRequest.mediaType(request) == "application/x-www-form-urlencoded" else {
                    throw GraphError.invalidParameter("Invalid parameter: the body must be form-encoded")
                }
                values.merge(WebFormEncoding.fields(String(decoding: body, as: UTF8.self))) { $1 }
            }
        }
        return values
    }

    private func checkToken(_ request: Request, _ parameters: [String: String]) throws {
        var token = parameters["access_token"]
        if let header = SandboxRequest.header(request, named: "Authorization"), header.hasPrefix("Bearer ") {
            token = String(header.dropFirst("Bearer ".count))
        }
        guard let token else {
            throw GraphError(
                status: .badRequest, message: "An active access token must be used to query information about the current user.",
                type: "OAuthException", code: 2500)
        }
        if token == Self.staleToken {
            throw GraphError(
                status: .unauthorized,
                message: "Error validating access token: The session has been invalidated because the user changed "
                    + "their password or Facebook has changed the session for security reasons.",
                type: "OAuthException", code: 190, subcode: 460)
        }
        if token == Self.expiredToken {
            throw GraphError(
                status: .unauthorized,
                message: "Error validating access token: Session has expired on Sunday, 01-Nov-26 00:00:00 PST.",
                type: "OAuthException", code: 190, subcode: 463)
        }
        guard token == Self.validToken || state.withLock({ $0.issuedTokens.contains(token) }) else {
            throw GraphError(
                status: .unauthorized, message: "Invalid OAuth access token - Cannot parse access token",
                type: "OAuthException", code: 190)
        }
    }

    // MARK: - Endpoints

    private func createContainer(_ request: Request, user: String) async throws -> Response {
        let parameters = try await parameters(request)
        try checkToken(request, parameters)
        let mediaType = parameters["media_type"] ?? ""
        let isCarouselItem = parameters["is_carousel_item"] == "true"
        let text = parameters["text"]
        if let text, text.count > 500 {
            throw GraphError.invalidParameter("Param text must be at most 500 characters long.", subcode: 4279009)
        }
        var container = Container(
            userID: user, mediaType: mediaType, text: text, mediaURL: nil, children: [],
            isCarouselItem: isCarouselItem, replyTo: parameters["reply_to_id"], pollsLeft: 0, failure: nil)
        switch mediaType {
        case "TEXT":
            guard !isCarouselItem else { throw GraphError.invalidParameter("Carousel items must be images or videos.") }
            guard let text, !text.isEmpty else {
                throw GraphError.invalidParameter("The parameter text is required for media_type TEXT.")
            }
        case "IMAGE", "VIDEO":
            let key = mediaType == "IMAGE" ? "image_url" : "video_url"
            guard let url = parameters[key], !url.isEmpty else {
                throw GraphError.invalidParameter("The parameter \(key) is required for media_type \(mediaType).")
            }
            container.mediaURL = url
            container.pollsLeft = mediaType == "IMAGE" ? 1 : 2
            container.failure = await fetchFailure(url, expecting: mediaType == "IMAGE" ? "image/" : "video/")
        case "CAROUSEL":
            guard !isCarouselItem else { throw GraphError.invalidParameter("A carousel cannot be a carousel item.") }
            let children = (parameters["children"] ?? "").split(separator: ",").map(String.init)
            guard (2...20).contains(children.count) else {
                throw GraphError.invalidParameter(
                    "The parameter children must list 2 to 20 carousel items.", subcode: 4279010)
            }
            try state.withLock { state in
                for child in children {
                    guard let item = state.containers[child], item.userID == user, item.isCarouselItem else {
                        throw GraphError.invalidParameter("Invalid parameter: child \(child) is not a carousel item.")
                    }
                    guard item.pollsLeft == 0, item.failure == nil else {
                        throw GraphError.invalidParameter(
                            "Invalid parameter: carousel item \(child) is not ready to be published.")
                    }
                }
            }
            container.children = children
            container.pollsLeft = 1
        default:
            throw GraphError.invalidParameter(
                "Invalid parameter: media_type must be one of TEXT, IMAGE, VIDEO, CAROUSEL.")
        }
        let id = state.withLock { state in
            let id = state.newID()
            state.containers[id] = container
            return id
        }
        return Self.json(["id": id])
    }

    /// Downloads the media like Threads does; the message Threads puts in `error_message` when it cannot.
    private func fetchFailure(_ url: String, expecting prefix: String) async -> String? {
        let http: HTTPClient
        do {
            http = try HTTPClient()
        } catch {
            return "FAILED_DOWNLOADING_MEDIA"
        }
        defer { http.shutdown() }
        guard let response = try? await http.execute(SpoolpostIO.HTTPRequest(url: url, timeout: 60, maxResponseBytes: 1 << 30)),
            (200..<300).contains(response.status)
        else {
            return "Media download has failed.: The media could not be fetched from the URI provided."
        }
        let type = response.header("Content-Type")?.lowercased() ?? ""
        guard type.hasPrefix(prefix), !response.body.isEmpty else {
            return "Media type not supported: expected \(prefix)* but the URI served \(type.isEmpty ? "no type" : type)."
        }
        return nil
    }

    private func read(_ request: Request, id: String) async throws -> Response {
        let parameters = try await parameters(request)
        try checkToken(request, parameters)
        let fields = Set((parameters["fields"] ?? "id").split(separator: ",").map(String.init))
        return try state.withLock { state in
            if var container = state.containers[id] {
                var answer: [String: Any] = ["id": id]
                let status: String
                if container.publishedMediaID != nil {
                    status = "PUBLISHED"
                } else if container.pollsLeft > 0 {
                    status = "IN_PROGRESS"
                    container.pollsLeft -= 1
                    state.containers[id] = container
                } else {
                    status = container.failure == nil ? "FINISHED" : "ERROR"
                }
                if fields.contains("status") { answer["status"] = status }
                if fields.contains("error_message"), status == "ERROR", let failure = container.failure {
                    answer["error_message"] = failure
                }
                return Self.json(answer)
            }
            if let media = state.media[id] {
                var answer: [String: Any] = ["id": id]
                if fields.contains("permalink") { answer["permalink"] = media.permalink }
                return Self.json(answer)
            }
            throw GraphError.invalidParameter(
                "Unsupported get request. Object with ID '\(id)' does not exist, cannot be loaded due to missing "
                    + "permissions, or does not support this operation.", subcode: 33)
        }
    }

    private func publish(_ request: Request, user: String) async throws -> Response {
        let parameters = try await parameters(request)
        try checkToken(request, parameters)
        guard let creationID = parameters["creation_id"], !creationID.isEmpty else {
            throw GraphError.invalidParameter("The parameter creation_id is required.")
        }
        let container = try state.withLock { state -> Container in
            guard let container = state.containers[creationID], container.userID == user, !container.isCarouselItem
            else {
                throw GraphError.invalidParameter("Invalid parameter: creation_id \(creationID) is not a container.")
            }
            guard container.publishedMediaID == nil else {
                throw GraphError(
                    status: .badRequest, message: "The media has already been published.", type: "OAuthException",
                    code: 10, subcode: 2207051)
            }
            guard container.pollsLeft == 0, container.failure == nil else {
                throw GraphError(
                    status: .badRequest, message: "Media ID is not available: the container is not finished.",
                    type: "OAuthException", code: 9007, subcode: 2207027)
            }
            return container
        }
        let mediaURLs: [String]
        if container.mediaType == "CAROUSEL" {
            mediaURLs = state.withLock { state in container.children.compactMap { state.containers[$0]?.mediaURL } }
        } else {
            mediaURLs = container.mediaURL.map { [$0] } ?? []
        }
        let post = SandboxReceivedPost(
            id: "", network: Self.network, account: user, method: request.method.rawValue, path: request.uri.path,
            body: Array(Self.summary(container, creationID: creationID).utf8), text: container.text,
            mediaURLs: mediaURLs, clientPostID: creationID, idempotencyKey: nil,
            headers: SandboxRequest.recordedHeaders(request), signatureVerified: false, receivedAt: Date())
        guard case .stored(let stored) = environment.store.record(post, idPrefix: Self.idPrefix) else {
            throw GraphError(status: .internalServerError, message: "An unknown error has occurred.", type: "OAuthException", code: 1)
        }
        let mediaID = state.withLock { state in
            let mediaID = state.newID()
            state.containers[creationID]?.publishedMediaID = mediaID
            state.media[mediaID] = PublishedMedia(
                postID: stored.id, permalink: environment.postURL(id: stored.id), userID: user,
                mediaType: Self.listedMediaType[container.mediaType] ?? container.mediaType, text: container.text,
                isReply: container.replyTo != nil, publishedAt: stored.receivedAt)
            return mediaID
        }
        return Self.json(["id": mediaID])
    }

    /// A container's `media_type` as the posts listing names it.
    static let listedMediaType = ["TEXT": "TEXT_POST", "CAROUSEL": "CAROUSEL_ALBUM", "IMAGE": "IMAGE", "VIDEO": "VIDEO"]

    /// The profile's posts (or replies), newest first, within `since`/`until` (Unix seconds or a date), at most
    /// `limit` (default 25, at most 100).
    private func list(_ request: Request, user: String, replies: Bool) async throws -> Response {
        let parameters = try await parameters(request)
        try checkToken(request, parameters)
        let fields = Set((parameters["fields"] ?? "id").split(separator: ",").map(String.init))
        let since = try parameters["since"].map { try Self.time($0, name: "since") }
        let until = try parameters["until"].map { try Self.time($0, name: "until") }
        let limit = min(100, max(0, parameters["limit"].flatMap(Int.init) ?? 25))
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ssZ"
        let posts = state.withLock { state in
            state.media.filter { _, media in
                media.userID == user && media.isReply == replies && since.map { media.publishedAt >= $0 } ?? true
                    && until.map { media.publishedAt <= $0 } ?? true
            }
        }.sorted { $0.value.publishedAt > $1.value.publishedAt || ($0.value.publishedAt == $1.value.publishedAt && $0.key > $1.key) }
        let data: [[String: Any]] = posts.prefix(limit).map { id, media in
            let all: [String: Any?] = [
                "id": id, "media_product_type": "THREADS", "media_type": media.mediaType, "permalink": media.permalink,
                "text": media.text, "timestamp": formatter.string(from: media.publishedAt), "shortcode": media.postID,
                "is_quote_post": false, "owner": ["id": user],
            ]
            return all.compactMapValues { $0 }.filter { $0.key == "id" || fields.contains($0.key) }
        }
        var answer: [String: Any] = ["data": data]
        if let first = data.first?["id"], let last = data.last?["id"] {
            answer["paging"] = ["cursors": ["before": first, "after": last]]
        }
        return Self.json(answer)
    }

    /// `since`/`until`: Unix seconds, or a date `strtotime` would read (RFC 3339 or `YYYY-MM-DD` here).
    private static func time(_ text: String, name: String) throws -> Date {
        if let seconds = Double(text) { return Date(timeIntervalSince1970: seconds) }
        if let date = ISO8601DateFormatter().date(from: text) { return date }
        let day = DateFormatter()
        day.locale = Locale(identifier: "en_US_POSIX")
        day.timeZone = TimeZone(identifier: "UTC")
        day.dateFormat = "yyyy-MM-dd"
        if let date = day.date(from: text) { return date }
        throw GraphError.invalidParameter("Invalid parameter: \(name) must be a Unix timestamp or a date.")
    }

    /// What the sandbox shows as the post's body: the container as JSON.
    static func summary(_ container: Container, creationID: String) -> String {
        var object: [String: Any] = ["creation_id": creationID, "media_type": container.mediaType]
        if let text = container.text { object["text"] = text }
        if let url = container.mediaURL { object["media_url"] = url }
        if !container.children.isEmpty { object["children"] = container.children }
        if let reply = container.replyTo { object["reply_to_id"] = reply }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    private func refresh(_ request: Request) throws -> Response {
        var parameters: [String: String] = [:]
        for (name, value) in request.uri.queryParameters { parameters[String(name)] = String(value) }
        guard parameters["grant_type"] == "th_refresh_token" else {
            throw GraphError.invalidParameter("Invalid parameter: grant_type must be th_refresh_token.")
        }
        guard let token = parameters["access_token"],
            token == Self.validToken || token == Self.staleToken || state.withLock({ $0.issuedTokens.contains(token) })
        else {
            throw GraphError(
                status: .badRequest, message: "Error validating access token: the token cannot be refreshed.",
                type: "OAuthException", code: 190, subcode: 463)
        }
        let fresh = state.withLock { state in
            state.refreshCount += 1
            let fresh = "sandbox-token-refreshed-\(state.refreshCount)"
            state.issuedTokens.insert(fresh)
            return fresh
        }
        return Self.json(["access_token": fresh, "token_type": "bearer", "expires_in": 5_184_000])
    }
}
