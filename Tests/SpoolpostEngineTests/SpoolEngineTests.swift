import Foundation
import SpoolpostAdapters
import SpoolpostCore
import SpoolpostEngine
import SpoolpostIO
import Testing

@Suite struct SpoolEngineTests {
    @Test func anImmediatePostIsPublishedAndMovedToDone() async throws {
        let harness = try EngineHarness()
        try await harness.withRunningEngine { _ in
            try harness.drop("hello.yaml", EngineHarness.manifest(id: "hello-1", text: "Hello there"))
            await eventually("hello.yaml in done/") { harness.exists(.done, "hello.yaml") }
            await eventually("the status beside it") { harness.exists(.done, "hello.status.yaml") }
        }
        #expect(harness.names(.pending).isEmpty)
        #expect(harness.names(.publishing).isEmpty)
        #expect(harness.names(.done) == ["hello.status.yaml", "hello.yaml"])
        let record = try #require(harness.record(.done, "hello"))
        #expect(record.postID == "hello-1")
        #expect(record.manifest == "hello.yaml")
        #expect(record.status == .success)
        #expect(record.publishedAt != nil)
        #expect(record.targets.count == 1)
        #expect(record.targets[0].status == .success)
        #expect(record.targets[0].attempts == 1)
        #expect(record.targets[0].platformPostID == "remote-1")
        #expect(record.targets[0].url == "https://r.example/1")

        let requests = harness.adapter().requests
        #expect(requests.count == 1)
        #expect(requests[0].postID == "hello-1")
        #expect(requests[0].idempotencyKey == "hello-1:0")
        #expect(requests[0].text == "Hello there")
        #expect(requests[0].attempt == 1)
        #expect(requests[0].target.account == "hooks")
    }

    @Test func aTransientFailureWaitsInPublishingWithARetryFileThenSucceeds() async throws {
        let harness = try EngineHarness()
        harness.adapter().script([.transientFailure])
        try await harness.withRunningEngine { _ in
            try harness.drop("flaky.yaml", EngineHarness.manifest(id: "flaky"))
            await eventually("a retry file in publishing/") { harness.exists(.publishing, "flaky.retry") }
            // The test clock stands still, so the retry cannot fall due before the test has looked.
            #expect(harness.exists(.publishing, "flaky.yaml"))
            let waiting = try #require(harness.record(.publishing, "flaky"))
            #expect(waiting.status == .publishing)
            #expect(waiting.targets[0].status == .retrying)
            #expect(waiting.targets[0].attempts == 1)
            #expect(waiting.targets[0].retryDelay == 2)
            #expect(waiting.targets[0].error?.code == "SERVER_ERROR")
            #expect(waiting.targets[0].error?.retryable == true)
            let retryText = try #require(harness.text(.publishing, "flaky.retry"))
            #expect(retryText.contains("post_id: flaky"))
            #expect(retryText.contains("attempt: 2"))
            #expect(retryText.contains("last_error: SERVER_ERROR"))
            #expect(harness.adapter().callCount == 1)

            harness.clock.advance(by: 2)
            await eventually("flaky.yaml in done/") { harness.exists(.done, "flaky.status.yaml") }
        }
        #expect(harness.names(.publishing).isEmpty)
        #expect(harness.names(.done) == ["flaky.status.yaml", "flaky.yaml"])
        let record = try #require(harness.record(.done, "flaky"))
        #expect(record.status == .success)
        #expect(record.targets[0].attempts == 2)
        #expect(record.targets[0].error == nil)
        let requests = harness.adapter().requests
        #expect(requests.map(\.attempt) == [1, 2])
        #expect(Set(requests.map(\.idempotencyKey)) == ["flaky:0"])
    }

