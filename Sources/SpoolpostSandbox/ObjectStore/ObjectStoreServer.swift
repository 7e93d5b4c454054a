import Hummingbird
import Logging
import SpoolpostCore
import Synchronization

/// An embedded object store that speaks the part of Cloud Storage's XML API spoolpost uses (signed PUT, GET, HEAD,
/// DELETE, resumable uploads), checking V4 signatures as Cloud Storage does. Objects and upload sessions live on disk
/// under the configured root, so a restarted store (after kill -9 too) serves them again and sessions resume.
///
/// Runs until the task running `run()` is cancelled; `waitUntilListening()` gives the port.
public final class ObjectStoreServer: Sendable {
    public let configuration: ObjectStoreConfiguration

    private let logger: Logger
    private let disk: ObjectStoreDisk
    private let lifecycle = Mutex(Lifecycle())
    private let stopSignal = StopSignal()

    /// Attempts at binding a kernel-chosen port before giving up (another process may take it in between).
    private static let ephemeralBindAttempts = 8

    public init(configuration: ObjectStoreConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        disk = ObjectStoreDisk(root: configuration.rootDirectory)
    }

    /// `http://host:port` while the store listens.
    public var baseURL: String? {
        lifecycle.withLock { $0.port }.map { "http://\(configuration.host):\($0)" }
    }

    /// Serves until the calling task is cancelled, then returns. Throws if the root cannot be prepared or the store
    /// cannot listen. A server runs once; calling `run()` again throws.
    public func run() async throws {
        try lifecycle.withLock { state in
            guard case .notStarted = state.phase else {
                throw SpoolpostError(.internalError, "this object store was already started; create a new one")
            }
            state.phase = .starting
        }
        do {
            try Self.validate(buckets: configuration.buckets)
            let disk = self.disk
            let buckets = configuration.buckets
            try await disk.perform { try disk.prepare(buckets: buckets) }
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
        let wantsEphemeralPort = configuration.port == 0
        let host = configuration.host == "localhost" ? "127.0.0.1" : configuration.host
        var hummingbirdLogger = logger
        hummingbirdLogger.handler = StopAwareLogHandler(wrapped: logger.handler, stopSignal: stopSignal)
        let handler = ObjectStoreHandler(configuration: configuration, disk: disk)
        var attempt = 0
        while true {
            attempt += 1
            let port = wantsEphemeralPort ? try EphemeralPort.pick(host: host) : configuration.port
            let listened = Mutex(false)
            let application = Application(
                responder: CallbackResponder<BasicRequestContext> { request, _ in
                    await handler.respond(to: request)
                },
                configuration: ApplicationConfiguration(
                    address: .hostname(host, port: port),
                    serverName: "spoolpost-objectstore"
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
                    logger.debug("object store port was taken before it could listen; picking another", metadata: [
                        "port": "\(port)", "error": "\(error)",
                    ])
                    continue
                }
                if didListen { throw error }
                throw SpoolpostError(.io, "the object store could not listen on \(host):\(port): \(error)")
            }
        }
    }

    private func markListening(port: Int) {
        let waiters = lifecycle.withLock { state in
            state.phase = .listening(port: port)
            return state.takeWaiters()
        }
        logger.info("object store listening", metadata: ["url": "http://\(configuration.host):\(port)"])
        for waiter in waiters { waiter.resume(returning: port) }
    }

    private func finish(failure: (any Error)?) {
        let waiters = lifecycle.withLock { state in
            state.phase = .finished(failure: failure)
            return state.takeWaiters()
        }
        let error = failure ?? SpoolpostError(.cancelled, "the object store stopped before it was listening")
        for waiter in waiters { waiter.resume(throwing: error) }
    }

    /// Bucket names become directory names, so only plain Cloud Storage names are accepted.
    private static func validate(buckets: Set<String>) throws {
        for bucket in buckets {
            let allowed = bucket.utf8.allSatisfy {
                ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z"))
                    || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9"))
                    || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".")
            }
            guard allowed, (3...63).contains(bucket.utf8.count), bucket.first != ".", !bucket.contains("..") else {
                throw SpoolpostError(
                    .invalidConfig,
                    "'\(bucket)' is not a bucket name: use 3-63 lowercase letters, digits, '-', '_' or '.'"
                )
            }
        }
    }
}

extension ObjectStoreServer {
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
                return .failure(failure ?? SpoolpostError(.cancelled, "the object store has stopped"))
            }
        }

        mutating func takeWaiters() -> [CheckedContinuation<Int, any Error>] {
            defer { waiters = [:] }
            return Array(waiters.values)
        }
    }
}
