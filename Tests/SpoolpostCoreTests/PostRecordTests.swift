import Foundation
import SpoolpostCore
import Testing

/// Shared fixtures for the post state machine tests.
enum PostRecordFixture {
    /// 2026-11-29T12:00:00Z.
    static let start = RFC3339.parse("2026-11-29T12:00:00Z")!

    static func at(_ seconds: Double) -> Date { start.addingTimeInterval(seconds) }

    static func manifest(targets: Int, scheduleAt: Date? = nil) -> Manifest {
        Manifest(
            id: "launch-1", text: "Hello", media: [], scheduleAt: scheduleAt,
            targets: (0..<targets).map { PostTarget(index: $0, platform: .webhook, account: "hook-\($0)") })
    }

    static func record(targets: Int = 1) -> PostRecord {
        PostRecord(manifest: manifest(targets: targets), fileName: "launch.yaml", now: start)
    }

    static let transient = SpoolpostError(.serverError, "the receiver failed (HTTP 503)", retryable: true)
    static let permanent = SpoolpostError(.rejected, "the receiver rejected the post (HTTP 422)")
}

@Suite struct PostRecordTests {
    typealias F = PostRecordFixture
    let policy = RetryPolicy()

    // MARK: - A fresh record

    @Test func freshRecordHasOnePendingTargetPerManifestTarget() {
        let scheduled = F.at(3600)
        let record = PostRecord(
            manifest: F.manifest(targets: 3, scheduleAt: scheduled), fileName: "launch.yaml", now: F.start,
            warnings: ["late"])
        #expect(record.postID == "launch-1")
        #expect(record.manifest == "launch.yaml")
        #expect(record.status == .publishing)
        #expect(record.createdAt == F.start)
        #expect(record.updatedAt == F.start)
        #expect(record.scheduledAt == scheduled)
        #expect(record.publishedAt == nil)
        #expect(record.warnings == ["late"])
        #expect(record.errors.isEmpty)
        #expect(record.targets.map(\.index) == [0, 1, 2])
        #expect(record.targets.map(\.account) == ["hook-0", "hook-1", "hook-2"])
        #expect(record.targets.allSatisfy { $0.status == .pending && $0.attempts == 0 && $0.error == nil })
        #expect(record.dueTargets(at: F.start) == [0, 1, 2])
        #expect(record.nextRetryAt == nil)
        #expect(!record.isComplete)
    }

    // MARK: - Sending and success

    @Test func beginAttemptsRecordsSendingBeforeTheRequestLeaves() {
        var record = F.record(targets: 2)
        record.beginAttempts([1], now: F.at(5))
        #expect(record.targets[1].status == .sending)
        #expect(record.targets[1].attempts == 1)
        #expect(record.targets[1].sendingSince == F.at(5))
        #expect(record.targets[0].status == .pending)
        #expect(record.targets[0].attempts == 0)
        #expect(record.status == .publishing)
        #expect(record.updatedAt == F.at(5))
        // A target in flight is not due again, and the post is not complete.
        #expect(record.dueTargets(at: F.at(1000)) == [0])
        #expect(!record.isComplete)
    }

    @Test func successOfEveryTargetCompletesTheRecordAsSuccess() {
        var record = F.record(targets: 2)
        record.beginAttempts([0, 1], now: F.at(1))
        record.recordSuccess(0, platformPostID: "wh_1", url: "https://x/1", now: F.at(2))
        #expect(!record.isComplete)
        #expect(record.status == .publishing)
        #expect(record.publishedAt == F.at(2))
        record.recordSuccess(1, platformPostID: nil, url: nil, now: F.at(3))
        #expect(record.isComplete)
        #expect(record.outcome == .success)
        #expect(record.isSuccess)
        #expect(record.status == .success)
        // The post's publishedAt is the first success; each target keeps its own.
        #expect(record.publishedAt == F.at(2))
        #expect(record.targets[0].platformPostID == "wh_1")
        #expect(record.targets[0].url == "https://x/1")
        #expect(record.targets[0].publishedAt == F.at(2))
        #expect(record.targets[0].sendingSince == nil)
        #expect(record.targets[1].platformPostID == nil)
        #expect(record.targets[1].publishedAt == F.at(3))
        #expect(record.updatedAt == F.at(3))
        #expect(record.dueTargets(at: F.at(1000)).isEmpty)
    }

    @Test func successAfterAFailedAttemptClearsTheError() {
        var record = F.record()
        record.beginAttempts([0], now: F.at(0))
        record.recordFailure(0, error: F.transient, retry: policy, now: F.at(1))
        #expect(record.targets[0].error != nil)
        record.beginAttempts([0], now: F.at(3))
        #expect(record.targets[0].nextAttemptAt == nil)
        #expect(record.targets[0].retryDelay == nil)
        record.recordSuccess(0, platformPostID: "p", url: nil, now: F.at(4))
        #expect(record.targets[0].error == nil)
        #expect(record.targets[0].attempts == 2)
        #expect(record.status == .success)
    }

