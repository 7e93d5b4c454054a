import Foundation
import SpoolpostIO
import Testing

@Suite struct AccountPausesTests {
    private func temporarySpool() throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("pauses-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        return root
    }

    @Test func pausesInForceAreLoadedAndFinishedOnesRemoved() throws {
        let root = try temporarySpool()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let pauses = AccountPauses(spoolRoot: root)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        try pauses.record(account: "fb", until: now.addingTimeInterval(600), reason: "code 32")
        try pauses.record(account: "x", until: now.addingTimeInterval(-1), reason: "429")
        // Account names that are not portable file names are not recorded (the pause holds in memory only).
        try pauses.record(account: "../escape", until: now.addingTimeInterval(600), reason: "429")

        let loaded = pauses.load(now: now)
        #expect(loaded.keys.sorted() == ["fb"])
        #expect(loaded["fb"].map { Int($0.timeIntervalSince1970) } == 1_800_000_600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: pauses.folder) == ["fb.not-before"])
        let shown = pauses.inForce(now: now)
        #expect(shown.map(\.account) == ["fb"])
        #expect(shown.first?.reason == "code 32")
        #expect(pauses.inForce(now: now.addingTimeInterval(600)).isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: pauses.folder) == ["fb.not-before"])
    }

    @Test func removeExpiredKeepsPausesInForce() throws {
        let root = try temporarySpool()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let pauses = AccountPauses(spoolRoot: root)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        try pauses.record(account: "a", until: now.addingTimeInterval(5), reason: "429")
        try pauses.record(account: "b", until: now, reason: "429")
        try "not yaml: [".write(toFile: pauses.folder + "/c.not-before", atomically: true, encoding: .utf8)
        pauses.removeExpired(now: now)
        #expect(try FileManager.default.contentsOfDirectory(atPath: pauses.folder).sorted() == ["a.not-before", "c.not-before"])
        pauses.removeExpired(now: now.addingTimeInterval(5))
        #expect(try FileManager.default.contentsOfDirectory(atPath: pauses.folder) == ["c.not-before"])
    }
}
