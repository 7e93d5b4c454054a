public import Foundation
public import SpoolpostCore

/// How an adapter makes the steps of an attempt durable as they complete, so a retry or a restart
/// continues from the last one instead of starting over, and never repeats the request that publishes.
///
/// Each call returns once the post's status file records the step. The engine provides the recorder;
/// ``discarding`` serves callers with nothing to record.
public struct PublishProgress: Sendable {
    /// Records `value` under `key` in the target's steps (nil removes the key).
    public typealias StepRecorder = @Sendable (_ key: String, _ value: String?) async throws(SpoolpostError) -> Void
    /// Records that the request making the post public is about to leave.
    public typealias PublicStepRecorder = @Sendable () async throws(SpoolpostError) -> Void
    /// Holds back every request to the account until a time, for the reason given.
    public typealias AccountPauser = @Sendable (_ until: Date, _ reason: String) async -> Void

    private let stepRecorder: StepRecorder
    private let publicStepRecorder: PublicStepRecorder
    private let accountPauser: AccountPauser

    public init(
        recordStep: @escaping StepRecorder, beginPublicStep: @escaping PublicStepRecorder,
        pauseAccount: @escaping AccountPauser = { _, _ in }
    ) {
        self.stepRecorder = recordStep
        self.publicStepRecorder = beginPublicStep
        self.accountPauser = pauseAccount
    }

    /// Durably records a step's result before the adapter goes on.
    public func record(_ key: String, _ value: String?) async throws(SpoolpostError) {
        try await stepRecorder(key, value)
    }

    /// Durably records that the publishing request is about to be sent: from here on an interrupted
    /// attempt is an unknown outcome, not a step to resume.
    public func beginPublicStep() async throws(SpoolpostError) {
        try await publicStepRecorder()
    }

    /// Says that the account's quota is spent until `until` although the attempt went through (a network's
    /// rate-limit headers on a successful answer): the engine sends the account nothing more before then, across
    /// posts and restarts, instead of running into the refusal.
    public func pauseAccount(until: Date, reason: String) async {
        await accountPauser(until, reason)
    }

    /// Records nothing (one-off sends outside the daemon, tests).
    public static let discarding = PublishProgress(recordStep: { _, _ in }, beginPublicStep: {})
}