    @Test func retriesStopAfterTheLastAttempt() async throws {
        let harness = try EngineHarness(retry: RetryPolicy(maxAttempts: 3, baseDelay: 1, maxDelay: 60))
        harness.adapter().answerFromNowOn(.transientFailure)
        try await harness.withRunningEngine { _ in
            try harness.drop("down.yaml", EngineHarness.manifest(id: "down"))
            for attempt in 1...2 {
                await eventually("attempt \(attempt) recorded as retrying") {
                    harness.record(.publishing, "down")?.targets.first.map { $0.status == .retrying && $0.attempts == attempt } ?? false
                }
                harness.clock.advance(by: 60)
            }
            await eventually("down.yaml in failed/") { harness.exists(.failed, "down.status.yaml") }
        }
        let record = try #require(harness.record(.failed, "down"))
        #expect(record.status == .failed)
        #expect(record.targets[0].status == .failed)
        #expect(record.targets[0].attempts == 3)
        #expect(record.targets[0].error?.attempts == 3)
        #expect(record.targets[0].error?.maxAttempts == 3)
        #expect(harness.adapter().callCount == 3)
        #expect(!harness.exists(.publishing, "down.retry"))
        #expect(!harness.exists(.failed, "down.retry"))
    }

    @Test func aPermanentFailureGoesToFailed() async throws {
        let harness = try EngineHarness()
        harness.adapter().script([.permanentFailure])
        try await harness.withRunningEngine { _ in
            try harness.drop("bad.yaml", EngineHarness.manifest(id: "bad"))
            await eventually("bad.yaml in failed/") { harness.exists(.failed, "bad.status.yaml") }
        }
        #expect(harness.names(.failed) == ["bad.status.yaml", "bad.yaml"])
        #expect(harness.names(.publishing).isEmpty)
        let record = try #require(harness.record(.failed, "bad"))
        #expect(record.status == .failed)
        #expect(record.targets[0].status == .failed)
        #expect(record.targets[0].error?.code == "REJECTED")
        #expect(record.targets[0].error?.platformCode == "422")
        #expect(record.targets[0].error?.retryable == false)
        #expect(harness.adapter().callCount == 1)
    }

    @Test func oneTargetFailingAndOneSucceedingIsPartial() async throws {
        let harness = try EngineHarness(accounts: ["good", "broken"])
        harness.adapter("broken").answerFromNowOn(.permanentFailure)
        try await harness.withRunningEngine { _ in
            try harness.drop("both.yaml", EngineHarness.manifest(id: "both", accounts: ["good", "broken"]))
            await eventually("both.yaml in failed/") { harness.exists(.failed, "both.status.yaml") }
        }
        let record = try #require(harness.record(.failed, "both"))
        #expect(record.status == .partial)
        #expect(record.targets.map(\.status) == [.success, .failed])
        #expect(record.targets.map(\.account) == ["good", "broken"])
        #expect(harness.adapter("good").requests.map(\.idempotencyKey) == ["both:0"])
        #expect(harness.adapter("broken").requests.map(\.idempotencyKey) == ["both:1"])
    }

    @Test func targetsArePublishedInParallel() async throws {
        let harness = try EngineHarness(accounts: ["one", "two"])
        harness.adapter("one").hold()
        harness.adapter("two").hold()
        try await harness.withRunningEngine { _ in
            try harness.drop("pair.yaml", EngineHarness.manifest(id: "pair", accounts: ["one", "two"]))
            // Both requests are in flight at once, and both are recorded SENDING before they left.
            await eventually("both requests in flight") {
                harness.adapter("one").heldCount == 1 && harness.adapter("two").heldCount == 1
            }
            let sending = try #require(harness.record(.publishing, "pair"))
            #expect(sending.targets.map(\.status) == [.sending, .sending])
            #expect(sending.targets.allSatisfy { $0.sendingSince != nil })
            harness.adapter("one").release()
            harness.adapter("two").release()
            await eventually("pair.yaml in done/") { harness.exists(.done, "pair.status.yaml") }
        }
        #expect(harness.record(.done, "pair")?.status == .success)
    }

