import Foundation
import Logging
import SpoolpostSandbox
import Testing

@Suite("Sandbox server lifecycle")
struct SandboxServerLifecycleTests {
    @Test func stopsWhenItsTaskIsCancelled() async throws {
        var logger = Logger(label: "sandbox-test")
        logger.logLevel = .warning
        let server = SandboxServer(configuration: SandboxConfiguration(), logger: logger)
        let task = Task { try await server.run() }
        let port = try await server.waitUntilListening()
        #expect(port > 0)
        #expect(server.baseURL == "http://127.0.0.1:\(port)")
        let client = SandboxTestClient(baseURL: "http://127.0.0.1:\(port)")
        defer { client.close() }
        #expect(try await client.get("/healthz").status == 200)

        task.cancel()
        let stopped: Bool? = try await sandboxFinishes(within: 60) {
            try await task.value
            return true
        }
        #expect(stopped == true)

        // Nothing listens any more, and waiting for the stopped server fails instead of hanging.
        let fresh = SandboxTestClient(baseURL: "http://127.0.0.1:\(port)")
        defer { fresh.close() }
        await #expect(throws: (any Error).self) { _ = try await fresh.get("/healthz") }
        await #expect(throws: (any Error).self) { _ = try await server.waitUntilListening() }
        await #expect(throws: (any Error).self) { try await server.run() }
    }

    @Test func stopsWhileARequestIsHanging() async throws {
        var logger = Logger(label: "sandbox-test")
        logger.logLevel = .warning
        let faults = SandboxFaults([SandboxFaultRule(pathPrefix: "/webhook/", count: 1, action: .delay(seconds: 3600))])
        let server = SandboxServer(configuration: SandboxConfiguration(faults: faults), logger: logger)
        let task = Task { try await server.run() }
        let port = try await server.waitUntilListening()
        let client = SandboxTestClient(baseURL: "http://127.0.0.1:\(port)")
        defer { client.close() }
        let hanging = Task { try await client.post("/webhook/alice", json: #"{"text": "slow"}"#) }

        // Wait (generously) until the hanging request has reached the server before stopping it.
        var waitedSeconds = 0.0
        while server.faults.firedCount == 0, waitedSeconds < 30 {
            try await Task.sleep(for: .milliseconds(20))
            waitedSeconds += 0.02
        }
        #expect(server.faults.firedCount == 1)

        task.cancel()
        let stopped: Bool? = try await sandboxFinishes(within: 60) {
            try await task.value
            return true
        }
        #expect(stopped == true)
        let answer = await hanging.result
        #expect((try? answer.get())?.status != 201)
        #expect(server.store.count == 0)
    }

    @Test func waitingForAServerThatNeverRunsCanBeCancelled() async throws {
        let server = SandboxServer(configuration: SandboxConfiguration(), logger: Logger(label: "sandbox-test"))
        let waiter = Task { try await server.waitUntilListening() }
        waiter.cancel()
        await #expect(throws: CancellationError.self) { _ = try await waiter.value }
    }

    @Test func listensOnTheConfiguredPort() async throws {
        // Find a port by running once on an ephemeral one, then ask for that port explicitly.
        let port = try await withSandboxServer { _, client in
            try #require(URL(string: client.baseURL)?.port)
        }
        let configuration = SandboxConfiguration(port: port)
        try await withSandboxServer(configuration) { server, client in
            #expect(client.baseURL == "http://127.0.0.1:\(port)")
            let listeningPort = try await server.waitUntilListening()
            #expect(listeningPort == port)
            let health = try await client.get("/healthz")
            #expect(health.status == 200)
        }
    }
}
