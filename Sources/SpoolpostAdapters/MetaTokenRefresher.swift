// Meta's token renewal flows followed (they differ only in endpoint and parameters):
//   Facebook Login, long-lived token exchange (`GET {graph}/oauth/access_token?grant_type=fb_exchange_token
//     &client_id={app-id}&client_secret={app-secret}&fb_exchange_token={token}` → access_token, token_type,
//     expires_in; an expired token cannot be exchanged):
//     https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived
//   Instagram API with Instagram Login (`GET https://graph.instagram.com/refresh_access_token
//     ?grant_type=ig_refresh_token&access_token=`; the token must be at least 24 hours old and unexpired):
//     https://developers.facebook.com/docs/instagram-platform/reference/refresh_access_token
//   Threads (`GET https://graph.threads.net/refresh_access_token?grant_type=th_refresh_token&access_token=`):
//     https://developers.facebook.com/docs/threads/get-started/long-lived-tokens
import Foundation
public import SpoolpostCore
public import SpoolpostIO

/// The access token of one Meta account (a Facebook Page, an Instagram or a Threads profile), shared by every
/// attempt of the account, and its renewal.
///
/// - A token whose `expires_at` is within ``refreshMargin`` is renewed before it is used.
/// - A request refused as AUTH_EXPIRED (Graph error 190) gets one renewal and one repeat: the refused request had
///   no effect, so repeating it is safe, including the request that makes a post public.
/// - The renewed token is written to the credentials file (mode 0600, atomically) before it is used.
/// - Concurrent attempts that need a renewal share one request; a renewal refused for a token is not asked again
///   for that token.
/// - A renewal that fails is AUTH_EXPIRED naming the account to re-authorise. Token values never appear in the
///   errors it throws.
/// - Before renewing, the credentials file is read again: a token a person put there (re-authorising the account)
///   or another session renewed is used as it is, without a SIGHUP and without renewing.
public actor MetaTokenRefresher {
    /// How a token is renewed.
    public enum Flow: String, Sendable, CaseIterable {
        /// `GET {endpointBase}/oauth/access_token?grant_type=fb_exchange_token&client_id&client_secret`
        /// `&fb_exchange_token`: Facebook Login tokens (Pages, and Instagram with Facebook Login). Needs `client_id` and `client_secret`
        /// (the app's id and secret) in the credentials file.
        case facebookExchange = "fb_exchange_token"
        /// `GET {endpointBase}/refresh_access_token?grant_type=ig_refresh_token&access_token`: Instagram Login.
        case instagramRefresh = "ig_refresh_token"
        /// `GET {endpointBase}/refresh_access_token?grant_type=th_refresh_token&access_token`: Threads.
        case threadsRefresh = "th_refresh_token"
    }

    /// Renew a long-lived token when it has less than this left (7 days of its 60).
    public static let defaultRefreshMargin: Double = 7 * 24 * 3600

    public nonisolated let flow: Flow
    public nonisolated let platform: Platform
    public nonisolated let account: String
    public nonisolated let refreshMargin: Double
    private let endpointBase: String
    private let http: HTTPClient
    private var credentials: Credentials
    private var accessToken: String
    private var expiresAt: Date?
    private var renewal: Task<Result<String, SpoolpostError>, Never>?
    /// Every token value this account has used, so an error message that echoes one can be cleaned.
    private var knownTokens: Set<String>
    /// The token a renewal was refused for, and why: asking again for the same token would fail the same way.
    private var refused: (token: String, error: SpoolpostError)?
    /// After an early renewal fails for a passing reason, the next one waits until then (the token still works).
    private var nextEarlyRenewal: Date?

    /// - Parameters:
    ///   - credentials: the account's credentials file (`access_token`, optional `expires_at` as Unix seconds or
    ///     RFC 3339, and for ``Flow/facebookExchange`` `client_id` and `client_secret`). A file with an empty
    ///     path keeps renewed tokens in memory only.
    ///   - endpointBase: where the flow's endpoint lives (`https://graph.facebook.com/v21.0`,
    ///     `https://graph.instagram.com`, `https://graph.threads.net`), without a trailing slash.
    public init(
        credentials: Credentials, flow: Flow, endpointBase: String, platform: Platform, account: String,
        refreshMargin: Double = MetaTokenRefresher.defaultRefreshMargin, http: HTTPClient
    ) throws(SpoolpostError) {
        guard let token = credentials["access_token"], !token.isEmpty else {
            throw SpoolpostError(
                .invalidConfig, "account '\(account)': the credentials file has no `access_token`")
        }
        var expiresAt: Date?
        if let text = credentials["expires_at"] {
            guard let date = OAuth2TokenSession.parseExpiry(text) else {
                throw SpoolpostError(
                    .invalidConfig,
                    "account '\(account)': credentials `expires_at` '\(text)' is neither Unix seconds nor RFC 3339")
            }
            expiresAt = date
        }
        self.init(
            credentials: credentials, accessToken: token, expiresAt: expiresAt, flow: flow, endpointBase: endpointBase,
            platform: platform, account: account, refreshMargin: refreshMargin, http: http)
    }

    /// A bare token with no credentials file behind it: renewed tokens are kept in memory only, and the exchange
    /// flow, having no app id and secret, cannot renew at all.
    public init(
        accessToken: String, flow: Flow, endpointBase: String, platform: Platform, account: String, http: HTTPClient
    ) {
        self.init(
            credentials: Credentials(path: "", values: ["access_token": accessToken]), accessToken: accessToken,
            expiresAt: nil, flow: flow, endpointBase: endpointBase, platform: platform, account: account,
            refreshMargin: Self.defaultRefreshMargin, http: http)
    }

    private init(
        credentials: Credentials, accessToken: String, expiresAt: Date?, flow: Flow, endpointBase: String,
        platform: Platform, account: String, refreshMargin: Double, http: HTTPClient
    ) {
        self.credentials = credentials
        self.accessToken = accessToken
        self.expiresAt = expiresAt
        self.knownTokens = [accessToken]
        self.flow = flow
        self.endpointBase = endpointBase.hasSuffix("/") ? String(endpointBase.dropLast()) : endpointBase
        self.platform = platform
        self.account = account
        self.refreshMargin = refreshMargin
        self.http = http
    }

    /// Whether the credentials hold what the flow needs (the exchange needs the app's id and secret).
    public var canRefresh: Bool {
        flow != .facebookExchange || (credentials["client_id"] != nil && credentials["client_secret"] != nil)
    }

    /// The token's expiry from the credentials file or the last renewal, if known.
    public var expiry: Date? { expiresAt }

    /// Runs `send` with the account's token, renewed first when it is about to expire. When `send` fails with
    /// AUTH_EXPIRED, the token is renewed once and `send` runs once more with the new one. Errors never carry a
    /// token value.
    public nonisolated func withToken<Value>(
        _ send: (String) async throws(SpoolpostError) -> Value
    ) async throws(SpoolpostError) -> Value {
        let token: String
        do throws(SpoolpostError) {
            token = try await currentToken()
        } catch {
            throw await redacted(error)
        }
        do throws(SpoolpostError) {
            return try await send(token)
        } catch where error.code == .authExpired {
            let fresh: String
            do throws(SpoolpostError) {
                fresh = try await renew(replacing: token, refusal: error)
            } catch {
                throw await redacted(error)
            }
            do throws(SpoolpostError) {
                return try await send(fresh)
            } catch where error.code == .authExpired {
                throw await redacted(reauthorise(error, because: "it refused the renewed token too"))
            } catch {
                throw await redacted(error)
            }
        } catch {
            throw await redacted(error)
        }
    }

    /// The current token, renewed first when `expires_at` is within the margin. A failed early renewal keeps the
    /// token while it is still valid (and is not tried again for an hour); past its expiry the failure is the
    /// answer.
    public func currentToken(now: Date = Date()) async throws(SpoolpostError) -> String {
        guard let expiresAt, expiresAt.timeIntervalSince(now) < refreshMargin, canRefresh else { return accessToken }
        let expired = expiresAt.timeIntervalSince(now) <= 0
        if !expired, let nextEarlyRenewal, now < nextEarlyRenewal { return accessToken }
        do throws(SpoolpostError) {
            return try await renew(replacing: accessToken, refusal: nil)
        } catch {
            if expired { throw error }
            nextEarlyRenewal = now.addingTimeInterval(3600)
            return accessToken
        }
    }

    /// Renews the token unless another attempt already replaced `rejected`, sharing a renewal in flight.
    /// `refusal` is the API's AUTH_EXPIRED answer that made the renewal necessary (nil for an early renewal).
    func renew(replacing rejected: String, refusal: SpoolpostError?) async throws(SpoolpostError) -> String {
        if accessToken != rejected { return accessToken }
        if renewal == nil, let replacement = adoptTokenFromFile(replacing: rejected) { return replacement }
        if let refused, refused.token == rejected { throw refused.error }
        guard canRefresh else {
            throw reauthorise(
                refusal ?? SpoolpostError(.authExpired, "\(service): the access token is about to expire"),
                because: "the credentials file has no client_id and client_secret (the app's id and secret) to "
                    + "exchange the token")
        }
        let task: Task<Result<String, SpoolpostError>, Never>
        if let renewal {
            task = renewal
        } else {
            task = Task { await self.performRenewal(of: rejected) }
            renewal = task
        }
        let result = await task.value
        if renewal == task { renewal = nil }
        return try result.get()
    }

    private func performRenewal(of token: String) async -> Result<String, SpoolpostError> {
        do throws(SpoolpostError) {
            let (fresh, expiresIn) = try await requestRenewal(of: token)
            try store(fresh, expiresIn: expiresIn)
            return .success(fresh)
        } catch {
            if error.code == .authExpired { refused = (token, error) }
            return .failure(error)
        }
    }

    /// The flow's GET request; the token travels in the query, as Meta's endpoints require, so neither the URL
    /// nor a transport error mentioning it ever reaches a message.
    private func requestRenewal(of token: String) async throws(SpoolpostError) -> (String, Double?) {
        let query: [(String, String)]
        let path: String
        switch flow {
        case .facebookExchange:
            path = "/oauth/access_token"
            query = [
                ("grant_type", flow.rawValue), ("client_id", credentials["client_id"] ?? ""),
                ("client_secret", credentials["client_secret"] ?? ""), ("fb_exchange_token", token),
            ]
        case .instagramRefresh, .threadsRefresh:
            path = "/refresh_access_token"
            query = [("grant_type", flow.rawValue), ("access_token", token)]
        }
        let what = "the token endpoint of \(service)"
        let response: HTTPResponse
        do {
            response = try await http.execute(
                HTTPRequest(method: "GET", url: endpointBase + path + "?" + WebFormEncoding.encode(query), timeout: 60))
        } catch {
            throw HTTPFailureClassifier.classify(error, service: what, repeatable: true)
        }
        let object = GraphAnswer.object(response)
        if (200..<300).contains(response.status), let fresh = object?["access_token"] as? String, !fresh.isEmpty {
            return (fresh, (object?["expires_in"] as? NSNumber)?.doubleValue)
        }
        if response.status >= 500 || response.status == 429 {
            // The endpoint is down or busy: the token may still be renewable later.
            throw GraphAPIError.classify(response, service: what)
        }
        let graph = GraphAPIError.parse(response.body)
        let reason = graph.map { "\($0.message) (code \($0.platformCode))" } ?? "HTTP \(response.status)"
        throw reauthorise(
            SpoolpostError(.authExpired, "\(service) refused to renew the access token: \(reason)",
                platformCode: graph?.platformCode ?? String(response.status)),
            because: "renewing the token failed")
    }

    /// The credentials file's token when it is no longer `rejected` and has not expired; the session takes the
    /// file's values as its own.
    private func adoptTokenFromFile(replacing rejected: String) -> String? {
        guard !credentials.path.isEmpty, let onDisk = try? Credentials.load(path: credentials.path),
            let token = onDisk["access_token"], !token.isEmpty, token != rejected
        else { return nil }
        let expiry = onDisk["expires_at"].flatMap(OAuth2TokenSession.parseExpiry)
        if let expiry, expiry.timeIntervalSinceNow <= 0 { return nil }
        credentials = onDisk
        accessToken = token
        expiresAt = expiry
        knownTokens.insert(token)
        nextEarlyRenewal = nil
        return token
    }

    /// Durable before use: the new token is in the credentials file before any request carries it.
    private func store(_ fresh: String, expiresIn: Double?) throws(SpoolpostError) {
        var values = credentials.updating(["access_token": fresh])
        let expiresAt = expiresIn.flatMap { $0 > 0 ? Date().addingTimeInterval($0) : nil }
        // A token without `expires_in` does not expire (a Page token from a long-lived user token).
        values["expires_at"] = expiresAt.map { String(Int($0.timeIntervalSince1970)) }
        if !credentials.path.isEmpty {
            try Credentials.save(path: credentials.path, values: values)
        }
        credentials = Credentials(path: credentials.path, values: values)
        accessToken = fresh
        self.expiresAt = expiresAt
        knownTokens.insert(fresh)
    }

    private var service: String { "\(platform.rawValue) '\(account)'" }

    /// AUTH_EXPIRED telling which account to re-authorise and where its token goes.
    private nonisolated func reauthorise(_ error: SpoolpostError, because reason: String) -> SpoolpostError {
        SpoolpostError(
            .authExpired,
            "\(error.message); \(reason): re-authorise the \(platform.rawValue) account '\(account)' and put the new "
                + "access token in its credentials file",
            platformCode: error.platformCode)
    }

    /// `error` with every token this account has used replaced by `[token]`.
    private func redacted(_ error: SpoolpostError) -> SpoolpostError {
        var error = error
        for token in knownTokens where !token.isEmpty {
            error.message = error.message.replacingOccurrences(of: token, with: "[token]")
        }
        return error
    }
}
