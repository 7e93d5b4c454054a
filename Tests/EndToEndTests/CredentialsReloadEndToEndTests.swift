import Foundation
import Glibc
import SpoolpostSandbox
import Testing

@Suite("credentials re-read on SIGHUP", .serialized)
struct CredentialsReloadEndToEndTests {
    @Test("AUTH_EXPIRED, a new token in the credentials file, SIGHUP, retry: published without a restart")
    func reauthorisedAccountIsUsedAfterSIGHUP() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("spoolpost-reauth-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let credentials = directory.appendingPathComponent("x.yaml").path
        func writeToken(_ token: String) throws {
            try "access_token: \(token)\n".write(toFile: credentials, atomically: true, encoding: .utf8)
            chmod(credentials, 0o600)
        }
        try writeToken("sandbox-expired-token")
        let harness = try await DaemonHarness(extraAccounts: { base in
            """
              xacct:
                platform: x
                api_base: \(base)/api.x.com/2
                upload_base: \(base)/api.x.com/2
                credentials: \(credentials)
            """
        })
        defer { harness.stop() }
        try await harness.startDaemon()
        try harness.dropRenamed("reauth.yaml", "id: reauth-1\ntext: Back after re-authorising\ntargets:\n  - {platform: x, account: xacct}\n")
        try await harness.waitFor("reauth.yaml in failed/") { harness.names("failed").contains("reauth.status.yaml") }
        let failed = try #require(harness.read("failed", "reauth.status.yaml"))
        #expect(failed.contains("AUTH_EXPIRED"))
        #expect(!failed.contains("sandbox-expired-token"))

        // The person re-authorises the account, then tells the daemon.
        try writeToken("sandbox-token")
        harness.signal(SIGHUP)
        try await harness.waitFor("the credentials re-read") { harness.log.contains("credentials re-read") }
        let retried = try await harness.command(["retry", "--config", harness.configPath, "reauth-1"])
        #expect(retried.status == 0, "\(retried.errors)")
        try await harness.waitFor("reauth.yaml in done/") { harness.names("done").contains("reauth.status.yaml") }
        let done = try #require(harness.read("done", "reauth.status.yaml"))
        #expect(done.contains("status: SUCCESS"))
        #expect(harness.sandbox.store.posts(network: "x").count == 1)
    }
}
