import Foundation
import SpoolpostAdapters
import SpoolpostCore
import SpoolpostEngine
import SpoolpostIO
import Testing

@Suite struct SpoolOperationsTests {
    static func operations(_ harness: EngineHarness) -> SpoolOperations {
        let clock = harness.clock
        return SpoolOperations(spool: harness.spool, now: { clock.now })
    }

    @Test func retryRepublishesAFailedPost() async throws {
        let harness = try EngineHarness()
        harness.adapter().script([.permanentFailure])
        try await harness.withRunningEngine { _ in
            try harness.drop("oops.yaml", EngineHarness.manifest(id: "oops"))
            await eventually("oops.yaml in failed/") { harness.exists(.failed, "oops.status.yaml") }

            let reset = try Self.operations(harness).retry("oops")
            #expect(reset.status == .publishing)
            #expect(reset.targets.map(\.status) == [.pending])
            #expect(reset.targets[0].attempts == 0)
            await eventually("oops.yaml in done/") { harness.exists(.done, "oops.status.yaml") }
        }
        #expect(harness.names(.failed).isEmpty)
        #expect(harness.names(.publishing).isEmpty)
        let record = try #require(harness.record(.done, "oops"))
        #expect(record.status == .success)
        #expect(record.targets[0].attempts == 1)
        // Same post, same key: a receiver that saw the first attempt can tell it is the same post.
        #expect(harness.adapter().requests.map(\.idempotencyKey) == ["oops:0", "oops:0"])
    }

    @Test func retryOfAPartialPostNeverResendsTheTargetThatSucceeded() async throws {
        let harness = try EngineHarness(accounts: ["good", "broken"])
        harness.adapter("broken").script([.permanentFailure])
        try await harness.withRunningEngine { _ in
            try harness.drop("half.yaml", EngineHarness.manifest(id: "half", accounts: ["good", "broken"]))
            await eventually("half.yaml in failed/") { harness.exists(.failed, "half.status.yaml") }
            #expect(harness.record(.failed, "half")?.status == .partial)

            _ = try Self.operations(harness).retry("half")
            await eventually("half.yaml in done/") { harness.exists(.done, "half.status.yaml") }
        }
        let record = try #require(harness.record(.done, "half"))
        #expect(record.status == .success)
        #expect(record.targets.map(\.status) == [.success, .success])
        #expect(harness.adapter("good").callCount == 1)
        #expect(harness.adapter("broken").callCount == 2)
    }

    @Test func retryAfterAnUnknownOutcomeSendsItAgainOnlyWhenAPersonAsks() async throws {
        let harness = try EngineHarness(delivery: .atMostOnce)
        try SpoolEngineTests.leaveInterruptedPost(harness)
        try await harness.withRunningEngine { _ in
            await eventually("inflight.yaml in failed/") { harness.exists(.failed, "inflight.status.yaml") }
            #expect(harness.adapter().callCount == 0)
            _ = try Self.operations(harness).retry("inflight")
            await eventually("inflight.yaml in done/") { harness.exists(.done, "inflight.status.yaml") }
        }
        #expect(harness.adapter().callCount == 1)
        #expect(harness.record(.done, "inflight")?.status == .success)
    }

    @Test func onlyFailedPostsCanBeRetried() async throws {
        let harness = try EngineHarness()
        try await harness.withRunningEngine { _ in
            try harness.drop("fine.yaml", EngineHarness.manifest(id: "fine"))
            await eventually("fine.yaml in done/") { harness.exists(.done, "fine.status.yaml") }
        }
        #expect(throws: SpoolpostError.self) { _ = try Self.operations(harness).retry("fine") }
        do {
            _ = try Self.operations(harness).retry("fine")
        } catch {
            #expect(error.code == .notFound)
            #expect(error.message.contains("done/"))
        }
        do {
            _ = try Self.operations(harness).retry("ghost")
            Issue.record("retried a post that does not exist")
        } catch {
            #expect(error.code == .notFound)
            #expect(error.message.contains("ghost"))
        }
    }

    @Test func anInvalidPostCannotBeRetried() async throws {
        let harness = try EngineHarness()
        try await harness.withRunningEngine { _ in
            try harness.drop("junk.yaml", "just text\n")
            await eventually("junk.yaml in failed/") { harness.exists(.failed, "junk.status.yaml") }
        }
        do {
            _ = try Self.operations(harness).retry("junk")
            Issue.record("retried an invalid post")
        } catch {
            #expect(error.code == .invalidManifest)
            #expect(error.message.contains("fix the manifest"))
        }
        #expect(harness.exists(.failed, "junk.yaml"))
    }

