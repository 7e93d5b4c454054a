import Foundation
import Logging
import SpoolpostAdapters
import SpoolpostCore
import SpoolpostEngine
import SpoolpostIO
import SpoolpostSandbox

/// What `spoolpost plan` runs a post against: the sandbox's simulators and a throwaway object store, on
/// loopback ports of this process, with every account and the storage pointed at them and a recorder that
/// shows their requests with the real URLs. The accounts' tokens are never used (an X account's credentials file is
/// read only to tell OAuth 1.0a keys from an OAuth 2.0 token).
final class RehearsalEnvironment {
    let directory: String
    let recorder: PlanRecorder
    let rehearsal: PublishRehearsal
    /// The manifest as the rehearsal sends it: `url:` items point at stand-ins in the throwaway store.
    let manifest: Manifest
    /// Media items the rehearsal could not have the real bytes of, by index, for the printed notes.
    let standIns: [Int: String]

    private let recordingHTTP: HTTPClient
    private let servers: [Task<Void, any Error>]

    static let baseKeys: Set<String> = ["api_base", "upload_base", "oauth_base", "web_base", "url"]

    private init(
        directory: String, recorder: PlanRecorder, rehearsal: PublishRehearsal, manifest: Manifest,
        standIns: [Int: String], recordingHTTP: HTTPClient, servers: [Task<Void, any Error>]
    ) {
        self.directory = directory
        self.recorder = recorder
        self.rehearsal = rehearsal
        self.manifest = manifest
        self.standIns = standIns
        self.recordingHTTP = recordingHTTP
        self.servers = servers
    }

