import Foundation
import Hummingbird
import SpoolpostIO
import Synchronization

/// Facebook Pages on the Graph API: `POST /{page-id}/photos` (by `url`, `published=false` keeps the photo
/// invisible until a feed post attaches it), `POST /{page-id}/feed` (`message`, `link`,
/// `attached_media[i]={"media_fbid": ...}`), `POST /{page-id}/videos` (by `file_url`), and reads of posts'
/// `permalink_url`. Photos and videos are downloaded from their URLs; a URL that cannot be fetched, or bytes that
/// are not an image (video), fail like Meta's (#324 Missing or invalid image file, #389 Unable to fetch video).
/// Registered by ``GraphAPISimulator``, which shares the host with Instagram.
final class FacebookSimulator: Sendable {
    static let network = "facebook"
    static let idPrefix = "fb"

    let environment: SandboxEnvironment
    let fetcher: GraphMediaFetcher
    let tokens: GraphTokens
    private let state = Mutex(State())

    private struct Photo {
        var pageID: String
        var url: String
        var attachedTo: String?
    }

    /// A reel or video story upload session.
    private struct Upload {
        var pageID: String
        var edge: String
        var fileURL: String?
        /// Status reads still answered with the upload in progress.
        var pendingReads = 1
        var failure: String?
        var postID: String?
    }

    private struct State {
        var photos: [String: Photo] = [:]
        var nextPhoto = 1
        var uploads: [String: Upload] = [:]
        var nextUpload = 1
    }

    static let uploadPrefix = "/rupload.facebook.com/video-upload/v21.0"

    init(environment: SandboxEnvironment, fetcher: GraphMediaFetcher, tokens: GraphTokens) {
        self.environment = environment
        self.fetcher = fetcher
        self.tokens = tokens
    }

    func addRoutes(to router: Router<BasicRequestContext>) {
        let prefix = GraphAPISimulator.pathPrefix
        for edge in ["video_reels", "video_stories"] {
            router.post(RouterPath(prefix + "/{id}/" + edge)) { request, context in
                await self.answer(request) { (call) async throws(GraphErrorBody) -> Response in
                    try self.videoPhase(page: context.parameters.get("id") ?? "", edge: edge, call, request)
                }
            }
        }
        router.get(RouterPath(prefix + "/{id}/feed")) { request, context in
            await self.answer(request) { (call) async throws(GraphErrorBody) -> Response in
                self.recentPosts(page: context.parameters.get("id") ?? "")
            }
        }
        router.post(RouterPath(prefix + "/{id}/photo_stories")) { request, context in
            await self.answer(request) { (call) async throws(GraphErrorBody) -> Response in
                try self.photoStory(page: context.parameters.get("id") ?? "", call, request)
            }
        }
        router.post(RouterPath(Self.uploadPrefix + "/{id}")) { request, context in
            await self.receiveUpload(request, videoID: context.parameters.get("id") ?? "")
        }
        router.post(RouterPath(prefix + "/{id}/photos")) { request, context in
            await self.answer(request) { (call) async throws(GraphErrorBody) -> Response in
                try await self.photo(page: context.parameters.get("id") ?? "", call)
            }
        }
        router.post(RouterPath(prefix + "/{id}/feed")) { request, context in
            await self.answer(request) { (call) async throws(GraphErrorBody) -> Response in
                try self.feed(page: context.parameters.get("id") ?? "", call, request)
            }
        }
        router.post(RouterPath(prefix + "/{id}/videos")) { request, context in
            await self.answer(request) { (call) async throws(GraphErrorBody) -> Response in
                try await self.video(page: context.parameters.get("id") ?? "", call, request)
            }
        }
    }

    private func answer(
        _ request: Request, _ body: (GraphCall) async throws(GraphErrorBody) -> Response
    ) async -> Response {
        await GraphCall.answer(request, environment: environment, tokens: tokens, body)
    }

