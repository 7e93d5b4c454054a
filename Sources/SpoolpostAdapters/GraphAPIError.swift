import Foundation
public import SpoolpostCore
public import SpoolpostIO

/// The error object of Meta's Graph API (Facebook Pages and Instagram), and how we classify it.
///
/// Reference: https://developers.facebook.com/docs/graph-api/guides/error-handling (codes and recovery),
/// https://developers.facebook.com/docs/graph-api/overview/rate-limiting (`X-App-Usage`,
/// `X-Business-Use-Case-Usage` with `estimated_time_to_regain_access` in minutes).
///
/// `{"error": {"message", "type", "code", "error_subcode", "is_transient", "error_user_title",
/// "error_user_msg", "fbtrace_id"}}`. Classification reads `code`, `error_subcode`, `is_transient` and `type`,
/// never the message text.
public struct GraphAPIError: Sendable, Hashable {
    public var code: Int
    public var subcode: Int?
    public var type: String?
    public var message: String
    public var userMessage: String?
    public var isTransient: Bool
    public var traceID: String?

    public init(
        code: Int, subcode: Int? = nil, type: String? = nil, message: String, userMessage: String? = nil,
        isTransient: Bool = false, traceID: String? = nil
    ) {
        self.code = code
        self.subcode = subcode
        self.type = type
        self.message = message
        self.userMessage = userMessage
        self.isTransient = isTransient
        self.traceID = traceID
    }

    /// The error object of a response body, when it has one.
    public static func parse(_ body: [UInt8]) -> GraphAPIError? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
            let error = object["error"] as? [String: Any], let code = integer(error["code"])
        else { return nil }
        return GraphAPIError(
            code: code, subcode: integer(error["error_subcode"]), type: error["type"] as? String,
            message: (error["message"] as? String) ?? "", userMessage: error["error_user_msg"] as? String,
            isTransient: (error["is_transient"] as? Bool) ?? false, traceID: error["fbtrace_id"] as? String)
    }

    /// `190/463` style, for `SpoolpostError.platformCode`.
    public var platformCode: String { subcode.map { "\(code)/\($0)" } ?? String(code) }

    /// Codes of Meta's throttling: app (4), user (17), page (32), custom/action (613), business use case
    /// (80000-80014, the Pages one is 80001).
    static func isRateLimit(_ code: Int) -> Bool {
        [4, 17, 32, 341, 613].contains(code) || (80000...80014).contains(code)
    }

    /// Classifies a failed Graph API response (any status with an error object, or a non-2xx without one).
    /// `service` names the network and account in the message so a person knows what to fix.
    public static func classify(_ response: HTTPResponse, service: String, now: Date = Date()) -> SpoolpostError {
        guard let graph = parse(response.body) else {
            return HTTPFailureClassifier.classify(response, service: service, now: now)
        }
        let headerWait = GraphRateLimitHeaders.retryAfter(response, now: now)
        let detail = graph.userMessage.map { "\(graph.message) (\($0))" } ?? graph.message
        let what = "\(service) answered Graph API error \(graph.platformCode): \(detail)"
        let code = graph.platformCode
        switch graph.code {
        case 190, 102:
            return SpoolpostError(
                .authExpired,
                "\(what); the access token is expired or revoked: get a new token and put it in the account's "
                    + "credentials file", platformCode: code)
        case let value where isRateLimit(value):
            return SpoolpostError(.rateLimit, what, retryable: true, retryAfter: headerWait, platformCode: code)
        case 1, 2:
            return SpoolpostError(.serverError, what, retryable: true, retryAfter: headerWait, platformCode: code)
        case 368:
            // Temporarily blocked for policy reasons: Meta says wait and retry.
            return SpoolpostError(.forbidden, what, retryable: true, retryAfter: headerWait, platformCode: code)
        case 3, 10, 200...299:
            return SpoolpostError(
                .forbidden, "\(what); the token lacks a permission or the app a capability needed to publish",
                platformCode: code)
        case 803:
            return SpoolpostError(.notFound, what, platformCode: code)
        default:
            if graph.isTransient || response.status >= 500 {
                return SpoolpostError(
                    .serverError, what, retryable: true, retryAfter: headerWait, platformCode: code)
            }
            if graph.type == "OAuthException" && response.status == 401 {
                return SpoolpostError(.authExpired, what, platformCode: code)
            }
            return SpoolpostError(.rejected, what, platformCode: code)
        }
    }

    private static func integer(_ value: Any?) -> Int? {
        if let number = value as? NSNumber { return number.intValue }
        if let text = value as? String { return Int(text) }
        return nil
    }
}

