import Foundation

/// A post's record: the content of `<name>.status.yaml`.
///
/// The record is a value; the engine decides when to write it. The transition methods are the post state
/// machine: each takes the current time explicitly so tests need no clock.
public struct PostRecord: Sendable, Hashable {
    public var postID: String
    /// The manifest's file name inside its state folder.
    public var manifest: String
    public var status: PostStatus
    public var createdAt: Date
    public var updatedAt: Date
    public var scheduledAt: Date?
    public var publishedAt: Date?
    public var targets: [TargetRecord]
    /// The post's media: uploads and checks, shared by every target.
    public var media: [MediaRecord]
    /// Validation errors, for `INVALID` posts, as `FILE:LINE:COL: path: message` lines.
    public var errors: [String]
    /// Validation warnings (for example a schedule time that had already passed).
    public var warnings: [String]

    public init(postID: String, manifest: String, status: PostStatus, now: Date, targets: [TargetRecord] = []) {
        self.postID = postID
        self.manifest = manifest
        self.status = status
        self.createdAt = now
        self.updatedAt = now
        self.targets = targets
        self.media = []
        self.errors = []
        self.warnings = []
    }

    /// A fresh record for a valid manifest: one pending target per manifest target.
    public init(manifest: Manifest, fileName: String, now: Date, warnings: [String] = []) {
        self.init(
            postID: manifest.id, manifest: fileName, status: .publishing, now: now,
            targets: manifest.targets.map { TargetRecord(index: $0.index, platform: $0.platform, account: $0.account) }
        )
        self.scheduledAt = manifest.scheduleAt
        self.warnings = warnings
    }

    // MARK: - Queries

    /// Targets whose attempt is due at `now`: pending ones, and retrying ones whose time has come.
    public func dueTargets(at now: Date) -> [Int] {
        targets.indices.filter { i in
            switch targets[i].status {
            case .pending: return true
            case .retrying: return (targets[i].nextAttemptAt ?? now) <= now
            default: return false
            }
        }
    }

    /// The earliest time a retrying target is due, if any target waits.
    public var nextRetryAt: Date? {
        targets.compactMap { $0.status == .retrying ? $0.nextAttemptAt : nil }.min()
    }

    /// True when every target is final: the post leaves publishing/.
    public var isComplete: Bool { targets.allSatisfy { $0.status.isFinal } }

    /// The overall outcome of final targets: SUCCESS (all), PARTIAL (some), FAILED (none).
    public var outcome: PostStatus {
        let succeeded = targets.filter { $0.status == .success }.count
        if targets.allSatisfy({ $0.status == .cancelled }) && !targets.isEmpty { return .cancelled }
        if succeeded == targets.count && !targets.isEmpty { return .success }
        return succeeded > 0 ? .partial : .failed
    }

    /// The state folder a complete post belongs in.
    public var isSuccess: Bool { outcome == .success }

    // MARK: - Transitions

    /// Records that attempts of `indices` are about to be sent. Must be durable before any request leaves.
    /// - Parameter publicStepFirst: true when the first request of an attempt may already make the post
    ///   public (a single-request network): the attempt's public step is then recorded as begun too.
    public mutating func beginAttempts(_ indices: [Int], now: Date, publicStepFirst: (Int) -> Bool = { _ in true }) {
        for i in indices {
            targets[i].status = .sending
            targets[i].attempts += 1
            targets[i].sendingSince = now
            targets[i].publicStepStarted = publicStepFirst(i)
            targets[i].nextAttemptAt = nil
            targets[i].retryDelay = nil
        }
        status = .publishing
        updatedAt = now
    }

    /// Holds a due target back without an attempt (its account is rate limited until `until`): it waits like a
    /// retry and keeps its attempts.
    public mutating func deferTarget(_ index: Int, until: Date, now: Date) {
        targets[index].status = .retrying
        targets[index].nextAttemptAt = until
        targets[index].retryDelay = max(0, until.timeIntervalSince(now))
        status = .publishing
        updatedAt = now
    }

    /// Records that an attempt is about to send the request that makes the post public.
    public mutating func beginPublicStep(_ index: Int, now: Date) {
        targets[index].publicStepStarted = true
        updatedAt = now
    }

