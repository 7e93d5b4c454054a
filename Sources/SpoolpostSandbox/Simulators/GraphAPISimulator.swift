import Foundation
import Hummingbird
import SpoolpostCore
import SpoolpostIO
import Synchronization

/// Meta's Graph API host as the sandbox plays it: Facebook Pages and Instagram share `graph.facebook.com`,
/// so one router registers both networks' edges and answers node reads (`GET /{id}`) from whichever simulator
/// owns the id.
///
/// Instagram with Instagram Login is served under `/graph.instagram.com/v21.0` too (Instagram's edges and node
/// reads only), with its token refresh at `/graph.instagram.com/refresh_access_token`.
///
/// Tokens (see ``GraphTokens``): `sandbox-token` (and any token starting with it) and every token the sandbox
/// issued are valid; `sandbox-expired` fails like an expired token (190/463) and cannot be renewed;
/// `sandbox-stale-token` is refused (190/460) but can still be renewed, to exercise renew-and-repeat;
/// `sandbox-throttled` fails like a throttled Page (code 32, with `X-Business-Use-Case-Usage` asking for
/// 7 minutes); `sandbox-token-busy` works, but every answer says the Page's quota is used up for 15 minutes
/// (`X-Business-Use-Case-Usage` at 100% with `estimated_time_to_regain_access`); anything else is an invalid token
/// (190). Tokens come in `Authorization: Bearer` or an
/// `access_token` parameter.
struct GraphAPISimulator: NetworkSimulator {
    static let network = "graph"
    static let idPrefix = "graph"
    static let pathPrefix = "/graph.facebook.com/v21.0"
    /// Instagram Login's host: the same Instagram edges, and `refresh_access_token` at its root.
    static let instagramHost = "/graph.instagram.com"
    static let instagramPathPrefix = instagramHost + "/v21.0"

    let facebook: FacebookSimulator
    let instagram: InstagramSimulator
    let tokens: GraphTokens

    init(environment: SandboxEnvironment) {
        let fetcher = GraphMediaFetcher()
        let tokens = GraphTokens()
        self.tokens = tokens
        facebook = FacebookSimulator(environment: environment, fetcher: fetcher, tokens: tokens)
        instagram = InstagramSimulator(environment: environment, fetcher: fetcher, tokens: tokens)
    }

    func addRoutes(to router: Router<BasicRequestContext>) {
        facebook.addRoutes(to: router)
        instagram.addRoutes(to: router)
        router.get(RouterPath(Self.pathPrefix + "/oauth/access_token")) { request, _ in
            tokens.exchange(WebFormEncoding.fields(request.uri.query ?? ""))
        }
        router.get(RouterPath(Self.instagramHost + "/refresh_access_token")) { request, _ in
            tokens.refresh(WebFormEncoding.fields(request.uri.query ?? ""))
        }
        router.get(RouterPath(Self.instagramPathPrefix + "/{id}")) { request, context in
            await node(request, id: context.parameters.get("id") ?? "", instagramOnly: true)
        }
        router.get(RouterPath(Self.pathPrefix + "/{id}")) { request, context in
            await node(request, id: context.parameters.get("id") ?? "", instagramOnly: false)
        }
    }

    /// `GET /{id}`: a node of whichever simulator owns the id (only Instagram's on Instagram Login's host).
    private func node(_ request: Request, id: String, instagramOnly: Bool) async -> Response {
        let call: GraphCall
        switch await GraphCall.read(request, environment: facebook.environment, tokens: tokens) {
        case .success(let read): call = read
        case .failure(let refusal): return refusal.response
        }
        if let answer = instagram.node(id: id, call: call) {
            return answer
        }
        if !instagramOnly, let answer = facebook.node(id: id, call: call) {
            return answer
        }
        return GraphErrorBody(
            code: 100, subcode: 33,
            message: "Unsupported get request. Object with ID '\(id)' does not exist, cannot be loaded due to "
                + "missing permissions, or does not support this operation."
        ).response(status: .badRequest)
    }
}

/// One Graph API call: its parameters (query string and form body together) after the token check.
struct GraphCall {
    var fields: [String: String]
    /// The token the call came with (already checked).
    var token: String?

