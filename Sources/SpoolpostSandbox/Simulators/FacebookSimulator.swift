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
    private let state = Mutex(State())

    private struct Photo {
        var pageID: String
        var url: String
        var attachedTo: String?
    }

    private struct State {
        var photos: [String: Photo] = [:]
        var nextPhoto = 1
    }

    init(environment: SandboxEnvironment, fetcher: GraphMediaFetcher) {
        self.environment = environment
        self.fetcher = fetcher
    }

    func addRoutes(to router: Router<BasicRequestContext>) {
        let prefix = GraphAPISimulator.pathPrefix
        router.post(RouterPath(prefix + "/{id}/photos")) { request, context in
            await self.answer(request) { (call) async throws(GraphErrorBody) -> Response in try await self.photo(page: context.parameters.get("id") ?? "", call) }
        }
        router.post(RouterPath(prefix + "/{id}/feed")) { request, context in
            await self.answer(request) { (call) async throws(GraphErrorBody) -> Response in try self.feed(page: context.parameters.get("id") ?? "", call, request) }
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
        switch await GraphCall.read(request, environment: environment) {
        case .failure(let refusal): return refusal.response
        case .success(let call):
            do throws(GraphErrorBody) {
                return try await body(call)
            } catch {
                return error.response
            }
        }
    }

    /// The node read for ids this network handed out, nil for others.
    func node(id: String, call: GraphCall) -> Response? {
        if let post = environment.store.post(id: id), post.network == Self.network {
            return SandboxResponse.json([
                "id": GraphJSON.string(id), "permalink_url": .string(environment.postURL(id: id)),
                "message": .string(post.text ?? ""),
            ])
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
            let stored = store(page: page, text: call.fields["caption"] ?? call.fields["message"], media: [url],
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
                throw GraphErrorBody(code: 100, message: "(#100) param attached_media[\(index)] must be a JSON object with media_fbid")
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
