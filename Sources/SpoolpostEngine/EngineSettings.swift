public import SpoolpostCore

/// How the engine runs; built by the executable from the config and the command line.
public struct EngineSettings: Sendable {
    public var configuration: Configuration
    /// Publish what is due now (including its retries), then return.
    public var once: Bool
    /// Rescan on this interval in addition to inotify (and instead of it when it is unavailable).
    public var pollInterval: Double?
    /// Largest manifest accepted, in bytes.
    public var maxManifestBytes: Int

    public init(configuration: Configuration, once: Bool = false, pollInterval: Double? = nil, maxManifestBytes: Int = 1 << 20) {
        self.configuration = configuration
        self.once = once
        self.pollInterval = pollInterval
        self.maxManifestBytes = maxManifestBytes
    }
}
