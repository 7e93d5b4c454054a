import Foundation
public import SpoolpostCore
public import SpoolpostIO

/// What a person does to the spool from the command line. Each operation is a sequence of durable
/// renames that a running daemon notices (it watches pending/, scheduled/ and publishing/), and that
/// recovery completes if anything stops half-way. Blocking.
public struct SpoolOperations: Sendable {
    public let spool: SpoolDirectory
    let now: @Sendable () -> Date

    public init(spool: SpoolDirectory, now: @escaping @Sendable () -> Date = { Date() }) {
        self.spool = spool
        self.now = now
    }

    /// Places a validated manifest into pending/ atomically: hidden temporary name, fsync, rename without
    /// replacing, fsync of the folder. Fails if pending/ already has a file of that name.
    public func submit(_ bytes: [UInt8], name: String) throws(SpoolpostError) {
        let hidden = ".\(name).submit-\(getpid())"
        let results = try commit(SpoolTransaction(
            writes: [.init(state: .pending, name: hidden, bytes: bytes)],
            moves: [.init(name: hidden, from: .pending, to: .pending, newName: name)]))
        if case .failed(let error) = results {
            _ = try? spool.commit([SpoolTransaction(removals: [.init(state: .pending, name: hidden)])])
            throw SpoolpostError(.io, "could not place \(name) in pending/: \(error)")
        }
    }

    /// `spoolpost retry ID`: a failed post goes back to publishing/ with every target that did not succeed
    /// reset; successful targets are never sent again.
    public func retry(_ id: String) throws(SpoolpostError) -> PostRecord {
        let inspector = SpoolInspector(spool: spool)
        guard let entry = inspector.find(id, in: [.failed]) else {
            if let other = inspector.find(id) {
                throw SpoolpostError(.notFound, "post '\(id)' is in \(other.state.rawValue)/, not failed/; only failed posts can be retried")
            }
            throw SpoolpostError(.notFound, "no post '\(id)' in the spool")
        }
        guard var record = entry.record, !record.targets.isEmpty else {
            throw SpoolpostError(
                .invalidManifest,
                "post '\(id)' was rejected before publishing (\(entry.record?.status.rawValue ?? "no status")); fix the manifest and drop it into pending/ again")
        }
        record.resetForRetry(now: now())
        let statusName = SpoolNames.statusName(forStem: entry.stem)
        // Status first (in place), then the manifest, then the status: a daemon that sees the manifest
        // arrive in publishing/ fetches the status from failed/ if it has not followed yet.
        let result = try commit(SpoolTransaction(
            writes: [.init(state: .failed, name: statusName, bytes: Array(PostRecordCodec.statusText(record).utf8))],
            moves: [.init(name: entry.fileName, from: .failed, to: .publishing, newName: entry.fileName)]))
        if case .failed(let error) = result {
            throw SpoolpostError(.io, "could not move \(entry.fileName) to publishing/: \(error)")
        }
        _ = try commit(SpoolTransaction(moves: [.init(name: statusName, from: .failed, to: .publishing, newName: statusName)]))
        return record
    }

    /// `spoolpost cancel ID`: a pending or scheduled post goes to failed/ as CANCELLED. A post already
    /// publishing cannot be cancelled.
    public func cancel(_ id: String, accounts: [String: Platform]) throws(SpoolpostError) -> PostRecord {
        let inspector = SpoolInspector(spool: spool)
        guard let entry = inspector.find(id, in: [.pending, .scheduled]) ?? pendingByManifestID(id, inspector) else {
            if let other = inspector.find(id) {
                throw SpoolpostError(.notFound, "post '\(id)' is in \(other.state.rawValue)/; only pending or scheduled posts can be cancelled")
            }
            throw SpoolpostError(.notFound, "no post '\(id)' in pending/ or scheduled/")
        }
        let stem = entry.state == .pending ? inspector.freeStem(for: entry.fileName) : entry.stem
        let fileName = stem + SpoolNames.extensionPart(of: entry.fileName)
        var record = entry.record ?? pendingRecord(entry, fileName: fileName, accounts: accounts)
        record.manifest = fileName
        record.cancel(now: now())
        var transaction = SpoolTransaction(
            writes: [.init(state: .failed, name: SpoolNames.statusName(forStem: stem), bytes: Array(PostRecordCodec.statusText(record).utf8))],
            moves: [.init(name: entry.fileName, from: entry.state, to: .failed, newName: fileName)])
        if entry.state == .scheduled {
            transaction.removals = [.init(state: .scheduled, name: SpoolNames.statusName(forStem: stem))]
        }
        if case .failed = try commit(transaction) {
            _ = try? spool.commit([SpoolTransaction(removals: [.init(state: .failed, name: SpoolNames.statusName(forStem: stem))])])
            throw SpoolpostError(.notFound, "post '\(id)' left \(entry.state.rawValue)/ meanwhile (the daemon took it); it can no longer be cancelled")
        }
        return record
    }

    private func pendingByManifestID(_ id: String, _ inspector: SpoolInspector) -> SpoolInspector.Entry? {
        for entry in inspector.entries(in: [.pending]) {
            guard let bytes = try? spool.readFile(.pending, entry.fileName),
                case .success(let root) = ManifestFile.parse(bytes, fileName: entry.fileName),
                root?["id"]?.scalar == id
            else { continue }
            return entry
        }
        return nil
    }

    private func pendingRecord(_ entry: SpoolInspector.Entry, fileName: String, accounts: [String: Platform]) -> PostRecord {
        let context = ManifestReader.Context(fileName: entry.fileName, accounts: accounts, now: now())
        if let bytes = try? spool.readFile(.pending, entry.fileName),
            let manifest = ManifestFile.read(bytes, context: context).manifest
        {
            return PostRecord(manifest: manifest, fileName: fileName, now: now())
        }
        return PostRecord(postID: entry.stem, manifest: fileName, status: .cancelled, now: now())
    }

    private func commit(_ transaction: SpoolTransaction) throws(SpoolpostError) -> SpoolTransactionResult {
        do {
            return try spool.commit([transaction])[0]
        } catch {
            throw SpoolpostError(.io, "storage failure: \(error)")
        }
    }
}
