import Foundation
import Glibc
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

    @Test("init's sample config is valid, and so is every commented-out account, storage and sandbox block in it")
    func sampleConfigIsValidEvenUncommented() async throws {
        let harness = try await DaemonHarness()
        defer { harness.stop() }
        let folder = harness.directory.appendingPathComponent("fresh")
        #expect(try await harness.command(["init", folder.path]).status == 0)
        let sample = try String(contentsOf: folder.appendingPathComponent("spoolpost.yaml"), encoding: .utf8)
        let post = folder.appendingPathComponent("example-post.yaml").path
        #expect(try await harness.command(["validate", "--config", folder.appendingPathComponent("spoolpost.yaml").path, post]).status == 0)

        // Uncommented, the examples must still be a config the daemon accepts, with every account's adapter built.
        let uncommented = sample.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            guard let hash = line.firstIndex(of: "#"), line[..<hash].allSatisfy({ $0 == " " }) else { return String(line) }
            let body = line[line.index(after: hash)...].drop { $0 == " " }
            let isSetting = body.contains(":") && !body.hasPrefix("The ") && !body.hasPrefix("spoolpost ")
                && !body.hasPrefix("refreshed ")
            return isSetting ? String(line[..<hash]) + String(line[line.index(after: hash)...].dropFirst()) : String(line)
        }.joined(separator: "\n")
        let full = folder.appendingPathComponent("full.yaml")
        try uncommented.write(to: full, atomically: true, encoding: .utf8)
        let secrets = folder.appendingPathComponent("secrets")
        try FileManager.default.createDirectory(at: secrets, withIntermediateDirectories: true)
        for name in ["facebook", "instagram", "threads", "linkedin", "x", "youtube", "hooks"] {
            let path = secrets.appendingPathComponent("\(name).yaml").path
            try "access_token: t\nsecret: s\n".write(toFile: path, atomically: true, encoding: .utf8)
            chmod(path, 0o600)
        }
        let key = secrets.appendingPathComponent("gcs-service-account.json").path
        try FileManager.default.copyItem(
            atPath: conformanceDirectory.appendingPathComponent("test_service_account.json").path, toPath: key)
        chmod(key, 0o600)
        let result = try await harness.command(["validate", "--config", full.path, post])
        #expect(result.status == 0, "\(result.output)\(result.errors)")
        #expect(!result.errors.contains("warning"), "\(result.errors)")
    }
}
