import Foundation
import Logging
import SpoolpostAdapters
import SpoolpostCore
import SpoolpostIO

extension SpoolEngine {
    /// pending/ → publishing/ with every target recorded SENDING, then the requests.
    func publishFromPending(
        name: String, stem: String, manifest: Manifest, warnings: [Diagnostic], slot: WorkerSlot
    ) async {
        let fileName = stem + SpoolNames.extensionPart(of: name)
        var record = PostRecord(manifest: manifest, fileName: fileName, now: now(), warnings: warnings.map(\.description))
        let due = holdBackPausedAccounts(&record, due: record.dueTargets(at: now()))
        record.beginAttempts(due, now: now(), publicStepFirst: publicStepFirst(manifest))
        posts[stem] = Post(stem: stem, fileName: fileName, state: .publishing, manifest: manifest, record: record, busy: true)
        var intake = progressTransaction(stem: stem, record)
        intake.moves = [.init(name: name, from: .pending, to: .publishing, newName: fileName)]
        let result = await commit(intake)
        claimedPending.remove(name)
        guard case .committed = result else {
            // The file left pending/ meanwhile (cancelled or removed): nothing was sent.
            posts[stem] = nil
            stems.remove(stem)
            index[manifest.id] = nil
            _ = await commit(SpoolTransaction(removals: [.init(state: .publishing, name: SpoolNames.statusName(forStem: stem))]))
            return
        }
        log(.info, "publishing", post: manifest.id, ["file": "\(fileName)", "targets": "\(due.count)"])
        await send(stem: stem, targets: due, slot: slot)
    }

    /// A scheduled post whose time came, or a publishing post whose retries are due.
    func publishDueTargets(stem: String, slot: WorkerSlot) async {
        guard var post = posts[stem] else { return }
        guard !post.record.dueTargets(at: now()).isEmpty else {
            post.busy = false
            posts[stem] = post
            return
        }
        let due = holdBackPausedAccounts(&post.record, due: post.record.dueTargets(at: now()))
        post.record.beginAttempts(due, now: now(), publicStepFirst: publicStepFirst(post.manifest))
        // Status and retry file in publishing/ (the retry file only while some target waits).
        var transaction = progressTransaction(stem: stem, post.record)
        let from = post.state
        if from == .scheduled {
            transaction.moves = [.init(name: post.fileName, from: .scheduled, to: .publishing, newName: post.fileName)]
            transaction.removals.append(.init(state: .scheduled, name: SpoolNames.statusName(forStem: stem)))
        }
        posts[stem] = post
        guard case .committed = await commit(transaction) else {
            if from == .scheduled {
                // Cancelled by a person at this very moment: the manifest is gone from scheduled/.
                _ = await commit(SpoolTransaction(removals: [.init(state: .publishing, name: SpoolNames.statusName(forStem: stem))]))
                posts[stem] = nil
                stems.remove(stem)
            }
            return
        }
        post.state = .publishing
        posts[stem] = post
        index[post.manifest.id] = IndexEntry(state: .publishing, status: nil)
        log(.info, from == .scheduled ? "publishing (scheduled time reached)" : "retrying", post: post.manifest.id,
            ["file": "\(post.fileName)", "targets": "\(due.count)"])
        await send(stem: stem, targets: due, slot: slot)
    }

