import Foundation
import Hummingbird
import SpoolpostCore
import SpoolpostIO
import Synchronization

/// X API v2 under `/api.x.com/2` (media upload lives on the same host): `POST /tweets`, the chunked media upload
/// (`/media/upload/initialize`, `/{id}/append`, `/{id}/finalize`, `GET /media/upload?command=STATUS`),
/// `POST /media/metadata` and the OAuth 2.0 token endpoint `POST /oauth2/token`, with X's problem-details errors.
///
/// Sandbox credentials: OAuth 2.0 bearer `sandbox-token` (user `sandbox`); `sandbox-expired-token` answers 401 and
/// `sandbox-rate-limited-token` 429 with `x-rate-limit-reset`; refresh token `sandbox-refresh-token` with client id
/// `sandbox-client` (refresh tokens are single-use, as on X). OAuth 1.0a: consumer key/secret `sandbox-consumer-key`
/// / `sandbox-consumer-secret`, token/secret `sandbox-access-token` / `sandbox-token-secret`; signatures are verified.
/// Videos and GIFs take two STATUS polls to finish processing; a repeated text is refused with X's duplicate 403.
/// `POST /tweets` answers carry `x-rate-limit-limit/-remaining/-reset` for a 15-minute window of 100 posts per
/// token (`sandbox-last-call-token`: 1, so its first post uses the window up); past the limit, 429.
struct XSimulator: NetworkSimulator {
    static let network = "x"
    static let idPrefix = "x"
    static let prefix = "/api.x.com/2"

    static let bearerToken = "sandbox-token"
    static let expiredToken = "sandbox-expired-token"
    static let rateLimitedToken = "sandbox-rate-limited-token"
    static let lastCallToken = "sandbox-last-call-token"
    static let postWindow: Double = 900
    static let refreshToken = "sandbox-refresh-token"
    static let clientID = "sandbox-client"
    static let consumerKey = "sandbox-consumer-key"
    static let consumerSecret = "sandbox-consumer-secret"
    static let accessToken = "sandbox-access-token"
    static let tokenSecret = "sandbox-token-secret"
    static let user = "sandbox"

    struct Upload {
        var mediaType: String
        var totalBytes: Int
        var category: String
        var segments: [Int: Int] = [:]
        var finalized = false
        var statusPolls = 0
        var altText: String?
        var needsProcessing: Bool { category == "tweet_video" || category == "tweet_gif" }
        var processed: Bool { !needsProcessing || statusPolls >= 2 }
    }

    struct State {
        var validTokens: Set<String> = [XSimulator.bearerToken, XSimulator.lastCallToken]
        /// Per token (or consumer key): when the current 15-minute window of posts began, and posts in it.
        var postWindows: [String: (start: Date, count: Int)] = [:]
        var validRefreshTokens: Set<String> = [XSimulator.refreshToken]
        var issued = 0
        var nextMediaID: UInt64 = 1_880_000_000_000_000_001
        var uploads: [String: Upload] = [:]
        var texts: Set<String> = []
        var tweetIDs: Set<String> = []
    }

    let environment: SandboxEnvironment
    private let state = SimulatorState(State())

    init(environment: SandboxEnvironment) {
        self.environment = environment
    }

    func addRoutes(to router: Router<BasicRequestContext>) {
        let p = Self.prefix
        // The post pages at x.com, as recorded by an account whose `web_base` points here: the sandbox page.
        router.get("/x.com/i/web/status/{id}") { _, context in
            var headers = HTTPFields()
            headers[.location] = "/posts/" + (context.parameters.get("id") ?? "")
            return Response(status: .found, headers: headers)
        }
        router.post("\(p)/tweets") { request, _ in await self.answer { try await self.createPost(request) } }
        router.post("\(p)/media/upload/initialize") { request, _ in
            await self.answer { try await self.initialize(request) }
        }
        router.post("\(p)/media/upload/{id}/append") { request, context in
            await self.answer { try await self.append(request, id: context.parameters.get("id") ?? "") }
        }
        router.post("\(p)/media/upload/{id}/finalize") { request, context in
            await self.answer { try self.finalize(request, id: context.parameters.get("id") ?? "") }
        }
        router.get("\(p)/media/upload") { request, _ in await self.answer { try self.status(request) } }
        router.post("\(p)/media/metadata") { request, _ in await self.answer { try await self.metadata(request) } }
        router.post("\(p)/oauth2/token") { request, _ in await self.token(request) }
    }

