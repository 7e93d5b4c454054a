import Foundation
import Logging
import SpoolpostAdapters
import SpoolpostCore
import SpoolpostIO

/// A snapshot of the spool's folders, taken off the actor.
struct SpoolListing: Sendable {
    var names: [SpoolState: [String]]

    /// Where each stem's manifest is.
    var manifests: [String: (state: SpoolState, name: String)] {
        var result: [String: (state: SpoolState, name: String)] = [:]
        // If a manifest somehow exists twice, the most advanced state wins; the other is left for a person.
        for state in [SpoolState.pending, .scheduled, .publishing, .failed, .done] {
            for name in names[state] ?? [] where SpoolNames.isManifestName(name) {
                result[SpoolNames.manifestStem(of: name)] = (state, name)
            }
        }
        return result
    }

    static func take(_ spool: SpoolDirectory) -> SpoolListing {
        var names: [SpoolState: [String]] = [:]
        for state in SpoolState.allCases { names[state] = (try? spool.list(state)) ?? [] }
        return SpoolListing(names: names)
    }
}

extension SpoolEngine {
    /// Start-up: make the folders consistent after whatever stopped the last run, then load what waits.
    func recover() async throws {
        let spool = self.spool
        _ = await fileWork.run { try? spool.removeStaleTemporaryFiles() }
        let pauses = AccountPauses(spoolRoot: spool.root)
        let current = now()
        accountNotBefore = await fileWork.run { pauses.load(now: current) }
        let listing = await fileWork.run { SpoolListing.take(spool) }
        await reconcileSidecars(listing, only: nil)
        let settled = await fileWork.run { SpoolListing.take(spool) }
        let manifests = settled.manifests
        for (stem, location) in manifests where location.state != .pending { stems.insert(stem) }

        // The index of ids for the never-twice rule, from the status files of finished posts.
        let finished = manifests.filter { $0.value.state == .done || $0.value.state == .failed }
        let records = await fileWork.run { () -> [(String, SpoolState, PostRecord?)] in
            finished.map { stem, location in
                (stem, location.state, Self.loadRecord(spool: spool, state: location.state, stem: stem))
            }
        }
        for (stem, state, record) in records {
            index[record?.postID ?? stem] = IndexEntry(state: state, status: record?.status)
        }
        for (stem, location) in manifests.sorted(by: { $0.key < $1.key })
        where location.state == .scheduled || location.state == .publishing {
            await recoverPost(stem: stem, location: location)
        }
        if let fatalError { throw fatalError }
        logger.info(
            "spool ready",
            metadata: [
                "spool": "\(spool.root)", "scheduled": "\(posts.values.filter { $0.state == .scheduled }.count)",
                "publishing": "\(posts.values.filter { $0.state == .publishing }.count)",
            ])
    }

    /// Puts every status and retry file beside its manifest. A sidecar beside no manifest, or beside one
    /// still in pending/ (its intake never completed, so nothing was sent), is removed; one whose manifest
    /// moved on (a crash between the two moves of a completion) follows it.
    func reconcileSidecars(_ listing: SpoolListing, only stems: Set<String>?) async {
        let manifests = listing.manifests
        var transactions: [String: SpoolTransaction] = [:]
        for state in SpoolState.allCases {
            for name in listing.names[state] ?? [] {
                guard let (stem, kind) = SpoolNames.sidecar(name) else { continue }
                if let stems, !stems.contains(stem) { continue }
                let home = manifests[stem]
                if home?.state == state { continue }
                var transaction = transactions[stem] ?? SpoolTransaction()
                if let home, home.state != .pending, !(listing.names[home.state] ?? []).contains(name) {
                    transaction.moves.append(.init(name: name, from: state, to: home.state, newName: name))
                    logger.notice("moving \(kind) file \(state.rawValue)/\(name) beside its manifest in \(home.state.rawValue)/")
                } else {
                    transaction.removals.append(.init(state: state, name: name))
                    logger.notice("removing stray \(kind) file \(state.rawValue)/\(name)")
                }
                transactions[stem] = transaction
            }
        }
        for transaction in transactions.values { _ = await commit(transaction) }
    }

