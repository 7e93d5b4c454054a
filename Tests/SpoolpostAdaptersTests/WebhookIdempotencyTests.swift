import Foundation
import SpoolpostAdapters
import SpoolpostCore
import SpoolpostIO
import SpoolpostSandbox
import Testing

/// The Idempotency-Key is meant to make a retry after a lost answer safe, but the body carries the attempt
/// number, so the retry is a different request under the same key and a careful receiver refuses it.
@Suite struct WebhookIdempotencyTests {
    typealias F = AdapterFixture

    @Test
    func aRetryAfterALostAnswerFindsThePostAlreadyStored() async throws {
        let faults = SandboxFaults.once("/webhook/", .breakConnection(afterHandling: true))
        try await withSandbox(SandboxConfiguration(faults: faults)) { server, base, http in
            let adapter = WebhookAdapter(account: "alice", url: base + "/webhook/alice", secret: nil, http: http)
            let first = await adapter.publish(F.request(attempt: 1))
            #expect(F.error(first)?.isRetryable == true)
            let retry = await adapter.publish(F.request(attempt: 2))
            #expect(retry == .published(platformPostID: "wh_000001", url: base + "/posts/wh_000001"))
            #expect(server.store.count == 1)
        }
    }

    @Test
    func theBodyIsTheSameOnEveryAttempt() async throws {
        let receiver = try CapturingHTTPServer(status: 201, body: "{}")
        defer { receiver.stop() }
        try await withHTTPClient { http in
            let adapter = WebhookAdapter(account: "alice", url: receiver.url, secret: Array("k".utf8), http: http)
            _ = await adapter.publish(F.request(attempt: 1))
            _ = await adapter.publish(F.request(attempt: 2))
        }
        let requests = receiver.requests
        try #require(requests.count == 2)
        #expect(requests[0].header("Idempotency-Key") == requests[1].header("Idempotency-Key"))
        #expect(requests[0].body == requests[1].body)
        #expect(requests[0].header("X-Spoolpost-Signature") == requests[1].header("X-Spoolpost-Signature"))
    }
}
