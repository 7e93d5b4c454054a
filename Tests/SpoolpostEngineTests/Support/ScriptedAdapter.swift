import Foundation
import SpoolpostAdapters
import SpoolpostCore
import Synchronization

/// An in-memory ``PublishingAdapter``: records every request, answers from a script (then with a default),
/// and can hold requests until the test releases them.
final class ScriptedAdapter: PublishingAdapter {
    let platform = Platform.webhook
    let account: String

    private struct State {
        var script: [PublishOutcome] = []
        var fallback: PublishOutcome
        var requests: [PublishRequest] = []
        var holding = false
        var held: [CheckedContinuation<Void, Never>] = []
        /// Reported through the progress after the next call, as an adapter reads a spent quota on a success.
        var spentQuotaUntil: Date?
    }

    private let state: Mutex<State>

    init(account: String, fallback: PublishOutcome = .published(platformPostID: "remote-1", url: "https://r.example/1")) {
        self.account = account
        state = Mutex(State(fallback: fallback))
    }

    /// Outcomes for the next calls, in order; later calls get the fallback.
    func script(_ outcomes: [PublishOutcome]) {
        state.withLock { $0.script += outcomes }
    }

    func answerFromNowOn(_ outcome: PublishOutcome) {
        state.withLock {
            $0.script = []
            $0.fallback = outcome
        }
    }

    /// The next call reports the account's quota spent until `until` (and succeeds or fails as scripted).
    func reportSpentQuota(until: Date) {
        state.withLock { $0.spentQuotaUntil = until }
    }

    var requests: [PublishRequest] { state.withLock { $0.requests } }
    var callCount: Int { state.withLock { $0.requests.count } }
    /// Requests waiting in ``publish(_:)`` for ``release()``.
    var heldCount: Int { state.withLock { $0.held.count } }

    /// From now on each request waits until ``release()``.
    func hold() { state.withLock { $0.holding = true } }

    /// Lets every waiting request go on, and stops holding new ones.
    func release() {
        let waiting = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.holding = false
            defer { state.held = [] }
            return state.held
        }
        for continuation in waiting { continuation.resume() }
    }

    func publish(_ request: PublishRequest, progress: PublishProgress) async -> PublishOutcome {
        let mustWait = state.withLock { state -> Bool in
            state.requests.append(request)
            return state.holding
        }
        if mustWait {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let stillHolding = state.withLock { state -> Bool in
                    guard state.holding else { return false }
                    state.held.append(continuation)
                    return true
                }
                if !stillHolding { continuation.resume() }
            }
        }
        let (outcome, spentUntil) = state.withLock { state in
            defer { state.spentQuotaUntil = nil }
            return (state.script.isEmpty ? state.fallback : state.script.removeFirst(), state.spentQuotaUntil)
        }
        if let spentUntil { await progress.pauseAccount(until: spentUntil, reason: "quota used up") }
        return outcome
    }
}