    /// Reads the parameters and checks the token; a refusal is a Graph error body.
    static func read(
        _ request: Request, environment: SandboxEnvironment, tokens: GraphTokens
    ) async -> Result<GraphCall, GraphErrorBody> {
        var fields = WebFormEncoding.fields(request.uri.query ?? "")
        if request.method == .post {
            guard
                case .success(let body) = await SandboxRequest.collectBody(
                    request, limit: environment.configuration.maxBodyBytes)
            else {
                return .failure(GraphErrorBody(code: 100, message: "(#100) The request body is too large"))
            }
            fields.merge(WebFormEncoding.fields(String(decoding: body, as: UTF8.self))) { $1 }
        }
        var token = fields.removeValue(forKey: "access_token")
        if let header = SandboxRequest.header(request, named: "Authorization") {
            for scheme in ["Bearer ", "OAuth "] where header.hasPrefix(scheme) {
                token = String(header.dropFirst(scheme.count))
            }
        }
        if let refusal = tokens.refusal(of: token) { return .failure(refusal) }
        return .success(GraphCall(fields: fields, token: token))
    }

    /// Runs `body` on the checked call; a refusal or a thrown Graph error becomes the response.
    static func answer(
        _ request: Request, environment: SandboxEnvironment, tokens: GraphTokens,
        _ body: (GraphCall) async throws(GraphErrorBody) -> Response
    ) async -> Response {
        switch await read(request, environment: environment, tokens: tokens) {
        case .failure(let refusal): return refusal.response
        case .success(let call):
            do throws(GraphErrorBody) {
                var response = try await body(call)
                if call.token == GraphTokens.busyToken {
                    response.headers[HTTPFields.Element.Name("X-Business-Use-Case-Usage")!] =
                        #"{"1234567890":[{"type":"pages","call_count":100,"total_cputime":40,"total_time":60,"#
                        + #""estimated_time_to_regain_access":15}]}"#
                }
                return response
            } catch {
                return error.response
            }
        }
    }

    /// The parameters as received, sorted, as a stored post's body (the token was already removed).
    static func recordBody(_ fields: [String: String]) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array((try? encoder.encode(fields)) ?? Data("{}".utf8))
    }
}

/// The tokens the sandbox's Graph hosts accept, and the two ways Meta renews them: Facebook Login's long-lived
/// token exchange (`GET /oauth/access_token?grant_type=fb_exchange_token&client_id&client_secret&fb_exchange_token`,
/// app id `sandbox-client`, secret `sandbox-client-secret`) and Instagram Login's
/// `GET /refresh_access_token?grant_type=ig_refresh_token&access_token`. Both answer
/// `{"access_token", "token_type": "bearer", "expires_in"}` with a new token the hosts then accept; an expired or
/// unknown token is refused with a Graph error 190, a wrong app id with 101, a wrong secret with 1.
final class GraphTokens: Sendable {
    static let clientID = "sandbox-client"
    static let clientSecret = "sandbox-client-secret"
    static let expiredToken = "sandbox-expired"
    static let staleToken = "sandbox-stale-token"
    static let throttledToken = "sandbox-throttled"
    static let busyToken = "sandbox-token-busy"
    /// About 60 days, as Meta's long-lived tokens.
    static let lifetime = 5_183_944

    private struct Issued {
        var tokens: Set<String> = []
        var count = 0
    }
    private let issued = Mutex(Issued())

    /// Why a call with `token` is refused, or nil when it is accepted.
    func refusal(of token: String?) -> GraphErrorBody? {
        guard let token, !token.isEmpty else {
            return GraphErrorBody(
                code: 2500, message: "An active access token must be used to query information about the current user.",
                status: .badRequest)
        }
        if token == Self.expiredToken {
            return GraphErrorBody(
                code: 190, subcode: 463,
                message: "Error validating access token: Session has expired on Sunday, 01-Nov-26 00:00:00 PDT.",
                status: .badRequest)
        }
        if token == Self.staleToken {
            return GraphErrorBody(
                code: 190, subcode: 460,
                message: "Error validating access token: The session has been invalidated because the user changed "
                    + "their password or Facebook has changed the session for security reasons.",
                status: .badRequest)
        }
        if token == Self.throttledToken {
            var body = GraphErrorBody(
                code: 32, message: "(#32) Page request limit reached", status: .badRequest, isTransient: false)
            body.headers = [
                (
                    "X-Business-Use-Case-Usage",
                    #"{"1234567890":[{"type":"pages","call_count":100,"total_cputime":12,"total_time":15,"#
                        + #""estimated_time_to_regain_access":7}]}"#
                )
            ]
            return body
        }
        guard token.hasPrefix("sandbox-token") || issued.withLock({ $0.tokens.contains(token) }) else {
            return GraphErrorBody(
                code: 190, message: "Invalid OAuth access token - Cannot parse access token", status: .badRequest)
        }
        return nil
    }