    // MARK: - Outcomes

    @Test func outcomeIsPartialWhenSomeTargetsSucceeded() {
        var record = F.record(targets: 2)
        record.beginAttempts([0, 1], now: F.at(0))
        record.recordSuccess(0, platformPostID: "a", url: nil, now: F.at(1))
        record.recordFailure(1, error: F.permanent, retry: policy, now: F.at(2))
        #expect(record.isComplete)
        #expect(record.outcome == .partial)
        #expect(!record.isSuccess)
        #expect(record.status == .partial)
    }

    @Test func outcomeIsFailedWhenNoTargetSucceeded() {
        var record = F.record(targets: 2)
        record.beginAttempts([0, 1], now: F.at(0))
        record.recordFailure(0, error: F.permanent, retry: policy, now: F.at(1))
        #expect(!record.isComplete)
        #expect(record.status == .publishing)
        record.recordFailure(1, error: F.permanent, retry: policy, now: F.at(2))
        #expect(record.isComplete)
        #expect(record.outcome == .failed)
        #expect(record.status == .failed)
    }

    @Test func outcomeOfARecordWithoutTargetsIsFailed() {
        let record = PostRecord(postID: "bad", manifest: "bad.yaml", status: .invalid, now: F.start)
        #expect(record.isComplete)
        #expect(record.outcome == .failed)
        #expect(!record.isSuccess)
    }

    @Test func isCompleteOnlyWhenEveryTargetIsFinal() {
        for status in TargetStatus.allCases {
            var record = F.record(targets: 2)
            record.targets[0].status = .success
            record.targets[1].status = status
            #expect(record.isComplete == status.isFinal, "second target \(status)")
        }
        #expect(TargetStatus.allCases.filter(\.isFinal) == [.success, .failed, .unknown, .cancelled])
    }

    // MARK: - Failures and backoff