    @Test func requestsToOneAccountAreCappedByMaxConcurrent() async throws {
        let harness = try EngineHarness(settings: ["max_concurrent": "2"])
        harness.adapter().hold()
        try await harness.withRunningEngine { _ in
            for index in 0..<4 {
                try harness.drop("p\(index).yaml", EngineHarness.manifest(id: "p\(index)"))
            }
            // Four workers take the four posts, but only two requests reach the account at once.
            await eventually("two requests in flight") { harness.adapter().heldCount == 2 }
            #expect(await staysTrue(for: 0.5) { harness.adapter().heldCount == 2 })
            #expect((0..<4).filter { harness.exists(.publishing, "p\($0).yaml") }.count == 4)
            harness.adapter().release()
            await eventually("every post in done/") { (0..<4).allSatisfy { harness.exists(.done, "p\($0).status.yaml") } }
        }
        #expect(harness.adapter().callCount == 4)
    }

    @Test func aScheduledPostWaitsInScheduledUntilItsTime() async throws {
        let harness = try EngineHarness()
        let at = harness.clock.now.addingTimeInterval(3600)
        try await harness.withRunningEngine { _ in
            try harness.drop("later.yaml", EngineHarness.manifest(id: "later", scheduleAt: at))
            await eventually("later.yaml in scheduled/") { harness.exists(.scheduled, "later.status.yaml") }
            #expect(harness.exists(.scheduled, "later.yaml"))
            let record = try #require(harness.record(.scheduled, "later"))
            #expect(record.status == .scheduled)
            #expect(record.scheduledAt == at)
            #expect(record.targets.map(\.status) == [.pending])
            #expect(await staysTrue { harness.adapter().callCount == 0 && harness.exists(.scheduled, "later.yaml") })

            harness.clock.advance(by: 3599)
            #expect(await staysTrue { harness.adapter().callCount == 0 })
            harness.clock.advance(by: 1)
            await eventually("later.yaml in done/") { harness.exists(.done, "later.status.yaml") }
        }
        #expect(harness.names(.scheduled).isEmpty)
        #expect(harness.record(.done, "later")?.status == .success)
        #expect(harness.record(.done, "later")?.scheduledAt == at)
        #expect(harness.adapter().callCount == 1)
    }

    @Test func anInvalidManifestGoesToFailedWithItsErrors() async throws {
        let harness = try EngineHarness()
        try await harness.withRunningEngine { _ in
            try harness.drop("broken.yaml", "id: broken\ntargets:\n  - platform: webhook\n    account: nobody\n")
            await eventually("broken.yaml in failed/") { harness.exists(.failed, "broken.status.yaml") }
        }
        let record = try #require(harness.record(.failed, "broken"))
        #expect(record.status == .invalid)
        #expect(!record.errors.isEmpty)
        #expect(record.errors.contains { $0.contains("nobody") })
        #expect(record.targets.isEmpty)
        #expect(harness.adapter().callCount == 0)
    }

    @Test func anIDIsNeverPublishedTwice() async throws {
        let harness = try EngineHarness()
        try await harness.withRunningEngine { _ in
            try harness.drop("first.yaml", EngineHarness.manifest(id: "same"))
            await eventually("first.yaml in done/") { harness.exists(.done, "first.status.yaml") }
            try harness.drop("second.yaml", EngineHarness.manifest(id: "same"))
            await eventually("second.yaml in failed/") { harness.exists(.failed, "second.status.yaml") }
        }
        #expect(harness.record(.failed, "second")?.status == .invalid)
        #expect(harness.adapter().callCount == 1)
    }

    @Test func onceModePublishesWhatIsDueThenReturns() async throws {
        let harness = try EngineHarness()
        try harness.drop("a.yaml", EngineHarness.manifest(id: "a"))
        try harness.drop("b.yaml", EngineHarness.manifest(id: "b"))
        harness.adapter().script([.permanentFailure])
        let engine = harness.makeEngine(once: true)
        try await engine.run()
        #expect(harness.names(.pending).isEmpty)
        #expect(await engine.completedPosts == 2)
        #expect(await engine.unsuccessfulPosts == 1)
        #expect(harness.names(.done).count == 2)
        #expect(harness.names(.failed).count == 2)
    }

