import Foundation
import SpoolpostSandbox
import Testing

@Suite("Sandbox fault injection")
struct SandboxFaultTests {
    static let payload = #"{"text": "hello"}"#

    @Test func firstTwoRequestsGet503ThenSuccess() async throws {
        let faults = SandboxFaults([
            SandboxFaultRule(pathPrefix: "/webhook/", count: 2, action: .unavailable(retryAfterSeconds: 7)),
        ])
        try await withSandboxServer(SandboxConfiguration(faults: faults)) { server, client in
            for _ in 0..<2 {
                let reply = try await client.post("/webhook/alice", json: Self.payload)
                #expect(reply.status == 503)
                #expect(reply.header("Retry-After") == "7")
                let error = try #require(try reply.json()["error"] as? [String: Any])
                #expect(error["status"] as? Int == 503)
                #expect(error["message"] as? String == "injected fault: 503 Service Unavailable")
            }
            #expect(server.store.count == 0)
            let third = try await client.post("/webhook/alice", json: Self.payload)
            #expect(third.status == 201)
            #expect(server.store.count == 1)
            #expect(server.faults.firedCount == 2)
        }
    }

    @Test func rateLimitWithRetryAfterOnlyOnMatchingPaths() async throws {
        let faults = SandboxFaults([
            SandboxFaultRule(
                pathPrefix: "/webhook/alice", method: "POST", count: 1, action: .rateLimited(retryAfterSeconds: 3)
            ),
            SandboxFaultRule(pathPrefix: "/webhook/bob", count: 1, action: .serverError),
        ])
        try await withSandboxServer(SandboxConfiguration(faults: faults)) { _, client in
            let health = try await client.get("/healthz")
            #expect(health.status == 200)
            let limited = try await client.post("/webhook/alice", json: Self.payload)
            #expect(limited.status == 429)
            #expect(limited.header("Retry-After") == "3")
            let failed = try await client.post("/webhook/bob", json: Self.payload)
            #expect(failed.status == 500)
            #expect(failed.header("Retry-After") == nil)
            #expect(try await client.post("/webhook/alice", json: Self.payload).status == 201)
            #expect(try await client.post("/webhook/bob", json: Self.payload).status == 201)
        }
    }

    @Test func delayedRequestIsStillHandled() async throws {
        let faults = SandboxFaults([SandboxFaultRule(pathPrefix: "/webhook/", count: 1, action: .delay(seconds: 0.2))])
        try await withSandboxServer(SandboxConfiguration(faults: faults)) { server, client in
            let reply = try await client.post("/webhook/alice", json: Self.payload)
            #expect(reply.status == 201)
            #expect(server.faults.firedCount == 1)
            #expect(server.store.count == 1)
        }
    }

    @Test func brokenConnectionAfterHandlingStoresThePostAndARetryWithTheSameKeyFindsIt() async throws {
        let faults = SandboxFaults([
            SandboxFaultRule(pathPrefix: "/webhook/", count: 1, action: .breakConnection(afterHandling: true)),
        ])
        try await withSandboxServer(SandboxConfiguration(faults: faults)) { server, client in
            let headers = ["Idempotency-Key": "post-7"]
            await #expect(throws: (any Error).self) {
                _ = try await client.post("/webhook/alice", json: Self.payload, headers: headers)
            }
            #expect(server.store.count == 1)
            let retry = try await client.post("/webhook/alice", json: Self.payload, headers: headers)
            #expect(retry.status == 200)
            #expect(try retry.json()["id"] as? String == "wh_000001")
            #expect(server.store.count == 1)
        }
    }

    @Test func brokenConnectionBeforeHandlingStoresNothing() async throws {
        let faults = SandboxFaults([
            SandboxFaultRule(pathPrefix: "/webhook/", count: 1, action: .breakConnection(afterHandling: false)),
        ])
        try await withSandboxServer(SandboxConfiguration(faults: faults)) { server, client in
            await #expect(throws: (any Error).self) {
                _ = try await client.post("/webhook/alice", json: Self.payload)
            }
            #expect(server.store.count == 0)
            let retry = try await client.post("/webhook/alice", json: Self.payload)
            #expect(retry.status == 201)
        }
    }

    @Test func planCountsEachRuleIndependentlyWithSkipAndMethod() {
        let injector = SandboxFaultInjector(SandboxFaults([
            SandboxFaultRule(pathPrefix: "/a", method: "POST", skip: 1, count: 2, action: .serverError),
            SandboxFaultRule(pathPrefix: "/a", count: 4, action: .delay(seconds: 1)),
        ]))
        #expect(injector.action(method: "POST", path: "/a/1") == .delay(seconds: 1))  // rule 1 skips its first
        #expect(injector.action(method: "GET", path: "/a/1") == .delay(seconds: 1))  // rule 1 ignores GET
        #expect(injector.action(method: "post", path: "/a/2") == .serverError)
        #expect(injector.action(method: "POST", path: "/a/3") == .serverError)
        #expect(injector.action(method: "POST", path: "/a/4") == nil)  // rule 2 has seen 4 already
        #expect(injector.action(method: "POST", path: "/b") == nil)
        #expect(injector.firedCount == 4)

        injector.replace(with: SandboxFaults([SandboxFaultRule(pathPrefix: "/", count: 1, action: .rateLimited())]))
        #expect(injector.action(method: "GET", path: "/b") == .status(429, retryAfterSeconds: 1))
        #expect(injector.action(method: "GET", path: "/b") == nil)
    }
}
