import Foundation
import SpoolpostCore
import SpoolpostIO
import Synchronization
import Testing

private func at(_ seconds: Double) -> Date { Date(timeIntervalSince1970: 1_800_000_000 + seconds) }

@Suite struct UploadURLRateLedgerTests {
    @Test func grantsAreRememberedAcrossLedgerInstances() throws {
        let folder = try MediaTestFolder()
        let limit = UploadURLRateLimit(limit: 2, window: 3600)
        let files = EmbeddedStoreFiles(spoolRoot: folder.path)
        #expect(try UploadURLRateLedger(files: files, limit: limit).acquire(account: "acme", now: at(0))
            == .allowed(grants: [at(0)]))
        // A new instance, as a second CLI run would make, sees the first grant.
        #expect(try UploadURLRateLedger(files: files, limit: limit).acquire(account: "acme", now: at(100))
            == .allowed(grants: [at(0), at(100)]))
        #expect(try UploadURLRateLedger(files: files, limit: limit).acquire(account: "acme", now: at(200))
            == .refused(retryAfter: 3400))
        // A refusal records nothing.
        let ledger = UploadURLRateLedger(files: files, limit: limit)
        #expect(try ledger.grants(account: "acme") == [at(0), at(100)])
        #expect(ledger.path(account: "acme") == "\(folder.path)/store/upload-url-rate/acme")
        let text = String(decoding: try #require(FileManager.default.contents(atPath: ledger.path(account: "acme"))), as: UTF8.self)
        #expect(text == "1800000000000\n1800000100000\n")
        // Once the first grant leaves the window, one more fits, and the old line is dropped.
        #expect(try ledger.acquire(account: "acme", now: at(3600)) == .allowed(grants: [at(100), at(3600)]))
        #expect(try ledger.grants(account: "acme") == [at(100), at(3600)])
    }

    @Test func accountsAreCountedSeparately() throws {
        let folder = try MediaTestFolder()
        let ledger = UploadURLRateLedger(directory: "\(folder.path)/rate", limit: UploadURLRateLimit(limit: 1, window: 60))
        #expect(try ledger.acquire(account: "a", now: at(0)) == .allowed(grants: [at(0)]))
        #expect(try ledger.acquire(account: "b", now: at(0)) == .allowed(grants: [at(0)]))
        #expect(try ledger.acquire(account: "a", now: at(1)) == .refused(retryAfter: 59))
        #expect(try ledger.grants(account: "nobody") == [])
        // An account name cannot climb out of the ledger's folder.
        #expect(ledger.path(account: "../../etc/passwd") == "\(folder.path)/rate/..-..-etc-passwd")
    }

    @Test func concurrentRequestsNeverExceedTheLimit() throws {
        let folder = try MediaTestFolder()
        let ledger = UploadURLRateLedger(directory: "\(folder.path)/rate", limit: UploadURLRateLimit(limit: 5, window: 3600))
        let allowed = Atomic<Int>(0)
        let failures = Atomic<Int>(0)
        let start = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        let now = Date()
        for _ in 0..<12 {
            Thread {
                start.wait()
                switch try? ledger.acquire(account: "busy", now: now) {
                case .allowed: allowed.add(1, ordering: .relaxed)
                case .refused: break
                case nil: failures.add(1, ordering: .relaxed)
                }
                done.signal()
            }.start()
        }
        for _ in 0..<12 { start.signal() }
        for _ in 0..<12 { done.wait() }
        #expect(failures.load(ordering: .relaxed) == 0)
        #expect(allowed.load(ordering: .relaxed) == 5)
        #expect(try ledger.grants(account: "busy").count == 5)
    }
}
