import Hummingbird
import Logging
import SpoolpostCore

/// A loopback HTTP server that plays the receiving side of the networks, so posts can be watched flowing without
/// any accounts. Runs in the daemon's process or on its own; stop it by cancelling the task that runs `run()`.
///
/// Requests pass the fault plan first (`faults`), then reach a simulator, which records what it accepts in `store`.
public final class SandboxServer: Sendable {
    /// Everything the simulators accepted.
    public let store: SandboxStore
    /// The fault plan in force; replace it while running with `faults.replace(with:)`.
    public let faults: SandboxFaultInjector

    private let environment: SandboxEnvironment
    private let logger: Logger
    private let server: ListeningServer

    public init(configuration: SandboxConfiguration, logger: Logger) {
        store = SandboxStore()
        faults = SandboxFaultInjector(configuration.faults)
        environment = SandboxEnvironment(configuration: configuration, store: store)
        self.logger = logger
        server = ListeningServer(
            displayName: "sandbox server", serverName: "spoolpost-sandbox",
            host: configuration.host, port: configuration.port, logger: logger
        )
    }

    /// What the server was created with (`port` stays 0 when an ephemeral port was asked for).
    public var configuration: SandboxConfiguration { environment.configuration }

    /// `http://host:port` of the running server while it listens.
    public var baseURL: String? {
        server.listeningPort == nil ? nil : environment.baseURL
    }

    /// Serves until the calling task is cancelled, then returns. Throws if it cannot listen.
    /// A server runs once; calling `run()` again throws.
    public func run() async throws {
        let environment = self.environment
        let logger = self.logger
        try await server.run {
            makeRouter().buildResponder()
        } onListening: { port in
            environment.setListeningPort(port)
            logger.info("sandbox listening", metadata: ["url": "\(environment.baseURL)"])
        }
    }

    /// Waits until the server listens and returns its port. Throws if it stopped or failed before listening,
    /// or if the waiting task is cancelled.
    public func waitUntilListening() async throws -> Int {
        try await server.waitUntilListening()
    }

    private func makeRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: SandboxFaultMiddleware<BasicRequestContext>(injector: faults))
        SandboxPages(environment: environment).addRoutes(to: router)
        for simulator in simulators() {
            simulator.addRoutes(to: router)
        }
        return router
    }

    /// Every simulated network; each registers its own API paths.
    private func simulators() -> [any NetworkSimulator] {
        [
            WebhookSimulator(environment: environment), GraphAPISimulator(environment: environment),
            ThreadsSimulator(environment: environment), LinkedInSimulator(environment: environment),
            XSimulator(environment: environment), YouTubeSimulator(environment: environment),
        ]
    }
}