    /// Publishes the given targets concurrently; each outcome is recorded durably as it arrives. Media that
    /// needs the bucket is uploaded and signed first; if that fails, every target of the attempt fails with it.
    private func send(stem: String, targets: [Int], slot: WorkerSlot) async {
        guard posts[stem] != nil else { return }
        guard !targets.isEmpty else {
            // Every due target waits for its account's pause: the retry timer brings the post back.
            if var post = posts[stem] {
                post.busy = false
                posts[stem] = post
                if post.state == .publishing, let next = post.record.nextRetryAt { retryTimes.insert(stem, due: next) }
            }
            return
        }
        var prepared: [PreparedMedia]? = posts[stem]?.manifest.media.map(PreparedMedia.init(unprepared:))
        var mediaError: SpoolpostError? = nil
        if let manifest = posts[stem]?.manifest, MediaStager.needsStorage(manifest) {
            switch await stageMedia(stem: stem) {
            case .success(let media):
                prepared = media
                mediaError = await markPublicSteps(stem: stem, targets: targets)
            case .failure(let error):
                mediaError = error
            }
        }
        guard let post = posts[stem], let prepared else { return }
        let requests = targets.map { index in
            let target = post.manifest.targets[index]
            return (
                adapters.adapter(forAccount: target.account),
                PublishRequest(
                    postID: post.manifest.id, target: target, text: post.manifest.text(for: target),
                    media: prepared, attempt: post.record.targets[index].attempts,
                    steps: post.record.targets[index].steps, mediaRoot: spool.mediaPath),
                progress(stem: stem, target: index)
            )
        }
        let failure = mediaError
        let gates = accountGates
        await withTaskGroup(of: (Int, PublishOutcome).self) { group in
            for (adapter, request, progress) in requests {
                group.addTask {
                    if let mediaError = failure { return (request.target.index, .failed(mediaError)) }
                    guard let adapter else {
                        return (request.target.index, .failed(SpoolpostError(
                            .invalidConfig,
                            "no account '\(request.target.account)' in the config any more; add it back and run `spoolpost retry \(request.postID)`")))
                    }
                    guard let gate = gates[request.target.account] else {
                        return (request.target.index, await adapter.publish(request, progress: progress))
                    }
                    return (request.target.index, await gate.run { await adapter.publish(request, progress: progress) })
                }
            }
            var outstanding = requests.count
            for await (index, outcome) in group {
                outstanding -= 1
                if outstanding == 0 { release(slot) }
                await record(outcome, target: index, stem: stem)
            }
        }
        guard var post = posts[stem] else { return }
        post.busy = false
        posts[stem] = post
        if post.state == .publishing, let next = post.record.nextRetryAt {
            retryTimes.insert(stem, due: next)
        }
    }

    /// Due targets whose account is paused are held back, without using an attempt, until the pause ends;
    /// returns the others.
    private func holdBackPausedAccounts(_ record: inout PostRecord, due: [Int]) -> [Int] {
        let current = now()
        return due.filter { index in
            guard let until = accountNotBefore[record.targets[index].account], until > current else { return true }
            record.deferTarget(index, until: until, now: current)
            return false
        }
    }

    /// A network said to wait (a rate limit with a time): nothing more goes to that account until then, across
    /// posts and restarts.
    private func pauseAccount(_ account: String, for error: SpoolpostError, post: String) async {
        guard error.code == .rateLimit, let seconds = error.retryAfter, seconds > 0 else { return }
        await pauseAccount(account, until: now().addingTimeInterval(seconds), reason: error.message, post: post)
    }

    /// Nothing goes to `account` before `until` (a later pause already recorded stands), written to
    /// `accounts/NAME.not-before` so a restart keeps it.
    func pauseAccount(_ account: String, until: Date, reason: String, post: String) async {
        guard until > (accountNotBefore[account] ?? .distantPast) else { return }
        accountNotBefore[account] = until
        let pauses = AccountPauses(spoolRoot: spool.root)
        let current = now()
        let saved = await fileWork.run { () -> String? in
            do throws(SpoolpostError) {
                try pauses.record(account: account, until: until, reason: reason)
                pauses.removeExpired(now: current)
                return nil
            } catch {
                return error.message
            }
        }
        log(.warning, "account paused by its network until \(RFC3339.format(until))", post: post,
            ["account": "\(account)", "saved": "\(saved == nil ? "yes" : "no: \(saved ?? "")")"])
    }

    /// Whether each target's adapter publishes with its first request (see ``PublishingAdapter``). Media
    /// uploads come first when the post has media for the bucket: the public step is then marked after them.
    private func publicStepFirst(_ manifest: Manifest) -> (Int) -> Bool {
        let adapters = self.adapters
        let uploadsFirst = MediaStager.needsStorage(manifest)
        return { index in
            !uploadsFirst && adapters.adapter(forAccount: manifest.targets[index].account)?.publicStepIsFirstRequest ?? true
        }
    }