    /// `fb_exchange_token`: the app's id and secret, then the token to exchange.
    func exchange(_ fields: [String: String]) -> Response {
        guard fields["grant_type"] == "fb_exchange_token" else {
            return GraphErrorBody(code: 100, message: "(#100) Invalid grant_type: expected fb_exchange_token").response
        }
        guard fields["client_id"] == Self.clientID else {
            return GraphErrorBody(code: 101, message: "Error validating application. Invalid application ID.").response
        }
        guard fields["client_secret"] == Self.clientSecret else {
            return GraphErrorBody(code: 1, message: "Error validating client secret.").response
        }
        return renew(fields["fb_exchange_token"], prefix: "sandbox-fb-long-lived")
    }

    /// `ig_refresh_token`: the long-lived token to refresh.
    func refresh(_ fields: [String: String]) -> Response {
        guard fields["grant_type"] == "ig_refresh_token" else {
            return GraphErrorBody(code: 100, message: "(#100) Invalid grant_type: expected ig_refresh_token").response
        }
        return renew(fields["access_token"], prefix: "sandbox-ig-refreshed")
    }

    /// A token that can be renewed: valid, or refused only as stale. Expired ones cannot (as on Meta).
    private func renew(_ token: String?, prefix: String) -> Response {
        guard let token, !token.isEmpty else {
            return GraphErrorBody(code: 100, message: "(#100) Missing the token to renew").response
        }
        if token != Self.staleToken, let refusal = refusal(of: token) { return refusal.response }
        let fresh = issued.withLock { issued in
            issued.count += 1
            let fresh = "\(prefix)-\(issued.count)"
            issued.tokens.insert(fresh)
            return fresh
        }
        return SandboxResponse.json([
            "access_token": GraphJSON.string(fresh), "token_type": .string("bearer"), "expires_in": .int(Self.lifetime),
        ])
    }
}

/// A Graph API error answer: `{"error": {"message", "type", "code", "error_subcode", "is_transient", "fbtrace_id"}}`.
struct GraphErrorBody: Error {
    var code: Int
    var subcode: Int?
    var message: String
    var userMessage: String?
    var type = "OAuthException"
    var status: HTTPResponse.Status = .badRequest
    var isTransient = false
    var headers: [(String, String)] = []

    init(
        code: Int, subcode: Int? = nil, message: String, userMessage: String? = nil,
        status: HTTPResponse.Status = .badRequest,
        isTransient: Bool = false
    ) {
        self.code = code
        self.subcode = subcode
        self.message = message
        self.userMessage = userMessage
        self.status = status
        self.isTransient = isTransient
    }

    var response: Response { response(status: status) }

    func response(status: HTTPResponse.Status) -> Response {
        var error: [String: GraphJSON] = [
            "message": .string(message), "type": .string(type), "code": .int(code),
            "is_transient": .bool(isTransient), "fbtrace_id": .string("SandboxTrace\(code)"),
        ]
        if let subcode { error["error_subcode"] = .int(subcode) }
        if let userMessage {
            error["error_user_msg"] = .string(userMessage)
            error["error_user_title"] = .string("Sandbox")
        }
        var response = SandboxResponse.json(status: status, ["error": GraphJSON.object(error)])
        for (name, value) in headers {
            if let field = HTTPFields.Element.Name(name) { response.headers[field] = value }
        }
        return response
    }
}

/// Just enough JSON for Graph answers with mixed value types.
enum GraphJSON: Encodable {
    case string(String)
    case int(Int)
    case bool(Bool)
    case object([String: GraphJSON])
    case array([GraphJSON])

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        }
    }
}

/// Downloads media from the URLs posts name, the way Meta's servers fetch them, and tells what the bytes are.
final class GraphMediaFetcher: Sendable {
    struct Fetched: Sendable {
        var mimeType: String?
        var size: Int
    }

    enum Failure: Error {
        /// The URL could not be fetched (transport error, non-2xx, bad URL).
        case unreachable(String)
    }

    private let http: HTTPClient?

    init() {
        http = try? HTTPClient(configuration: .init(userAgent: "facebookexternalhit/1.1 (spoolpost-sandbox)"))
    }

    func fetch(_ url: String) async -> Result<Fetched, Failure> {
        guard let http else { return .failure(.unreachable("the sandbox has no HTTP client")) }
        guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme?.lowercased() ?? "") else {
            return .failure(.unreachable("not an http or https URL"))
        }
        do {
            let response = try await http.execute(
                SpoolpostIO.HTTPRequest(url: url, timeout: 60, maxResponseBytes: 512 * 1024 * 1024))
            guard (200..<300).contains(response.status) else {
                return .failure(.unreachable("HTTP \(response.status)"))
            }
            return .success(Fetched(mimeType: MediaSniffer.detect(response.body)?.mimeType, size: response.body.count))
        } catch {
            return .failure(.unreachable(error.message))
        }
    }
}
