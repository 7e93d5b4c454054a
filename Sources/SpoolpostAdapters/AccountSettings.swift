import Foundation
import SpoolpostCore
import SpoolpostIO

/// An account's settings and credentials read the way every adapter reads them: each problem becomes an
/// INVALID_CONFIG error that names the account, so a person knows which block of spoolpost.yaml to fix.
/// What each network requires (keys, defaults, limits) stays in its adapter.
struct AccountSettings {
    let account: AccountConfig

    init(_ account: AccountConfig) {
        self.account = account
    }

    var name: String { account.name }

    /// An INVALID_CONFIG error about this account.
    func invalid(_ message: String) -> SpoolpostError {
        SpoolpostError(.invalidConfig, "account '\(account.name)': \(message)")
    }

    /// A setting's text, or nil when it is not set.
    func string(_ key: String) -> String? {
        account.string(key)
    }

    /// A setting that must be present and non-empty; `missing` says what the network needs.
    func required(_ key: String, missing: String) throws(SpoolpostError) -> String {
        guard let value = account.string(key), !value.isEmpty else { throw invalid(missing) }
        return value
    }

    /// A credential that must be present and non-empty; `missing` says what the network needs.
    func requiredCredential(
        _ key: String, in credentials: Credentials?, missing: String
    ) throws(SpoolpostError) -> String {
        guard let value = credentials?[key], !value.isEmpty else { throw invalid(missing) }
        return value
    }

    /// An http or https URL (`value` when unset), as written.
    func url(_ key: String, default value: String) throws(SpoolpostError) -> String {
        let text = account.string(key) ?? value
        guard Self.isWebURL(text) else { throw invalid("\(key) '\(text)' is not an http or https URL") }
        return text
    }

    /// An http or https URL (`value` when unset) that paths are appended to, without a trailing slash.
    func baseURL(_ key: String, default value: String) throws(SpoolpostError) -> String {
        let text = try url(key, default: value)
        return text.hasSuffix("/") ? String(text.dropLast()) : text
    }

    /// A duration in seconds (`value` when unset); `allowsZero: false` refuses 0.
    func seconds(_ key: String, default value: Double, allowsZero: Bool = true) throws(SpoolpostError) -> Double {
        guard let text = account.string(key) else { return value }
        guard let seconds = DurationParser.seconds(text), allowsZero ? seconds >= 0 : seconds > 0 else {
            throw invalid("\(key) '\(text)' is not a duration")
        }
        return seconds
    }

    /// A count of at least 1 (`value` when unset).
    func positiveCount(_ key: String, default value: Int) throws(SpoolpostError) -> Int {
        guard let text = account.string(key) else { return value }
        guard let count = Int(text), count > 0 else { throw invalid("\(key) '\(text)' is not a positive number") }
        return count
    }

    /// The credentials' `expires_at` (Unix seconds or RFC 3339), nil when absent.
    func credentialExpiry(_ credentials: Credentials) throws(SpoolpostError) -> Date? {
        guard let text = credentials["expires_at"] else { return nil }
        guard let date = OAuth2TokenSession.parseExpiry(text) else {
            throw invalid("credentials `expires_at` '\(text)' is neither Unix seconds nor RFC 3339")
        }
        return date
    }

    static func isWebURL(_ text: String) -> Bool {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased() else { return false }
        return (scheme == "http" || scheme == "https") && url.host != nil
    }
}
