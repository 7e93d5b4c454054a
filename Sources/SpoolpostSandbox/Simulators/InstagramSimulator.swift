import Foundation
import Hummingbird
import SpoolpostIO
import Synchronization

/// Instagram content publishing on the Graph API: `POST /{ig-user-id}/media` creates a container (IMAGE by
/// `image_url`, REELS by `video_url`, STORIES by either, carousel items with `is_carousel_item=true`, CAROUSEL
/// from `children`), `GET /{container-id}?fields=status_code,status` reports IN_PROGRESS for the first read (two
/// for videos) and FINISHED after, `POST /{ig-user-id}/media_publish?creation_id=` publishes a FINISHED container
/// once (it then reads PUBLISHED), `GET /{media-id}?fields=permalink` and `GET /{ig-user-id}/media` list what
/// was published, `GET /{ig-user-id}/content_publishing_limit` counts the last 24 hours against 100.
///
/// Media is downloaded from its URL: an image URL that cannot be fetched fails the container request with
/// 9004/2207052 (Media download has failed); an image that is not JPEG leaves the container in ERROR (2207005);
/// a video that cannot be fetched or is not a video leaves it in ERROR (2207052 / 2207026).
/// Registered by ``GraphAPISimulator``, which shares the host with Facebook; served on Instagram Login's host
/// (`/graph.instagram.com/v21.0`) as well.
final class InstagramSimulator: Sendable {
    static let network = "instagram"
    static let idPrefix = "ig"

    let environment: SandboxEnvironment
    let fetcher: GraphMediaFetcher
    let tokens: GraphTokens
    private let state = Mutex(State())

    struct Container {
        var userID: String
        var mediaType: String
        var mediaURL: String?
        var caption: String?
        var children: [String]
        var isCarouselItem: Bool
        var statusCode: String
        var status: String
        /// Reads still answered IN_PROGRESS.
        var pendingReads: Int
        var mediaID: String?
    }

    private struct State {
        var containers: [String: Container] = [:]
        var nextContainer = 1
    }

    init(environment: SandboxEnvironment, fetcher: GraphMediaFetcher, tokens: GraphTokens) {
        self.environment = environment
        self.fetcher = fetcher
        self.tokens = tokens
    }

    /// API-published posts allowed per account in a rolling 24 hours (`content_publishing_limit`).
    static let quotaTotal = 100

    func addRoutes(to router: Router<BasicRequestContext>) {
        // Facebook Login's host, and Instagram Login's (`graph.instagram.com`) with the same edges.
        for prefix in [GraphAPISimulator.pathPrefix, GraphAPISimulator.instagramPathPrefix] {
            addRoutes(to: router, prefix: prefix)
        }
    }

    private func addRoutes(to router: Router<BasicRequestContext>, prefix: String) {
        router.get(RouterPath(prefix + "/{id}/content_publishing_limit")) { request, context in
            await self.answer(request) { (call) async throws(GraphErrorBody) -> Response in
                self.publishingLimit(user: context.parameters.get("id") ?? "")
            }
        }
        router.post(RouterPath(prefix + "/{id}/media")) { request, context in
            await self.answer(request) { (call) async throws(GraphErrorBody) -> Response in
                try await self.createContainer(user: context.parameters.get("id") ?? "", call)
            }
        }
        router.post(RouterPath(prefix + "/{id}/media_publish")) { request, context in
            await self.answer(request) { (call) async throws(GraphErrorBody) -> Response in
                try self.publish(user: context.parameters.get("id") ?? "", call, request)
            }
        }
        router.get(RouterPath(prefix + "/{id}/media")) { request, context in
            await self.answer(request) { (call) async throws(GraphErrorBody) -> Response in
                self.list(user: context.parameters.get("id") ?? "")
            }
        }
    }

    private func answer(
        _ request: Request, _ body: (GraphCall) async throws(GraphErrorBody) -> Response
    ) async -> Response {
        await GraphCall.answer(request, environment: environment, tokens: tokens, body)
    }

