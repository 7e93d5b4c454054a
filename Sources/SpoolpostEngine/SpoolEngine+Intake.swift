import Foundation
import Logging
import SpoolpostAdapters
import SpoolpostCore
import SpoolpostIO

/// What reading one pending/ file gave, computed off the actor.
enum IntakeResult: Sendable {
    case skip
    case invalid(name: String, diagnostics: [Diagnostic])
    case valid(name: String, manifest: Manifest, warnings: [Diagnostic])
}

extension SpoolEngine {
    /// Every wake-up rescans the folders that changed: events are hints, the folders are the truth.
    func scanFolders(_ folders: Set<SpoolState>) async {
        let spool = self.spool
        // Unsorted: with thousands of files waiting, sorting every listing on every wake-up costs more than
        // the rest of intake; only the names not yet claimed are sorted, in takePending.
        let listing = await fileWork.run { () -> [SpoolState: [String]] in
            var names: [SpoolState: [String]] = [:]
            for folder in folders { names[folder] = (try? spool.listUnsorted(folder)) ?? [] }
            return names
        }
        if let scheduled = listing[.scheduled] { noticeScheduledRemovals(present: Set(scheduled)) }
        if let publishing = listing[.publishing] { await adoptPublishingArrivals(publishing) }
        if let pending = listing[.pending] {
            lastPendingCount = pending.count
            await takePending(pending)
        }
    }

    /// A manifest deleted (or moved away by `spoolpost cancel`) from scheduled/ is cancelled.
    private func noticeScheduledRemovals(present: Set<String>) {
        for (stem, post) in posts where post.state == .scheduled && !post.busy && !present.contains(post.fileName) {
            posts[stem] = nil
            stems.remove(stem)
            if index[post.manifest.id]?.state == .scheduled {
                index[post.manifest.id] = IndexEntry(state: .failed, status: .cancelled)
            }
            log(.notice, "cancelled: its manifest left scheduled/", post: post.manifest.id, ["file": "\(post.fileName)"])
            let status = SpoolNames.statusName(forStem: stem)
            Task { _ = await self.commit(SpoolTransaction(removals: [.init(state: .scheduled, name: status)])) }
        }
    }

    /// A manifest that appears in publishing/ without us (`spoolpost retry` moves one there) is adopted.
    private func adoptPublishingArrivals(_ names: [String]) async {
        let known = Set(posts.values.filter { $0.state == .publishing }.map(\.fileName))
        let arrivals = names.filter { SpoolNames.isManifestName($0) && !known.contains($0) }
        for name in arrivals where posts[SpoolNames.manifestStem(of: name)] == nil {
            await recoverPost(stem: SpoolNames.manifestStem(of: name))
        }
    }

    private func takePending(_ names: [String]) async {
        let candidates = names.filter { !claimedPending.contains($0) }.sorted()
        guard !candidates.isEmpty else { return }
        claimedPending.formUnion(candidates)
        let context = readerContext()
        let spool = self.spool
        let maxBytes = settings.maxManifestBytes
        let results = await fileWork.run {
            candidates.map { Self.read(name: $0, spool: spool, maxBytes: maxBytes, context: context) }
        }
        for result in results {
            switch result {
            case .skip:
                continue
            case .invalid(let name, let diagnostics):
                reject(name: name, diagnostics: diagnostics)
            case .valid(let name, let manifest, let warnings):
                accept(name: name, manifest: manifest, warnings: warnings)
            }
        }
        // Files that were busy or vanished are looked at again on the next wake-up.
        let handled = Set(results.compactMap { result -> String? in
            switch result {
            case .skip: return nil
            case .invalid(let name, _), .valid(let name, _, _): return name
            }
        })
        for name in candidates where !handled.contains(name) { claimedPending.remove(name) }
    }

    /// Reads and validates one pending/ file. Runs off the actor.
    nonisolated static func read(
        name: String, spool: SpoolDirectory, maxBytes: Int, context baseContext: ManifestReader.Context
    ) -> IntakeResult {
        var context = baseContext
        context.fileName = name
        func invalid(_ message: String) -> IntakeResult {
            .invalid(name: name, diagnostics: [Diagnostic(.error, file: name, mark: nil, path: "", message)])
        }
        guard SpoolNames.isManifestName(name) else {
            return invalid(
                "not a manifest: names must end in \(ManifestFile.extensions.joined(separator: ", ")) "
                    + "(and not in .status.yaml)")
        }
        switch spool.readManifestCandidate(.pending, name, maxBytes: maxBytes) {
        case .busy, .vanished:
            return .skip
        case .symlink:
            return invalid("a symlink; drop the file itself into pending/, not a link to it")
        case .notRegularFile(let kind):
            return invalid("not a regular file (\(kind)); only manifest files belong in pending/")
        case .unreadable(let reason):
            return invalid("cannot be read: \(reason)")
        case .tooLarge(let size):
            return invalid("\(size) bytes is over the \(maxBytes)-byte limit for a manifest; media goes in media/")
        case .bytes(let bytes):
            let result = ManifestFile.read(bytes, context: context)
            if let manifest = result.manifest {
                return .valid(name: name, manifest: manifest, warnings: result.warnings)
            }
            return .invalid(name: name, diagnostics: result.diagnostics)
        }
    }