    /// Starts the stand-ins for `manifest` under the loaded configuration.
    static func start(for manifest: Manifest, loaded: LoadedConfiguration) async throws -> RehearsalEnvironment {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "spoolpost-plan-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        var servers: [Task<Void, any Error>] = []
        do {
            let quiet = Logger(label: "spoolpost.plan", factory: { _ in SwiftLogNoOpLogHandler() })
            let sandbox = SandboxServer(configuration: SandboxConfiguration(port: 0), logger: quiet)
            servers.append(Task { try await sandbox.run() })
            let sandboxBase = "http://127.0.0.1:\(try await sandbox.waitUntilListening())"

            let files = EmbeddedStoreFiles(spoolRoot: directory)
            let key = try files.loadOrCreateKey()
            let gcsBuckets = manifest.media.compactMap { item -> String? in
                if case .gcs(let bucket, _) = item.source { bucket } else { nil }
            }
            let store = ObjectStoreServer(
                configuration: ObjectStoreConfiguration(
                    rootDirectory: files.storeDirectory, port: 0,
                    buckets: Set(gcsBuckets + [EmbeddedStoreFiles.bucket]), hmacKeys: [key.accessID: key]),
                logger: quiet)
            servers.append(Task { try await store.run() })
            let storeEndpoint = EmbeddedStoreFiles.defaultEndpoint(port: try await store.waitUntilListening())
            let signer = StorageSigner(
                signer: GCSURLSigner(hmacKey: key), bucket: EmbeddedStoreFiles.bucket, style: .pathStyle,
                scheme: "http", endpoint: storeEndpoint, usesEmbeddedStore: true)

            var rebasing = URLRebasing()
            var rehearsed = manifest
            let standIns = try await seedStandIns(
                &rehearsed, signer: signer, storeEndpoint: storeEndpoint, directory: directory, rebasing: &rebasing)
            try mapStorage(loaded: loaded, storeEndpoint: storeEndpoint, buckets: gcsBuckets, rebasing: &rebasing)
            // Anything else on the sandbox (links the simulators hand out) is shown on its real host.
            rebasing.map(sandboxBase + "/", to: "https://")
            var configuration = loaded.configuration
            let (accounts, accountRebasing) = try rehearsalAccounts(
                for: manifest, loaded: loaded, sandboxBase: sandboxBase, directory: directory, common: rebasing)
            configuration.accounts = accounts

            let recorder = PlanRecorder(rebasing: rebasing)
            let http = try HTTPClient(configuration: .init(observer: { recorder.observe($0, $1) }))
            let adapters = try AdapterRegistry(configuration: configuration, baseDirectory: directory, http: http)
            let mediaRoot = (loaded.spoolRoot as NSString).appendingPathComponent("media")
            let stager = MediaStager(
                storage: loaded.configuration.storage, limits: loaded.configuration.mediaLimits, signer: signer,
                http: http, mediaRoot: mediaRoot)
            return RehearsalEnvironment(
                directory: directory, recorder: recorder,
                rehearsal: PublishRehearsal(
                    adapters: adapters, stager: stager, recorder: recorder, mediaRoot: mediaRoot,
                    accountRebasing: accountRebasing),
                manifest: rehearsed, standIns: standIns, recordingHTTP: http, servers: servers)
        } catch {
            for server in servers { server.cancel() }
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
    }

    /// Stops the servers and removes the throwaway folder.
    func stop() async {
        recordingHTTP.shutdown()
        for server in servers { server.cancel() }
        for server in servers { _ = await server.result }
        try? FileManager.default.removeItem(atPath: directory)
    }

    // MARK: - Set-up

    /// `gcs:` objects and `url:` items are not fetched: a stand-in of the type the manifest suggests is put in the
    /// throwaway store in their place (the `gcs:` object under its own name; the `url:` item behind a signed URL
    /// that the printed plan shows as the item's own URL).
    private static func seedStandIns(
        _ manifest: inout Manifest, signer: StorageSigner, storeEndpoint: String, directory: String,
        rebasing: inout URLRebasing
    ) async throws -> [Int: String] {
        let seeding = try HTTPClient()
        defer { seeding.shutdown() }
        var standIns: [Int: String] = [:]
        for (index, item) in manifest.media.enumerated() {
            let type = MediaTypeGuess.mimeType(for: item).flatMap(MediaType.init(mimeType:)) ?? .jpeg
            let bucket: String
            let object: String
            switch item.source {
            case .file:
                continue
            case .gcs(let itemBucket, let itemObject):
                (bucket, object) = (itemBucket, itemObject)
            case .url:
                (bucket, object) = (EmbeddedStoreFiles.bucket, "plan-stand-ins/media-\(index + 1).\(type.fileExtension)")
            }
            let bytes = MediaStandIn.bytes(for: type)
            let path = (directory as NSString).appendingPathComponent("stand-in-\(index)")
            guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
                throw CLIError("could not write a stand-in file in \(directory)")
            }
            let client = GCSObjectClient(
                signer: signer.signer, bucket: bucket, style: .pathStyle, scheme: "http", endpoint: storeEndpoint,
                httpClient: seeding, serviceName: "the plan's throwaway store")
            do {
                try await client.upload(
                    object: object, contentType: type.mimeType, file: path, size: Int64(bytes.count),
                    md5: Digest.md5(bytes))
                if case .url(let original) = item.source {
                    let signed = try client.signedURL(method: "GET", object: object, expiration: 3600)
                    rebasing.map(signed, to: original)
                    manifest.media[index].source = .url(signed)
                }
            } catch {
                throw CLIError(error.message)
            }
            standIns[index] = type.mimeType
        }
        return standIns
    }

