import Foundation
import Hummingbird
import SpoolpostCore
import Synchronization

/// LinkedIn's versioned REST API under `/api.linkedin.com/rest` (point an account's `api_base` at
/// `http://HOST:PORT/api.linkedin.com/rest`, `oauth_base` at `http://HOST:PORT/www.linkedin.com/oauth/v2` and
/// `web_base` at `http://HOST:PORT/www.linkedin.com`).
///
/// - Every REST call needs `LinkedIn-Version` (400 `VERSION_MISSING` without, 426 `NONEXISTENT_VERSION` for one
///   before 202401 or not YYYYMM) and `X-Restli-Protocol-Version: 2.0.0` (400 without).
/// - `POST /images?action=initializeUpload` → an upload URL on this sandbox (`PUT` the bytes) and an image URN.
/// - `POST /videos?action=initializeUpload` → one upload URL per 4 MiB part; each part `PUT` answers an `ETag`;
///   `POST /videos?action=finalizeUpload` checks the ETags in order; `GET /videos/{urn}` reads PROCESSING for two
///   polls, then AVAILABLE.
/// - `POST /posts` → 201 with `x-restli-id: urn:li:share:N`; the post is stored with its commentary unescaped.
/// - `GET /posts?author={urn}&q=author&count=N&start=S&sortBy=LAST_MODIFIED|CREATED` (Find Posts by Authors) →
///   `{"elements": [...], "paging": {"start", "count", "links"}}`, newest first, each element the post as sent with
///   `id`, `createdAt`, `lastModifiedAt` and `publishedAt` (milliseconds since 1970).
///   `GET /www.linkedin.com/feed/update/{urn}` redirects to the sandbox page of the post.
/// - `POST /www.linkedin.com/oauth/v2/accessToken` (`grant_type=refresh_token`, refresh token
///   `sandbox-refresh-token`) issues a new access token.
///
/// Tokens: `sandbox-token` and issued ones are valid; `sandbox-expired-token` gets 401 `EXPIRED_ACCESS_TOKEN`.
/// Errors have LinkedIn's shape `{"status", "serviceErrorCode", "code", "message"}`.
final class LinkedInSimulator: NetworkSimulator {
    static let network = "linkedin"
    static let idPrefix = "li"
    static let prefix = "/api.linkedin.com/rest"
    static let webPrefix = "/www.linkedin.com"
    static let validToken = "sandbox-token"
    static let expiredToken = "sandbox-expired-token"
    static let refreshToken = "sandbox-refresh-token"
    static let partSize: Int64 = 4 * 1024 * 1024

    let environment: SandboxEnvironment
    private let state = Mutex(State())

    init(environment: SandboxEnvironment) {
        self.environment = environment
    }

    struct Image {
        var owner: String
        var uploadedBytes: Int?
    }

    struct Video {
        var owner: String
        var size: Int64
        /// ETag per part, once uploaded.
        var parts: [String?]
        var finalized = false
        var pollsLeft = 2
    }

    struct State {
        var next = 1
        var images: [String: Image] = [:]
        var videos: [String: Video] = [:]
        /// Post URN -> sandbox post id.
        var posts: [String: String] = [:]
        /// Post URNs in creation order.
        var postOrder: [String] = []
        var issuedTokens: Set<String> = []