    /// A container's status (each read moves an IN_PROGRESS container on) or a published media's fields.
    func node(id: String, call: GraphCall) -> Response? {
        if let container = state.withLock({ state -> Container? in
            guard var container = state.containers[id] else { return nil }
            if container.statusCode == "IN_PROGRESS" {
                if container.pendingReads > 0 {
                    container.pendingReads -= 1
                } else {
                    container.statusCode = "FINISHED"
                    container.status = "Finished: Media has been uploaded and it is ready to be published."
                }
                state.containers[id] = container
            }
            return container
        }) {
            // A publish in flight still reads FINISHED, as on Meta's side.
            let code = container.statusCode == "PUBLISHING" ? "FINISHED" : container.statusCode
            var fields: [String: GraphJSON] = ["id": .string(id), "status_code": .string(code)]
            fields["status"] = .string(container.status)
            return SandboxResponse.json(fields)
        }
        if let post = environment.store.post(id: id), post.network == Self.network {
            return SandboxResponse.json(mediaFields(post))
        }
        return nil
    }

    private func mediaFields(_ post: SandboxReceivedPost) -> [String: GraphJSON] {
        [
            "id": .string(post.id), "permalink": .string(environment.postURL(id: post.id)),
            "caption": .string(post.text ?? ""),
            "timestamp": .string(ISO8601DateFormatter().string(from: post.receivedAt)),
        ]
    }

    private func publishingLimit(user: String) -> Response {
        let since = Date().addingTimeInterval(-86_400)
        let used = environment.store.posts(network: Self.network).filter { $0.account == user && $0.receivedAt > since }
        return SandboxResponse.json([
            "data": GraphJSON.array([
                .object([
                    "quota_usage": .int(used.count),
                    "config": .object(["quota_total": .int(Self.quotaTotal), "quota_duration": .int(86_400)]),
                ])
            ])
        ])
    }

    private func list(user: String) -> Response {
        let media = environment.store.posts(network: Self.network).filter { $0.account == user }.reversed()
        return SandboxResponse.json(["data": GraphJSON.array(media.map { .object(mediaFields($0)) })])
    }

    private func createContainer(user: String, _ call: GraphCall) async throws(GraphErrorBody) -> Response {
        let fields = call.fields
        let isCarouselItem = fields["is_carousel_item"] == "true"
        let mediaType = fields["media_type"]?.uppercased() ?? (fields["video_url"] != nil ? "VIDEO" : "IMAGE")
        if let caption = fields["caption"], caption.count > 2_200 {
            throw GraphErrorBody(code: 100, message: "(#100) The caption is longer than 2200 characters")
        }
        var container = Container(
            userID: user, mediaType: mediaType, mediaURL: nil, caption: fields["caption"], children: [],
            isCarouselItem: isCarouselItem, statusCode: "IN_PROGRESS",
            status: "In Progress: Media is still being processed.",
            pendingReads: 1, mediaID: nil)
        let kind: String
        switch mediaType {
        case "CAROUSEL": kind = "carousel"
        case "IMAGE": kind = "image"
        case "STORIES": kind = fields["video_url"] != nil ? "video" : "image"
        case "REELS", "VIDEO": kind = "video"
        default: throw GraphErrorBody(code: 100, message: "(#100) Unsupported media_type \(mediaType)")
        }
        switch kind {
        case "carousel":
            let children = (fields["children"] ?? "").split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            guard (2...10).contains(children.count) else {
                throw GraphErrorBody(
                    code: 100, subcode: 2_207_029, message: "(#100) Invalid parameter",
                    userMessage: "A carousel needs between 2 and 10 children.")
            }
            try state.withLock { state throws(GraphErrorBody) in
                for child in children {
                    guard let item = state.containers[child], item.userID == user, item.isCarouselItem else {
                        throw GraphErrorBody(code: 100, message: "(#100) Invalid carousel child \(child)")
                    }
                    guard item.statusCode == "FINISHED" else {
                        throw GraphErrorBody(
                            code: 9007, subcode: 2_207_027, message: "Media ID is not available",
                            userMessage: "The media is not ready for publishing, please wait for a moment.")
                    }
                }
            }
            container.children = children
        case "image":
            guard let url = fields["image_url"] else {
                throw GraphErrorBody(code: 100, message: "(#100) The parameter image_url is required")
            }
            container.mediaURL = url
            guard case .success(let fetched) = await fetcher.fetch(url) else {
                throw GraphErrorBody(
                    code: 9004, subcode: 2_207_052, message: "Only photo or video can be accepted as media type.",
                    userMessage: "Media download has failed. The media URI doesn't meet our requirements.")
            }
            if fetched.mimeType != "image/jpeg" {
                container.statusCode = "ERROR"
                container.status = "Error: 2207005: The image format is not supported; only JPEG can be published."
            }
        default:
            guard let url = fields["video_url"] else {
                throw GraphErrorBody(code: 100, message: "(#100) The parameter video_url is required")
            }
            container.mediaURL = url
            container.pendingReads = 2
            switch await fetcher.fetch(url) {
            case .failure:
                container.statusCode = "ERROR"
                container.status =
                    "Error: 2207052: Media download has failed. The media URI doesn't meet our requirements."
            case .success(let fetched) where fetched.mimeType?.hasPrefix("video/") != true:
                container.statusCode = "ERROR"
                container.status = "Error: 2207026: The video format is not supported."
            case .success:
                break
            }
        }
        let id = state.withLock { state in
            defer { state.nextContainer += 1 }
            let id = "17" + String(900_000_000 + state.nextContainer)
            state.containers[id] = container
            return id
        }
        return SandboxResponse.json(["id": GraphJSON.string(id)])
    }

