import Foundation
import SpoolpostCore
import SpoolpostIO

/// The configuration a command runs with: a config file, or the embedded sandbox default.
struct LoadedConfiguration {
    var configuration: Configuration
    /// The config file's folder: relative paths in it (spool, credentials) are taken from here.
    var baseDirectory: String
    /// True when no config file exists and the built-in sandbox plays the networks.
    var isSandbox: Bool
    var spoolRoot: String

    static let defaultPath = "spoolpost.yaml"
    static let sandboxAccount = "sandbox"

    static func load(_ options: GlobalOptions) throws -> LoadedConfiguration {
        let path = options.config ?? defaultPath
        let exists = FileManager.default.fileExists(atPath: path)
        var loaded: LoadedConfiguration
        if !exists {
            if options.config != nil { throw CLIError("config file \(path) does not exist") }
            var configuration = Configuration.defaults
            // The URL is filled in once the sandbox listens; validation only needs the platform.
            configuration.accounts[sandboxAccount] = AccountConfig(
                name: sandboxAccount, platform: .webhook, credentialsPath: nil, settings: [:], mark: nil)
            loaded = LoadedConfiguration(
                configuration: configuration, baseDirectory: FileManager.default.currentDirectoryPath, isSandbox: true,
                spoolRoot: configuration.spoolPath)
        } else {
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
            let baseDirectory = base.isEmpty ? FileManager.default.currentDirectoryPath : base
            loaded = LoadedConfiguration(
                configuration: configuration, baseDirectory: baseDirectory, isSandbox: false,
                spoolRoot: Self.resolve(configuration.spoolPath, against: baseDirectory))
        }
        if let spool = options.spool { loaded.spoolRoot = spool }
        return loaded
    }

    static func resolve(_ path: String, against base: String) -> String {
        path.hasPrefix("/") ? path : (base as NSString).appendingPathComponent(path)
    }

    /// The sandbox account pointed at a listening sandbox.
    mutating func pointSandboxAccount(at port: Int) {
        let url = "http://127.0.0.1:\(port)/webhook/\(Self.sandboxAccount)"
        configuration.accounts[Self.sandboxAccount]?.settings["url"] = YAMLNode(
            .scalar(url), mark: SourceMark(line: 0, column: 0), isQuoted: true)
    }
}

/// A command-line failure: printed as `error: message`, exit status 1.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
