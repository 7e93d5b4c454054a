import Foundation
import Synchronization
@testable import SpoolpostIO
import Testing

@Suite struct GroupCommitterTests {
    @Test func twoHundredConcurrentCommitsAllComplete() async throws {
        let scratch = SpoolScratchFolder()
        defer { scratch.remove() }
        let spool = try SpoolDirectory(root: scratch.path, create: true)
        let count = 200
        for index in 0..<count { try spoolWritePlainFile(spool.path(.pending, "p\(index).yaml"), "text: \(index)") }
        let committer = GroupCommitter(spool: spool)
        defer { committer.shutdown() }

        let failures = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<count {
                group.addTask {
                    let result = try await committer.commit(SpoolTransaction(
                        writes: [
                            .init(state: .pending, name: "p\(index).status.yaml", bytes: spoolBytes("i: \(index)")),
                        ],
                        moves: [
                            .init(name: "p\(index).yaml", from: .pending, to: .scheduled),
                            .init(name: "p\(index).status.yaml", from: .pending, to: .scheduled),
                        ]
                    ))
                    return result.error == nil ? 0 : 1
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(failures == 0)
        #expect(try spool.list(.pending) == [])
        #expect(try spool.list(.scheduled).count == 2 * count)
        #expect(try spool.readFile(.scheduled, "p117.status.yaml") == spoolBytes("i: 117"))
    }

    @Test func failedTransactionsReportTheirOwnResult() async throws {
        let scratch = SpoolScratchFolder()
        defer { scratch.remove() }
        let spool = try SpoolDirectory(root: scratch.path, create: true)
        let committer = GroupCommitter(spool: spool)
        defer { committer.shutdown() }
        let move = SpoolTransaction.Move(name: "x.yaml", from: .pending, to: .done)
        let result = try await committer.commit(SpoolTransaction(moves: [move]))
        #expect(result.error?.kind == .sourceMissing)
    }

    @Test func commitsAfterShutdownAreRefused() async throws {
        let scratch = SpoolScratchFolder()
        defer { scratch.remove() }
        let spool = try SpoolDirectory(root: scratch.path, create: true)
        let committer = GroupCommitter(spool: spool)
        let before = try await committer.commit(SpoolTransaction(writes: [.init(state: .done, name: "a", bytes: [1])]))
        #expect(before.error == nil)
        committer.shutdown()
        await #expect(throws: SpoolFatalError.self) {
            try await committer.commit(SpoolTransaction(writes: [.init(state: .done, name: "b", bytes: [1])]))
        }
        #expect(!spool.exists(.done, "b"))
    }
}

@Suite struct GroupCommitterFailureTests {
    /// Counts batches and fails from the `failFrom`-th batch on, as a failing fsync would.
    final class FailingCommit: Sendable {
        let batches = Mutex(0)
        let failFrom: Int
        init(failFrom: Int) { self.failFrom = failFrom }

        func commit(_ transactions: [SpoolTransaction]) throws(SpoolFatalError) -> [SpoolTransactionResult] {
            let number = batches.withLock { count in
                count += 1
                return count
            }
            if number >= failFrom { throw SpoolFatalError("cannot fsync spool folder: Input/output error") }
            return transactions.map { _ in .committed }
        }
    }

    @Test func aFatalErrorFailsTheBatchAndEveryLaterCall() async throws {
        let failing = FailingCommit(failFrom: 2)
        let committer = GroupCommitter { (transactions) throws(SpoolFatalError) in try failing.commit(transactions) }
        defer { committer.shutdown() }
        let first = try await committer.commit(SpoolTransaction())
        #expect(first.error == nil)

        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    do throws(SpoolFatalError) {
                        _ = try await committer.commit(SpoolTransaction())
                        return false
                    } catch {
                        return error.message.contains("Input/output error")
                    }
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.count == 20)
        #expect(outcomes.allSatisfy { $0 })
        await #expect(throws: SpoolFatalError.self) { try await committer.commit(SpoolTransaction()) }
        // Only the first failing batch reached the disk; everything after was refused.
        #expect(failing.batches.withLock { $0 } == 2)
    }
}