    /// A refusal as X shapes it: problem details with `title`, `detail`, `type`, `status`.
    struct Problem: Error {
        var status: HTTPResponse.Status
        var title: String
        var detail: String
        var type = "about:blank"
        var headers: [(String, String)] = []
    }

    private func answer(_ body: () async throws -> Response) async -> Response {
        do {
            return try await body()
        } catch let problem as Problem {
            var response = SandboxResponse.json(
                status: problem.status,
                ProblemBody(title: problem.title, detail: problem.detail, type: problem.type, status: problem.status.code))
            for (name, value) in problem.headers {
                if let field = HTTPFields.Element.Name(name) { response.headers[field] = value }
            }
            return response
        } catch let rejection as SandboxRejection {
            return rejection.response
        } catch {
            return SandboxResponse.jsonError(status: .internalServerError, message: "sandbox failure: \(error)")
        }
    }

    private struct ProblemBody: Encodable {
        var title: String
        var detail: String
        var type: String
        var status: Int
    }

    private static func invalid(_ detail: String) -> Problem {
        Problem(
            status: .badRequest, title: "Invalid Request", detail: detail,
            type: "https://api.twitter.com/2/problems/invalid-request")
    }

    // MARK: - Authentication

    /// The user the request acts for, after checking its bearer token or OAuth 1.0a signature.
    private func authenticate(_ request: Request) throws -> String {
        let unauthorized = Problem(status: .unauthorized, title: "Unauthorized", detail: "Unauthorized")
        guard let header = SandboxRequest.header(request, named: "Authorization") else { throw unauthorized }
        if header.hasPrefix("Bearer ") {
            let token = String(header.dropFirst("Bearer ".count))
            if token == Self.rateLimitedToken {
                let reset = Int(Date().timeIntervalSince1970) + 900
                throw Problem(
                    status: .tooManyRequests, title: "Too Many Requests", detail: "Too Many Requests",
                    headers: [
                        ("x-rate-limit-limit", "100"), ("x-rate-limit-remaining", "0"),
                        ("x-rate-limit-reset", String(reset)),
                    ])
            }
            guard state.withLock({ $0.validTokens.contains(token) }) else { throw unauthorized }
            return Self.user
        }
        if header.hasPrefix("OAuth ") {
            guard verifyOAuth1(header: String(header.dropFirst("OAuth ".count)), request: request) else {
                throw Problem(
                    status: .unauthorized, title: "Unauthorized",
                    detail: "Could not authenticate you (OAuth 1.0a signature does not match)")
            }
            return Self.user
        }
        throw unauthorized
    }

    /// Recomputes the HMAC-SHA1 signature over the URL as the client addressed it (RFC 5849 section 3.4).
    private func verifyOAuth1(header: String, request: Request) -> Bool {
        var fields: [String: String] = [:]
        for part in header.split(separator: ",") {
            let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { return false }
            let value = pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            fields[String(pair[0])] = value.removingPercentEncoding ?? value
        }
        guard fields["oauth_consumer_key"] == Self.consumerKey, fields["oauth_token"] == Self.accessToken,
            fields["oauth_signature_method"] == "HMAC-SHA1", let signature = fields["oauth_signature"],
            fields["oauth_nonce"] != nil, fields["oauth_timestamp"] != nil
        else { return false }
        var parameters = fields.filter { $0.key != "oauth_signature" && $0.key != "realm" }.map { ($0.key, $0.value) }
        for (name, value) in request.uri.queryParameters {
            parameters.append((String(name), String(value)))
        }
        let encode = { (text: String) -> String in
            text.addingPercentEncoding(withAllowedCharacters: Self.unreserved) ?? text
        }
        let encoded: [(key: String, value: String)] = parameters.map { (key: encode($0.0), value: encode($0.1)) }
        let sorted = encoded.sorted { (left, right) -> Bool in
            left.key == right.key ? left.value < right.value : left.key < right.key
        }
        let normalized = sorted.map { pair -> String in pair.key + "=" + pair.value }.joined(separator: "&")
        let url = environment.baseURL + request.uri.path
        let base = request.method.rawValue + "&" + encode(url) + "&" + encode(normalized)
        let key = encode(Self.consumerSecret) + "&" + encode(Self.tokenSecret)
        let expected = Data(HMAC.sha1(key: Array(key.utf8), message: Array(base.utf8))).base64EncodedString()
        return expected == signature
    }