        mutating func number() -> Int {
            defer { next += 1 }
            return next
        }
    }

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.post("\(Self.prefix)/images") { request, _ in await self.answer { try await self.initializeImage(request) } }
        router.post("\(Self.prefix)/videos") { request, _ in await self.answer { try await self.videoAction(request) } }
        router.get("\(Self.prefix)/videos/{urn}") { request, context in
            await self.answer { try self.readVideo(request, urn: context.parameters.get("urn") ?? "") }
        }
        router.post("\(Self.prefix)/posts") { request, _ in await self.answer { try await self.createPost(request) } }
        router.get("\(Self.prefix)/posts") { request, _ in await self.answer { try self.findPosts(request) } }
        router.put("\(Self.webPrefix)/dms-uploads/image/{id}") { request, context in
            await self.answer { try await self.uploadImage(request, id: context.parameters.get("id") ?? "") }
        }
        router.put("\(Self.webPrefix)/dms-uploads/video/{id}/part/{part}") { request, context in
            await self.answer {
                try await self.uploadPart(
                    request, id: context.parameters.get("id") ?? "", part: Int(context.parameters.get("part") ?? "") ?? -1)
            }
        }
        router.post("\(Self.webPrefix)/oauth/v2/accessToken") { request, _ in await self.answer { try await self.token(request) } }
        router.get("\(Self.webPrefix)/feed/update/{urn}") { _, context in
            self.feedPage(urn: context.parameters.get("urn") ?? "")
        }
    }

    // MARK: - Answers and errors

    struct LinkedInError: Error {
        var status: HTTPResponse.Status
        var serviceErrorCode: Int?
        var code: String?
        var message: String

        var response: Response {
            var object: [String: Any] = ["status": status.code, "message": message]
            if let serviceErrorCode { object["serviceErrorCode"] = serviceErrorCode }
            if let code { object["code"] = code }
            return LinkedInSimulator.json(status: status, object)
        }

        static func invalid(_ message: String) -> LinkedInError {
            LinkedInError(status: .unprocessableContent, serviceErrorCode: 100, code: "UNPROCESSABLE_ENTITY", message: message)
        }
    }

    static func json(status: HTTPResponse.Status = .ok, _ object: [String: Any], headers extra: HTTPFields = [:]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data("{}".utf8)
        var headers = extra
        headers[.contentType] = "application/json"
        headers[.contentLength] = String(data.count)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: Array(data))))
    }

    static func empty(status: HTTPResponse.Status, headers extra: HTTPFields = [:]) -> Response {
        var headers = extra
        headers[.contentLength] = "0"
        return Response(status: status, headers: headers, body: ResponseBody())
    }

    private func answer(_ body: () async throws -> Response) async -> Response {
        do {
            return try await body()
        } catch let error as LinkedInError {
            return error.response
        } catch let rejection as SandboxRejection {
            return rejection.response
        } catch {
            return LinkedInError(status: .internalServerError, message: "Internal Server Error").response
        }
    }

    // MARK: - Checks

    /// The checks LinkedIn makes on every versioned REST call: token, version, protocol version.
    private func checkREST(_ request: Request) throws {
        try checkToken(request)
        guard let version = SandboxRequest.header(request, named: "LinkedIn-Version") else {
            throw LinkedInError(
                status: .badRequest, code: "VERSION_MISSING",
                message: "A version must be present. Please specify a version by adding the LinkedIn-Version header.")
        }
        guard version.count == 6, let number = Int(version), number >= 202_401, number % 100 >= 1, number % 100 <= 12
        else {
            throw LinkedInError(
                status: HTTPResponse.Status(code: 426), code: "NONEXISTENT_VERSION",
                message: "Requested version \(version) is not active")
        }
        guard SandboxRequest.header(request, named: "X-Restli-Protocol-Version") == "2.0.0" else {
            throw LinkedInError(
                status: .badRequest, code: "ILLEGAL_ARGUMENT",
                message: "X-Restli-Protocol-Version 2.0.0 is required by this resource")
        }
    }

    private func checkToken(_ request: Request) throws {
        guard let header = SandboxRequest.header(request, named: "Authorization"), header.hasPrefix("Bearer ") else {
            throw LinkedInError(
                status: .unauthorized, serviceErrorCode: 65604, code: "EMPTY_ACCESS_TOKEN",
                message: "Empty oauth2 access token")
        }
        let token = String(header.dropFirst("Bearer ".count))
        if token == Self.expiredToken {
            throw LinkedInError(
                status: .unauthorized, serviceErrorCode: 65601, code: "EXPIRED_ACCESS_TOKEN",
                message: "The token used in the request has expired")
        }
        guard token == Self.validToken || state.withLock({ $0.issuedTokens.contains(token) }) else {
            throw LinkedInError(
                status: .unauthorized, serviceErrorCode: 65600, code: "INVALID_ACCESS_TOKEN",
                message: "Invalid access token")
        }
    }

    private func jsonBody(_ request: Request) async throws -> [String: Any] {
        let body = try await SandboxRequest.collectBody(request, limit: environment.configuration.maxBodyBytes).get()
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] else {
            throw LinkedInError(
                status: .badRequest, code: "ILLEGAL_ARGUMENT", message: "Request body could not be converted to data map")
        }
        return object
    }

    private static func isAuthorURN(_ text: String?) -> Bool {
        guard let text else { return false }
        return (text.hasPrefix("urn:li:person:") && text.count > 14)
            || (text.hasPrefix("urn:li:organization:") && text.count > 20)
    }

    // MARK: - Images

    private func initializeImage(_ request: Request) async throws -> Response {
        try checkREST(request)
        guard request.uri.queryParameters["action"] == "initializeUpload" else {
            throw LinkedInError(status: .badRequest, code: "ILLEGAL_ARGUMENT", message: "Unsupported action")
        }
        let body = try await jsonBody(request)
        let owner = (body["initializeUploadRequest"] as? [String: Any])?["owner"] as? String
        guard Self.isAuthorURN(owner), let owner else {
            throw LinkedInError.invalid("ERROR :: /initializeUploadRequest/owner :: field is required but not found")
        }
        let id = state.withLock { state in
            let id = "D4E10AQ\(state.number())"
            state.images["urn:li:image:\(id)"] = Image(owner: owner)
            return id
        }
        let expires = Int(Date().timeIntervalSince1970 * 1000) + 86_400_000
        return Self.json([
            "value": [
                "uploadUrlExpiresAt": expires,
                "uploadUrl": environment.baseURL + Self.webPrefix + "/dms-uploads/image/" + id,
                "image": "urn:li:image:\(id)",
            ] as [String: Any]
        ])
    }

    private func uploadImage(_ request: Request, id: String) async throws -> Response {
        try checkToken(request)
        let body = try await SandboxRequest.collectBody(request, limit: environment.configuration.maxBodyBytes).get()
        guard !body.isEmpty else { throw LinkedInError(status: .badRequest, message: "Empty upload") }
        try state.withLock { state in
            guard state.images["urn:li:image:\(id)"] != nil else {
                throw LinkedInError(status: .notFound, message: "Upload URL not found")
            }
            state.images["urn:li:image:\(id)"]?.uploadedBytes = body.count
        }
        return Self.empty(status: .created)
    }

    // MARK: - Videos

    private func videoAction(_ request: Request) async throws -> Response {
        try checkREST(request)
        let body = try await jsonBody(request)
        switch request.uri.queryParameters["action"] {
        case "initializeUpload":
            let initialize = body["initializeUploadRequest"] as? [String: Any] ?? [:]
            guard let owner = initialize["owner"] as? String, Self.isAuthorURN(owner) else {
                throw LinkedInError.invalid("ERROR :: /initializeUploadRequest/owner :: field is required but not found")
            }
            guard let size = (initialize["fileSizeBytes"] as? NSNumber)?.int64Value, size > 0 else {
                throw LinkedInError.invalid("ERROR :: /initializeUploadRequest/fileSizeBytes :: field is required but not found")
            }
            let partCount = Int((size + Self.partSize - 1) / Self.partSize)
            let id = state.withLock { state in
                let id = "D5F10AQ\(state.number())"
                state.videos["urn:li:video:\(id)"] = Video(owner: owner, size: size, parts: Array(repeating: nil, count: partCount))
                return id
            }
            let instructions = (0..<partCount).map { index -> [String: Any] in
                let first = Int64(index) * Self.partSize
                return [
                    "uploadUrl": environment.baseURL + Self.webPrefix + "/dms-uploads/video/\(id)/part/\(index)",
                    "firstByte": first, "lastByte": min(first + Self.partSize, size) - 1,
                ]
            }
            return Self.json([
                "value": [
                    "uploadUrlsExpireAt": Int(Date().timeIntervalSince1970 * 1000) + 86_400_000,
                    "video": "urn:li:video:\(id)", "uploadInstructions": instructions, "uploadToken": "",
                ] as [String: Any]
            ])
        case "finalizeUpload":
            let finalize = body["finalizeUploadRequest"] as? [String: Any] ?? [:]
            let urn = finalize["video"] as? String ?? ""
            let etags = finalize["uploadedPartIds"] as? [String] ?? []
            try state.withLock { state in
                guard let video = state.videos[urn] else {
                    throw LinkedInError(status: .notFound, serviceErrorCode: 100, code: "NOT_FOUND", message: "Video \(urn) not found")
                }
                guard video.parts.allSatisfy({ $0 != nil }), etags == video.parts.compactMap({ $0 }) else {
                    throw LinkedInError(
                        status: .badRequest, serviceErrorCode: 100, code: "ILLEGAL_ARGUMENT",
                        message: "uploadedPartIds do not match the uploaded parts of \(urn)")
                }
                state.videos[urn]?.finalized = true
            }
            return Self.empty(status: .ok)
        default:
            throw LinkedInError(status: .badRequest, code: "ILLEGAL_ARGUMENT", message: "Unsupported action")
        }
    }

    private func uploadPart(_ request: Request, id: String, part: Int) async throws -> Response {
        let body = try await SandboxRequest.collectBody(request, limit: environment.configuration.maxBodyBytes).get()
        let etag = try state.withLock { state -> String in
            let urn = "urn:li:video:\(id)"
            guard let video = state.videos[urn], video.parts.indices.contains(part) else {
                throw LinkedInError(status: .notFound, message: "Upload URL not found")
            }
            let first = Int64(part) * Self.partSize
            let expected = min(first + Self.partSize, video.size) - first
            guard Int64(body.count) == expected else {
                throw LinkedInError(
                    status: .badRequest, message: "Part \(part) must be \(expected) bytes, got \(body.count)")
            }
            var checksum: UInt64 = 14_695_981_039_346_656_037
            for byte in body { checksum = (checksum ^ UInt64(byte)) &* 1_099_511_628_211 }
            let etag = "/ambry-video/signedId__\(id)_\(part)_\(String(checksum, radix: 16))"
            state.videos[urn]?.parts[part] = etag
            return etag
        }
        var headers = HTTPFields()
        headers[.eTag] = etag
        return Self.empty(status: .ok, headers: headers)
    }

    private func readVideo(_ request: Request, urn rawURN: String) throws -> Response {
        try checkREST(request)
        let urn = rawURN.removingPercentEncoding ?? rawURN
        return try state.withLock { state in
            guard var video = state.videos[urn] else {
                throw LinkedInError(status: .notFound, serviceErrorCode: 100, code: "NOT_FOUND", message: "Video \(urn) not found")
            }
            let status: String
            if !video.finalized {
                status = "WAITING_UPLOAD"
            } else if video.pollsLeft > 0 {
                status = "PROCESSING"
                video.pollsLeft -= 1
                state.videos[urn] = video
            } else {
                status = "AVAILABLE"
            }
            return Self.json(["id": urn, "owner": video.owner, "status": status])
        }
    }

    // MARK: - Posts

    private func createPost(_ request: Request) async throws -> Response {
        try checkREST(request)
        let body = try await SandboxRequest.collectBody(request, limit: environment.configuration.maxBodyBytes).get()
        guard let post = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] else {
            throw LinkedInError(
                status: .badRequest, code: "ILLEGAL_ARGUMENT", message: "Request body could not be converted to data map")
        }
        var missing: [String] = []
        for field in ["author", "commentary", "visibility", "distribution", "lifecycleState"] where post[field] == nil {
            missing.append("ERROR :: /\(field) :: field is required but not found and has no default value")
        }
        guard missing.isEmpty else { throw LinkedInError(status: .unprocessableContent, message: missing.joined(separator: "\n")) }
        let author = post["author"] as? String
        guard Self.isAuthorURN(author), let author else {
            throw LinkedInError.invalid("ERROR :: /author :: \(author ?? "") is not a person or organization URN")
        }
        let commentary = post["commentary"] as? String ?? ""
        let text = Self.unescapeLittleText(commentary)
        guard text.count <= 3000 else {
            throw LinkedInError.invalid("ERROR :: /commentary :: length \(text.count) exceeds the maximum of 3000")
        }
        guard post["lifecycleState"] as? String == "PUBLISHED",
            (post["distribution"] as? [String: Any])?["feedDistribution"] as? String == "MAIN_FEED"
        else {
            throw LinkedInError.invalid("ERROR :: /distribution :: feedDistribution must be MAIN_FEED for a published post")
        }
        let mediaURNs = try state.withLock { state -> [String] in
            let content = post["content"] as? [String: Any]
            var urns: [String] = []
            if let media = content?["media"] as? [String: Any] {
                urns = [media["id"] as? String ?? ""]
            } else if let multi = content?["multiImage"] as? [String: Any] {
                urns = (multi["images"] as? [[String: Any]] ?? []).map { $0["id"] as? String ?? "" }
                guard (2...20).contains(urns.count) else {
                    throw LinkedInError.invalid("ERROR :: /content/multiImage/images :: must hold 2 to 20 images")
                }
                guard urns.allSatisfy({ $0.hasPrefix("urn:li:image:") }) else {
                    throw LinkedInError.invalid("ERROR :: /content/multiImage/images :: only images are allowed")
                }
            }
            for urn in urns {
                if let image = state.images[urn] {
                    guard image.uploadedBytes != nil, image.owner == author else {
                        throw LinkedInError.invalid("ERROR :: /content :: image \(urn) is not uploaded or not owned by the author")
                    }
                } else if let video = state.videos[urn] {
                    guard video.finalized, video.pollsLeft == 0, video.owner == author else {
                        throw LinkedInError.invalid("ERROR :: /content :: video \(urn) is not AVAILABLE or not owned by the author")
                    }
                } else {
                    throw LinkedInError.invalid("ERROR :: /content :: media \(urn) does not exist")
                }
            }
            return urns
        }
        guard !text.isEmpty || !mediaURNs.isEmpty else {
            throw LinkedInError.invalid("ERROR :: /commentary :: a post without content needs commentary")
        }
        let received = SandboxReceivedPost(
            id: "", network: Self.network, account: author, method: request.method.rawValue, path: request.uri.path,
            body: body, text: text, mediaURLs: mediaURNs, clientPostID: nil, idempotencyKey: nil,
            headers: SandboxRequest.recordedHeaders(request), signatureVerified: false, receivedAt: Date())
        guard case .stored(let stored) = environment.store.record(received, idPrefix: Self.idPrefix) else {
            throw LinkedInError(status: .internalServerError, message: "Internal Server Error")
        }
        let urn = state.withLock { state in
            let urn = "urn:li:share:\(7_100_000_000_000_000_000 + state.number())"
            state.posts[urn] = stored.id
            state.postOrder.append(urn)
            return urn
        }
        var headers = HTTPFields()
        headers[.init("x-restli-id")!] = urn
        headers[.location] = "/posts/" + urn
        return Self.empty(status: .created, headers: headers)
    }

    /// Find Posts by Authors: the author's posts, newest first, one page of them.
    private func findPosts(_ request: Request) throws -> Response {
        try checkREST(request)
        let query = request.uri.queryParameters
        guard query["q"] == "author" else {
            throw LinkedInError(status: .badRequest, code: "ILLEGAL_ARGUMENT", message: "Unsupported finder; use q=author")
        }
        let author = query["author"].map { String($0).removingPercentEncoding ?? String($0) }
        guard Self.isAuthorURN(author), let author else {
            throw LinkedInError.invalid("ERROR :: /author :: \(author ?? "") is not a person or organization URN")
        }
        let start = query["start"].flatMap { Int(String($0)) } ?? 0
        let count = query["count"].flatMap { Int(String($0)) } ?? 10
        guard start >= 0, (1...100).contains(count) else {
            throw LinkedInError.invalid("ERROR :: start must be 0 or more and count between 1 and 100")
        }
        if let sortBy = query["sortBy"], sortBy != "LAST_MODIFIED" && sortBy != "CREATED" {
            throw LinkedInError.invalid("ERROR :: /sortBy :: \(sortBy) is not LAST_MODIFIED or CREATED")
        }
        let (order, ids) = state.withLock { ($0.postOrder, $0.posts) }
        // Posts are never modified here, so both orders are creation order, newest first.
        let authored = order.reversed().compactMap { urn -> [String: Any]? in
            guard let id = ids[urn], let post = environment.store.post(id: id), post.account == author,
                var element = (try? JSONSerialization.jsonObject(with: Data(post.body))) as? [String: Any]
            else { return nil }
            let millis = Int64(post.receivedAt.timeIntervalSince1970 * 1000)
            element["id"] = urn
            element["createdAt"] = millis
            element["lastModifiedAt"] = millis
            element["publishedAt"] = millis
            return element
        }
        let page = Array(authored.dropFirst(start).prefix(count))
        var paging: [String: Any] = ["start": start, "count": count, "links": [] as [Any]]
        if start + count < authored.count {
            var next = URLComponents()
            next.queryItems = [
                URLQueryItem(name: "author", value: author), URLQueryItem(name: "q", value: "author"),
                URLQueryItem(name: "count", value: String(count)), URLQueryItem(name: "start", value: String(start + count)),
            ]
            paging["links"] = [["type": "application/json", "rel": "next", "href": "/rest/posts" + (next.string ?? "")]]
        }
        return Self.json(["elements": page, "paging": paging])
    }

    /// The text a little-format commentary shows: `\c` is `c`.
    static func unescapeLittleText(_ text: String) -> String {
        var result = ""
        var escaping = false
        for character in text {
            if escaping || character != "\\" {
                result.append(character)
                escaping = false
            } else {
                escaping = true
            }
        }
        return result
    }

    private func feedPage(urn rawURN: String) -> Response {
        let urn = rawURN.removingPercentEncoding ?? rawURN
        guard let id = state.withLock({ $0.posts[urn] }) else {
            return SandboxResponse.jsonError(status: .notFound, message: "no LinkedIn post \(urn) in this sandbox")
        }
        var headers = HTTPFields()
        headers[.location] = "/posts/" + id
        return Self.empty(status: .found, headers: headers)
    }

    // MARK: - OAuth

    private func token(_ request: Request) async throws -> Response {
        let body = try await SandboxRequest.collectBody(request, limit: 64 * 1024).get()
        let form = WebFormEncoding.fields(String(decoding: body, as: UTF8.self))
        func oauthError(_ error: String, _ description: String) -> Response {
            Self.json(status: .badRequest, ["error": error, "error_description": description])
        }
        guard form["grant_type"] == "refresh_token" else {
            return oauthError("unsupported_grant_type", "grant_type must be refresh_token")
        }
        guard form["client_id"]?.isEmpty == false, form["client_secret"]?.isEmpty == false else {
            return oauthError("invalid_request", "A required parameter \"client_id\" or \"client_secret\" is missing")
        }
        guard form["refresh_token"] == Self.refreshToken else {
            return oauthError("invalid_grant", "The provided authorization grant or refresh token is invalid, expired or revoked")
        }
        let fresh = state.withLock { state in
            let fresh = "sandbox-li-token-refreshed-\(state.number())"
            state.issuedTokens.insert(fresh)
            return fresh
        }
        return Self.json([
            "access_token": fresh, "expires_in": 5_184_000, "refresh_token": Self.refreshToken,
            "refresh_token_expires_in": 31_536_000,
        ])
    }
}