    // MARK: - Recovery after a stop

    /// What a daemon killed mid-request leaves: the manifest in publishing/ and a status with the target SENDING.
    static func leaveInterruptedPost(_ harness: EngineHarness, accounts: [String] = ["hooks"], succeeded: Set<Int> = []) throws {
        let text = EngineHarness.manifest(id: "inflight", accounts: accounts)
        let manifest = Manifest(
            id: "inflight", text: "Hello", media: [], scheduleAt: nil,
            targets: accounts.enumerated().map { PostTarget(index: $0.offset, platform: .webhook, account: $0.element) })
        var record = PostRecord(manifest: manifest, fileName: "inflight.yaml", now: harness.clock.now)
        record.beginAttempts(Array(accounts.indices), now: harness.clock.now)
        for index in succeeded {
            record.recordSuccess(index, platformPostID: "earlier", url: nil, now: harness.clock.now)
        }
        try harness.place(.publishing, "inflight.yaml", text)
        try harness.place(.publishing, "inflight.status.yaml", PostRecordCodec.statusText(record))
    }

    @Test func atMostOnceRecoveryMarksAnInterruptedTargetUnknownAndNeverSendsIt() async throws {
        let harness = try EngineHarness(delivery: .atMostOnce)
        try Self.leaveInterruptedPost(harness)
        try await harness.withRunningEngine { _ in
            await eventually("inflight.yaml in failed/") { harness.exists(.failed, "inflight.status.yaml") }
            #expect(await staysTrue { harness.adapter().callCount == 0 })
        }
        #expect(harness.names(.publishing).isEmpty)
        #expect(harness.names(.failed) == ["inflight.status.yaml", "inflight.yaml"])
        let record = try #require(harness.record(.failed, "inflight"))
        #expect(record.status == .failed)
        #expect(record.targets[0].status == .unknown)
        #expect(record.targets[0].attempts == 1)
        #expect(record.targets[0].error?.code == "UNKNOWN_OUTCOME")
        #expect(record.targets[0].error?.message.contains("spoolpost retry inflight") == true)
        #expect(harness.adapter().callCount == 0)
    }

    @Test func atMostOnceRecoveryNextToASuccessfulTargetIsPartial() async throws {
        let harness = try EngineHarness(accounts: ["a", "b"], delivery: .atMostOnce)
        try Self.leaveInterruptedPost(harness, accounts: ["a", "b"], succeeded: [0])
        try await harness.withRunningEngine { _ in
            await eventually("inflight.yaml in failed/") { harness.exists(.failed, "inflight.status.yaml") }
        }
        let record = try #require(harness.record(.failed, "inflight"))
        #expect(record.status == .partial)
        #expect(record.targets.map(\.status) == [.success, .unknown])
        #expect(harness.adapter("a").callCount == 0)
        #expect(harness.adapter("b").callCount == 0)
    }

    @Test func atLeastOnceRecoverySendsTheInterruptedTargetAgainWithTheSameKey() async throws {
        let harness = try EngineHarness(delivery: .atLeastOnce)
        try Self.leaveInterruptedPost(harness)
        try await harness.withRunningEngine { _ in
            await eventually("inflight.yaml in done/") { harness.exists(.done, "inflight.status.yaml") }
        }
        let record = try #require(harness.record(.done, "inflight"))
        #expect(record.status == .success)
        #expect(record.targets[0].attempts == 2)
        let requests = harness.adapter().requests
        #expect(requests.map(\.idempotencyKey) == ["inflight:0"])
        #expect(requests.map(\.attempt) == [2])
    }

    @Test func aPostLeftWaitingForARetryIsRetriedAfterARestart() async throws {
        let harness = try EngineHarness()
        harness.adapter().script([.transientFailure])
        try await harness.withRunningEngine { _ in
            try harness.drop("again.yaml", EngineHarness.manifest(id: "again"))
            await eventually("a retry file") { harness.exists(.publishing, "again.retry") }
        }
        #expect(harness.record(.publishing, "again")?.targets.first?.status == .retrying)
        harness.clock.advance(by: 10)
        try await harness.withRunningEngine { _ in
            await eventually("again.yaml in done/") { harness.exists(.done, "again.status.yaml") }
        }
        #expect(harness.adapter().requests.map(\.attempt) == [1, 2])
        #expect(harness.record(.done, "again")?.status == .success)
    }

