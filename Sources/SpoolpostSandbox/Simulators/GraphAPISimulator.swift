import Foundation
import Hummingbird
import SpoolpostIO

/// Meta's Graph API host as the sandbox plays it: Facebook Pages and Instagram share `graph.facebook.com`,
/// so one router registers both networks' edges and answers node reads (`GET /{id}`) from whichever simulator
/// owns the id.
///
/// Tokens: `sandbox-token` (and any token starting with it) is valid; `sandbox-expired` fails like an expired
/// token (190/463); `sandbox-throttled` fails like a throttled Page (code 32, with `X-Business-Use-Case-Usage`
/// asking for 7 minutes); anything else is an invalid token (190). Tokens come in `Authorization: Bearer` or
/// an `access_token` parameter.
struct GraphAPISimulator: NetworkSimulator {
    static let network = "graph"
    static let idPrefix = "graph"
    static let pathPrefix = "/graph.facebook.com/v21.0"

    let facebook: FacebookSimulator
    let instagram: InstagramSimulator

    init(environment: SandboxEnvironment) {
        let fetcher = GraphMediaFetcher()
        facebook = FacebookSimulator(environment: environment, fetcher: fetcher)
        instagram = InstagramSimulator(environment: environment, fetcher: fetcher)
    }

    func addRoutes(to router: Router<BasicRequestContext>) {
        facebook.addRoutes(to: router)
        instagram.addRoutes(to: router)
        router.get(RouterPath(Self.pathPrefix + "/{id}")) { request, context in
            let id = context.parameters.get("id") ?? ""
            let call: GraphCall
            switch await GraphCall.read(request, environment: facebook.environment) {
            case .success(let read): call = read
            case .failure(let refusal): return refusal.response
            }
            if let answer = instagram.node(id: id, call: call) ?? facebook.node(id: id, call: call) {
                return answer
            }
            return GraphErrorBody(
                code: 100, subcode: 33,
                message: "Unsupported get request. Object with ID '\(id)' does not exist, cannot be loaded due to "
                    + "missing permissions, or does not support this operation."
            ).response(status: .badRequest)
        }
    }
}

/// One Graph API call: its parameters (query string and form body together) after the token check.
struct GraphCall {
    var fields: [String: String]

    /// Reads the parameters and checks the token; a refusal is a Graph error body.
    static func read(_ request: Request, environment: SandboxEnvironment) async -> Result<GraphCall, GraphErrorBody> {
        var fields = decode(request.uri.query ?? "")
        if request.method == .post {
            guard
                case .success(let body) = await SandboxRequest.collectBody(
                    request, limit: environment.configuration.maxBodyBytes)
            else {
                return .failure(GraphErrorBody(code: 100, message: "(#100) The request body is too large"))
            }
            for (key, value) in decode(String(decoding: body, as: UTF8.self)) { fields[key] = value }
        }
        var token = fields.removeValue(forKey: "access_token")
        if let header = SandboxRequest.header(request, named: "Authorization") {
            for scheme in ["Bearer ", "OAuth "] where header.hasPrefix(scheme) {
                token = String(header.dropFirst(scheme.count))
            }
        }
        if let refusal = check(token: token) { return .failure(refusal) }
        return .success(GraphCall(fields: fields))
    }

    /// Runs `body` on the checked call; a refusal or a thrown Graph error becomes the response.
    static func answer(
        _ request: Request, environment: SandboxEnvironment, _ body: (GraphCall) async throws(GraphErrorBody) -> Response
    ) async -> Response {
        switch await read(request, environment: environment) {
        case .failure(let refusal): return refusal.response
        case .success(let call):
            do throws(GraphErrorBody) {
                return try await body(call)
            } catch {
                return error.response
            }
        }
    }

    static func check(token: String?) -> GraphErrorBody? {
        guard let token, !token.isEmpty else {
            return GraphErrorBody(
                code: 2500, message: "An active access token must be used to query information about the current user.",
                status: .badRequest)
        }
        if token == "sandbox-expired" {
            return GraphErrorBody(
                code: 190, subcode: 463,
                message: "Error validating access token: Session has expired on Sunday, 01-Nov-26 00:00:00 PDT.",
                status: .badRequest)
        }
        if token == "sandbox-throttled" {
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
        guard token.hasPrefix("sandbox-token") else {
            return GraphErrorBody(
                code: 190, message: "Invalid OAuth access token - Cannot parse access token", status: .badRequest)
        }
        return nil
    }

    /// The parameters as received, sorted, as a stored post's body (the token was already removed).
    static func recordBody(_ fields: [String: String]) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array((try? encoder.encode(fields)) ?? Data("{}".utf8))
    }

    /// `application/x-www-form-urlencoded` pairs (`+` is a space).
    static func decode(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = String(parts[0]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            let value =
                parts.count > 1
                ? (String(parts[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "") : ""
            if !key.isEmpty { fields[key] = value }
        }
        return fields
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
            return .success(Fetched(mimeType: Self.sniff(response.body), size: response.body.count))
        } catch {
            return .failure(.unreachable(error.message))
        }
    }

    /// The media type from the leading bytes.
    static func sniff(_ bytes: [UInt8]) -> String? {
        func starts(_ prefix: [UInt8], at offset: Int = 0) -> Bool {
            bytes.count >= offset + prefix.count && Array(bytes[offset..<(offset + prefix.count)]) == prefix
        }
        if starts([0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
        if starts([0x89, 0x50, 0x4E, 0x47]) { return "image/png" }
        if starts(Array("GIF8".utf8)) { return "image/gif" }
        if starts(Array("RIFF".utf8)) && starts(Array("WEBP".utf8), at: 8) { return "image/webp" }
        if starts(Array("ftyp".utf8), at: 4) {
            return starts(Array("qt  ".utf8), at: 8) ? "video/quicktime" : "video/mp4"
        }
        return nil
    }
}
