import Logging
import ServiceLifecycle
import SpoolpostAdapters
import SpoolpostCore
import SpoolpostEngine
import SpoolpostIO
import UnixSignals

/// On SIGHUP, re-reads every account's credentials file and gives the engine new adapters, so a token put in
/// place after AUTH_EXPIRED (a re-authorised account) is used without a restart. The config file itself is not
/// re-read: accounts and their settings change with a restart.
struct CredentialsReloadService: Service {
    let engine: SpoolEngine
    let configuration: Configuration
    let baseDirectory: String
    let http: HTTPClient
    let logger: Logger

    func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        for await _ in hangups.cancelOnGracefulShutdown() {
            let configuration = self.configuration
            let baseDirectory = self.baseDirectory
            let http = self.http
            do throws(SpoolpostError) {
                try await engine.reloadAdapters { () throws(SpoolpostError) in
                    try AdapterRegistry(configuration: configuration, baseDirectory: baseDirectory, http: http)
                }
                logger.notice("credentials re-read (SIGHUP): new attempts use them")
            } catch {
                logger.error("credentials not re-read (SIGHUP), the ones in use stay: \(error.message)")
            }
        }
    }
}