    @Test func permanentFailureIsFinalAtOnce() {
        var record = F.record()
        record.beginAttempts([0], now: F.at(0))
        let error = SpoolpostError(.rejected, "too long", platformCode: "422")
        record.recordFailure(0, error: error, retry: policy, now: F.at(1))
        let target = record.targets[0]
        #expect(target.status == .failed)
        #expect(target.nextAttemptAt == nil)
        #expect(target.retryDelay == nil)
        #expect(target.sendingSince == nil)
        #expect(target.error == TargetError(
            code: "REJECTED", message: "too long", retryable: false, platformCode: "422", attempts: 1, maxAttempts: 4))
        #expect(record.nextRetryAt == nil)
        #expect(record.status == .failed)
    }

    @Test func retryableFailuresBackOffTwoFourEightSecondsThenFailAfterFourAttempts() throws {
        var record = F.record()
        var clock = 0.0
        var delays: [Double] = []
        for attempt in 1...3 {
            record.beginAttempts([0], now: F.at(clock))
            #expect(record.targets[0].attempts == attempt)
            clock += 1
            record.recordFailure(0, error: F.transient, retry: policy, now: F.at(clock))
            let target = record.targets[0]
            #expect(target.status == .retrying)
            #expect(target.error?.attempts == attempt)
            #expect(target.error?.maxAttempts == 4)
            #expect(target.error?.retryable == true)
            let delay = try #require(target.retryDelay)
            delays.append(delay)
            #expect(target.nextAttemptAt == F.at(clock + delay))
            #expect(record.nextRetryAt == F.at(clock + delay))
            // Not due a moment before its time; due exactly at it.
            #expect(record.dueTargets(at: F.at(clock + delay - 0.001)).isEmpty)
            #expect(record.dueTargets(at: F.at(clock + delay)) == [0])
            #expect(!record.isComplete)
            #expect(record.status == .publishing)
            clock += delay
        }
        #expect(delays == [2, 4, 8])
        record.beginAttempts([0], now: F.at(clock))
        record.recordFailure(0, error: F.transient, retry: policy, now: F.at(clock + 1))
        #expect(record.targets[0].attempts == 4)
        #expect(record.targets[0].status == .failed)
        #expect(record.targets[0].error?.attempts == 4)
        #expect(record.targets[0].nextAttemptAt == nil)
        #expect(record.nextRetryAt == nil)
        #expect(record.status == .failed)
    }

    @Test func retryAfterLongerThanTheBackoffIsHonoured() {
        var record = F.record()
        record.beginAttempts([0], now: F.at(0))
        let limited = SpoolpostError(.rateLimit, "slow down", retryable: true, retryAfter: 30)
        record.recordFailure(0, error: limited, retry: policy, now: F.at(1))
        #expect(record.targets[0].retryDelay == 30)
        #expect(record.targets[0].nextAttemptAt == F.at(31))
        #expect(record.targets[0].error?.retryAfter == 30)
        #expect(record.dueTargets(at: F.at(30)).isEmpty)
        #expect(record.dueTargets(at: F.at(31)) == [0])
    }

    @Test func retryAfterShorterThanTheBackoffDoesNotShortenIt() {
        var record = F.record()
        record.beginAttempts([0], now: F.at(0))
        record.recordFailure(
            0, error: SpoolpostError(.rateLimit, "x", retryable: true, retryAfter: 0.5), retry: policy, now: F.at(1))
        #expect(record.targets[0].retryDelay == 2)
    }

    @Test func aSingleAttemptPolicyNeverRetries() {
        var record = F.record()
        record.beginAttempts([0], now: F.at(0))
        record.recordFailure(0, error: F.transient, retry: RetryPolicy(maxAttempts: 1), now: F.at(1))
        #expect(record.targets[0].status == .failed)
        #expect(record.targets[0].error?.maxAttempts == 1)
    }

    @Test func anUnknownOutcomeFailureMakesTheTargetUnknown() {
        var record = F.record()
        record.beginAttempts([0], now: F.at(0))
        let error = SpoolpostError(.unknownOutcome, "sent, no answer")
        record.recordFailure(0, error: error, retry: policy, now: F.at(1))
        #expect(record.targets[0].status == .unknown)
        #expect(record.targets[0].error?.code == "UNKNOWN_OUTCOME")
        #expect(record.status == .failed)
    }

    @Test func nextRetryAtIsTheEarliestWaitingTarget() {
        var record = F.record(targets: 3)
        record.beginAttempts([0, 1, 2], now: F.at(0))
        record.recordFailure(0, error: SpoolpostError(.rateLimit, "a", retryable: true, retryAfter: 60), retry: policy, now: F.at(1))
        record.recordFailure(1, error: F.transient, retry: policy, now: F.at(1))
        record.recordSuccess(2, platformPostID: nil, url: nil, now: F.at(1))
        #expect(record.nextRetryAt == F.at(3))
        #expect(record.dueTargets(at: F.at(3)) == [1])
        #expect(record.dueTargets(at: F.at(61)) == [0, 1])
    }

    // MARK: - Recovery after a stop

    @Test func atMostOnceMarksInterruptedTargetsUnknownAndNeverResendsThem() {
        var record = F.record(targets: 3)
        record.beginAttempts([0, 1, 2], now: F.at(0))
        record.recordSuccess(0, platformPostID: "ok", url: nil, now: F.at(1))
        // Target 2 is waiting for a retry, not in flight.
        record.recordFailure(2, error: F.transient, retry: policy, now: F.at(1))
        let interrupted = record.recoverInterruptedAttempts(delivery: .atMostOnce, retry: policy, now: F.at(100))
        #expect(interrupted == [1])
        let target = record.targets[1]
        #expect(target.status == .unknown)
        #expect(target.sendingSince == nil)
        #expect(target.attempts == 1)
        #expect(target.error?.code == "UNKNOWN_OUTCOME")
        #expect(target.error?.retryable == false)
        #expect(target.error?.maxAttempts == 4)
        let message = target.error?.message ?? ""
        #expect(message.contains("account 'hook-1'"))
        #expect(message.contains("spoolpost retry launch-1"))
        #expect(record.targets[2].status == .retrying)
        #expect(record.updatedAt == F.at(100))
        // It is never due again, whatever the time.
        #expect(record.dueTargets(at: F.at(1_000_000)) == [2])
        #expect(!record.isComplete)
    }

    @Test func atMostOnceRecoveryOfTheOnlyTargetCompletesThePostAsFailed() {
        var record = F.record()
        record.beginAttempts([0], now: F.at(0))
        record.recoverInterruptedAttempts(delivery: .atMostOnce, retry: policy, now: F.at(10))
        #expect(record.isComplete)
        #expect(record.status == .failed)
        #expect(record.dueTargets(at: F.at(1_000_000)).isEmpty)
    }

    @Test func atMostOnceRecoveryNextToASuccessIsPartial() {
        var record = F.record(targets: 2)
        record.beginAttempts([0, 1], now: F.at(0))
        record.recordSuccess(0, platformPostID: nil, url: nil, now: F.at(1))
        record.recoverInterruptedAttempts(delivery: .atMostOnce, retry: policy, now: F.at(10))
        #expect(record.status == .partial)
    }

    @Test func atLeastOnceSendsInterruptedTargetsAgainKeepingTheirAttemptCount() {
        var record = F.record(targets: 2)
        record.beginAttempts([0, 1], now: F.at(0))
        record.recordSuccess(0, platformPostID: nil, url: nil, now: F.at(1))
        let interrupted = record.recoverInterruptedAttempts(delivery: .atLeastOnce, retry: policy, now: F.at(10))
        #expect(interrupted == [1])
        #expect(record.targets[1].status == .pending)
        #expect(record.targets[1].sendingSince == nil)
        #expect(record.targets[1].attempts == 1)
        #expect(record.targets[1].error == nil)
        #expect(record.targets[0].status == .success)
        #expect(record.dueTargets(at: F.at(10)) == [1])
        #expect(!record.isComplete)
        #expect(record.status == .publishing)
    }

    @Test func recoveryWithNothingInFlightChangesNothing() {
        var record = F.record(targets: 2)
        record.beginAttempts([0], now: F.at(0))
        record.recordFailure(0, error: F.transient, retry: policy, now: F.at(1))
        let before = record
        for delivery in [DeliveryGuarantee.atMostOnce, .atLeastOnce] {
            var copy = before
            #expect(copy.recoverInterruptedAttempts(delivery: delivery, retry: policy, now: F.at(50)).isEmpty)
            #expect(copy.targets == before.targets)
            #expect(copy.status == before.status)
        }
    }

    // MARK: - Retry and cancel by a person

    @Test func resetForRetryReArmsOnlyTargetsThatDidNotSucceed() {
        var record = F.record(targets: 4)
        record.beginAttempts([0, 1, 2, 3], now: F.at(0))
        record.recordSuccess(0, platformPostID: "keep", url: "https://keep", now: F.at(1))
        record.recordFailure(1, error: F.permanent, retry: policy, now: F.at(1))
        record.recordFailure(2, error: SpoolpostError(.unknownOutcome, "?"), retry: policy, now: F.at(1))
        record.recordFailure(3, error: F.transient, retry: policy, now: F.at(1))
        record.resetForRetry(now: F.at(500))
        #expect(record.status == .publishing)
        #expect(record.updatedAt == F.at(500))
        #expect(record.targets[0].status == .success)
        #expect(record.targets[0].attempts == 1)
        #expect(record.targets[0].platformPostID == "keep")
        for i in 1...3 {
            #expect(record.targets[i].status == .pending, "target \(i)")
            #expect(record.targets[i].attempts == 0)
            #expect(record.targets[i].nextAttemptAt == nil)
            #expect(record.targets[i].retryDelay == nil)
            #expect(record.targets[i].sendingSince == nil)
        }
        #expect(record.dueTargets(at: F.at(500)) == [1, 2, 3])
        #expect(record.nextRetryAt == nil)
        // A fresh budget: four more attempts before it fails again.
        record.beginAttempts([1], now: F.at(501))
        record.recordFailure(1, error: F.transient, retry: policy, now: F.at(502))
        #expect(record.targets[1].status == .retrying)
        #expect(record.targets[1].retryDelay == 2)
    }

    @Test func cancelMarksEveryUnfinishedTargetCancelled() {
        var record = F.record(targets: 3)
        record.beginAttempts([0, 1], now: F.at(0))
        record.recordSuccess(0, platformPostID: nil, url: nil, now: F.at(1))
        record.recordFailure(1, error: F.transient, retry: policy, now: F.at(1))
        record.cancel(now: F.at(20))
        #expect(record.status == .cancelled)
        #expect(record.updatedAt == F.at(20))
        #expect(record.targets[0].status == .success)
        #expect(record.targets[0].error == nil)
        for i in 1...2 {
            #expect(record.targets[i].status == .cancelled)
            #expect(record.targets[i].nextAttemptAt == nil)
            #expect(record.targets[i].retryDelay == nil)
            #expect(record.targets[i].error?.code == "CANCELLED")
            #expect(record.targets[i].error?.retryable == false)
        }
        #expect(record.targets[1].error?.attempts == 1)
        #expect(record.targets[2].error?.attempts == 0)
        #expect(record.isComplete)
        #expect(record.nextRetryAt == nil)
        #expect(record.dueTargets(at: F.at(10_000)).isEmpty)
    }

    @Test func aFullyCancelledRecordHasTheCancelledOutcome() {
        var record = F.record(targets: 2)
        record.cancel(now: F.at(1))
        #expect(record.outcome == .cancelled)
        #expect(record.status == .cancelled)
        #expect(record.targets.allSatisfy { $0.status == .cancelled })
    }
}
