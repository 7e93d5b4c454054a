import Foundation
import SpoolpostSandbox
import SpoolpostTestSupport
import Testing

@Suite("spoolpost run, end to end", .serialized)
struct DaemonEndToEndTests {
    @Test("a manifest dropped by rename is published and moved to done/ with the receiver's id and URL")
    func publishesToDone() async throws {
        let harness = try await DaemonHarness()
        defer { harness.stop() }
        try await harness.startDaemon()
        try harness.dropRenamed("launch.yaml", """
            id: launch-1
            text: "We're live!"
            targets:
              - platform: webhook
                account: hooks
            """)
        try await harness.waitFor("launch.yaml in done/") { harness.names("done").contains("launch.status.yaml") && harness.names("done").contains("launch.yaml") }
        let status = try #require(harness.read("done", "launch.status.yaml"))
        #expect(status.contains("status: SUCCESS"))
        let received = harness.sandbox.store.all
        #expect(received.count == 1)
        let post = try #require(received.first)
        #expect(post.text == "We're live!")
        #expect(post.idempotencyKey == "launch-1:0")
        #expect(status.contains("post_id: \(post.id)"))
        #expect(status.contains("/posts/\(post.id)"))
        #expect(harness.names("pending").isEmpty && harness.names("publishing").isEmpty)
    }

    @Test("a file written slowly in place (as scp does) is taken only once complete")
    func slowInPlaceWrite() async throws {
        let harness = try await DaemonHarness()
        defer { harness.stop() }
        try await harness.startDaemon()
        let path = harness.spool.appendingPathComponent("pending/slow.yaml").path
        // As scp does: created and written through one descriptor, closed at the end.
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        try #require(descriptor >= 0)
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        try handle.write(contentsOf: Data("text: \"written in two".utf8))
        usleep(400_000)
        try handle.write(contentsOf: Data(" parts\"\ntargets: [webhook]\n".utf8))
        try handle.close()
        try await harness.waitFor("slow.yaml in done/") { harness.names("done").contains("slow.yaml") }
        #expect(harness.names("failed").isEmpty)
        #expect(harness.sandbox.store.all.map(\.text) == ["written in two parts"])
    }

    @Test("an invalid manifest goes to failed/ with every error and its line:column")
    func invalidManifest() async throws {
        let harness = try await DaemonHarness()
        defer { harness.stop() }
        try await harness.startDaemon()
        try harness.dropRenamed("bad.yaml", """
            txt: hello
            targets:
              - platform: webhook
                account: nobody
            """)
        try await harness.waitFor("bad.yaml in failed/") { harness.names("failed").contains("bad.status.yaml") }
        let status = try #require(harness.read("failed", "bad.status.yaml"))
        #expect(status.contains("status: INVALID"))
        #expect(status.contains("bad.yaml:1:1"))
        #expect(status.contains("did you mean 'text'"))
        #expect(status.contains("bad.yaml:4:14"))
        #expect(harness.sandbox.store.count == 0)
    }

    @Test("transient failures retry with backoff, then succeed")
    func retriesThenSucceeds() async throws {
        let faults = SandboxFaults([SandboxFaultRule(pathPrefix: "/webhook/", count: 2, action: .status(503, retryAfterSeconds: 0))])
        let harness = try await DaemonHarness(faults: faults)
        defer { harness.stop() }
        try await harness.startDaemon()
        try harness.dropRenamed("flaky.yaml", "text: third time lucky\ntargets: [webhook]\n")
        try await harness.waitFor("flaky.yaml in done/") { harness.names("done").contains("flaky.status.yaml") }
        let status = try #require(harness.read("done", "flaky.status.yaml"))
        #expect(status.contains("attempts: 3"))
        #expect(harness.sandbox.store.count == 1)
        #expect(!harness.names("done").contains("flaky.retry"))
        #expect(harness.allLogs.contains("will retry"))
    }

    @Test("a permanent failure is not retried: FAILED in failed/, with the error recorded")
    func permanentFailure() async throws {
        let faults = SandboxFaults([SandboxFaultRule(pathPrefix: "/webhook/", count: 10, action: .status(422))])
        let harness = try await DaemonHarness(faults: faults)
        defer { harness.stop() }
        try await harness.startDaemon()
        try harness.dropRenamed("rejected.yaml", "text: nope\ntargets: [webhook]\n")
        try await harness.waitFor("rejected.yaml in failed/") { harness.names("failed").contains("rejected.status.yaml") }
        let status = try #require(harness.read("failed", "rejected.status.yaml"))
        #expect(status.contains("status: FAILED"))
        #expect(status.contains("code: REJECTED"))
        #expect(status.contains("retryable: false"))
        #expect(harness.sandbox.faults.firedCount == 1)
    }