    @Test func aRateLimitPausesTheAccountForEveryPostAndAcrossARestart() async throws {
        let harness = try EngineHarness()
        harness.adapter().script([
            .failed(SpoolpostError(.rateLimit, "too many requests", retryable: true, retryAfter: 600)),
        ])
        try await harness.withRunningEngine { _ in
            try harness.drop("first.yaml", EngineHarness.manifest(id: "first"))
            await eventually("first waits for its retry") { harness.exists(.publishing, "first.retry") }
            // Another post to the same account is held back without an attempt or a request.
            try harness.drop("second.yaml", EngineHarness.manifest(id: "second"))
            await eventually("second waits too") { harness.exists(.publishing, "second.retry") }
        }
        #expect(harness.adapter().callCount == 1)
        let second = try #require(harness.record(.publishing, "second"))
        #expect(second.targets.first?.status == .retrying)
        #expect(second.targets.first?.attempts == 0)
        let pause = try #require(FileManager.default.contents(atPath: harness.root + "/accounts/hooks.not-before"))
        #expect(String(decoding: pause, as: UTF8.self).contains("not_before:"))

        // After a restart the pause still holds for a new post; once it is over, everything goes out.
        harness.clock.advance(by: 60)
        try await harness.withRunningEngine { _ in
            try harness.drop("third.yaml", EngineHarness.manifest(id: "third"))
            await eventually("third waits") { harness.exists(.publishing, "third.retry") }
        }
        #expect(harness.adapter().callCount == 1)
        harness.clock.advance(by: 600)
        try await harness.withRunningEngine { _ in
            await eventually("all three in done/") {
                ["first", "second", "third"].allSatisfy { harness.exists(.done, "\($0).status.yaml") }
            }
        }
        #expect(harness.adapter().callCount == 4)
    }

    @Test func aQuotaReportedSpentOnASuccessPausesTheAccountWithoutFailingThePost() async throws {
        let harness = try EngineHarness()
        harness.adapter().reportSpentQuota(until: harness.clock.now.addingTimeInterval(900))
        try await harness.withRunningEngine { _ in
            try harness.drop("first.yaml", EngineHarness.manifest(id: "first"))
            await eventually("first in done/") { harness.exists(.done, "first.status.yaml") }
            try harness.drop("second.yaml", EngineHarness.manifest(id: "second"))
            await eventually("second waits for the quota") { harness.exists(.publishing, "second.retry") }
        }
        #expect(harness.record(.done, "first")?.status == .success)
        #expect(harness.adapter().callCount == 1)
        #expect(harness.record(.publishing, "second")?.targets.first?.attempts == 0)
        let pause = try #require(FileManager.default.contents(atPath: harness.root + "/accounts/hooks.not-before"))
        #expect(String(decoding: pause, as: UTF8.self).contains("quota used up"))

        harness.clock.advance(by: 900)
        try await harness.withRunningEngine { _ in
            await eventually("second in done/") { harness.exists(.done, "second.status.yaml") }
        }
        #expect(harness.adapter().callCount == 2)
    }

    @Test func aGracefulStopLetsTheRequestInFlightFinish() async throws {
        let harness = try EngineHarness()
        harness.adapter().hold()
        let engine = harness.makeEngine()
        let task = Task { try await engine.run() }
        try harness.drop("slow.yaml", EngineHarness.manifest(id: "slow"))
        await eventually("the request in flight") { harness.adapter().heldCount == 1 }
        await engine.stop()
        harness.adapter().release()
        try await task.value
        #expect(harness.exists(.done, "slow.yaml"))
        #expect(harness.record(.done, "slow")?.status == .success)
    }
}
