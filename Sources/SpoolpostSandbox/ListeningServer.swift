import Hummingbird
import Logging
import SpoolpostCore
import Synchronization

/// The run-once lifecycle the sandbox and the object store share: start a Hummingbird application on the configured
/// host and port (a kernel-chosen one, retried if taken, when the port is 0), tell waiters the port once it listens,
/// and stop when the task running `run` is cancelled.
final class ListeningServer: Sendable {
    /// What the server is called in messages, e.g. "sandbox server".
    let displayName: String

    private let host: String
    private let port: Int
    private let serverName: String
    private let logger: Logger
    private let lifecycle = Mutex(Lifecycle())
    private let stopSignal = StopSignal()

    /// Attempts at binding a kernel-chosen port before giving up (another process may take it in between).
    private static let ephemeralBindAttempts = 8

    init(displayName: String, serverName: String, host: String, port: Int, logger: Logger) {
        self.displayName = displayName
        self.serverName = serverName
        self.host = host
        self.port = port
        self.logger = logger
    }

    /// The port while the server listens.
    var listeningPort: Int? { lifecycle.withLock { $0.port } }

    /// Prepares the responder, then serves until the calling task is cancelled. A failure while preparing or
    /// listening is thrown and handed to waiters; `onListening` runs before waiters learn the port.
    func run<Responder: HTTPResponder>(
        prepare: () async throws -> Responder,
        onListening: @escaping @Sendable (Int) -> Void
    ) async throws where Responder.Context == BasicRequestContext {
        try lifecycle.withLock { state in
            guard case .notStarted = state.phase else {
                throw SpoolpostError(.internalError, "this \(displayName) was already started; create a new one")
            }
            state.phase = .starting
        }
        do {
            let responder = try await prepare()
            try await withTaskCancellationHandler {
                try await serve(responder: responder, onListening: onListening)
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
    func waitUntilListening() async throws -> Int {
        let waiterID = lifecycle.withLock { state in
            defer { state.nextWaiterID += 1 }
            return state.nextWaiterID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int, any Error>) in
                let immediate: Result<Int, any Error>? = lifecycle.withLock { state in
                    if let result = state.outcomeForWaiters(displayName: displayName) { return result }
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

    private func serve<Responder: HTTPResponder>(
        responder: Responder,
        onListening: @escaping @Sendable (Int) -> Void
    ) async throws where Responder.Context == BasicRequestContext {
        let wantsEphemeralPort = port == 0
        let host = self.host == "localhost" ? "127.0.0.1" : self.host
        var hummingbirdLogger = logger
        hummingbirdLogger.handler = StopAwareLogHandler(wrapped: logger.handler, stopSignal: stopSignal)
        var attempt = 0
        while true {
            attempt += 1
            let port = wantsEphemeralPort ? try EphemeralPort.pick(host: host) : self.port
            let listened = Mutex(false)
            let application = Application(
                responder: responder,
                configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: serverName),
                onServerRunning: { _ in
                    listened.withLock { $0 = true }
                    onListening(port)
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
                    logger.debug("\(displayName) port was taken before it could listen; picking another", metadata: [
                        "port": "\(port)", "error": "\(error)",
                    ])
                    continue
                }
                if didListen { throw error }
                throw SpoolpostError(.io, "the \(displayName) could not listen on \(host):\(port): \(error)")
            }
        }
    }

    private func markListening(port: Int) {
        let waiters = lifecycle.withLock { state in
            state.phase = .listening(port: port)
            return state.takeWaiters()
        }
        for waiter in waiters { waiter.resume(returning: port) }
    }

    private func finish(failure: (any Error)?) {
        let waiters = lifecycle.withLock { state in
            state.phase = .finished(failure: failure)
            return state.takeWaiters()
        }
        let error = failure ?? SpoolpostError(.cancelled, "the \(displayName) stopped before it was listening")
        for waiter in waiters { waiter.resume(throwing: error) }
    }
}

extension ListeningServer {
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
        func outcomeForWaiters(displayName: String) -> Result<Int, any Error>? {
            switch phase {
            case .notStarted, .starting:
                return nil
            case .listening(let port):
                return .success(port)
            case .finished(let failure):
                return .failure(failure ?? SpoolpostError(.cancelled, "the \(displayName) has stopped"))
            }
        }

        mutating func takeWaiters() -> [CheckedContinuation<Int, any Error>] {
            defer { waiters = [:] }
            return Array(waiters.values)
        }
    }
}
