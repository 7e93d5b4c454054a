import Foundation
import SpoolpostCore
import SpoolpostIO

/// The configuration a command runs with: a config file, or the embedded sandbox default.
struct LoadedConfiguration {
    var configuration: Configuration
    /// The config file's folder: relative paths in it (spool, credentials) are taken from here.
    var baseDirectory: String
    /// True when the built-in sandbox plays the networks: there is no config file, or it names no accounts
    /// (a file holding only `sandbox:` faults, a spool or storage settings still publishes to the sandbox).
    var isSandbox: Bool
    var spoolRoot: String

    static let defaultPath = "spoolpost.yaml"
    static let sandboxAccount = "sandbox"

    static func load(_ options: GlobalOptions) throws -> LoadedConfiguration {
        var loaded: LoadedConfiguration
        if let file = try readFile(options.config) {
            loaded = LoadedConfiguration(
                configuration: file.configuration, baseDirectory: file.baseDirectory,
                isSandbox: file.configuration.accounts.isEmpty,
                spoolRoot: Self.resolve(file.configuration.spoolPath, against: file.baseDirectory))
        } else {
            loaded = LoadedConfiguration(
                configuration: Configuration.defaults, baseDirectory: FileManager.default.currentDirectoryPath,
                isSandbox: true, spoolRoot: Configuration.defaults.spoolPath)
        }
        if let spool = options.spool { loaded.spoolRoot = spool }
        if loaded.isSandbox { try loaded.addSandboxAccounts(port: 8088) }
        return loaded
    }

    /// The config file `--config` names (it must exist), or `./spoolpost.yaml` when it exists; nil when neither.
    static func readFile(_ option: String?) throws -> (configuration: Configuration, baseDirectory: String)? {
        let path = option ?? defaultPath
        guard FileManager.default.fileExists(atPath: path) else {
            if option != nil { throw CLIError("config file \(path) does not exist") }
            return nil
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError("config file \(path) cannot be read")
        }
        let root: YAMLNode?
        do {
            root = try YAMLLoader.load(Array(data))
        } catch {
            throw CLIError("\(path):\(error.mark.map { "\($0):" } ?? "") invalid YAML: \(error.message)")
        }
        let (configuration, diagnostics) = ConfigurationReader.read(root, fileName: path)
        guard let configuration else {
            throw CLIError(diagnostics.map(\.description).joined(separator: "\n"))
        }
        let base = (path as NSString).deletingLastPathComponent
        return (configuration, base.isEmpty ? FileManager.default.currentDirectoryPath : base)
    }

    static func resolve(_ path: String, against base: String) -> String {
        path.hasPrefix("/") ? path : (base as NSString).appendingPathComponent(path)
    }

    /// With no accounts configured: one account per network, named after it (the webhook's is `sandbox`), each
    /// pointed at the built-in sandbox's simulator of that network's API. Their token is the sandbox's,
    /// kept like any credentials in a mode-0600 file (under the spool's store/ folder).
    mutating func addSandboxAccounts(port: Int) throws {
        let base = "http://127.0.0.1:\(port)"
        let credentials = (spoolRoot as NSString).appendingPathComponent("store/sandbox-credentials.yaml")
        if !FileManager.default.fileExists(atPath: credentials) {
            do {
                try FileManager.default.createDirectory(
                    atPath: (credentials as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try Credentials.save(path: credentials, values: Self.sandboxCredentials)
            } catch {
                throw CLIError("could not write the sandbox's credentials file \(credentials): \(error)")
            }
        }
        for (name, platform, settings) in Self.sandboxAccounts(base: base) {
            configuration.accounts[name] = AccountConfig(
                name: name, platform: platform, credentialsPath: platform == .webhook ? nil : credentials,
                settings: settings.mapValues { YAMLNode(.scalar($0), mark: SourceMark(line: 0, column: 0), isQuoted: true) })
        }
    }

    /// What the sandbox's simulators accept (not secrets: the sandbox is loopback-only and documents them).
    static let sandboxCredentials = [
        "access_token": "sandbox-token", "refresh_token": "sandbox-refresh-token",
        "client_id": "sandbox-client", "client_secret": "sandbox-client-secret",
    ]

    /// The sandbox's account of each network (name, network, settings), with `base` the sandbox's URL.
    static func sandboxAccounts(base: String) -> [(name: String, platform: Platform, settings: [String: String])] {
        [
            (Self.sandboxAccount, .webhook, ["url": "\(base)/webhook/\(Self.sandboxAccount)"]),
            ("facebook", .facebook, [
                "page_id": "sandbox-page", "api_base": "\(base)/graph.facebook.com/v21.0", "poll_interval": "200ms",
            ]),
            ("instagram", .instagram, [
                "user_id": "sandbox-ig-user", "api_base": "\(base)/graph.facebook.com/v21.0",
                "poll_interval": "200ms",
            ]),
            ("threads", .threads, [
                "user_id": "sandbox-threads-user", "api_base": "\(base)/graph.threads.net/v1.0",
                "oauth_base": "\(base)/graph.threads.net", "poll_interval": "200ms",
            ]),
            ("linkedin", .linkedin, [
                "author": "urn:li:person:sandbox", "api_base": "\(base)/api.linkedin.com/rest",
                "oauth_base": "\(base)/www.linkedin.com/oauth/v2", "web_base": "\(base)/www.linkedin.com",
                "poll_interval": "200ms",
            ]),
            ("x", .x, [
                "api_base": "\(base)/api.x.com/2", "upload_base": "\(base)/api.x.com/2",
                "oauth_base": "\(base)/api.x.com/2/oauth2/token", "web_base": "\(base)/x.com",
            ]),
            ("youtube", .youtube, [
                "api_base": "\(base)/www.googleapis.com/youtube/v3",
                "upload_base": "\(base)/www.googleapis.com/upload/youtube/v3",
                "oauth_base": "\(base)/oauth2.googleapis.com/token", "web_base": "\(base)/www.youtube.com",
            ]),
        ]
    }
}

/// A command-line failure: printed as `error: message`, exit status 1.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