/// Meta's usage headers: how long until calls are accepted again.
enum GraphRateLimitHeaders {
    /// The longest wait any header asks for, in seconds: `Retry-After`, and the largest
    /// `estimated_time_to_regain_access` (minutes) in `X-Business-Use-Case-Usage` or `X-App-Usage`.
    static func retryAfter(_ response: HTTPResponse, now: Date) -> Double? {
        var waits: [Double] = []
        if let value = response.header("Retry-After"), let seconds = RetryAfter.seconds(from: value, now: now) {
            waits.append(seconds)
        }
        for name in ["X-Business-Use-Case-Usage", "X-App-Usage", "X-Page-Usage"] {
            guard let text = response.header(name),
                let object = try? JSONSerialization.jsonObject(with: Data(text.utf8))
            else { continue }
            waits += minutesToRegainAccess(in: object).map { $0 * 60 }
        }
        return waits.filter { $0 > 0 }.max()
    }

    /// Every `estimated_time_to_regain_access` in the header's JSON, wherever it is nested
    /// (`{"<business id>": [{"type": "pages", ...}]}` or a flat object).
    private static func minutesToRegainAccess(in value: Any) -> [Double] {
        if let object = value as? [String: Any] {
            var found: [Double] = []
            for (key, item) in object {
                if key == "estimated_time_to_regain_access", let number = item as? NSNumber {
                    found.append(number.doubleValue)
                } else {
                    found += minutesToRegainAccess(in: item)
                }
            }
            return found
        }
        if let array = value as? [Any] { return array.flatMap(minutesToRegainAccess) }
        return []
    }
}

/// Reading Graph API answers.
enum GraphAnswer {
    /// The JSON object of a 2xx body.
    static func object(_ response: HTTPResponse) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]
    }

    /// Sends one Graph request and reads its answer: transport failures and error answers are classified
    /// (``GraphAPIError/classify(_:service:now:)``, then `refine` for a network's own cases), a 2xx body must be a
    /// JSON object. A request that is not repeatable goes out on a fresh connection, and an unreadable answer to
    /// it is UNKNOWN_OUTCOME (it may have published).
    static func send(
        _ request: HTTPRequest, repeatable: Bool, http: HTTPClient, service: String, quota: AccountQuota? = nil,
        refine: (SpoolpostError) -> SpoolpostError = { $0 }
    ) async throws(SpoolpostError) -> [String: Any] {
        var request = request
        request.freshConnection = !repeatable
        let response: HTTPResponse
        do {
            response = try await http.execute(request)
        } catch {
            throw HTTPFailureClassifier.classify(error, service: service, repeatable: repeatable)
        }
        guard (200..<300).contains(response.status) else {
            throw refine(GraphAPIError.classify(response, service: service))
        }
        // A call can succeed while Meta's usage headers already say the next ones will be throttled.
        let now = Date()
        if let quota, let wait = GraphRateLimitHeaders.retryAfter(response, now: now) {
            quota.spend(
                until: now.addingTimeInterval(wait),
                reason: "\(service)'s usage headers ask to wait \(Int(wait.rounded(.up))) s before the next call")
        }
        guard let answer = object(response) else {
            if !repeatable {
                throw SpoolpostError(
                    .unknownOutcome,
                    "\(service) answered HTTP \(response.status) with an unreadable body; it may have published")
            }
            throw SpoolpostError(
                .serverError, "\(service) answered HTTP \(response.status) with an unreadable body", retryable: true)
        }
        return answer
    }

    /// A Graph `timestamp` (`2026-11-29T06:00:00+0000`, as Meta writes it, or with `Z`).
    static func timestamp(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ssZ"
        return formatter.date(from: text) ?? ISO8601DateFormatter().date(from: text)
    }

    /// The time a publish request left, as the `publish_sent_at` step records it (Unix seconds), for looking the
    /// post up after a lost answer.
    static func sentAtNow() -> String { String(Int(Date().timeIntervalSince1970)) }

    /// A Graph id field, which Meta sends as a string (and some endpoints as a number).
    static func id(_ value: Any?) -> String? {
        if let text = value as? String, !text.isEmpty { return text }
        if let number = value as? NSNumber { return number.stringValue }
        return nil
    }
}