    /// The node read for ids this network handed out, nil for others.
    func node(id: String, call: GraphCall) -> Response? {
        if let post = environment.store.post(id: id), post.network == Self.network {
            return SandboxResponse.json([
                "id": GraphJSON.string(id), "permalink_url": .string(environment.postURL(id: id)),
                "message": .string(post.text ?? ""),
            ])
        }
        if let status = uploadStatus(id: id) {
            return SandboxResponse.json(status)
        }
        if state.withLock({ $0.photos[id] }) != nil {
            return SandboxResponse.json(["id": GraphJSON.string(id)])
        }
        return nil
    }

    private func photo(page: String, _ call: GraphCall) async throws(GraphErrorBody) -> Response {
        guard let url = call.fields["url"], !url.isEmpty else {
            throw GraphErrorBody(code: 324, message: "(#324) Requires upload file")
        }
        switch await fetcher.fetch(url) {
        case .success(let fetched) where fetched.mimeType?.hasPrefix("image/") == true:
            break
        case .success, .failure:
            throw GraphErrorBody(code: 324, message: "(#324) Missing or invalid image file")
        }
        let published = call.fields["published"].map { $0 != "false" && $0 != "0" } ?? true
        if published {
            let stored = store(
                page: page, text: call.fields["caption"] ?? call.fields["message"], media: [url],
                path: "/\(page)/photos", body: GraphCall.recordBody(call.fields))
            return SandboxResponse.json(["id": GraphJSON.string(stored.id), "post_id": .string(stored.id)])
        }
        let id = state.withLock { state in
            defer { state.nextPhoto += 1 }
            let id = "fbphoto_" + String(state.nextPhoto)
            state.photos[id] = Photo(pageID: page, url: url)
            return id
        }
        return SandboxResponse.json(["id": GraphJSON.string(id)])
    }

    private func feed(page: String, _ call: GraphCall, _ request: Request) throws(GraphErrorBody) -> Response {
        var photoIDs: [String] = []
        var index = 0
        while let value = call.fields["attached_media[\(index)]"] {
            let object = try? JSONSerialization.jsonObject(with: Data(value.utf8)) as? [String: Any]
            guard let id = object?["media_fbid"] as? String else {
                throw GraphErrorBody(
                    code: 100, message: "(#100) param attached_media[\(index)] must be a JSON object with media_fbid")
            }
            photoIDs.append(id)
            index += 1
        }
        let message = call.fields["message"]
        let link = call.fields["link"]
        guard !(message ?? "").isEmpty || link != nil || !photoIDs.isEmpty else {
            throw GraphErrorBody(code: 100, message: "(#100) Missing message or attachment")
        }
        if let message, message.count > 63_206 {
            throw GraphErrorBody(code: 100, message: "(#100) The message is too long")
        }
        // Check every photo, then attach them all at once, so a refused post leaves the photos usable.
        let urls = try state.withLock { state throws(GraphErrorBody) -> [String] in
            var urls: [String] = []
            for (index, id) in photoIDs.enumerated() {
                guard let photo = state.photos[id], photo.pageID == page, photo.attachedTo == nil else {
                    throw GraphErrorBody(
                        code: 100, message: "(#100) param attached_media[\(index)] has invalid media_fbid \(id)")
                }
                urls.append(photo.url)
            }
            return urls
        }
        let stored = store(
            page: page, text: message, media: urls + (link.map { [$0] } ?? []), path: "/\(page)/feed",
            body: GraphCall.recordBody(call.fields), headers: SandboxRequest.recordedHeaders(request))
        state.withLock { state in
            for id in photoIDs { state.photos[id]?.attachedTo = stored.id }
        }
        return SandboxResponse.json(["id": GraphJSON.string(stored.id)])
    }

    private func video(page: String, _ call: GraphCall, _ request: Request) async throws(GraphErrorBody) -> Response {
        guard let url = call.fields["file_url"], !url.isEmpty else {
            throw GraphErrorBody(code: 100, message: "(#100) Either file_url or source must be given")
        }
        switch await fetcher.fetch(url) {
        case .failure:
            throw GraphErrorBody(code: 389, message: "Unable to fetch video file from URL.")
        case .success(let fetched) where fetched.mimeType?.hasPrefix("video/") != true:
            throw GraphErrorBody(
                code: 352, message: "Sorry, the video file you selected is in a format that we don't support.")
        case .success:
            break
        }
        let stored = store(
            page: page, text: call.fields["description"], media: [url], path: "/\(page)/videos",
            body: GraphCall.recordBody(call.fields), headers: SandboxRequest.recordedHeaders(request))
        return SandboxResponse.json(["id": GraphJSON.string(stored.id)])
    }

