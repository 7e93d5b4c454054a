import Foundation
import Logging
public import ServiceLifecycle

/// The daemon's daily media cleanup, at `storage.cleanup_at` local time, until a graceful shutdown.
public struct MediaCleanupService: Service {
    let cleanup: MediaCleanup

    public init(cleanup: MediaCleanup) {
        self.cleanup = cleanup
    }

    public func run() async throws {
        // A graceful shutdown cancels the wait for the next run: that is a normal end, not an error.
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let next = cleanup.nextRun(after: Date())
                try await Task.sleep(for: .seconds(max(1, next.timeIntervalSinceNow)))
                let items = await cleanup.run(now: Date(), dryRun: false)
                cleanup.logger.info(
                    "daily media cleanup done",
                    metadata: ["deleted": "\(items.filter { $0.failure == nil }.count)", "failed": "\(items.filter { $0.failure != nil }.count)"])
            }
        }
    }
}
