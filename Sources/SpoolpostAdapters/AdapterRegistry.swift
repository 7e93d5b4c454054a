import Foundation
public import SpoolpostCore
public import SpoolpostIO

/// The adapters of every configured account, built once at start-up.
public struct AdapterRegistry: Sendable {
    private var adapters: [String: any PublishingAdapter]

    public init(adapters: [any PublishingAdapter]) {
        self.adapters = Dictionary(adapters.map { ($0.account, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Builds an adapter per account, reading each credentials file (relative paths are taken from
    /// `baseDirectory`, the config file's folder). Collects every problem before failing.
    public init(
        configuration: Configuration, baseDirectory: String, http: HTTPClient
    ) throws(SpoolpostError) {
        var built: [any PublishingAdapter] = []
        var problems: [String] = []
        for account in configuration.accounts.values.sorted(by: { $0.name < $1.name }) {
            do throws(SpoolpostError) {
                var credentials: Credentials?
                if let path = account.credentialsPath {
                    credentials = try Credentials.load(path: Self.resolve(path, against: baseDirectory))
                }
                if let text = account.string("max_concurrent"), (Int(text) ?? 0) < 1 {
                    throw SpoolpostError(
                        .invalidConfig,
                        "account '\(account.name)': max_concurrent '\(text)' is not a positive whole number")
                }
                switch account.platform {
                case .webhook:
                    built.append(try WebhookAdapter(account: account, credentials: credentials, http: http))
                case .facebook:
                    built.append(try FacebookAdapter(account: account, credentials: credentials, http: http))
                case .instagram:
                    built.append(try InstagramAdapter(account: account, credentials: credentials, http: http))
                case .threads:
                    built.append(try ThreadsAdapter(account: account, credentials: credentials, http: http))
                case .linkedin:
                    built.append(try LinkedInAdapter(account: account, credentials: credentials, http: http))
                case .x:
                    built.append(try XAdapter(account: account, credentials: credentials, http: http))
                case .youtube:
                    built.append(try YouTubeAdapter(account: account, credentials: credentials, http: http))
                }
            } catch {
                problems.append(error.message)
            }
        }
        guard problems.isEmpty else {
            throw SpoolpostError(.invalidConfig, problems.joined(separator: "\n"))
        }
        self.init(adapters: built)
    }

    public func adapter(forAccount name: String) -> (any PublishingAdapter)? { adapters[name] }

    /// The rules of the target's network, for ``ManifestReader/Context/targetProblems``.
    public func problems(with check: TargetCheck) -> [TargetProblem] {
        adapters[check.target.account]?.problems(with: check) ?? []
    }

    static func resolve(_ path: String, against base: String) -> String {
        path.hasPrefix("/") ? path : (base as NSString).appendingPathComponent(path)
    }
}