    /// The Page's feed posts, newest first: `{"data": [{"id", "message", "created_time", "permalink_url"}]}`.
    private func recentPosts(page: String) -> Response {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ssZ"
        let posts = environment.store.posts(network: Self.network).filter {
            $0.account == page && $0.path.hasSuffix("/feed")
        }
        let data: [GraphJSON] = posts.reversed().map { post in
            var fields: [String: GraphJSON] = [
                "id": .string(post.id), "created_time": .string(formatter.string(from: post.receivedAt)),
                "permalink_url": .string(environment.postURL(id: post.id)),
            ]
            if let text = post.text { fields["message"] = .string(text) }
            return .object(fields)
        }
        return SandboxResponse.json(["data": GraphJSON.array(data)])
    }

    /// `{"id", "status": {"video_status", "uploading_phase": {"status"}, "processing_phase": {"status"}}}`;
    /// each read moves an upload in progress on. Published ones carry `permalink_url`.
    private func uploadStatus(id: String) -> [String: GraphJSON]? {
        guard
            let (upload, processing) = state.withLock({ state -> (Upload, Bool)? in
                guard var upload = state.uploads[id] else { return nil }
                let processing = upload.fileURL != nil && upload.failure == nil && upload.pendingReads > 0
                if processing {
                    upload.pendingReads -= 1
                    state.uploads[id] = upload
                }
                return (upload, processing)
            })
        else { return nil }
        let uploading: String
        let videoStatus: String
        if upload.failure != nil {
            (uploading, videoStatus) = ("error", "error")
        } else if upload.fileURL == nil {
            (uploading, videoStatus) = ("not_started", "upload_pending")
        } else if processing {
            (uploading, videoStatus) = ("in_progress", "processing")
        } else {
            (uploading, videoStatus) = ("complete", "ready")
        }
        var phase: [String: GraphJSON] = ["status": .string(uploading)]
        if let failure = upload.failure {
            phase["errors"] = .array([.object(["code": .int(1_363_040), "message": .string(failure)])])
        }
        var fields: [String: GraphJSON] = [
            "id": .string(id),
            "status": .object([
                "video_status": .string(videoStatus), "uploading_phase": .object(phase),
                "processing_phase": .object(["status": .string(uploading == "complete" ? "complete" : "not_started")]),
            ]),
        ]
        if let postID = upload.postID { fields["permalink_url"] = .string(environment.postURL(id: postID)) }
        return fields
    }

    /// `upload_phase=start` opens a session; `upload_phase=finish` publishes a complete upload once.
    private func videoPhase(page: String, edge: String, _ call: GraphCall, _ request: Request) throws(GraphErrorBody)
        -> Response
    {
        switch call.fields["upload_phase"] {
        case "start":
            let id = state.withLock { state in
                defer { state.nextUpload += 1 }
                let id = "fbvideo_" + String(state.nextUpload)
                state.uploads[id] = Upload(pageID: page, edge: edge)
                return id
            }
            return SandboxResponse.json([
                "video_id": GraphJSON.string(id),
                "upload_url": .string(environment.baseURL + Self.uploadPrefix + "/" + id),
            ])
        case "finish":
            let id = call.fields["video_id"] ?? ""
            if edge == "video_reels", call.fields["video_state"] != "PUBLISHED" {
                throw GraphErrorBody(
                    code: 100, message: "(#100) The sandbox publishes reels with video_state=PUBLISHED only")
            }
            let upload = try state.withLock { state throws(GraphErrorBody) -> Upload in
                guard let upload = state.uploads[id], upload.pageID == page, upload.edge == edge else {
                    throw GraphErrorBody(
                        code: 100, subcode: 33, message: "(#100) video_id \(id) is not an upload of this Page")
                }
                guard upload.postID == nil else {
                    throw GraphErrorBody(code: 100, message: "(#100) Video \(id) was already published")
                }
                guard upload.fileURL != nil, upload.failure == nil, upload.pendingReads == 0 else {
                    throw GraphErrorBody(
                        code: 6000, message: "There was a problem uploading your video file. Please try again.",
                        isTransient: upload.failure == nil)
                }
                state.uploads[id]?.postID = "pending"
                return upload
            }
            let stored = store(
                page: page, text: call.fields["description"], media: [upload.fileURL ?? ""], path: "/\(page)/\(edge)",
                body: GraphCall.recordBody(call.fields), headers: SandboxRequest.recordedHeaders(request))
            state.withLock { $0.uploads[id]?.postID = stored.id }
            if edge == "video_stories" {
                return SandboxResponse.json(["success": GraphJSON.bool(true), "post_id": .string(stored.id)])
            }
            return SandboxResponse.json(["success": GraphJSON.bool(true)])
        default:
            throw GraphErrorBody(code: 100, message: "(#100) upload_phase must be start or finish")
        }
    }