    private func publish(user: String, _ call: GraphCall, _ request: Request) throws(GraphErrorBody) -> Response {
        guard let creationID = call.fields["creation_id"] else {
            throw GraphErrorBody(code: 100, message: "(#100) The parameter creation_id is required")
        }
        let container = try state.withLock { state throws(GraphErrorBody) -> Container in
            guard let container = state.containers[creationID], container.userID == user, !container.isCarouselItem
            else {
                throw GraphErrorBody(
                    code: 100, subcode: 33,
                    message: "Unsupported post request. Object with ID '\(creationID)' does not exist")
            }
            guard container.statusCode == "FINISHED" else {
                throw GraphErrorBody(
                    code: 9007, subcode: 2_207_027, message: "Media ID is not available",
                    userMessage: "The media is not ready for publishing (status \(container.statusCode)).")
            }
            // Taken before the store is written, so two concurrent publishes cannot both pass.
            state.containers[creationID]?.statusCode = "PUBLISHING"
            return container
        }
        let urls: [String] = state.withLock { state in
            container.mediaType == "CAROUSEL"
                ? container.children.compactMap { state.containers[$0]?.mediaURL }
                : [container.mediaURL].compactMap { $0 }
        }
        let post = SandboxReceivedPost(
            id: "", network: Self.network, account: user, method: "POST",
            path: GraphAPISimulator.pathPrefix + "/\(user)/media_publish",
            body: GraphCall.recordBody(["creation_id": creationID, "media_type": container.mediaType]),
            text: container.caption, mediaURLs: urls, clientPostID: nil, idempotencyKey: nil,
            headers: SandboxRequest.recordedHeaders(request), signatureVerified: false, receivedAt: Date())
        var mediaID = ""
        switch environment.store.record(post, idPrefix: Self.idPrefix) {
        case .stored(let stored), .repeated(let stored), .keyReusedWithDifferentBody(let stored):
            mediaID = stored.id
        }
        state.withLock { state in
            state.containers[creationID]?.statusCode = "PUBLISHED"
            state.containers[creationID]?.status = "Published: Media has been published."
            state.containers[creationID]?.mediaID = mediaID
        }
        return SandboxResponse.json(["id": GraphJSON.string(mediaID)])
    }
}
