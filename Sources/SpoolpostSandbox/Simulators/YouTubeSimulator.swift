import Foundation
import Hummingbird
import SpoolpostCore
import SpoolpostIO

/// YouTube Data API v3 resumable uploads under `/www.googleapis.com/upload/youtube/v3` and the OAuth token endpoint
/// `/oauth2.googleapis.com/token`, with Google's JSON errors (`error.errors[].reason`).
///
/// `POST .../videos?uploadType=resumable&part=snippet,status` checks the metadata (title required, at most 100
/// characters, no `<` `>`) and answers with a session URI in `Location`; `PUT` on it takes chunks (`Content-Range:
/// bytes a-b/N`, multiples of 256 KiB except the last) and answers 308 with `Range: bytes=0-x` until the last byte,
/// then 200 with the video resource; `Content-Range: bytes */N` probes. The video exists only once complete.
///
/// `POST .../thumbnails/set?videoId=ID&uploadType=media` takes a JPEG or PNG (by its bytes) of at most 2 MB for a
/// video of the channel and answers `youtube#thumbnailSetResponse`; the image is then served under
/// `/i.ytimg.com/vi/ID/` and listed in the video's `snippet.thumbnails` on `GET .../videos?id=ID`.
///
/// Sandbox credentials: bearer `sandbox-token`; `sandbox-expired-token` answers 401 (`authError`),
/// `sandbox-quota-token` 403 `quotaExceeded`, `sandbox-unverified-token` uploads videos but may not set custom
/// thumbnails (403 `forbidden`, as for channels that are not verified); refresh token `sandbox-refresh-token` with
/// client id `sandbox-client`.
struct YouTubeSimulator: NetworkSimulator {
    static let network = "youtube"
    static let idPrefix = "yt"
    static let uploadPrefix = "/www.googleapis.com/upload/youtube/v3"
    static let apiPrefix = "/www.googleapis.com/youtube/v3"
    static let tokenPath = "/oauth2.googleapis.com/token"
    static let thumbnailPrefix = "/i.ytimg.com/vi"
    static let granularity = 256 * 1024
    static let channel = "sandbox-channel"
    static let maxThumbnailBytes = 2 * 1024 * 1024

    struct Session {
        var metadata: [UInt8]
        var title: String
        var total: Int
        var received = 0
        var videoID: String?
        var resource: [UInt8]?
        var headers: [SandboxHeader]
    }

    struct Thumbnail {
        var bytes: [UInt8]
        var type: SpoolpostCore.MediaType
    }

    struct State {
        var validTokens: Set<String> = ["sandbox-token", "sandbox-unverified-token"]
        /// Custom thumbnails by video id.
        var thumbnails: [String: Thumbnail] = [:]
        var issued = 0
        var nextSession = 1
        var sessions: [String: Session] = [:]
    }