    /// After the media steps: targets whose adapter publishes with its first request get their public step
    /// recorded, in one commit, before any request leaves.
    private func markPublicSteps(stem: String, targets: [Int]) async -> SpoolpostError? {
        guard var post = posts[stem] else { return nil }
        let marked = targets.filter { index in
            !post.record.targets[index].publicStepStarted
                && adapters.adapter(forAccount: post.manifest.targets[index].account)?.publicStepIsFirstRequest ?? true
        }
        guard !marked.isEmpty else { return nil }
        for index in marked { post.record.beginPublicStep(index, now: now()) }
        posts[stem] = post
        guard case .committed = await commit(progressTransaction(stem: stem, post.record)) else {
            return SpoolpostError(.io, "could not record the start of the publishing requests", retryable: true)
        }
        return nil
    }

    /// Uploads and signs the post's media through the stager, recording each step in the status file.
    private func stageMedia(stem: String) async -> Result<[PreparedMedia], SpoolpostError> {
        guard let post = posts[stem] else { return .failure(SpoolpostError(.cancelled, "the post is gone")) }
        guard let media else {
            return .failure(SpoolpostError(
                .invalidConfig, "the post has file: or gcs: media, but no storage is set up in this process"))
        }
        let records = Dictionary(post.record.media.map { ($0.index, $0) }, uniquingKeysWith: { $1 })
        // The object layout's {owner}: the account of the post's first target.
        let owner = post.manifest.targets.first?.account ?? "spoolpost"
        do throws(SpoolpostError) {
            let prepared = try await media.prepare(post.manifest, records: records, owner: owner) {
                [weak self] (record: MediaRecord) async throws(SpoolpostError) in
                try await self?.recordMedia(stem: stem, record)
            }
            return .success(prepared)
        } catch {
            log(.warning, "media not ready: \(error.message)", post: post.manifest.id, ["code": "\(error.code)"])
            return .failure(error)
        }
    }

    private func recordMedia(stem: String, _ media: MediaRecord) async throws(SpoolpostError) {
        guard var post = posts[stem], post.state == .publishing else {
            throw SpoolpostError(.cancelled, "the post left publishing/ while its media was being uploaded")
        }
        let previous = post.record.media.first { $0.index == media.index }
        post.record.media.removeAll { $0.index == media.index }
        post.record.media.append(media)
        post.record.media.sort { $0.index < $1.index }
        post.record.updatedAt = now()
        posts[stem] = post
        guard case .committed = await commit(progressTransaction(stem: stem, post.record)) else {
            throw SpoolpostError(.io, "could not record the media upload in the status file", retryable: true)
        }
        if media.state == .uploaded, previous?.state != .uploaded, let path = media.gcsPath {
            log(.info, "media uploaded", post: post.manifest.id,
                ["media": "\(media.index)", "object": "\(path)", "bytes": "\(media.size ?? 0)"])
        }
    }

    /// The recorder an adapter uses to make its steps durable in the post's status file.
    private func progress(stem: String, target index: Int) -> PublishProgress {
        PublishProgress(
            recordStep: { [weak self] (key: String, value: String?) async throws(SpoolpostError) in
                try await self?.recordStep(stem: stem, target: index, update: { $0.recordStep(index, key: key, value: value, now: $1) })
            },
            beginPublicStep: { [weak self] () async throws(SpoolpostError) in
                try await self?.recordStep(stem: stem, target: index, update: { $0.beginPublicStep(index, now: $1) })
            },
            pauseAccount: { [weak self] until, reason in
                guard let self, let post = await self.posts[stem] else { return }
                await self.pauseAccount(
                    post.record.targets[index].account, until: until, reason: reason, post: post.manifest.id)
            })
    }

    private func recordStep(
        stem: String, target index: Int, update: (inout PostRecord, Date) -> Void
    ) async throws(SpoolpostError) {
        guard var post = posts[stem], post.state == .publishing else {
            throw SpoolpostError(.cancelled, "the post left publishing/ while target \(index) was being sent")
        }
        update(&post.record, now())
        posts[stem] = post
        guard case .committed = await commit(progressTransaction(stem: stem, post.record)) else {
            throw SpoolpostError(.io, "could not record the progress of target \(index) in the status file")
        }
    }