    /// Loads a post in scheduled/ or publishing/ and queues what is due. Targets recorded SENDING were in
    /// flight when the daemon stopped: see ``PostRecord/recoverInterruptedAttempts``.
    func recoverPost(stem: String, location known: (state: SpoolState, name: String)? = nil) async {
        let spool = self.spool
        var location = known
        if location == nil {
            // An arrival in publishing/ (`spoolpost retry`): its status may still be in failed/.
            let listing = await fileWork.run { SpoolListing.take(spool) }
            await reconcileSidecars(listing, only: [stem])
            location = listing.manifests[stem]
        }
        guard let location, location.state == .scheduled || location.state == .publishing else { return }
        var readerContext = readerContext()
        readerContext.fileName = location.name
        readerContext.existingState = { _ in nil }
        let context = readerContext
        let loaded = await fileWork.run { () -> (ManifestReadResult?, PostRecord?) in
            let bytes = try? spool.readFile(location.state, location.name)
            return (
                bytes.map { ManifestFile.read($0, context: context) },
                Self.loadRecord(spool: spool, state: location.state, stem: stem)
            )
        }
        stems.insert(stem)
        guard let result = loaded.0 else { return }
        let current = now()
        guard let manifest = result.manifest else {
            await failUnreadable(stem: stem, location: location, record: loaded.1, diagnostics: result.errors)
            return
        }
        var record = loaded.1 ?? PostRecord(manifest: manifest, fileName: location.name, now: current)
        record.manifest = location.name
        index[record.postID] = IndexEntry(state: location.state, status: nil)
        var post = Post(stem: stem, fileName: location.name, state: location.state, manifest: manifest, record: record, busy: true)
        posts[stem] = post

        if location.state == .scheduled {
            if loaded.1 == nil {
                post.record.status = .scheduled
                _ = await commit(SpoolTransaction(writes: [statusWrite(.scheduled, stem: stem, post.record)]))
                posts[stem] = post
            }
            holdScheduled(stem: stem)
            return
        }

        let interrupted = post.record.recoverInterruptedAttempts(
            delivery: configuration.delivery, retry: configuration.retry, now: current)
        for index in interrupted {
            let target = post.record.targets[index]
            let what = target.status == .pending
                ? "target was in its invisible steps when the daemon stopped: it resumes from the recorded steps"
                : "target was in flight when the daemon stopped: \(target.status.rawValue)"
            log(.warning, "\(what)", post: record.postID,
                ["target": "\(index)", "platform": "\(target.platform.rawValue)", "account": "\(target.account)"])
        }
        posts[stem] = post
        if post.record.isComplete {
            await finish(stem: stem)
            return
        }
        if !interrupted.isEmpty || loaded.1 == nil {
            _ = await commit(progressTransaction(stem: stem, post.record))
        }
        post.busy = false
        posts[stem] = post
        let due = post.record.dueTargets(at: current)
        if !due.isEmpty {
            let fresh = due.allSatisfy { post.record.targets[$0].attempts == 0 }
            if fresh { freshQueue.append(.post(stem: stem)) } else { retryQueue.append(.post(stem: stem)) }
        } else if let next = post.record.nextRetryAt {
            retryTimes.insert(stem, due: next)
        }
    }

    /// A post whose manifest no longer validates (the config changed): its open targets fail with the reasons.
    private func failUnreadable(
        stem: String, location: (state: SpoolState, name: String), record existing: PostRecord?, diagnostics: [Diagnostic]
    ) async {
        var record = existing ?? PostRecord(postID: stem, manifest: location.name, status: .invalid, now: now())
        let reason = diagnostics.map(\.description).joined(separator: "; ")
        if record.targets.isEmpty {
            record.status = .invalid
            record.errors = diagnostics.map(\.description)
        } else {
            for i in record.targets.indices where !record.targets[i].status.isFinal {
                record.recordFailure(
                    i, error: SpoolpostError(.invalidManifest, "the manifest no longer validates: \(reason)"),
                    retry: configuration.retry, now: now())
            }
        }
        log(.error, "manifest no longer validates: \(reason)", post: record.postID)
        let statusName = SpoolNames.statusName(forStem: stem)
        _ = await commit(SpoolTransaction(
            writes: [.init(state: location.state, name: statusName, bytes: Array(PostRecordCodec.statusText(record).utf8))],
            moves: [
                .init(name: location.name, from: location.state, to: .failed, newName: location.name),
                .init(name: statusName, from: location.state, to: .failed, newName: statusName),
            ],
            removals: [
                .init(state: location.state, name: SpoolNames.retryName(forStem: stem))
            ]))
        index[record.postID] = IndexEntry(state: .failed, status: record.status)
        unsuccessfulPosts += 1
    }

    nonisolated static func loadRecord(spool: SpoolDirectory, state: SpoolState, stem: String) -> PostRecord? {
        guard let bytes = try? spool.readFile(state, SpoolNames.statusName(forStem: stem)),
            let root = try? YAMLLoader.load(bytes),
            case .success(let record) = PostRecordCodec.record(from: root)
        else { return nil }
        return record
    }
}
