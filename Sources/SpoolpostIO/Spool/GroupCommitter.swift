import Dispatch
import Foundation
import Synchronization

/// Commits transactions from many tasks in batches on one dedicated thread (group commit).
///
/// There is no timer: while one batch is being made durable, new transactions queue up, and the next batch is
/// everything that arrived meanwhile. Under load many transactions share one `syncfs` and one fsync per folder;
/// alone, a transaction is committed at once.
///
/// After a `SpoolFatalError` every waiting and later call throws it too: the daemon must stop.
/// Call `shutdown()` when done; the thread finishes what is queued and exits.
public final class GroupCommitter: Sendable {
    private struct Pending: Sendable {
        var transaction: SpoolTransaction
        var continuation: CheckedContinuation<Result<SpoolTransactionResult, SpoolFatalError>, Never>
    }

    private struct State: Sendable {
        var queue: [Pending] = []
        var fatalError: SpoolFatalError?
        var isShutDown = false
    }

    /// Makes a batch durable; `SpoolDirectory.commit` outside tests.
    typealias BatchCommit = @Sendable ([SpoolTransaction]) throws(SpoolFatalError) -> [SpoolTransactionResult]

    private let commitBatch: BatchCommit
    private let state = Mutex(State())
    private let wakeup = DispatchSemaphore(value: 0)

    public convenience init(spool: SpoolDirectory) {
        self.init { (transactions) throws(SpoolFatalError) in try spool.commit(transactions) }
    }

    init(commitBatch: @escaping BatchCommit) {
        self.commitBatch = commitBatch
        let thread = Thread { [self] in run() }
        thread.name = "spoolpost group commit"
        thread.start()
    }

    /// Commits `transaction` durably together with whatever else is queued, and returns its own result.
    public func commit(_ transaction: SpoolTransaction) async throws(SpoolFatalError) -> SpoolTransactionResult {
        let result = await withCheckedContinuation { continuation in
            let refusal: SpoolFatalError? = state.withLock { state in
                if let fatalError = state.fatalError { return fatalError }
                if state.isShutDown {
                    return SpoolFatalError("the group committer was shut down; the transaction was not committed")
                }
                state.queue.append(Pending(transaction: transaction, continuation: continuation))
                return nil
            }
            if let refusal {
                continuation.resume(returning: .failure(refusal))
            } else {
                wakeup.signal()
            }
        }
        return try result.get()
    }

    /// Stops accepting transactions; those already queued are still committed, then the thread exits.
    public func shutdown() {
        state.withLock { $0.isShutDown = true }
        wakeup.signal()
    }

    private func run() {
        while true {
            wakeup.wait()
            let (batch, isShutDown, fatalError) = state.withLock { state in
                defer { state.queue = [] }
                return (state.queue, state.isShutDown, state.fatalError)
            }
            if batch.isEmpty {
                if isShutDown { return }
                continue
            }
            if let fatalError {
                batch.forEach { $0.continuation.resume(returning: .failure(fatalError)) }
                continue
            }
            do {
                let results = try commitBatch(batch.map(\.transaction))
                for (index, pending) in batch.enumerated() {
                    guard index < results.count else {
                        // Never leave a caller waiting, even if a result is missing.
                        let missing = SpoolFatalError("internal error: the commit returned no result for a transaction")
                        pending.continuation.resume(returning: .failure(missing))
                        continue
                    }
                    pending.continuation.resume(returning: .success(results[index]))
                }
            } catch {
                state.withLock { $0.fatalError = error }
                batch.forEach { $0.continuation.resume(returning: .failure(error)) }
            }
        }
    }
}
