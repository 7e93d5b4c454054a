import Foundation
import Synchronization
public import SpoolpostCore
public import SpoolpostIO

/// An account's OAuth 2.0 access token and its refresh (RFC 6749 section 6), shared by every attempt of the
/// account so that concurrent posts refresh once.
///
/// A refreshed token pair is written back to the credentials file (mode 0600, atomically) before the new access
/// token is used, because some networks (X, LinkedIn) rotate refresh tokens: losing the new one, or presenting
/// the old one twice, would lock the account out. For the same reason one refresh at a time runs per credentials
/// file in the whole process, and it starts from what the file holds then: after a SIGHUP, the session of the
/// rebuilt adapter and the one still finishing a post share the file, and the file is the newest truth.
public actor OAuth2TokenSession {
    /// How the client proves who it is to the token endpoint.
    public enum ClientAuthentication: Sendable {
        /// `Authorization: Basic base64(client_id:client_secret)` when there is a secret, else `client_id` in the
        /// body (X's confidential and public clients).
        case basicWhenSecret
        /// `client_id` and `client_secret` in the form body (Google).
        case formBody
    }

    private var values: [String: String]
    private let path: String?
    private let tokenURL: String
    private let authentication: ClientAuthentication
    private let http: HTTPClient
    private let service: String
    private let refreshMargin: Double

    private typealias Refresh = Task<Result<[String: String], SpoolpostError>, Never>
    /// Refreshes in flight, by credentials file (or by session, for credentials that have no file).
    private static let refreshesInFlight = Mutex<[String: Refresh]>([:])

    /// - Parameter refreshMargin: a token with less than this many seconds before `expires_at` is refreshed
    ///   before use.
    public init(
        credentials: Credentials, tokenURL: String, authentication: ClientAuthentication, http: HTTPClient,
        service: String, refreshMargin: Double = 60
    ) {
        self.values = credentials.updating([:])
        self.path = credentials.path.isEmpty ? nil : credentials.path
        self.tokenURL = tokenURL
        self.authentication = authentication
        self.http = http
        self.service = service
        self.refreshMargin = refreshMargin
    }

    /// Whether a refresh is possible at all (a refresh token and a client id).
    var canRefresh: Bool { values["refresh_token"] != nil && values["client_id"] != nil }

    /// The current access token, refreshed first when `expires_at` is less than the refresh margin away.
    public func accessToken(now: Date = Date()) async throws(SpoolpostError) -> String {
        if let expiry = values["expires_at"].flatMap(Self.parseExpiry), expiry.timeIntervalSince(now) < refreshMargin,
            canRefresh
        {
            return try await refresh()
        }
        guard let token = values["access_token"], !token.isEmpty else {
            throw missingAccessToken
        }
        return token
    }

    /// The token to repeat a refused request with: the one another attempt or a person (in the credentials file)
    /// put in place of `rejected`, or a refreshed one. Nil when there is none to be had, so that the caller reports
    /// the network's own refusal.
    public func replacement(for rejected: String) async throws(SpoolpostError) -> String? {
        if let current = values["access_token"], current != rejected { return current }
        guard canRefresh || fileHoldsAnotherToken(than: rejected) else { return nil }
        return try await refresh()
    }

    private func fileHoldsAnotherToken(than rejected: String) -> Bool {
        guard let path, let token = (try? Credentials.load(path: path))?["access_token"] else { return false }
        return !token.isEmpty && token != rejected
    }

    /// Joins the refresh in flight for this credentials file, or starts one; adopts the values it ends with.
    private func refresh() async throws(SpoolpostError) -> String {
        let key = path ?? "session \(ObjectIdentifier(self))"
        let known = values
        let task = Self.refreshesInFlight.withLock { refreshes in
            if let running = refreshes[key] { return running }
            let task = Refresh { await self.performRefresh(known: known) }
            refreshes[key] = task
            return task
        }
        let result = await task.value
        Self.refreshesInFlight.withLock { refreshes in
            if refreshes[key] == task { refreshes[key] = nil }
        }
        let updated = try result.get()
        values = updated
        guard let access = updated["access_token"] else {
            throw missingAccessToken
        }
        return access
    }

    /// One refresh. When the file already holds tokens other than `known` (another session refreshed, or a person
    /// re-authorised the account) and its access token is not about to expire, those are the answer; otherwise its
    /// refresh token is spent, and the new pair is saved over what the file holds before anyone uses it.
    private nonisolated func performRefresh(known: [String: String]) async -> Result<[String: String], SpoolpostError> {
        var current = known
        if let path, let onDisk = try? Credentials.load(path: path) {
            current = onDisk.updating([:])
            let replaced = current["refresh_token"] != known["refresh_token"]
                || current["access_token"] != known["access_token"]
            let expiry = current["expires_at"].flatMap(Self.parseExpiry)
            if replaced, current["access_token"]?.isEmpty == false,
                expiry.map({ $0.timeIntervalSinceNow >= refreshMargin }) ?? true
            {
                return .success(current)
            }
        }
        do throws(SpoolpostError) {
            let changes = try await requestNewTokens(with: current)
            let updated = current.merging(changes) { $1 }
            if let path {
                // Durable before use: a crash after this line keeps the new (possibly single-use) refresh token.
                try Credentials.save(path: path, values: updated)
            }
            return .success(updated)
        } catch {
            return .failure(error)
        }
    }

    /// The token endpoint's new access token (and refresh token and expiry, when it sends them).
    private nonisolated func requestNewTokens(with values: [String: String]) async throws(SpoolpostError)
        -> [String: String]
    {
        guard let refreshToken = values["refresh_token"], let clientID = values["client_id"] else {
            throw SpoolpostError(
                .authExpired,
                "\(service) refused the access token and the credentials file has no refresh_token and client_id to "
                    + "renew it; re-authorise the account")
        }
        var form = [("grant_type", "refresh_token"), ("refresh_token", refreshToken)]
        var headers = [HTTPHeader(name: "Content-Type", value: "application/x-www-form-urlencoded")]
        let secret = values["client_secret"]
        switch authentication {
        case .basicWhenSecret:
            if let secret {
                let basic = Data("\(clientID):\(secret)".utf8).base64EncodedString()
                headers.append(HTTPHeader(name: "Authorization", value: "Basic \(basic)"))
            } else {
                form.append(("client_id", clientID))
            }
        case .formBody:
            form.append(("client_id", clientID))
            if let secret { form.append(("client_secret", secret)) }
        }
        let body = WebFormEncoding.encode(form)
        let response: HTTPResponse
        do {
            response = try await http.execute(
                HTTPRequest(method: "POST", url: tokenURL, headers: headers, body: .bytes(Array(body.utf8))))
        } catch {
            throw HTTPFailureClassifier.classify(error, service: "the token endpoint of \(service)", repeatable: true)
        }
        let object = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]
        guard (200..<300).contains(response.status), let access = object?["access_token"] as? String else {
            if response.status >= 500 || response.status == 429 {
                throw HTTPFailureClassifier.classify(response, service: "the token endpoint of \(service)")
            }
            // RFC 6749 section 5.2: `error` is the structured reason (invalid_grant: revoked or used refresh token).
            let reason = object?["error"] as? String ?? "HTTP \(response.status)"
            throw SpoolpostError(
                .authExpired,
                "\(service) refused to refresh the access token (\(reason)); re-authorise the account",
                platformCode: reason)
        }
        var changes = ["access_token": access]
        if let newRefresh = object?["refresh_token"] as? String { changes["refresh_token"] = newRefresh }
        if let seconds = (object?["expires_in"] as? NSNumber)?.doubleValue {
            changes["expires_at"] = String(Int(Date().timeIntervalSince1970 + seconds))
        }
        return changes
    }

    private var missingAccessToken: SpoolpostError {
        SpoolpostError(.authExpired, "\(service): the credentials file has no access_token; re-authorise the account")
    }

    /// `expires_at` as epoch seconds or an RFC 3339 time.
    static func parseExpiry(_ text: String) -> Date? {
        if let seconds = Double(text) { return Date(timeIntervalSince1970: seconds) }
        return RFC3339.parse(text)
    }
}
