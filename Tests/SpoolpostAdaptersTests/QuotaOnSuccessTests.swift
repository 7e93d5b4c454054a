import Foundation
import SpoolpostAdapters
import SpoolpostCore
import SpoolpostIO
import SpoolpostSandbox
import Synchronization
import Testing

/// Rate-limit headers on answers that succeeded: the post is published, and the account is paused until the
/// quota comes back, so the next post waits instead of being refused.
@Suite struct QuotaOnSuccessTests {
    /// A progress that keeps every pause it is told about.
    final class PauseLog: Sendable {
        private let pauses = Mutex<[(until: Date, reason: String)]>([])
        var all: [(until: Date, reason: String)] { pauses.withLock { $0 } }
        var progress: PublishProgress {
            PublishProgress(
                recordStep: { _, _ in }, beginPublicStep: {},
                pauseAccount: { until, reason in self.pauses.withLock { $0.append((until, reason)) } })
        }
    }


    private func account(_ platform: Platform, _ credentials: Credentials, _ settings: [String: String]) -> AccountConfig {
        AccountConfig(
            name: "acct", platform: platform, credentialsPath: credentials.path,
            settings: settings.mapValues { YAMLNode(.scalar($0), mark: SourceMark(line: 1, column: 1)) })
    }

    private func request(_ platform: Platform, text: String) -> PublishRequest {
        PublishRequest(
            postID: "q1", target: PostTarget(index: 0, platform: platform, account: "acct", type: "post"), text: text,
            media: [], attempt: 1)
    }

    @Test func xsLastCallInTheWindowPausesTheAccountUntilTheReset() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try await withSandbox { server, base, http in
            let settings = ["api_base": base + "/api.x.com/2", "upload_base": base + "/api.x.com/2"]
            let spent = try folder.credentials("spent.yaml", ["access_token": "sandbox-last-call-token"])
            let adapter = try XAdapter(account: account(.x, spent, settings), credentials: spent, http: http)
            let log = PauseLog()
            let before = Date()
            let outcome = await adapter.publish(request(.x, text: "the last one for now"), progress: log.progress)
            guard case .published = outcome else {
                Issue.record("not published: \(outcome)")
                return
            }
            let pause = try #require(log.all.first)
            #expect(log.all.count == 1)
            #expect(pause.until > before.addingTimeInterval(800) && pause.until < before.addingTimeInterval(1000))
            #expect(pause.reason.contains("rate limit"))

            // With room left in the window, nothing is paused.
            let fresh = try folder.credentials("fresh.yaml", ["access_token": "sandbox-token"])
            let other = try XAdapter(account: account(.x, fresh, settings), credentials: fresh, http: http)
            let quiet = PauseLog()
            _ = await other.publish(request(.x, text: "plenty left"), progress: quiet.progress)
            #expect(quiet.all.isEmpty)
            #expect(server.store.posts(network: "x").count == 2)
        }
    }

    @Test func metasUsageHeadersOnASuccessPauseTheAccountForTheTimeTheyGive() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try await withSandbox { server, base, http in
            let settings = ["page_id": "42", "api_base": base + "/graph.facebook.com/v21.0"]
            let busy = try folder.credentials("busy.yaml", ["access_token": "sandbox-token-busy"])
            let adapter = try FacebookAdapter(account: account(.facebook, busy, settings), credentials: busy, http: http)
            let log = PauseLog()
            let before = Date()
            let outcome = await adapter.publish(request(.facebook, text: "still gets out"), progress: log.progress)
            guard case .published = outcome else {
                Issue.record("not published: \(outcome)")
                return
            }
            let pause = try #require(log.all.first)
            // estimated_time_to_regain_access is 15 minutes.
            #expect(pause.until >= before.addingTimeInterval(899) && pause.until < before.addingTimeInterval(960))
            #expect(server.store.count == 1)

            let fresh = try folder.credentials("fresh.yaml", ["access_token": "sandbox-token"])
            let other = try FacebookAdapter(account: account(.facebook, fresh, settings), credentials: fresh, http: http)
            let quiet = PauseLog()
            _ = await other.publish(request(.facebook, text: "no headers"), progress: quiet.progress)
            #expect(quiet.all.isEmpty)
        }
    }
}