    @Test func cancellingAScheduledPostKeepsItFromEverBeingSent() async throws {
        let harness = try EngineHarness()
        let at = harness.clock.now.addingTimeInterval(600)
        try await harness.withRunningEngine { _ in
            try harness.drop("soon.yaml", EngineHarness.manifest(id: "soon", scheduleAt: at))
            await eventually("soon.yaml in scheduled/") { harness.exists(.scheduled, "soon.status.yaml") }

            let cancelled = try Self.operations(harness).cancel("soon", accounts: ["hooks": .webhook])
            #expect(cancelled.status == .cancelled)
            #expect(cancelled.targets.map(\.status) == [.cancelled])
            #expect(harness.names(.scheduled).isEmpty)
            harness.clock.advance(by: 3600)
            #expect(await staysTrue { harness.adapter().callCount == 0 })
        }
        #expect(harness.names(.failed) == ["soon.status.yaml", "soon.yaml"])
        let record = try #require(harness.record(.failed, "soon"))
        #expect(record.status == .cancelled)
        #expect(record.targets[0].error?.code == "CANCELLED")
        #expect(harness.adapter().callCount == 0)
    }

    @Test func submitThenCancelAPendingPostWithoutADaemon() throws {
        let harness = try EngineHarness()
        let operations = Self.operations(harness)
        try operations.submit(Array(EngineHarness.manifest(id: "queued").utf8), name: "queued.yaml")
        #expect(harness.names(.pending) == ["queued.yaml"])
        #expect(throws: SpoolpostError.self) {
            try operations.submit(Array("text: other\n".utf8), name: "queued.yaml")
        }
        #expect(harness.text(.pending, "queued.yaml") == EngineHarness.manifest(id: "queued"))

        let record = try operations.cancel("queued", accounts: ["hooks": .webhook])
        #expect(record.postID == "queued")
        #expect(record.status == .cancelled)
        #expect(harness.names(.pending).isEmpty)
        #expect(harness.names(.failed) == ["queued.status.yaml", "queued.yaml"])
        #expect(harness.record(.failed, "queued")?.targets.map(\.status) == [.cancelled])
    }

    @Test func aPostAlreadyPublishedCannotBeCancelled() async throws {
        let harness = try EngineHarness()
        try await harness.withRunningEngine { _ in
            try harness.drop("gone.yaml", EngineHarness.manifest(id: "gone"))
            await eventually("gone.yaml in done/") { harness.exists(.done, "gone.status.yaml") }
        }
        do {
            _ = try Self.operations(harness).cancel("gone", accounts: ["hooks": .webhook])
            Issue.record("cancelled a published post")
        } catch {
            #expect(error.code == .notFound)
            #expect(error.message.contains("done/"))
        }
        #expect(harness.exists(.done, "gone.yaml"))
    }
}

@Suite struct SpoolInspectorTests {
    @Test func listsEveryPostWithItsStateAndStatus() async throws {
        let harness = try EngineHarness()
        harness.adapter().script([.permanentFailure])
        let at = harness.clock.now.addingTimeInterval(3600)
        try await harness.withRunningEngine { _ in
            try harness.drop("a-failed.yaml", EngineHarness.manifest(id: "id-failed"))
            await eventually("a-failed.yaml in failed/") { harness.exists(.failed, "a-failed.status.yaml") }
            try harness.drop("b-done.yaml", EngineHarness.manifest(id: "id-done"))
            try harness.drop("c-later.yaml", EngineHarness.manifest(id: "id-later", scheduleAt: at))
            await eventually("b-done.yaml in done/") { harness.exists(.done, "b-done.status.yaml") }
            await eventually("c-later.yaml in scheduled/") { harness.exists(.scheduled, "c-later.status.yaml") }
        }
        try harness.place(.pending, "d-new.yaml", EngineHarness.manifest(id: "id-new"))

        let inspector = SpoolInspector(spool: harness.spool)
        let entries = inspector.entries()
        #expect(entries.map(\.fileName) == ["d-new.yaml", "c-later.yaml", "b-done.yaml", "a-failed.yaml"])
        #expect(entries.map(\.state) == [.pending, .scheduled, .done, .failed])
        #expect(entries.map(\.postID) == ["d-new", "id-later", "id-done", "id-failed"])
        #expect(entries.map { $0.record?.status } == [nil, .scheduled, .success, .failed])
        #expect(entries.map(\.stem) == ["d-new", "c-later", "b-done", "a-failed"])

        #expect(inspector.entries(in: [.done]).map(\.postID) == ["id-done"])
        #expect(inspector.find("id-failed")?.state == .failed)
        #expect(inspector.find("b-done")?.postID == "id-done")
        #expect(inspector.find("c-later.yaml")?.state == .scheduled)
        #expect(inspector.find("id-done", in: [.failed]) == nil)
        #expect(inspector.find("nothing") == nil)

        #expect(inspector.takenIDs() == ["id-failed": "failed", "id-done": "done", "id-later": "scheduled"])
        #expect(inspector.freeStem(for: "b-done.yaml") == "b-done-2")
        #expect(inspector.freeStem(for: "d-new.yaml") == "d-new")
    }

    @Test func anEmptySpoolListsNothing() throws {
        let harness = try EngineHarness()
        let inspector = SpoolInspector(spool: harness.spool)
        #expect(inspector.entries().isEmpty)
        #expect(inspector.takenIDs().isEmpty)
        #expect(inspector.find("x") == nil)
    }
}