    private static let unreserved = CharacterSet(
        charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    private func jsonBody(_ request: Request) async throws -> [String: Any] {
        let body = try await SandboxRequest.collectBody(request, limit: environment.configuration.maxBodyBytes).get()
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] else {
            throw Self.invalid("The request body must be a JSON object")
        }
        return object
    }

    // MARK: - Posts

    private func createPost(_ request: Request) async throws -> Response {
        let user = try authenticate(request)
        let rateHeaders = try countPost(request)
        let body = try await SandboxRequest.collectBody(request, limit: environment.configuration.maxBodyBytes).get()
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] else {
            throw Self.invalid("The request body must be a JSON object")
        }
        let text = object["text"] as? String ?? ""
        let mediaIDs = (object["media"] as? [String: Any])?["media_ids"] as? [String] ?? []
        let parent = (object["reply"] as? [String: Any])?["in_reply_to_tweet_id"] as? String
        try state.withLock { state in
            if text.isEmpty && mediaIDs.isEmpty { throw Self.invalid("Post text or media is required") }
            if mediaIDs.count > 4 { throw Self.invalid("Posts can have at most 4 media") }
            for id in mediaIDs {
                guard let upload = state.uploads[id], upload.finalized else {
                    throw Self.invalid("Your media IDs are invalid.")
                }
                guard upload.processed else { throw Self.invalid("Media \(id) is still processing") }
                if upload.needsProcessing && mediaIDs.count > 1 {
                    throw Self.invalid("A video or GIF cannot be combined with other media")
                }
            }
            if let parent, !state.tweetIDs.contains(parent) {
                throw Self.invalid("The post you are replying to does not exist")
            }
            guard state.texts.insert(text).inserted || text.isEmpty else {
                throw Problem(
                    status: .forbidden, title: "Forbidden",
                    detail: "You are not allowed to create a Tweet with duplicate content.")
            }
        }
        let post = SandboxReceivedPost(
            id: "", network: Self.network, account: user, method: "POST", path: request.uri.path, body: body,
            text: text, mediaURLs: mediaIDs.map { "x-media:\($0)" }, clientPostID: parent,
            idempotencyKey: nil, headers: SandboxRequest.recordedHeaders(request),
            signatureVerified: true, receivedAt: Date())
        guard case .stored(let stored) = environment.store.record(post, idPrefix: Self.idPrefix) else {
            throw SandboxRejection(.internalServerError, "sandbox store refused the post")
        }
        state.withLock { _ = $0.tweetIDs.insert(stored.id) }
        var response = SandboxResponse.json(status: .created, ["data": ["id": stored.id, "text": text]])
        for (name, value) in rateHeaders {
            if let field = HTTPFields.Element.Name(name) { response.headers[field] = value }
        }
        return response
    }

    /// Counts a post against its credentials' window and returns X's rate-limit headers; past the limit, 429.
    private func countPost(_ request: Request) throws -> [(String, String)] {
        let header = SandboxRequest.header(request, named: "Authorization") ?? ""
        let key = header.hasPrefix("Bearer ") ? String(header.dropFirst("Bearer ".count)) : "oauth1"
        let limit = key == Self.lastCallToken ? 1 : 100
        let now = Date()
        let (start, count) = state.withLock { state in
            var window = state.postWindows[key] ?? (now, 0)
            if now.timeIntervalSince(window.start) >= Self.postWindow { window = (now, 0) }
            window.count += 1
            state.postWindows[key] = window
            return window
        }
        let reset = String(Int((start.timeIntervalSince1970 + Self.postWindow).rounded(.up)))
        let headers = [
            ("x-rate-limit-limit", String(limit)), ("x-rate-limit-remaining", String(max(0, limit - count))),
            ("x-rate-limit-reset", reset),
        ]
        guard count <= limit else {
            throw Problem(status: .tooManyRequests, title: "Too Many Requests", detail: "Too Many Requests", headers: headers)
        }
        return headers
    }

    // MARK: - Media

    private struct MediaAnswer: Encodable {
        struct Processing: Encodable {
            var state: String
            var check_after_secs: Int?
            var progress_percent: Int?
        }
        struct Data: Encodable {
            var id: String
            var media_key: String
            var size: Int?
            var expires_after_secs: Int
            var processing_info: Processing?
        }
        var data: Data
    }

    private func initialize(_ request: Request) async throws -> Response {
        _ = try authenticate(request)
        let object = try await jsonBody(request)
        guard let mediaType = object["media_type"] as? String,
            let total = (object["total_bytes"] as? NSNumber)?.intValue, total > 0
        else { throw Self.invalid("media_type and a positive total_bytes are required") }
        let category = object["media_category"] as? String ?? "tweet_image"
        guard ["tweet_image", "tweet_gif", "tweet_video"].contains(category) else {
            throw Self.invalid("media_category \(category) is not supported")
        }
        let id = state.withLock { state in
            let id = String(state.nextMediaID)
            state.nextMediaID += 1
            state.uploads[id] = Upload(mediaType: mediaType, totalBytes: total, category: category)
            return id
        }
        return SandboxResponse.json(
            MediaAnswer(data: .init(id: id, media_key: "3_\(id)", expires_after_secs: 86400)))
    }

    private func append(_ request: Request, id: String) async throws -> Response {
        _ = try authenticate(request)
        let body = try await SandboxRequest.collectBody(request, limit: environment.configuration.maxBodyBytes).get()
        guard let contentType = SandboxRequest.header(request, named: "Content-Type"),
            let parts = Multipart.parse(body, contentType: contentType),
            let indexText = parts["segment_index"].map({ String(decoding: $0, as: UTF8.self) }),
            let index = Int(indexText), (0...999).contains(index), let media = parts["media"]
        else { throw Self.invalid("APPEND needs multipart fields segment_index (0-999) and media") }
        try state.withLock { state in
            guard var upload = state.uploads[id], !upload.finalized else {
                throw Self.invalid("media_id \(id) is not an open upload")
            }
            upload.segments[index] = media.count
            state.uploads[id] = upload
        }
        return Response(status: .noContent)
    }

    private func finalize(_ request: Request, id: String) throws -> Response {
        _ = try authenticate(request)
        let upload = try state.withLock { state -> Upload in
            guard var upload = state.uploads[id] else { throw Self.invalid("media_id \(id) does not exist") }
            let received = upload.segments.values.reduce(0, +)
            guard received == upload.totalBytes, upload.segments.keys.sorted() == Array(0..<upload.segments.count)
            else {
                throw Self.invalid("Segments do not add up to the declared size (\(received) of \(upload.totalBytes) bytes)")
            }
            upload.finalized = true
            state.uploads[id] = upload
            return upload
        }
        return SandboxResponse.json(mediaAnswer(id: id, upload))
    }

    private func mediaAnswer(id: String, _ upload: Upload) -> MediaAnswer {
        var processing: MediaAnswer.Processing?
        if upload.needsProcessing {
            switch upload.statusPolls {
            case 0: processing = .init(state: "pending", check_after_secs: 1)
            case 1: processing = .init(state: "in_progress", check_after_secs: 1, progress_percent: 50)
            default: processing = .init(state: "succeeded", progress_percent: 100)
            }
        }
        return MediaAnswer(
            data: .init(
                id: id, media_key: "3_\(id)", size: upload.totalBytes, expires_after_secs: 86400,
                processing_info: processing))
    }

    private func status(_ request: Request) throws -> Response {
        _ = try authenticate(request)
        guard request.uri.queryParameters["command"] == "STATUS", let id = request.uri.queryParameters["media_id"]
        else { throw Self.invalid("command=STATUS and media_id are required") }
        let upload = try state.withLock { state -> Upload in
            guard var upload = state.uploads[String(id)], upload.finalized else {
                throw Self.invalid("media_id \(id) is not a finalized upload")
            }
            upload.statusPolls += 1
            state.uploads[String(id)] = upload
            return upload
        }
        return SandboxResponse.json(mediaAnswer(id: String(id), upload))
    }

    private func metadata(_ request: Request) async throws -> Response {
        _ = try authenticate(request)
        let object = try await jsonBody(request)
        guard let id = object["id"] as? String,
            let alt = ((object["metadata"] as? [String: Any])?["alt_text"] as? [String: Any])?["text"] as? String
        else { throw Self.invalid("id and metadata.alt_text.text are required") }
        guard alt.count <= 1000 else { throw Self.invalid("alt_text is limited to 1000 characters") }
        try state.withLock { state in
            guard state.uploads[id] != nil else { throw Self.invalid("media_id \(id) does not exist") }
            state.uploads[id]?.altText = alt
        }
        return SandboxResponse.json(["data": ["associated_metadata": ["alt_text": ["text": alt]]]])
    }

    /// The alt text set on a media id, for tests.
    func altText(mediaID: String) -> String? { state.withLock { $0.uploads[mediaID]?.altText } }

    // MARK: - OAuth 2.0

    private func token(_ request: Request) async -> Response {
        func oauthError(_ code: String, _ description: String) -> Response {
            SandboxResponse.json(status: .badRequest, ["error": code, "error_description": description])
        }
        guard case .success(let body) = await SandboxRequest.collectBody(request, limit: 64 * 1024) else {
            return oauthError("invalid_request", "body too large")
        }
        let form = WebFormEncoding.fields(String(decoding: body, as: UTF8.self))
        var clientID = form["client_id"]
        if let header = SandboxRequest.header(request, named: "Authorization"), header.hasPrefix("Basic "),
            let decoded = Data(base64Encoded: String(header.dropFirst(6))).map({ String(decoding: $0, as: UTF8.self) })
        {
            clientID = decoded.split(separator: ":", maxSplits: 1).first.map(String.init)
        }
        guard clientID == Self.clientID else { return oauthError("unauthorized_client", "Missing valid authorization header") }
        guard form["grant_type"] == "refresh_token", let refresh = form["refresh_token"] else {
            return oauthError("invalid_request", "grant_type must be refresh_token")
        }
        let issued: (String, String)? = state.withLock { state in
            // Single-use, as X's refresh tokens are.
            guard state.validRefreshTokens.remove(refresh) != nil else { return nil }
            state.issued += 1
            let access = "\(Self.bearerToken)-\(state.issued)"
            let next = "\(Self.refreshToken)-\(state.issued)"
            state.validTokens.insert(access)
            state.validRefreshTokens.insert(next)
            return (access, next)
        }
        guard let (access, next) = issued else {
            return oauthError("invalid_request", "Value passed for the token was invalid.")
        }
        return SandboxResponse.json(
            TokenAnswer(
                token_type: "bearer", expires_in: 7200, access_token: access, refresh_token: next,
                scope: "tweet.read tweet.write users.read media.write offline.access"))
    }

    private struct TokenAnswer: Encodable {
        var token_type: String
        var expires_in: Int
        var access_token: String
        var refresh_token: String
        var scope: String
    }
}