    func readerContext() -> ManifestReader.Context {
        let index = self.index
        var context = ManifestRules.context(
            configuration: configuration, mediaRoot: spool.mediaPath, adapters: adapters, now: now())
        context.existingState = { id in index.blockingState(id) }
        return context
    }

    /// An id is never published twice: a post in scheduled/, publishing/ or done/ keeps it, and so does a
    /// failed/ post unless it was rejected or cancelled before anything was sent.
    nonisolated static func blocksReuse(_ entry: IndexEntry) -> Bool {
        switch entry.state {
        case .pending: return false
        case .scheduled, .publishing, .done: return true
        case .failed: return !(entry.status == .invalid || entry.status == .cancelled)
        }
    }

    /// A name free in every folder: the post keeps it for life, so its sidecars always match.
    func allocateStem(for name: String) -> String {
        let base = SpoolNames.manifestStem(of: name)
        var stem = base
        var counter = 2
        while stems.contains(stem) {
            stem = "\(base)-\(counter)"
            counter += 1
        }
        stems.insert(stem)
        return stem
    }

    private func accept(name: String, manifest: Manifest, warnings: [Diagnostic]) {
        // The snapshot given to the reader may be stale: two files with one id can arrive together.
        if let existing = index[manifest.id], Self.blocksReuse(existing) {
            reject(name: name, diagnostics: [
                Diagnostic(
                    .error, file: name, mark: nil, path: "id",
                    "a post with id '\(manifest.id)' is already in \(existing.state.rawValue)/; ids are never "
                        + "published twice: give this post a new id")
            ])
            return
        }
        for warning in warnings { log(.warning, "\(warning.description)", post: manifest.id) }
        let stem = allocateStem(for: name)
        let due = manifest.scheduleAt.map { $0 > now() } ?? false
        index[manifest.id] = IndexEntry(state: due ? .scheduled : .publishing, status: nil)
        if due {
            intakeTasks += 1
            Task {
                await self.schedule(name: name, stem: stem, manifest: manifest, warnings: warnings)
                self.intakeTasks -= 1
                self.poke()
            }
        } else {
            freshQueue.append(.fromPending(name: name, stem: stem, manifest: manifest, warnings: warnings))
        }
    }

    /// pending/ → failed/ with an INVALID status listing every problem.
    private func reject(name: String, diagnostics: [Diagnostic]) {
        let stem = allocateStem(for: name)
        let fileName = stem + SpoolNames.extensionPart(of: name)
        var record = PostRecord(postID: stem, manifest: fileName, status: .invalid, now: now())
        record.errors = diagnostics.filter { $0.severity == .error }.map(\.description)
        record.warnings = diagnostics.filter { $0.severity == .warning }.map(\.description)
        for line in record.errors { log(.error, "invalid: \(line)", post: stem) }
        intakeTasks += 1
        Task {
            let result = await self.commit(SpoolTransaction(
                writes: [.init(state: .failed, name: SpoolNames.statusName(forStem: stem), bytes: Array(PostRecordCodec.statusText(record).utf8))],
                moves: [.init(name: name, from: .pending, to: .failed, newName: fileName)]))
            self.claimedPending.remove(name)
            if case .failed = result {
                self.stems.remove(stem)
                _ = await self.commit(SpoolTransaction(removals: [.init(state: .failed, name: SpoolNames.statusName(forStem: stem))]))
            } else {
                self.index[stem] = self.index[stem] ?? IndexEntry(state: .failed, status: .invalid)
                self.unsuccessfulPosts += 1
                self.completedPosts += 1
                self.log(.notice, "moved to failed/ (INVALID)", post: stem, ["file": "\(fileName)"])
            }
            self.intakeTasks -= 1
            self.poke()
        }
    }

    /// pending/ → scheduled/, with a SCHEDULED status saying when it goes out.
    private func schedule(name: String, stem: String, manifest: Manifest, warnings: [Diagnostic]) async {
        let fileName = stem + SpoolNames.extensionPart(of: name)
        var record = PostRecord(
            manifest: manifest, fileName: fileName, now: now(), warnings: warnings.map(\.description))
        record.status = .scheduled
        let post = Post(stem: stem, fileName: fileName, state: .scheduled, manifest: manifest, record: record, busy: true)
        posts[stem] = post
        let result = await commit(SpoolTransaction(
            writes: [.init(state: .scheduled, name: SpoolNames.statusName(forStem: stem), bytes: Array(PostRecordCodec.statusText(record).utf8))],
            moves: [.init(name: name, from: .pending, to: .scheduled, newName: fileName)]))
        claimedPending.remove(name)
        guard case .committed = result else {
            posts[stem] = nil
            stems.remove(stem)
            index[manifest.id] = nil
            _ = await commit(SpoolTransaction(removals: [.init(state: .scheduled, name: SpoolNames.statusName(forStem: stem))]))
            return
        }
        holdScheduled(stem: stem)
        log(.info, "scheduled", post: manifest.id, ["file": "\(fileName)", "at": "\(RFC3339.format(manifest.scheduleAt ?? now()))"])
    }

    /// Puts a post that is in scheduled/ on the timer.
    func holdScheduled(stem: String) {
        guard var post = posts[stem] else { return }
        let due = post.manifest.scheduleAt ?? now()
        post.busy = false
        post.due = due
        posts[stem] = post
        scheduledTimes.insert(stem, due: due)
    }
}