    private func record(_ outcome: PublishOutcome, target index: Int, stem: String) async {
        // First, before this post's record is read: the pause is written off the actor, and other targets of
        // the post may record steps meanwhile.
        if case .failed(let error) = outcome, let current = posts[stem] {
            await pauseAccount(current.record.targets[index].account, for: error, post: current.manifest.id)
        }
        guard var post = posts[stem] else { return }
        let target = post.record.targets[index]
        let metadata: Logger.Metadata = [
            "target": "\(index)", "platform": "\(target.platform.rawValue)", "account": "\(target.account)",
        ]
        switch outcome {
        case .published(let platformPostID, let url):
            post.record.recordSuccess(index, platformPostID: platformPostID, url: url, now: now())
            log(.info, "target published", post: post.manifest.id,
                metadata.merging(["platform_post_id": "\(platformPostID ?? "-")", "url": "\(url ?? "-")"]) { $1 })
        case .failed(let error):
            post.record.recordFailure(index, error: error, retry: configuration.retry, now: now())
            let updated = post.record.targets[index]
            var details = metadata
            details["code"] = "\(error.code)"
            details["attempt"] = "\(updated.attempts)"
            if updated.status == .retrying, let next = updated.nextAttemptAt {
                details["next_attempt_at"] = "\(RFC3339.format(next))"
                log(.warning, "target failed, will retry: \(error.message)", post: post.manifest.id, details)
            } else {
                log(.error, "target \(updated.status.rawValue): \(error.message)", post: post.manifest.id, details)
            }
        }
        posts[stem] = post
        if post.record.isComplete {
            await finish(stem: stem)
        } else {
            _ = await commit(progressTransaction(stem: stem, post.record))
        }
    }

    /// The status (and retry file) of a post still in publishing/.
    func progressTransaction(stem: String, _ record: PostRecord) -> SpoolTransaction {
        var transaction = SpoolTransaction(writes: [statusWrite(.publishing, stem: stem, record)])
        if let retry = PostRecordCodec.retryText(record) {
            transaction.writes.append(.init(state: .publishing, name: SpoolNames.retryName(forStem: stem), bytes: Array(retry.utf8)))
        } else {
            transaction.removals.append(.init(state: .publishing, name: SpoolNames.retryName(forStem: stem)))
        }
        return transaction
    }

    /// publishing/ → done/ (every target succeeded) or failed/ (PARTIAL, FAILED). The status is rewritten in
    /// place first, so a crash between the two moves leaves a state recovery completes.
    func finish(stem: String) async {
        guard var post = posts[stem] else { return }
        let destination: SpoolState = post.record.isSuccess ? .done : .failed
        let statusName = SpoolNames.statusName(forStem: stem)
        let result = await commit(SpoolTransaction(
            writes: [statusWrite(.publishing, stem: stem, post.record)],
            moves: [
                .init(name: post.fileName, from: .publishing, to: destination, newName: post.fileName),
                .init(name: statusName, from: .publishing, to: destination, newName: statusName),
            ],
            removals: [.init(state: .publishing, name: SpoolNames.retryName(forStem: stem))]))
        guard case .committed = result else {
            log(.error, "could not move the post out of publishing/; it will be completed on restart", post: post.manifest.id)
            return
        }
        post.state = destination
        posts[stem] = nil
        index[post.manifest.id] = IndexEntry(state: destination, status: post.record.status)
        completedPosts += 1
        if destination != .done { unsuccessfulPosts += 1 }
        log(destination == .done ? .info : .warning, "moved to \(destination.rawValue)/ (\(post.record.status.rawValue))",
            post: post.manifest.id, ["file": "\(post.fileName)"])
    }

    func statusWrite(_ state: SpoolState, stem: String, _ record: PostRecord) -> SpoolTransaction.Write {
        .init(state: state, name: SpoolNames.statusName(forStem: stem), bytes: Array(PostRecordCodec.statusText(record).utf8))
    }
}