    /// The upload host: `Authorization: OAuth <token>` and a `file_url` header Meta fetches the video from.
    private func receiveUpload(_ request: Request, videoID: String) async -> Response {
        let header = SandboxRequest.header(request, named: "Authorization") ?? ""
        let token = header.hasPrefix("OAuth ") ? String(header.dropFirst(6)) : nil
        if tokens.refusal(of: token) != nil {
            return SandboxResponse.json(
                status: .unauthorized,
                [
                    "debug_info": GraphJSON.object([
                        "retriable": .bool(false), "type": .string("AuthenticationError"),
                        "message": .string("Invalid OAuth access token."),
                    ])
                ])
        }
        guard let fileURL = SandboxRequest.header(request, named: "file_url"),
            state.withLock({ $0.uploads[videoID] }) != nil
        else {
            return SandboxResponse.json(
                status: .badRequest,
                [
                    "debug_info": GraphJSON.object([
                        "retriable": .bool(false), "type": .string("ProcessingFailedError"),
                        "message": .string("Request has no file_url header or names no upload session"),
                    ])
                ])
        }
        var failure: String?
        switch await fetcher.fetch(fileURL) {
        case .failure: failure = "Unable to fetch video file from URL."
        case .success(let fetched) where fetched.mimeType?.hasPrefix("video/") != true:
            failure = "The video file you selected is in a format that we don't support."
        case .success: break
        }
        state.withLock { state in
            state.uploads[videoID]?.fileURL = fileURL
            state.uploads[videoID]?.failure = failure
        }
        return SandboxResponse.json(["success": GraphJSON.bool(true)])
    }

    /// `photo_id` of an unpublished photo of this Page becomes a story.
    private func photoStory(page: String, _ call: GraphCall, _ request: Request) throws(GraphErrorBody) -> Response {
        let id = call.fields["photo_id"] ?? ""
        let url = try state.withLock { state throws(GraphErrorBody) -> String in
            guard let photo = state.photos[id], photo.pageID == page, photo.attachedTo == nil else {
                throw GraphErrorBody(
                    code: 100, message: "(#100) photo_id \(id) is not an unpublished photo of this Page")
            }
            state.photos[id]?.attachedTo = "story"
            return photo.url
        }
        let stored = store(
            page: page, text: nil, media: [url], path: "/\(page)/photo_stories",
            body: GraphCall.recordBody(call.fields),
            headers: SandboxRequest.recordedHeaders(request))
        return SandboxResponse.json(["success": GraphJSON.bool(true), "post_id": .string(stored.id)])
    }

    private func store(
        page: String, text: String?, media: [String], path: String, body: [UInt8], headers: [SandboxHeader] = []
    ) -> SandboxReceivedPost {
        let post = SandboxReceivedPost(
            id: "", network: Self.network, account: page, method: "POST", path: GraphAPISimulator.pathPrefix + path,
            body: body, text: text, mediaURLs: media, clientPostID: nil, idempotencyKey: nil, headers: headers,
            signatureVerified: false, receivedAt: Date())
        switch environment.store.record(post, idPrefix: Self.idPrefix) {
        case .stored(let stored), .repeated(let stored), .keyReusedWithDifferentBody(let stored):
            return stored
        }
    }
}