/// A minimal multipart/form-data reader for the simulators: field name -> content.
enum Multipart {
    static func parse(_ body: [UInt8], contentType: String) -> [String: [UInt8]]? {
        guard let range = contentType.range(of: "boundary=") else { return nil }
        let boundary = contentType[range.upperBound...].split(separator: ";").first.map {
            $0.trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
        } ?? ""
        guard !boundary.isEmpty else { return nil }
        let delimiter = Array("--\(boundary)".utf8)
        var fields: [String: [UInt8]] = [:]
        var positions: [Int] = []
        var index = 0
        while index + delimiter.count <= body.count {
            if body[index] == delimiter[0] && Array(body[index..<(index + delimiter.count)]) == delimiter {
                positions.append(index)
                index += delimiter.count
            } else {
                index += 1
            }
        }
        guard positions.count >= 2 else { return nil }
        let separator = Array("\r\n\r\n".utf8)
        for (start, end) in zip(positions, positions.dropFirst()) {
            let part = Array(body[(start + delimiter.count)..<end])
            guard let headEnd = find(separator, in: part) else { continue }
            let head = String(decoding: part[0..<headEnd], as: UTF8.self)
            var content = Array(part[(headEnd + separator.count)...])
            if content.suffix(2) == [13, 10] { content.removeLast(2) }
            guard let nameRange = head.range(of: "name=\"") else { continue }
            let name = head[nameRange.upperBound...].prefix { $0 != "\"" }
            fields[String(name)] = content
        }
        return fields
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where Array(haystack[start..<(start + needle.count)]) == needle {
            return start
        }
        return nil
    }
}

/// Mutable simulator state behind a lock, shareable by the (copyable) simulator value and its route closures.
final class SimulatorState<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: sending Value) {
        mutex = Mutex(value)
    }

    func withLock<Result: Sendable, E: Error>(_ body: (inout sending Value) throws(E) -> sending Result) throws(E) -> Result {
        try mutex.withLock(body)
    }
}
