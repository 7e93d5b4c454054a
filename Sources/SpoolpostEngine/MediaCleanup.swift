import Foundation
public import Logging
import SpoolpostCore
public import SpoolpostIO

/// Deletes the objects uploaded for finished posts once they are older than the retention: what the original
/// document's daily cleanup job did. Runs in the daemon at `storage.cleanup_at` and as `spoolpost cleanup`.
///
/// Only posts in done/ and failed/ are looked at, and only objects spoolpost uploaded itself (never a
/// manifest's own `gcs:` objects). Each deletion is recorded as DELETED in the post's status file.
public struct MediaCleanup: Sendable {
    /// One object that is (or would be, in a dry run) deleted, or that could not be.
    public struct Item: Sendable {
        public var postID: String
        public var state: SpoolState
        public var gcsPath: String
        /// Why the deletion failed; nil when it succeeded (or would be attempted, in a dry run).
        public var failure: String?
    }

    let spool: SpoolDirectory
    let stager: MediaStager
    let logger: Logger
    let fileWork = BlockingWork(label: "spoolpost.cleanup.files")

    public init(spool: SpoolDirectory, stager: MediaStager, logger: Logger) {
        self.spool = spool
        self.stager = stager
        self.logger = logger
    }

    /// Deletes every expired object (or only lists them with `dryRun`).
    public func run(now: Date, dryRun: Bool) async -> [Item] {
        let spool = self.spool
        let retention = stager.storage.retention
        let candidates = await fileWork.run { Self.expired(spool: spool, now: now, retention: retention) }
        var items: [Item] = []
        for (state, stem, record) in candidates {
            var updated = record
            var changed = false
            for (position, media) in record.media.enumerated() where Self.isExpired(media, record: record, now: now, retention: retention) {
                guard let bucket = media.bucket, let object = media.object, let path = media.gcsPath else { continue }
                var item = Item(postID: record.postID, state: state, gcsPath: path)
                if !dryRun {
                    do throws(SpoolpostError) {
                        try await stager.client(bucket: bucket, expiration: stager.storage.deleteURLExpiry).delete(object: object)
                        updated.media[position].state = .deleted
                        updated.media[position].deletedAt = now
                        updated.media[position].uploadSession = nil
                        changed = true
                        logger.info("media deleted after the retention", metadata: ["post": "\(record.postID)", "object": "\(path)"])
                    } catch {
                        item.failure = error.message
                        logger.warning("could not delete media: \(error.message)", metadata: ["post": "\(record.postID)", "object": "\(path)"])
                    }
                }
                items.append(item)
            }
            if changed {
                updated.updatedAt = now
                let write = SpoolTransaction.Write(
                    state: state, name: SpoolNames.statusName(forStem: stem), bytes: Array(PostRecordCodec.statusText(updated).utf8))
                let committed = await fileWork.run { () -> Bool in
                    guard spool.exists(state, SpoolNames.statusName(forStem: stem)) else { return false }
                    return (try? spool.commit([SpoolTransaction(writes: [write])])) != nil
                }
                if !committed {
                    logger.warning("the post moved while its media was deleted; its status file still says UPLOADED", metadata: ["post": "\(record.postID)"])
                }
            }
        }
        return items
    }

    /// The next daily run after `date`, at `storage.cleanup_at` local time.
    public func nextRun(after date: Date, timeZone: TimeZone = .current) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let at = stager.storage.cleanupAt
        let components = DateComponents(hour: at.hour, minute: at.minute, second: 0)
        return calendar.nextDate(after: date, matching: components, matchingPolicy: .nextTime) ?? date.addingTimeInterval(86_400)
    }

    static func isExpired(_ media: MediaRecord, record: PostRecord, now: Date, retention: Double) -> Bool {
        guard media.object != nil, media.state == .uploaded || media.state == .uploading || media.state == .failed else {
            return false
        }
        // The retention configured now decides, so shortening it applies to objects uploaded before.
        return (media.uploadedAt ?? record.updatedAt).addingTimeInterval(retention) <= now
    }

    static func expired(spool: SpoolDirectory, now: Date, retention: Double) -> [(SpoolState, String, PostRecord)] {
        var found: [(SpoolState, String, PostRecord)] = []
        for state in [SpoolState.done, .failed] {
            for name in (try? spool.list(state)) ?? [] {
                guard let (stem, kind) = SpoolNames.sidecar(name), kind == "status",
                    let bytes = try? spool.readFile(state, name), let root = try? YAMLLoader.load(bytes),
                    case .success(let record) = PostRecordCodec.record(from: root),
                    record.media.contains(where: { isExpired($0, record: record, now: now, retention: retention) })
                else { continue }
                found.append((state, stem, record))
            }
        }
        return found.sorted { $0.1 < $1.1 }
    }
}
