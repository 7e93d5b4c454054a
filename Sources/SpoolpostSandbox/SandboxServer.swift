import Hummingbird
import Logging
import SpoolpostCore
import Synchronization

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
    private let lifecycle = Mutex(Lifecycle())
    private let stopSignal = StopSignal()

    /// Attempts at binding a kernel-chosen port before giving up (another process may take it in between).
    private static let ephemeralBindAttempts = 8

    public init(configuration: SandboxConfiguration, logger: Logger) {
        store = SandboxStore()
        faults = SandboxFaultInjector(configuration.faults)
        environment = SandboxEnvironment(configuration: configuration, store: store)
        self.logger = logger
    }

    /// What the server was created with (`port` stays 0 when an ephemeral port was asked for).
    public var configuration: SandboxConfiguration { environment.configuration }

    /// `http://host:port` of the running server while it listens.
    public var baseURL: String? {
        lifecycle.withLock { $0.port } == nil ? nil : environment.baseURL
    }

    /// Serves until the calling task is cancelled, then returns. Throws if it cannot listen.
    /// A server runs once; calling `run()` again throws.
    public func run() async throws {
        try lifecycle.withLock { state in
            guard case .notStarted = state.phase else {
                throw SpoolpostError(.internalError, "this sandbox server was already started; create a new one")
            }
            state.phase = .starting
        }
        do {
            try await withTaskCancellationHandler {
                try await serve()
            } onCancel: {
                stopSignal.trigger()
            }
            finish(failure: nil)
        } catch {
            finish(failure: error)
            throw error
        }
    }

    /// Waits until the server listens and returns its port. Throws if it stopped or failed before listening,
    /// or if the waiting task is cancelled.
    public func waitUntilListening() async throws -> Int {
        let waiterID = lifecycle.withLock { state in
            defer { state.nextWaiterID += 1 }
            return state.nextWaiterID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int, any Error>) in
                let immediate: Result<Int, any Error>? = lifecycle.withLock { state in
                    if let result = state.outcomeForWaiters { return result }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    state.waiters[waiterID] = continuation
                    return nil
                }
                if let immediate { continuation.resume(with: immediate) }
            }
        } onCancel: {
            let waiter = lifecycle.withLock { $0.waiters.removeValue(forKey: waiterID) }
            waiter?.resume(throwing: CancellationError())
        }
    }

    private func serve() async throws {
        let configuration = environment.configuration
        let wantsEphemeralPort = configuration.port == 0
        let host = configuration.host == "localhost" ? "127.0.0.1" : configuration.host
        var hummingbirdLogger = logger
        hummingbirdLogger.handler = StopAwareLogHandler(wrapped: logger.handler, stopSignal: stopSignal)
        var attempt = 0
        while true {
            attempt += 1
            let port = wantsEphemeralPort ? try EphemeralPort.pick(host: host) : configuration.port
            let listened = Mutex(false)
            let application = Application(
                router: makeRouter(),
                configuration: ApplicationConfiguration(
                    address: .hostname(host, port: port),
                    serverName: "spoolpost-sandbox"
                ),
                onServerRunning: { _ in
                    listened.withLock { $0 = true }
                    self.markListening(port: port)
                },
                logger: hummingbirdLogger
            )
            do {
                try await application.run()
                return
            } catch {
                if Task.isCancelled { return }
                let didListen = listened.withLock { $0 }
                if wantsEphemeralPort, !didListen, attempt < Self.ephemeralBindAttempts {
                    logger.debug("sandbox port was taken before it could listen; picking another", metadata: [
                        "port": "\(port)", "error": "\(error)",
                    ])
                    continue
                }
                if didListen { throw error }
                throw SpoolpostError(.io, "sandbox could not listen on \(host):\(port): \(error)")
            }
        }
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

    private func markListening(port: Int) {
        environment.setListeningPort(port)
        let waiters = lifecycle.withLock { state in
            state.phase = .listening(port: port)
            return state.takeWaiters()
        }
        logger.info("sandbox listening", metadata: ["url": "\(environment.baseURL)"])
        for waiter in waiters { waiter.resume(returning: port) }
    }

    private func finish(failure: (any Error)?) {
        let waiters = lifecycle.withLock { state in
            state.phase = .finished(failure: failure)
            return state.takeWaiters()
        }
        let error = failure ?? SpoolpostError(.cancelled, "the sandbox server stopped before it was listening")
        for waiter in waiters { waiter.resume(throwing: error) }
    }
}

extension SandboxServer {
    fileprivate struct Lifecycle {
        enum Phase {
            case notStarted
            case starting
            case listening(port: Int)
            case finished(failure: (any Error)?)
        }

        var phase = Phase.notStarted
        var waiters: [Int: CheckedContinuation<Int, any Error>] = [:]
        var nextWaiterID = 0

        var port: Int? {
            if case .listening(let port) = phase { return port }
            return nil
        }

        /// What a new waiter gets right away, or nil if it has to wait.
        var outcomeForWaiters: Result<Int, any Error>? {
            switch phase {
            case .notStarted, .starting:
                return nil
            case .listening(let port):
                return .success(port)
            case .finished(let failure):
                return .failure(failure ?? SpoolpostError(.cancelled, "the sandbox server has stopped"))
            }
        }

        mutating func takeWaiters() -> [CheckedContinuation<Int, any Error>] {
            defer { waiters = [:] }
            return Array(waiters.values)
        }
    }
}
