import Foundation
import SpoolpostIO

/// How an `ObjectStoreServer` listens, where it keeps its data, and whose signatures it accepts.
public struct ObjectStoreConfiguration: Sendable {
    /// Directory holding objects, upload sessions and temporary files; created if missing.
    public var rootDirectory: String
    /// Address to listen on; loopback by default.
    public var host: String
    /// Port to listen on; 0 picks a free ephemeral port (read it back with `waitUntilListening()`).
    public var port: Int
    /// Bucket names served (path style: `/BUCKET/OBJECT`); others answer `NoSuchBucket`.
    public var buckets: Set<String>
    /// HMAC access ID → key, for GOOG4-HMAC-SHA256 signed URLs.
    public var hmacKeys: [String: GCSHMACKey]
    /// Service-account email → public key, for GOOG4-RSA-SHA256 signed URLs.
    public var serviceAccounts: [String: RSAPublicKey]
    /// How long a resumable session stays usable after it starts, in seconds (Cloud Storage: one week).
    public var sessionLifetime: Int
    /// The time signatures and sessions are judged against.
    public var clock: @Sendable () -> Date
    /// Bytes per second taken into resumable sessions (nil: unlimited), to simulate a slow link.
    public var sessionBytesPerSecond: Int64?

    public init(
        rootDirectory: String,
        host: String = "127.0.0.1",
        port: Int = 0,
        buckets: Set<String>,
        hmacKeys: [String: GCSHMACKey] = [:],
        serviceAccounts: [String: RSAPublicKey] = [:],
        sessionLifetime: Int = 7 * 86_400,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.rootDirectory = rootDirectory
        self.host = host
        self.port = port
        self.buckets = buckets
        self.hmacKeys = hmacKeys
        self.serviceAccounts = serviceAccounts
        self.sessionLifetime = sessionLifetime
        self.clock = clock
    }
}
