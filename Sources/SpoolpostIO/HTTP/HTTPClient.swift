/// The daemon's HTTP client: libcurl driven by one dedicated thread, with keep-alive connections shared by all
/// requests. Any number of concurrent `execute` calls cost no extra threads.
public final class HTTPClient: Sendable {
    public struct Configuration: Sendable {
        public var userAgent: String
        /// Connections kept open to one host; further requests to it wait for a free connection.
        public var maxConnectionsPerHost: Int
        /// Connections kept open in total.
        public var maxTotalConnections: Int
        /// Told about every request once it has ended, with its response or failure; for `spoolpost plan`, which
        /// shows the requests an adapter makes. Runs on the caller's task, so it must not block.
        public var observer: Observer?

        public init(
            userAgent: String = "spoolpost", maxConnectionsPerHost: Int = 8, maxTotalConnections: Int = 64,
            observer: Observer? = nil
        ) {
            self.userAgent = userAgent
            self.maxConnectionsPerHost = maxConnectionsPerHost
            self.maxTotalConnections = maxTotalConnections
            self.observer = observer
        }
    }

    /// Sees a finished request and how it ended.
    public typealias Observer = @Sendable (HTTPRequest, Result<HTTPResponse, HTTPClientError>) -> Void

    public let configuration: Configuration
    private let loop: CurlMultiLoop

    /// Starts the transfer thread. Fails only if libcurl cannot be initialised.
    public init(configuration: Configuration = .init()) throws(HTTPClientError) {
        self.configuration = configuration
        loop = try CurlMultiLoop(
            userAgent: configuration.userAgent,
            maxConnectionsPerHost: configuration.maxConnectionsPerHost,
            maxTotalConnections: configuration.maxTotalConnections
        )
    }

    deinit {
        loop.shutdown()
    }

    /// Sends `request` and returns the final response, whatever its status. Redirects are not followed.
    /// Cancelling the calling task aborts the transfer with `.cancelled`.
    public func execute(_ request: HTTPRequest) async throws(HTTPClientError) -> HTTPResponse {
        let transfer = CurlTransfer(request: request)
        if let problem = request.validationProblem {
            throw transfer.failure(.invalidRequest, problem, sent: false)
        }
        if Task.isCancelled {
            throw transfer.failure(.cancelled, "request cancelled", sent: false)
        }
        let loop = self.loop
        let outcome = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                loop.submit(transfer, continuation: continuation)
            }
        } onCancel: {
            loop.cancel(transfer)
        }
        configuration.observer?(request, outcome)
        return try outcome.get()
    }

    /// Fails every queued and in-flight request with `.cancelled` and stops the transfer thread; later requests
    /// fail the same way. Blocks until the thread has exited (one loop turn). Idempotent; also run by `deinit`.
    public func shutdown() {
        loop.shutdown()
    }
}
