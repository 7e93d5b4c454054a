import Foundation
import SpoolpostIO
import SpoolpostTestSupport
import Testing

/// The config's `sandbox.faults`, installed by the real binary: `run` with no accounts (its built-in sandbox) and
/// `spoolpost sandbox --config`.
@Suite("sandbox faults from the config, end to end", .serialized)
struct SandboxFaultsConfigEndToEndTests {
    /// A harness whose config holds no accounts, so `run` starts its own sandbox with these faults.
    static func builtInSandbox(faults: String) async throws -> DaemonHarness {
        let harness = try await DaemonHarness()
        try """
            spool: spool
            retry: {max_attempts: 4, base_delay: 200ms, max_delay: 2s}
            sandbox:
              faults:
            \(faults)
            """.write(toFile: harness.configPath, atomically: true, encoding: .utf8)
        try await harness.startDaemon(["--sandbox-port", "0"])
        return harness
    }

    /// The built-in sandbox's address, from the daemon's announcement.
    static func sandboxURL(_ log: String) throws -> String {
        let marker = "see what it received at "
        let start = try #require(log.range(of: marker)).upperBound
        return String(log[start...].prefix { !$0.isWhitespace && $0 != "\"" }).trimmingSuffix("/")
    }

    /// What the sandbox received, as its `/api/posts` lists it.
    static func receivedPosts(_ baseURL: String) async throws -> [(id: String, network: String, text: String?)] {
        let http = try HTTPClient()
        defer { http.shutdown() }
        let response = try await http.execute(HTTPRequest(url: baseURL + "/api/posts"))
        let list = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
        let posts = try #require(list["posts"] as? [[String: Any]])
        return posts.map { ($0["id"] as? String ?? "", $0["network"] as? String ?? "", $0["text"] as? String) }
    }

    @Test("a config with only sandbox: publishes to the built-in sandbox; 429 twice, then the retry succeeds")
    func rateLimitedThenPublished() async throws {
        let harness = try await Self.builtInSandbox(faults: """
                - path: /webhook/
                  method: POST
                  count: 2
                  fault: rate_limited
                  retry_after: 1s
            """)
        defer { harness.stop() }
        try harness.dropRenamed("limited.yaml", "id: limited\ntext: after two 429s\ntargets: [webhook]\n")
        try await harness.waitFor("limited.yaml in done/") { harness.names("done").contains("limited.status.yaml") }
        let status = try #require(harness.read("done", "limited.status.yaml"))
        #expect(status.contains("status: SUCCESS"))
        #expect(status.contains("account: sandbox"))
        #expect(status.contains("attempts: 3"))
        #expect(harness.log.contains("code=RATE_LIMIT"))
        #expect(harness.log.contains("the sandbox injects the config's faults"))
        let received = try await Self.receivedPosts(try Self.sandboxURL(harness.log))
        #expect(received.map(\.text) == ["after two 429s"])
    }

    @Test("a lost answer to a Facebook feed post: reconciled from the Page's feed when it went out, UNKNOWN when not")
    func lostFeedAnswers() async throws {
        // The GETs the adapter reconciles with are left alone: only the feed POSTs are broken.
        let harness = try await Self.builtInSandbox(faults: """
                - path: /graph.facebook.com/v21.0/sandbox-page/feed
                  method: POST
                  count: 1
                  fault: reset
                - path: /graph.facebook.com/v21.0/sandbox-page/feed
                  method: POST
                  skip: 1
                  count: 1
                  fault: reset_after_handling
            """)
        defer { harness.stop() }
        try harness.dropRenamed("dropped.yaml", "text: never arrived\ntargets:\n  - platform: facebook\n")
        try await harness.waitFor("dropped.yaml in failed/") { harness.names("failed").contains("dropped.status.yaml") }
        let dropped = try #require(harness.read("failed", "dropped.status.yaml"))
        #expect(dropped.contains("status: UNKNOWN"))
        #expect(dropped.contains("code: UNKNOWN_OUTCOME"))
        #expect(dropped.contains("feed_sent_at: "))

        try harness.dropRenamed("kept.yaml", "text: arrived, answer lost\ntargets:\n  - platform: facebook\n")
        try await harness.waitFor("kept.yaml in done/") { harness.names("done").contains("kept.status.yaml") }
        let kept = try #require(harness.read("done", "kept.status.yaml"))
        #expect(kept.contains("status: SUCCESS"))
        #expect(kept.contains("attempts: 1"))

        // Only the second post reached the Page, once: it was found, not posted again.
        let received = try await Self.receivedPosts(try Self.sandboxURL(harness.log))
        let feedPosts = received.filter { $0.network == "facebook" }
        #expect(feedPosts.map(\.text) == ["arrived, answer lost"])
        let found = try #require(feedPosts.first)
        #expect(kept.contains("post_id: \(found.id)"))
    }