    /// Records the result of a step invisible to the public (an upload, a container), so a later attempt
    /// continues from it.
    public mutating func recordStep(_ index: Int, key: String, value: String?, now: Date) {
        targets[index].steps[key] = value
        updatedAt = now
    }

    /// Records a target's success.
    public mutating func recordSuccess(_ index: Int, platformPostID: String?, url: String?, now: Date) {
        targets[index].status = .success
        targets[index].platformPostID = platformPostID
        targets[index].url = url
        targets[index].publishedAt = now
        targets[index].error = nil
        targets[index].sendingSince = nil
        targets[index].publicStepStarted = true
        if publishedAt == nil { publishedAt = now }
        finishIfComplete(now: now)
    }

    /// Records a failed attempt; a retryable one with attempts left waits for its backoff delay.
    public mutating func recordFailure(_ index: Int, error: SpoolpostError, retry: RetryPolicy, now: Date) {
        let attempts = targets[index].attempts
        targets[index].error = TargetError(error, attempts: attempts, maxAttempts: retry.maxAttempts)
        targets[index].sendingSince = nil
        targets[index].publicStepStarted = true
        if error.isRetryable && retry.allowsAttempt(attempts + 1) {
            let delay = retry.delay(beforeAttempt: attempts + 1, retryAfter: error.retryAfter)
            targets[index].status = .retrying
            targets[index].retryDelay = delay
            targets[index].nextAttemptAt = now.addingTimeInterval(delay)
        } else {
            targets[index].status = error.code == .unknownOutcome ? .unknown : .failed
        }
        finishIfComplete(now: now)
    }

    /// Start-up recovery of targets recorded in flight when the daemon stopped.
    ///
    /// An attempt that had not begun its public step resumes from its recorded steps: nothing public was
    /// sent. Past that point, at most once (the default), the target is marked UNKNOWN: a person checks the
    /// network and runs `spoolpost retry`. At least once, it is sent again with the same idempotency key.
    /// - Returns: the indices that were in flight.
    @discardableResult
    public mutating func recoverInterruptedAttempts(delivery: DeliveryGuarantee, retry: RetryPolicy, now: Date) -> [Int] {
        let interrupted = targets.indices.filter { targets[$0].status == .sending }
        for i in interrupted {
            guard targets[i].publicStepStarted else {
                targets[i].status = .pending
                targets[i].sendingSince = nil
                targets[i].publicStepStarted = true
                continue
            }
            switch delivery {
            case .atMostOnce:
                targets[i].status = .unknown
                targets[i].sendingSince = nil
                targets[i].error = TargetError(
                    code: SpoolpostError.Code.unknownOutcome.rawValue,
                    message: "the daemon stopped while this request was in flight, so it may or may not have been "
                        + "published; check \(targets[i].platform.rawValue) account '\(targets[i].account)', then run "
                        + "`spoolpost retry \(postID)` to send it again if it is missing",
                    retryable: false, attempts: targets[i].attempts, maxAttempts: retry.maxAttempts
                )
            case .atLeastOnce:
                targets[i].status = .pending
                targets[i].sendingSince = nil
            }
        }
        if !interrupted.isEmpty { updatedAt = now }
        finishIfComplete(now: now)
        return interrupted
    }

    /// `spoolpost retry`: every target that did not succeed is sent again, with fresh attempts.
    /// Successful targets are never touched.
    public mutating func resetForRetry(now: Date) {
        for i in targets.indices where targets[i].status != .success {
            targets[i].status = .pending
            targets[i].attempts = 0
            targets[i].nextAttemptAt = nil
            targets[i].retryDelay = nil
            targets[i].sendingSince = nil
            targets[i].publicStepStarted = true
        }
        status = .publishing
        updatedAt = now
    }

    /// `spoolpost cancel`: nothing was sent, nothing will be.
    public mutating func cancel(now: Date) {
        for i in targets.indices where !targets[i].status.isFinal {
            targets[i].status = .cancelled
            targets[i].nextAttemptAt = nil
            targets[i].retryDelay = nil
            targets[i].error = TargetError(
                code: SpoolpostError.Code.cancelled.rawValue, message: "cancelled by a person before it was sent",
                retryable: false, attempts: targets[i].attempts, maxAttempts: targets[i].attempts
            )
        }
        status = .cancelled
        updatedAt = now
    }

    private mutating func finishIfComplete(now: Date) {
        updatedAt = now
        if isComplete { status = outcome }
    }
}
