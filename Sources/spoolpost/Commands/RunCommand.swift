import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals
import SpoolpostAdapters
import SpoolpostCore
import SpoolpostEngine
import SpoolpostIO
import SpoolpostSandbox

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the daemon in the foreground.",
        discussion: """
            Watches spool/pending/ and publishes what arrives. SIGTERM or SIGINT stop taking new work, let \
            requests in flight finish, write their state and exit 0. With no config file, or one that names no \
            accounts, the built-in sandbox plays the receiving side on 127.0.0.1:8088 (or a free port), with the \
            config's `sandbox:` faults.
            """
    )

    @OptionGroup var options: GlobalOptions

    @Flag(help: "Publish everything due now, including its retries, then exit: 0 if every post succeeded, 1 otherwise.")
    var once = false

    @Option(help: "Also rescan the spool every INTERVAL (e.g. 5s); needed where inotify does not work, as on NFS.")
    var poll: String?

    @Option(help: "The built-in sandbox's port, when it runs (no accounts configured; 0 picks a free one).")
    var sandboxPort: Int = 8088

    func run() async throws {
        LogSetup.bootstrap(options)
        let logger = Logger(label: "spoolpost")
        var loaded = try LoadedConfiguration.load(options)
        let pollInterval = try poll.map { text -> Double in
            guard let seconds = DurationParser.seconds(text), seconds > 0 else {
                throw ValidationError("--poll takes a duration such as 5s or 500ms, not '\(text)'")
            }
            return seconds
        }

        let spool: SpoolDirectory
        do {
            spool = try SpoolDirectory(root: loaded.spoolRoot, create: true)
        } catch {
            throw CLIError("spool \(loaded.spoolRoot): \(error)")
        }
        let lock: SpoolLock
        do {
            lock = try spool.lock()
        } catch {
            throw CLIError("\(error)")
        }
        defer { withExtendedLifetime(lock) {} }

        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        let faults = SandboxFaults(settings: loaded.configuration.sandbox)
        if loaded.isSandbox {
            let sandbox = try await Self.startSandbox(port: sandboxPort, faults: faults, logger: logger)
            try loaded.addSandboxAccounts(port: sandbox.port)
            logger.notice(
                """
                no accounts configured: publishing to the built-in SANDBOX, which simulates the networks; \
                see what it received at http://127.0.0.1:\(sandbox.port)/
                """,
                metadata: ["spool": "\(loaded.spoolRoot)"])
            if !faults.rules.isEmpty {
                logger.notice(
                    "the sandbox injects the config's faults, counted from now",
                    metadata: ["faults": "\(faults.rules.count)"])
            }
            services.append(.init(service: sandbox.service))
        } else if !faults.rules.isEmpty {
            logger.warning(
                """
                the config's sandbox.faults are not used: the built-in sandbox runs only when no accounts are \
                configured; serve them with `spoolpost sandbox --config FILE`
                """)
        }

        let http = try HTTPClient()
        defer { http.shutdown() }
        let storage = try await StorageRuntime.start(loaded, logger: logger)
        if let server = storage.server {
            logger.info(
                "media go to the embedded object store",
                metadata: ["endpoint": "\(storage.signer.endpoint ?? "")", "bucket": "\(storage.signer.bucket)"])
            services.append(.init(service: StartedServerService(running: server)))
        }
        let adapters: AdapterRegistry
        do {
            adapters = try AdapterRegistry(configuration: loaded.configuration, baseDirectory: loaded.baseDirectory, http: http)
        } catch {
            throw CLIError(error.message)
        }
        let engine = SpoolEngine(
            spool: spool, adapters: adapters, media: storage.stager(loaded, http: http),
            settings: EngineSettings(configuration: loaded.configuration, once: once, pollInterval: pollInterval),
            logger: logger)
        services.append(.init(service: engine, successTerminationBehavior: .gracefullyShutdownGroup))
        if !once {
            services.append(.init(service: CredentialsReloadService(
                engine: engine, configuration: loaded.configuration, baseDirectory: loaded.baseDirectory, http: http,
                logger: logger)))
            let cleanup = MediaCleanup(spool: spool, stager: storage.stager(loaded, http: http), logger: logger)
            services.append(.init(service: MediaCleanupService(cleanup: cleanup)))
        }
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        if once {
            let failed = await engine.unsuccessfulPosts
            let completed = await engine.completedPosts
            logger.info("done", metadata: ["posts": "\(completed)", "unsuccessful": "\(failed)"])
            if failed > 0 { throw ExitCode(1) }
        }
    }

    /// Starts the sandbox on the preferred port, or a free one if that is taken.
    static func startSandbox(
        port: Int, faults: SandboxFaults, logger: Logger
    ) async throws -> (service: StartedServerService, port: Int) {
        for candidate in Set([port, 0]).sorted(by: >) {
            let configuration = SandboxConfiguration(port: candidate, faults: faults)
            let server = SandboxServer(configuration: configuration, logger: logger)
            let task = Task { try await server.run() }
            do {
                let bound = try await server.waitUntilListening()
                return (StartedServerService(running: task), bound)
            } catch {
                task.cancel()
                logger.warning("sandbox could not listen on port \(candidate): \(error)")
            }
        }
        throw CLIError("the sandbox could not start")
    }
}

/// Runs an already started server (the sandbox, the embedded store) as a service of the group, so it stops
/// after the engine.
struct StartedServerService: Service {
    var running: Task<Void, any Error>

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                try await withTaskCancellationHandler {
                    try await running.value
                } onCancel: {
                    running.cancel()
                }
            }
        } catch is CancellationError {
            // Stopped by the graceful shutdown: the normal end.
        }
    }
}