    /// The throwaway store's buckets are shown as the configured storage's.
    private static func mapStorage(
        loaded: LoadedConfiguration, storeEndpoint: String, buckets: [String], rebasing: inout URLRebasing
    ) throws {
        let storage = loaded.configuration.storage
        do {
            if storage.usesEmbeddedStore {
                let files = EmbeddedStoreFiles(spoolRoot: loaded.spoolRoot)
                let endpoint = (try? files.readEndpoint()).flatMap { $0 }
                    ?? EmbeddedStoreFiles.defaultEndpoint(port: storage.embeddedPort)
                rebasing.map(
                    "\(storeEndpoint)/\(EmbeddedStoreFiles.bucket)",
                    to: try GCSSigningRequest.bucketURL(
                        bucket: EmbeddedStoreFiles.bucket, style: .pathStyle, scheme: "http", endpoint: endpoint))
            } else if let bucket = storage.bucket {
                rebasing.map(
                    "\(storeEndpoint)/\(EmbeddedStoreFiles.bucket)",
                    to: try GCSSigningRequest.bucketURL(
                        bucket: bucket, style: storage.gcsURLStyle, endpoint: storage.endpoint))
                if case .serviceAccountKey = storage.credentials {
                    rebasing.map("GOOG4-HMAC-SHA256", to: "GOOG4-RSA-SHA256")
                }
            }
            for bucket in buckets {
                let style = storage.usesEmbeddedStore ? GCSURLStyle.pathStyle : storage.gcsURLStyle
                rebasing.map(
                    "\(storeEndpoint)/\(bucket)",
                    to: try GCSSigningRequest.bucketURL(bucket: bucket, style: style, endpoint: storage.endpoint))
            }
        } catch {
            throw CLIError("the storage URLs cannot be shown: \(error.message)")
        }
    }

    /// Each account the manifest names, pointed at the sandbox's simulator of its network: its own settings
    /// (ids, versions, limits) are kept, its base URLs are the simulator's, its credentials the sandbox's. Each
    /// account gets its own rebasing (`common` plus its bases), so two accounts of one network with different
    /// base URLs are each shown with their own.
    private static func rehearsalAccounts(
        for manifest: Manifest, loaded: LoadedConfiguration, sandboxBase: String, directory: String,
        common: URLRebasing
    ) throws -> ([String: AccountConfig], [String: URLRebasing]) {
        let standard = (directory as NSString).appendingPathComponent("credentials.yaml")
        let oauth1 = (directory as NSString).appendingPathComponent("credentials-oauth1.yaml")
        let webhookSecret = (directory as NSString).appendingPathComponent("credentials-webhook.yaml")
        do {
            try Credentials.save(path: webhookSecret, values: ["secret": "sandbox-webhook-secret"])
            try Credentials.save(path: standard, values: LoadedConfiguration.sandboxCredentials)
            try Credentials.save(path: oauth1, values: [
                "consumer_key": "sandbox-consumer-key", "consumer_secret": "sandbox-consumer-secret",
                "token": "sandbox-access-token", "token_secret": "sandbox-token-secret",
            ])
        } catch {
            throw CLIError(error.message)
        }
        let sandboxAccounts = LoadedConfiguration.sandboxAccounts(base: sandboxBase)
        var accounts: [String: AccountConfig] = [:]
        var rebasings: [String: URLRebasing] = [:]
        for name in Set(manifest.targets.map(\.account)) {
            var rebasing = common
            guard var account = loaded.configuration.accounts[name],
                let simulated = sandboxAccounts.first(where: { $0.platform == account.platform })
            else { continue }
            for (key, value) in simulated.settings where baseKeys.contains(key) || key == "poll_interval" {
                let rehearsalValue = account.platform == .webhook ? "\(sandboxBase)/webhook/\(name)" : value
                if baseKeys.contains(key) {
                    let real = account.string(key) ?? "https://" + rehearsalValue.dropFirst(sandboxBase.count + 1)
                    rebasing.map(rehearsalValue, to: real)
                }
                account.settings[key] = YAMLNode(
                    .scalar(rehearsalValue), mark: SourceMark(line: 0, column: 0), isQuoted: true)
            }
            if account.platform == .webhook {
                // The signature header still shows (redacted) when the real account signs its posts.
                account.credentialsPath = account.credentialsPath == nil ? nil : webhookSecret
            } else {
                // X signs with OAuth 1.0a keys or sends an OAuth 2.0 token: the plan shows the same kind.
                let real = account.platform != .x ? nil : account.credentialsPath.flatMap {
                    try? Credentials.load(path: LoadedConfiguration.resolve($0, against: loaded.baseDirectory))
                }
                account.credentialsPath = real?["consumer_key"] != nil ? oauth1 : standard
            }
            accounts[name] = account
            rebasings[name] = rebasing
        }
        return (accounts, rebasings)
    }
}
