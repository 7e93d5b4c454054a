/// How a `SandboxServer` listens and what it checks or breaks on purpose.
public struct SandboxConfiguration: Sendable {
    /// Address to listen on; loopback by default so the sandbox is never reachable from elsewhere.
    public var host: String
    /// Port to listen on; 0 picks a free ephemeral port (read it back with `SandboxServer.waitUntilListening()`).
    public var port: Int
    /// Account name -> HMAC secret. Webhook posts to an account listed here must carry a valid
    /// `X-Spoolpost-Signature`; accounts not listed accept unsigned posts.
    public var webhookSecrets: [String: String]
    /// Failures to inject before requests reach a simulator.
    public var faults: SandboxFaults
    /// Largest request body accepted, in bytes; larger bodies get 413.
    public var maxBodyBytes: Int

    public init(
        host: String = "127.0.0.1",
        port: Int = 0,
        webhookSecrets: [String: String] = [:],
        faults: SandboxFaults = SandboxFaults(),
        maxBodyBytes: Int = 8 * 1024 * 1024
    ) {
        self.host = host
        self.port = port
        self.webhookSecrets = webhookSecrets
        self.faults = faults
        self.maxBodyBytes = maxBodyBytes
    }
}
