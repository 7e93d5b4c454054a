import Foundation
import Logging
import SpoolpostCore
import SpoolpostEngine
import SpoolpostIO
import SpoolpostSandbox

/// The media storage of a process: the configured bucket, or, without one, the embedded object store served
/// on loopback from `<spool>/store/` (started here, with its endpoint recorded for `sign` and `upload-url`).
struct StorageRuntime {
    var signer: StorageSigner
    /// The embedded store's server task, when this process serves it.
    var server: Task<Void, any Error>?

    /// - Parameter serving: true for the daemon, which serves the embedded store on its configured port and
    ///   records the endpoint; false for a command that needs the store for a moment (on a free port).
    static func start(_ loaded: LoadedConfiguration, logger: Logger, serving: Bool = true) async throws -> StorageRuntime {
        let storage = loaded.configuration.storage
        guard storage.usesEmbeddedStore else {
            do {
                let signer = try StorageSigner.load(
                    storage: storage, spoolRoot: loaded.spoolRoot, baseDirectory: loaded.baseDirectory)
                return StorageRuntime(signer: signer, server: nil)
            } catch {
                throw CLIError(error.message)
            }
        }
        let files = EmbeddedStoreFiles(spoolRoot: loaded.spoolRoot)
        let key: GCSHMACKey
        do {
            key = try files.loadOrCreateKey()
        } catch {
            throw CLIError(error.message)
        }
        // The daemon listens where it did last time if it can, so URLs it signed before a restart still work.
        let previous = (try? files.readEndpoint()).flatMap { $0 }.flatMap { URLComponents(string: $0)?.port }
        let candidates = serving ? [previous, storage.embeddedPort, 0].compactMap { $0 } : [0]
        var tried: Set<Int> = []
        for port in candidates where tried.insert(port).inserted {
            var configuration = ObjectStoreConfiguration(
                rootDirectory: files.storeDirectory, port: port, buckets: [EmbeddedStoreFiles.bucket],
                hmacKeys: [key.accessID: key])
            configuration.sessionBytesPerSecond = storage.embeddedUploadRate
            let server = ObjectStoreServer(configuration: configuration, logger: logger)
            let task = Task { try await server.run() }
            let bound: Int
            do {
                bound = try await server.waitUntilListening()
            } catch {
                task.cancel()
                logger.warning("the embedded object store could not listen on port \(port): \(error)")
                continue
            }
            let endpoint = EmbeddedStoreFiles.defaultEndpoint(port: bound)
            do {
                if serving { try files.writeEndpoint(endpoint) }
            } catch {
                task.cancel()
                throw CLIError(error.message)
            }
            let signer = StorageSigner(
                signer: GCSURLSigner(hmacKey: key), bucket: EmbeddedStoreFiles.bucket, style: .pathStyle, scheme: "http",
                endpoint: endpoint, usesEmbeddedStore: true)
            return StorageRuntime(signer: signer, server: task)
        }
        throw CLIError("the embedded object store could not start")
    }

    func stager(_ loaded: LoadedConfiguration, http: HTTPClient) -> MediaStager {
        MediaStager(
            storage: loaded.configuration.storage, limits: loaded.configuration.mediaLimits, signer: signer, http: http,
            mediaRoot: (loaded.spoolRoot as NSString).appendingPathComponent("media"))
    }
}
