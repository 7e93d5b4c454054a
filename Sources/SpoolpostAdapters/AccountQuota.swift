import Foundation
import Synchronization

/// What an account's rate-limit headers said on answers that succeeded: the time before which its quota is
/// spent (X's `x-rate-limit-remaining: 0` until `x-rate-limit-reset`, Meta's `estimated_time_to_regain_access`).
/// Shared by the account's attempts; each attempt hands a spent quota to the engine through
/// ``PublishProgress/pauseAccount(until:reason:)`` when it ends, so the next post waits instead of being refused.
final class AccountQuota: Sendable {
    private struct Spent {
        var until: Date
        var reason: String
    }

    private let spent = Mutex<Spent?>(nil)

    /// Notes that the quota is spent until `until`; the latest time wins.
    func spend(until: Date, reason: String) {
        spent.withLock { current in
            if current.map({ until > $0.until }) ?? true { current = Spent(until: until, reason: reason) }
        }
    }

    /// Hands a quota still spent at `now` to `progress`.
    func report(to progress: PublishProgress, now: Date = Date()) async {
        guard let current = spent.withLock({ $0 }), current.until > now else { return }
        await progress.pauseAccount(until: current.until, reason: current.reason)
    }
}
