import Foundation
import Glibc
import SpoolpostIO
import Testing

@Suite struct SpoolCommitTests {
    @Test func writesReplaceAndAreReadable() throws {
        let scratch = SpoolScratchFolder()
        defer { scratch.remove() }
        let spool = try SpoolDirectory(root: scratch.path, create: true)
        let first = SpoolTransaction(writes: [.init(state: .pending, name: "a.status.yaml", bytes: spoolBytes("one"))])
        #expect(try spool.commit([first]).map(\.error) == [nil])
        #expect(try spool.readFile(.pending, "a.status.yaml") == spoolBytes("one"))
        let second = SpoolTransaction(writes: [
            .init(state: .pending, name: "a.status.yaml", bytes: spoolBytes("two")),
            .init(state: .pending, name: "a.retry", bytes: spoolBytes("1"), mode: 0o600),
        ])
        #expect(try spool.commit([second]).map(\.error) == [nil])
        #expect(try spool.readFile(.pending, "a.status.yaml") == spoolBytes("two"))
        #expect(try spool.readFile(.pending, "a.retry") == spoolBytes("1"))
        var info = stat()
        #expect(stat(spool.path(.pending, "a.retry"), &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        #expect(stat(spool.path(.pending, "a.status.yaml"), &info) == 0)
        #expect(info.st_mode & 0o777 == 0o644)
        // No temporary file is left behind.
        let entries = try FileManager.default.contentsOfDirectory(atPath: scratch.path + "/pending")
        #expect(entries.sorted() == ["a.retry", "a.status.yaml"])
    }

    @Test func movesNeverOverwrite() throws {
        let scratch = SpoolScratchFolder()
        defer { scratch.remove() }
        let spool = try SpoolDirectory(root: scratch.path, create: true)
        try spoolWritePlainFile(spool.path(.pending, "a.yaml"), "new")
        try spoolWritePlainFile(spool.path(.scheduled, "a.yaml"), "old")
        let move = SpoolTransaction.Move(name: "a.yaml", from: .pending, to: .scheduled)
        let results = try spool.commit([SpoolTransaction(moves: [move])])
        #expect(results.first?.error?.kind == .destinationExists)
        #expect(spoolReadPlainFile(spool.path(.scheduled, "a.yaml")) == "old")
        #expect(spoolReadPlainFile(spool.path(.pending, "a.yaml")) == "new")

        let missing = try spool.commit([SpoolTransaction(moves: [.init(name: "b.yaml", from: .pending, to: .done)])])
        #expect(missing.first?.error?.kind == .sourceMissing)

        let moved = try spool.commit([SpoolTransaction(moves: [.init(name: "a.yaml", from: .pending, to: .done)])])
        #expect(moved.first?.error == nil)
        #expect(spoolReadPlainFile(spool.path(.done, "a.yaml")) == "new")
        #expect(!spool.exists(.pending, "a.yaml"))
    }

    @Test func aFailingTransactionDoesNotAffectOthers() throws {
        let scratch = SpoolScratchFolder()
        defer { scratch.remove() }
        let spool = try SpoolDirectory(root: scratch.path, create: true)
        for name in ["a.yaml", "b.yaml", "c.yaml"] { try spoolWritePlainFile(spool.path(.pending, name), name) }
        try spoolWritePlainFile(spool.path(.done, "b.yaml"), "earlier b")
        try spoolWritePlainFile(spool.path(.pending, "c.retry"), "2")

        func transaction(_ stem: String) -> SpoolTransaction {
            SpoolTransaction(
                writes: [.init(state: .pending, name: "\(stem).status.yaml", bytes: spoolBytes("state: done"))],
                moves: [
                    .init(name: "\(stem).yaml", from: .pending, to: .done),
                    .init(name: "\(stem).status.yaml", from: .pending, to: .done),
                ],
                removals: [.init(state: .pending, name: "\(stem).retry")]
            )
        }
        let results = try spool.commit([transaction("a"), transaction("b"), transaction("c")])
        #expect(results[0].error == nil)
        #expect(results[1].error?.kind == .destinationExists)
        #expect(results[2].error == nil)

        #expect(try spool.list(.done) == ["a.status.yaml", "a.yaml", "b.yaml", "c.status.yaml", "c.yaml"])
        #expect(spoolReadPlainFile(spool.path(.done, "b.yaml")) == "earlier b")
        // b's write was renamed before its move failed and stays; its later steps were skipped.
        #expect(try spool.list(.pending) == ["b.status.yaml", "b.yaml"])
    }

    @Test func invalidNamesFailOnlyTheirTransaction() throws {
        let scratch = SpoolScratchFolder()
        defer { scratch.remove() }
        let spool = try SpoolDirectory(root: scratch.path, create: true)
        let results = try spool.commit([
            SpoolTransaction(writes: [.init(state: .done, name: "../pending/x", bytes: spoolBytes("x"))]),
            SpoolTransaction(writes: [.init(state: .done, name: "ok.retry", bytes: spoolBytes("1"))]),
        ])
        #expect(results[0].error?.kind == .invalidName)
        #expect(results[1].error == nil)
        #expect(try spool.list(.pending) == [])
        #expect(try spool.list(.done) == ["ok.retry"])
    }

    @Test func commitsFiveHundredTransactionsInOneBatch() throws {
        let scratch = SpoolScratchFolder()
        defer { scratch.remove() }
        let spool = try SpoolDirectory(root: scratch.path, create: true)
        let count = 500
        for index in 0..<count { try spoolWritePlainFile(spool.path(.pending, "post-\(index).yaml"), "text: \(index)") }
        let transactions = (0..<count).map { index in
            SpoolTransaction(
                writes: [.init(state: .pending, name: "post-\(index).status.yaml", bytes: spoolBytes("n: \(index)"))],
                moves: [
                    .init(name: "post-\(index).yaml", from: .pending, to: .scheduled),
                    .init(name: "post-\(index).status.yaml", from: .pending, to: .scheduled),
                ]
            )
        }
        let results = try spool.commit(transactions)
        #expect(results.count == count)
        #expect(results.allSatisfy { $0.error == nil })
        #expect(try spool.list(.pending) == [])
        #expect(try spool.list(.scheduled).count == 2 * count)
        for index in [0, 249, 499] {
            #expect(try spool.readFile(.scheduled, "post-\(index).status.yaml") == spoolBytes("n: \(index)"))
            #expect(try spool.readFile(.scheduled, "post-\(index).yaml") == spoolBytes("text: \(index)"))
        }
        let hidden = try FileManager.default.contentsOfDirectory(atPath: scratch.path + "/pending")
        #expect(hidden.isEmpty)
    }

    @Test func removalsIgnoreMissingEntries() throws {
        let scratch = SpoolScratchFolder()
        defer { scratch.remove() }
        let spool = try SpoolDirectory(root: scratch.path, create: true)
        try spoolWritePlainFile(spool.path(.failed, "a.retry"), "1")
        let results = try spool.commit([SpoolTransaction(removals: [
            .init(state: .failed, name: "a.retry"), .init(state: .failed, name: "never.retry"),
        ])])
        #expect(results.first?.error == nil)
        #expect(!spool.exists(.failed, "a.retry"))
    }
}