    @Test("SIGKILL with a request in flight: the target becomes UNKNOWN, is not re-sent, and `retry` sends it")
    func killDuringRequest() async throws {
        let faults = SandboxFaults([SandboxFaultRule(pathPrefix: "/webhook/", count: 1, action: .delay(seconds: 3))])
        let harness = try await DaemonHarness(faults: faults)
        defer { harness.stop() }
        try await harness.startDaemon()
        try harness.dropRenamed("inflight.yaml", "id: inflight\ntext: in flight\ntargets: [webhook]\n")
        try await harness.waitFor("the request to reach the receiver") { harness.sandbox.faults.firedCount == 1 }
        #expect(harness.names("publishing").contains("inflight.yaml"))
        harness.signal(SIGKILL)
        try await harness.waitForExit()
        // The delayed request is still handled by the receiver: it may well have been published.
        try await harness.waitFor("the receiver to store the delayed post") { harness.sandbox.store.count == 1 }

        try await harness.startDaemon()
        try await harness.waitFor("inflight.yaml in failed/") { harness.names("failed").contains("inflight.status.yaml") }
        let status = try #require(harness.read("failed", "inflight.status.yaml"))
        #expect(status.contains("status: UNKNOWN"))
        #expect(status.contains("UNKNOWN_OUTCOME"))
        #expect(harness.sandbox.store.count == 1)
        #expect(harness.sandbox.faults.firedCount == 1)

        let retry = try await harness.command(["retry", "--config", harness.configPath, "inflight"])
        #expect(retry.status == 0, "\(retry.errors)")
        try await harness.waitFor("inflight.yaml in done/") { harness.names("done").contains("inflight.status.yaml") }
        // The receiver drops the repeat by its Idempotency-Key: still one post.
        #expect(harness.sandbox.store.count == 1)
    }

    @Test("SIGTERM lets requests in flight finish and record their outcome, then exits 0")
    func gracefulShutdown() async throws {
        let faults = SandboxFaults([SandboxFaultRule(pathPrefix: "/webhook/", count: 1, action: .delay(seconds: 1))])
        let harness = try await DaemonHarness(faults: faults)
        defer { harness.stop() }
        try await harness.startDaemon()
        try harness.dropRenamed("graceful.yaml", "text: finish me\ntargets: [webhook]\n")
        try await harness.waitFor("the request to reach the receiver") { harness.sandbox.faults.firedCount == 1 }
        harness.signal(SIGTERM)
        #expect(try await harness.waitForExit() == 0)
        #expect(harness.names("done").contains("graceful.status.yaml"))
    }

    @Test("a scheduled post waits in scheduled/, then goes out; deleting another cancels it")
    func scheduledPost() async throws {
        let harness = try await DaemonHarness()
        defer { harness.stop() }
        try await harness.startDaemon()
        // Whole seconds: the manifest's time has no fraction, and "never early" is checked against it.
        let soon = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 + 2).rounded(.up))
        let later = Date().addingTimeInterval(3600)
        let format = ISO8601DateFormatter()
        try harness.dropRenamed("soon.yaml", "text: soon\nschedule_at: \(format.string(from: soon))\ntargets: [webhook]\n")
        try harness.dropRenamed("later.yaml", "text: later\nschedule_at: \(format.string(from: later))\ntargets: [webhook]\n")
        try await harness.waitFor("both in scheduled/") { harness.names("scheduled").contains("later.status.yaml") && harness.names("scheduled").contains("soon.yaml") || harness.names("done").contains("soon.yaml") }
        try await harness.waitFor("soon.yaml in done/") { harness.names("done").contains("soon.status.yaml") }
        let received = try #require(harness.sandbox.store.all.first)
        #expect(received.receivedAt >= soon)
        try FileManager.default.removeItem(at: harness.spool.appendingPathComponent("scheduled/later.yaml"))
        try await harness.waitFor("later's status to be removed") { harness.names("scheduled").isEmpty }
        #expect(harness.sandbox.store.count == 1)
    }

    @Test("a second daemon on the same spool refuses to start, naming the first one's pid")
    func secondDaemonRefused() async throws {
        let harness = try await DaemonHarness()
        defer { harness.stop() }
        try await harness.startDaemon()
        let second = try await harness.command(["run", "--config", harness.configPath])
        #expect(second.status != 0)
        #expect(second.errors.contains("\(harness.daemon?.pid ?? -1)"))
    }

    @Test("--once publishes what is due and exits 1 when a post failed, 0 when all succeeded")
    func onceMode() async throws {
        let harness = try await DaemonHarness()
        defer { harness.stop() }
        try FileManager.default.createDirectory(at: harness.spool.appendingPathComponent("pending"), withIntermediateDirectories: true)
        try harness.dropRenamed("one.yaml", "text: one\ntargets: [webhook]\n")
        let ok = try await harness.command(["run", "--config", harness.configPath, "--once"])
        #expect(ok.status == 0, "\(ok.errors)")
        #expect(harness.names("done").contains("one.yaml"))
        try harness.dropRenamed("two.yaml", "text: ''\ntargets: [webhook]\n")
        let bad = try await harness.command(["run", "--config", harness.configPath, "--once"])
        #expect(bad.status == 1)
        #expect(harness.names("failed").contains("two.yaml"))
    }
}
