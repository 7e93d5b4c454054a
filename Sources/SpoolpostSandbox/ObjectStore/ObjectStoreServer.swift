import Foundation
import Hummingbird
import Logging
import SpoolpostCore

/// An embedded object store that speaks the part of Cloud Storage's XML API spoolpost uses (signed PUT, GET, HEAD,
/// DELETE, resumable uploads), checking V4 signatures as Cloud Storage does. Objects and upload sessions live on disk
/// under the configured root, so a restarted store (after kill -9 too) serves them again and sessions resume.
///
/// Runs until the task running `run()` is cancelled; `waitUntilListening()` gives the port.
public final class ObjectStoreServer: Sendable {
    public let configuration: ObjectStoreConfiguration

    private let logger: Logger
    private let disk: ObjectStoreDisk
    private let server: ListeningServer

    public init(configuration: ObjectStoreConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        disk = ObjectStoreDisk(root: configuration.rootDirectory)
        server = ListeningServer(
            displayName: "object store", serverName: "spoolpost-objectstore",
            host: configuration.host, port: configuration.port, logger: logger
        )
    }

    /// `http://host:port` while the store listens.
    public var baseURL: String? {
        server.listeningPort.map { "http://\(configuration.host):\($0)" }
    }

    /// Serves until the calling task is cancelled, then returns. Throws if the root cannot be prepared or the store
    /// cannot listen. A server runs once; calling `run()` again throws.
    public func run() async throws {
        let configuration = self.configuration
        let disk = self.disk
        let logger = self.logger
        try await server.run {
            try Self.validate(buckets: configuration.buckets)
            let buckets = configuration.buckets
            let now = configuration.clock().timeIntervalSince1970
            try await disk.perform {
                try disk.prepare(buckets: buckets)
                disk.removeExpiredSessions(now: now)
            }
            let handler = ObjectStoreHandler(configuration: configuration, disk: disk)
            return CallbackResponder<BasicRequestContext> { request, _ in
                await handler.respond(to: request)
            }
        } onListening: { port in
            logger.info("object store listening", metadata: ["url": "http://\(configuration.host):\(port)"])
        }
    }

    /// Waits until the server listens and returns its port. Throws if it stopped or failed before listening,
    /// or if the waiting task is cancelled.
    public func waitUntilListening() async throws -> Int {
        try await server.waitUntilListening()
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
