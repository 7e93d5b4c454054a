import Logging

extension SandboxServer {
    /// Runs a sandbox for the duration of `body`, which gets the server and the port it listens on; then cancels
    /// the server and waits for it to stop. Throws if the server cannot listen, or what `body` throws.
    public static func withRunning<Result>(
        _ configuration: SandboxConfiguration, logger: Logger,
        _ body: (SandboxServer, _ port: Int) async throws -> Result
    ) async throws -> Result {
        let server = SandboxServer(configuration: configuration, logger: logger)
        let task = Task { try await server.run() }
        do {
            let port = try await server.waitUntilListening()
            let result = try await body(server, port)
            task.cancel()
            try await task.value
            return result
        } catch {
            task.cancel()
            _ = try? await task.value
            throw error
        }
    }
}