    @Test("spoolpost sandbox --config injects the faults: a status with Retry-After, then a request that never answers")
    func sandboxCommand() async throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("spoolpost-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("faults.yaml").path
        try """
            sandbox:
              faults:
                - path: /webhook/flaky
                  count: 1
                  fault: status
                  status: 502
                  retry_after: 7
                - path: /webhook/silent
                  count: all
                  fault: timeout
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let output = directory.appendingPathComponent("sandbox.out")
        let process = try ChildProcess(
            DaemonHarness.binary.path, ["sandbox", "--config", config, "--port", "0"],
            stdout: .file(output.path), stderr: .file(output.path))
        defer {
            process.signal(SIGKILL)
            process.waitUntilExit()
        }
        func printed() -> String {
            FileManager.default.contents(atPath: output.path).map { String(decoding: $0, as: UTF8.self) } ?? ""
        }
        try await Self.waitFor("the sandbox to listen", printed) { $0.contains("sandbox listening on http://") }
        let marker = "sandbox listening on "
        let text = printed()
        let start = try #require(text.range(of: marker)).upperBound
        let base = String(text[start...].prefix { !$0.isWhitespace }).trimmingSuffix("/")

        let http = try HTTPClient()
        defer { http.shutdown() }
        func post(_ path: String, timeout: Double = 30) async throws(HTTPClientError) -> HTTPResponse {
            let headers = [HTTPHeader(name: "Content-Type", value: "application/json")]
            var request = HTTPRequest(
                method: "POST", url: base + path, headers: headers, body: .bytes(Array(#"{"text":"hello"}"#.utf8)))
            request.timeout = timeout
            return try await http.execute(request)
        }
        let first = try await post("/webhook/flaky")
        #expect(first.status == 502)
        #expect(first.header("Retry-After") == "7")
        let second = try await post("/webhook/flaky")
        #expect((200..<300).contains(second.status), "\(second.status) \(second.bodyText)")

        do {
            let answer = try await post("/webhook/silent", timeout: 1)
            Issue.record("a timeout fault answered: \(answer.status)")
        } catch {
            #expect(error.kind == .timedOut, "\(error)")
        }

        // A request still held by the timeout fault does not keep the sandbox from stopping.
        process.signal(SIGTERM)
        try await Self.waitFor("the sandbox to exit", printed) { _ in !process.isRunning }
        #expect(process.termination == .exited(0), "\(printed())")
    }

    @Test("a wrong fault is refused at start with its file, line and column")
    func wrongFaultRefused() async throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("spoolpost-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try """
            sandbox:
              faults:
                - path: /webhook/
                  count: 1
                  fault: rset
            """.write(to: directory.appendingPathComponent("spoolpost.yaml"), atomically: true, encoding: .utf8)
        for command in [["run", "--once"], ["sandbox", "--port", "0"]] {
            let result = try await runSpoolpost(command, in: directory)
            #expect(result.status == 1)
            #expect(result.errors.contains(
                "spoolpost.yaml:5:14: sandbox.faults[0].fault: unknown fault 'rset'; did you mean 'reset'?"),
                "\(command): \(result.errors)")
        }
    }

    static func waitFor(
        _ what: String, _ output: () -> String, _ condition: (String) -> Bool
    ) async throws {
        let deadline = Date().addingTimeInterval(60)
        while !condition(output()) {
            if Date() > deadline { throw HarnessError("timed out waiting for \(what)\noutput:\n\(output())") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