    let environment: SandboxEnvironment
    private let state = SimulatorState(State())

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.post("\(Self.uploadPrefix)/videos") { request, _ in await self.answer { try await self.create(request) } }
        router.put("\(Self.uploadPrefix)/videos") { request, _ in await self.answer { try await self.put(request) } }
        router.get("\(Self.apiPrefix)/videos") { request, _ in await self.answer { try self.list(request) } }
        router.post("\(Self.uploadPrefix)/thumbnails/set") { request, _ in
            await self.answer { try await self.setThumbnail(request) }
        }
        router.get(RouterPath(Self.thumbnailPrefix + "/{id}/{file}")) { _, context in
            self.thumbnailImage(videoID: context.parameters.get("id") ?? "")
        }
        router.post("\(Self.tokenPath)") { request, _ in await self.token(request) }
        // The watch pages, as recorded by an account whose `web_base` points here: the sandbox's page of the video.
        router.get("/www.youtube.com/watch") { request, _ in
            Self.redirectToPostPage(request.uri.queryParameters.get("v") ?? "")
        }
        router.get("/www.youtube.com/shorts/{id}") { _, context in
            Self.redirectToPostPage(context.parameters.get("id") ?? "")
        }
    }

    private static func redirectToPostPage(_ id: String) -> Response {
        var headers = HTTPFields()
        headers[.location] = "/posts/" + (id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? "")
        return Response(status: .found, headers: headers)
    }

    /// Google's error shape.
    struct GoogleError: Error {
        var status: HTTPResponse.Status
        var reason: String
        var message: String
        var domain = "youtube.video"
    }

    private struct ErrorBody: Encodable {
        struct Item: Encodable {
            var domain: String
            var reason: String
            var message: String
        }
        struct Detail: Encodable {
            var code: Int
            var message: String
            var errors: [Item]
        }
        var error: Detail
    }

    private func answer(_ body: () async throws -> Response) async -> Response {
        do {
            return try await body()
        } catch let error as GoogleError {
            return SandboxResponse.json(
                status: error.status,
                ErrorBody(
                    error: .init(
                        code: error.status.code, message: error.message,
                        errors: [.init(domain: error.domain, reason: error.reason, message: error.message)])))
        } catch let rejection as SandboxRejection {
            return rejection.response
        } catch {
            return SandboxResponse.jsonError(status: .internalServerError, message: "sandbox failure: \(error)")
        }
    }

    /// Checks the bearer token; the token that passed.
    @discardableResult
    private func authenticate(_ request: Request) throws -> String {
        let header = SandboxRequest.header(request, named: "Authorization") ?? ""
        let token = header.hasPrefix("Bearer ") ? String(header.dropFirst(7)) : ""
        if token == "sandbox-quota-token" {
            throw GoogleError(
                status: .forbidden, reason: "quotaExceeded",
                message: "The request cannot be completed because you have exceeded your quota.", domain: "youtube.quota")
        }
        guard state.withLock({ $0.validTokens.contains(token) }) else {
            throw GoogleError(
                status: .unauthorized, reason: "authError", message: "Invalid Credentials", domain: "global")
        }
        return token
    }

    private func create(_ request: Request) async throws -> Response {
        try authenticate(request)
        guard request.uri.queryParameters["uploadType"] == "resumable" else {
            throw GoogleError(status: .badRequest, reason: "badRequest", message: "uploadType must be resumable")
        }
        let body = try await SandboxRequest.collectBody(request, limit: 1024 * 1024).get()
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any],
            let snippet = object["snippet"] as? [String: Any]
        else { throw GoogleError(status: .badRequest, reason: "badRequest", message: "snippet is required") }
        let title = snippet["title"] as? String ?? ""
        guard !title.isEmpty, title.count <= 100, !title.contains("<"), !title.contains(">") else {
            throw GoogleError(status: .badRequest, reason: "invalidTitle", message: "The request metadata specifies an invalid or empty video title.")
        }
        if let description = snippet["description"] as? String, description.utf8.count > 5000 {
            throw GoogleError(
                status: .badRequest, reason: "invalidDescription",
                message: "The request metadata specifies an invalid video description.")
        }
        guard let length = SandboxRequest.header(request, named: "X-Upload-Content-Length").flatMap(Int.init),
            length > 0
        else {
            throw GoogleError(status: .badRequest, reason: "badRequest", message: "X-Upload-Content-Length is required")
        }
        let id = state.withLock { state in
            let id = "sandbox-upload-\(state.nextSession)"
            state.nextSession += 1
            state.sessions[id] = Session(
                metadata: body, title: title, total: length, headers: SandboxRequest.recordedHeaders(request))
            return id
        }
        var response = Response(status: .ok)
        response.headers[.location] =
            environment.baseURL + Self.uploadPrefix + "/videos?uploadType=resumable&upload_id=" + id
        response.headers[.contentLength] = "0"
        return response
    }

    private func put(_ request: Request) async throws -> Response {
        try authenticate(request)
        guard let id = request.uri.queryParameters["upload_id"].map(String.init),
            state.withLock({ $0.sessions[id] != nil })
        else { throw GoogleError(status: .notFound, reason: "notFound", message: "Upload session not found") }
        let range = SandboxRequest.header(request, named: "Content-Range") ?? ""
        let body = try await SandboxRequest.collectBody(request, limit: environment.configuration.maxBodyBytes).get()
        let result: Result<Session, GoogleError> = state.withLock { state in
            guard var session = state.sessions[id] else {
                return .failure(GoogleError(status: .notFound, reason: "notFound", message: "Upload session not found"))
            }
            if range == "bytes */\(session.total)" { return .success(session) }
            guard let (first, last, total) = Self.parseRange(range), total == session.total,
                last - first + 1 == body.count
            else {
                return .failure(GoogleError(status: .badRequest, reason: "badRequest", message: "Content-Range is invalid"))
            }
            guard session.videoID == nil else { return .success(session) }
            // Bytes the server already has are skipped; a gap is refused.
            guard first <= session.received else {
                return .failure(GoogleError(status: .badRequest, reason: "badRequest", message: "Content-Range skips bytes"))
            }
            if last + 1 < total && body.count % Self.granularity != 0 {
                return .failure(
                    GoogleError(status: .badRequest, reason: "badRequest", message: "chunks must be multiples of 256 KiB"))
            }
            session.received = max(session.received, last + 1)
            state.sessions[id] = session
            return .success(session)
        }
        var session = try result.get()
        if session.received == session.total && session.videoID == nil {
            session = try store(session, id: id, request: request)
        }
        if let resource = session.resource {
            var headers = HTTPFields()
            headers[.contentType] = "application/json; charset=UTF-8"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: resource)))
        }
        var response = Response(status: HTTPResponse.Status(code: 308, reasonPhrase: "Resume Incomplete"))
        if session.received > 0, let name = HTTPFields.Element.Name("Range") {
            response.headers[name] = "bytes=0-\(session.received - 1)"
        }
        response.headers[.contentLength] = "0"
        return response
    }

    /// Creates the video once the last byte arrived (only once per session).
    private func store(_ session: Session, id: String, request: Request) throws -> Session {
        let post = SandboxReceivedPost(
            id: "", network: Self.network, account: "sandbox-channel", method: "PUT", path: request.uri.path,
            body: session.metadata, text: session.title, mediaURLs: ["upload:\(session.total) bytes"],
            clientPostID: nil, idempotencyKey: "upload:\(id)", headers: session.headers, signatureVerified: true,
            receivedAt: Date())
        let stored: SandboxReceivedPost
        switch environment.store.record(post, idPrefix: Self.idPrefix) {
        case .stored(let new), .repeated(let new): stored = new
        case .keyReusedWithDifferentBody:
            throw SandboxRejection(.internalServerError, "sandbox store refused the video")
        }
        var object = (try? JSONSerialization.jsonObject(with: Data(session.metadata))) as? [String: Any] ?? [:]
        object["kind"] = "youtube#video"
        object["id"] = stored.id
        let resource = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])).map(Array.init) ?? []
        return state.withLock { state in
            var updated = state.sessions[id] ?? session
            updated.videoID = stored.id
            updated.resource = resource
            state.sessions[id] = updated
            return updated
        }
    }

    /// `GET /videos?id=...&part=status`: the uploaded videos, for checking from outside.
    private func list(_ request: Request) throws -> Response {
        try authenticate(request)
        let wanted = Set((request.uri.queryParameters["id"] ?? "").split(separator: ",").map(String.init))
        let thumbnails = state.withLock { $0.thumbnails }
        let items = environment.store.posts(network: Self.network).filter { wanted.contains($0.id) }.map { post in
            VideoItem(
                id: post.id,
                snippet: thumbnails[post.id].map { .init(thumbnails: thumbnailSizes(videoID: post.id, type: $0.type)) })
        }
        return SandboxResponse.json(VideoList(items: items))
    }

    private struct VideoList: Encodable {
        var kind = "youtube#videoListResponse"
        var items: [VideoItem]
    }

    private struct VideoItem: Encodable {
        struct Snippet: Encodable {
            var thumbnails: ThumbnailSizes
        }
        var kind = "youtube#video"
        var id: String
        var snippet: Snippet?
    }

    // MARK: - Thumbnails

    /// A thumbnail resource: the same image under the sizes YouTube names.
    private struct ThumbnailSizes: Encodable {
        struct Size: Encodable {
            var url: String
            var width: Int
            var height: Int
        }
        var `default`: Size
        var medium: Size
        var high: Size
    }

    private struct ThumbnailSetResponse: Encodable {
        var kind = "youtube#thumbnailSetResponse"
        var etag: String
        var items: [ThumbnailSizes]
    }

    private func thumbnailSizes(videoID: String, type: SpoolpostCore.MediaType) -> ThumbnailSizes {
        let base = environment.baseURL + Self.thumbnailPrefix + "/" + videoID + "/"
        let file = type == .png ? ".png" : ".jpg"
        return ThumbnailSizes(
            default: .init(url: base + "default" + file, width: 120, height: 90),
            medium: .init(url: base + "mqdefault" + file, width: 320, height: 180),
            high: .init(url: base + "hqdefault" + file, width: 480, height: 360))
    }

    /// `thumbnails.set`: a media upload of one JPEG or PNG for a video of the token's channel.
    private func setThumbnail(_ request: Request) async throws -> Response {
        let token = try authenticate(request)
        guard request.uri.queryParameters["uploadType"] == "media" else {
            throw GoogleError(
                status: .badRequest, reason: "badRequest", message: "uploadType must be media", domain: "global")
        }
        let videoID = request.uri.queryParameters["videoId"].map(String.init) ?? ""
        guard let video = environment.store.post(id: videoID), video.network == Self.network else {
            throw GoogleError(
                status: .notFound, reason: "videoNotFound",
                message: "The video that you are trying to update cannot be found.", domain: "youtube.thumbnail")
        }
        guard token != "sandbox-unverified-token" else {
            throw GoogleError(
                status: .forbidden, reason: "forbidden",
                message: "The authenticated user doesn't have permissions to upload and set custom video thumbnails.",
                domain: "youtube.thumbnail")
        }
        guard video.account == Self.channel else {
            throw GoogleError(
                status: .forbidden, reason: "forbidden",
                message: "The thumbnail can't be set for the specified video. The request might not be properly authorized.",
                domain: "youtube.thumbnail")
        }
        let body = try await SandboxRequest.collectBody(request, limit: environment.configuration.maxBodyBytes).get()
        guard !body.isEmpty else {
            throw GoogleError(
                status: .badRequest, reason: "mediaBodyRequired",
                message: "The request does not include the image content.", domain: "youtube.thumbnail")
        }
        guard body.count <= Self.maxThumbnailBytes else {
            throw GoogleError(
                status: .contentTooLarge, reason: "uploadTooLarge",
                message: "Media larger than: \(Self.maxThumbnailBytes)", domain: "global")
        }
        let declared = SandboxRequest.mediaType(request) ?? ""
        guard ["image/jpeg", "image/png", "application/octet-stream"].contains(declared),
            let type = MediaSniffer.detect(body), type == .jpeg || type == .png
        else {
            throw GoogleError(
                status: .badRequest, reason: "invalidImage", message: "The provided image content is invalid.",
                domain: "youtube.thumbnail")
        }
        state.withLock { $0.thumbnails[videoID] = Thumbnail(bytes: body, type: type) }
        let sizes = thumbnailSizes(videoID: videoID, type: type)
        environment.store.update(id: videoID) { $0.thumbnailURL = sizes.high.url }
        return SandboxResponse.json(ThumbnailSetResponse(etag: "\"\(videoID)-\(body.count)\"", items: [sizes]))
    }

    /// The custom thumbnail of a video, as `i.ytimg.com` serves it.
    private func thumbnailImage(videoID: String) -> Response {
        guard let thumbnail = state.withLock({ $0.thumbnails[videoID] }) else {
            return Response(status: .notFound)
        }
        var headers = HTTPFields()
        headers[.contentType] = thumbnail.type.mimeType
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: thumbnail.bytes)))
    }

    static func parseRange(_ header: String) -> (Int, Int, Int)? {
        guard header.hasPrefix("bytes ") else { return nil }
        let parts = header.dropFirst(6).split(separator: "/")
        guard parts.count == 2, let total = Int(parts[1]) else { return nil }
        let bounds = parts[0].split(separator: "-")
        guard bounds.count == 2, let first = Int(bounds[0]), let last = Int(bounds[1]), first <= last, last < total
        else { return nil }
        return (first, last, total)
    }

    private func token(_ request: Request) async -> Response {
        guard case .success(let body) = await SandboxRequest.collectBody(request, limit: 64 * 1024) else {
            return SandboxResponse.json(status: .badRequest, ["error": "invalid_request"])
        }
        let form = WebFormEncoding.fields(String(decoding: body, as: UTF8.self))
        guard form["client_id"] == "sandbox-client", form["grant_type"] == "refresh_token",
            form["refresh_token"] == "sandbox-refresh-token"
        else {
            return SandboxResponse.json(
                status: .badRequest, ["error": "invalid_grant", "error_description": "Token has been expired or revoked."])
        }
        let access = state.withLock { state in
            state.issued += 1
            let token = "sandbox-token-\(state.issued)"
            state.validTokens.insert(token)
            return token
        }
        return SandboxResponse.json(TokenAnswer(access_token: access))
    }

    private struct TokenAnswer: Encodable {
        var access_token: String
        var expires_in = 3599
        var scope = "https://www.googleapis.com/auth/youtube.upload"
        var token_type = "Bearer"
    }
}
