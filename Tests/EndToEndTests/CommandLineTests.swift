import Foundation
import Testing

@Suite("spoolpost commands", .serialized)
struct CommandLineTests {
    @Test("validate prints FILE:LINE:COL for every problem and exits 1; a valid file exits 0")
    func validate() async throws {
        let harness = try await DaemonHarness()
        defer { harness.stop() }
        let bad = harness.directory.appendingPathComponent("bad.yaml")
        try "text: 12\nschedule_at: 2026-12-01 09:00\ntargets:\n  - platform: myspace\n".write(to: bad, atomically: true, encoding: .utf8)
        let good = harness.directory.appendingPathComponent("good.json")
        try #"{"content": "hi", "platforms": [{"platform": "webhook"}]}"#.write(to: good, atomically: true, encoding: .utf8)
        let result = try await harness.command(["validate", "--config", harness.configPath, bad.path, good.path])
        #expect(result.status == 1)
        #expect(result.output.contains("bad.yaml:2:14"))
        #expect(result.output.contains("bad.yaml:4:15"))
        #expect(result.output.contains("good.json: valid"))
        let valid = try await harness.command(["validate", "--config", harness.configPath, good.path])
        #expect(valid.status == 0)
    }

    @Test("submit places valid files into pending/ and prints their ids; cancel takes one out")
    func submitAndCancel() async throws {
        let harness = try await DaemonHarness()
        defer { harness.stop() }
        #expect(try await harness.command(["init", harness.directory.appendingPathComponent("fresh").path]).status == 0)
        try FileManager.default.createDirectory(at: harness.spool.appendingPathComponent("pending"), withIntermediateDirectories: true)
        _ = try await harness.command(["run", "--config", harness.configPath, "--once"])
        let file = harness.directory.appendingPathComponent("post.yaml")
        try "id: post-7\ntext: hello\ntargets: [webhook]\n".write(to: file, atomically: true, encoding: .utf8)
        let submitted = try await harness.command(["submit", "--config", harness.configPath, file.path])
        #expect(submitted.status == 0, "\(submitted.errors)")
        #expect(submitted.output == "post-7\n")
        #expect(harness.names("pending") == ["post.yaml"])
        let again = try await harness.command(["submit", "--config", harness.configPath, file.path])
        #expect(again.status != 0)
        let cancelled = try await harness.command(["cancel", "--config", harness.configPath, "post-7"])
        #expect(cancelled.status == 0, "\(cancelled.errors)")
        #expect(harness.names("failed").contains("post.yaml"))
        #expect(harness.read("failed", "post.status.yaml")?.contains("status: CANCELLED") == true)
        let status = try await harness.command(["status", "--config", harness.configPath, "--json", "post-7"])
        #expect(status.output.contains("\"status\" : \"CANCELLED\""))
    }

    @Test("status shows the accounts a network paused, until when and why")
    func statusShowsPausedAccounts() async throws {
        let harness = try await DaemonHarness()
        defer { harness.stop() }
        #expect(try await harness.command(["init", harness.directory.path]).status == 0)
        let accounts = harness.spool.appendingPathComponent("accounts")
        try FileManager.default.createDirectory(at: accounts, withIntermediateDirectories: true)
        try "account: hooks\nnot_before: \"2099-01-01T00:00:00Z\"\nreason: \"429, Retry-After 3600\"\n"
            .write(to: accounts.appendingPathComponent("hooks.not-before"), atomically: true, encoding: .utf8)
        try "account: old\nnot_before: \"2001-01-01T00:00:00Z\"\nreason: over\n"
            .write(to: accounts.appendingPathComponent("old.not-before"), atomically: true, encoding: .utf8)
        let status = try await harness.command(["status", "--config", harness.configPath])
        #expect(status.status == 0, "\(status.errors)")
        #expect(status.output.contains("account hooks paused by its network until 2099-01-01T00:00:00"))
        #expect(status.output.contains("429, Retry-After 3600"))
        #expect(!status.output.contains("account old"))
    }
}
