import Foundation
import SpoolpostIO
import Testing

/// How requests fail: classification, whether the request may have been sent, and secret-free messages.
@Suite struct HTTPClientFailureTests {
    private static let secretQuery = "access_token=SECRET-QUERY-VALUE"
    private static let secretHeader = HTTPHeader(name: "Authorization", value: "Bearer SECRET-HEADER-VALUE")

    /// A POST whose URL must carry `secretQuery`; the Authorization header is a secret too.
    private static func postCarryingSecrets(url: String) -> HTTPRequest {
        HTTPRequest(method: "POST", url: url, headers: [secretHeader], body: .bytes(Array("hello".utf8)))
    }

    @Test func refusedConnectionIsCouldNotConnectAndNotSent() async throws {
        try await RawLoopbackServer.withRefusingPort { port in
            let client = try HTTPClient()
            defer { client.shutdown() }
            let error = try #require(
                await failure(
                    of: client,
                    Self.postCarryingSecrets(url: "http://127.0.0.1:\(port)/v1/posts?\(Self.secretQuery)")))
            #expect(error.kind == .couldNotConnect)
            #expect(error.requestMayHaveBeenSent == false)
            #expect(error.curlCode != 0)
            #expect(error.message.contains("127.0.0.1:\(port)/v1/posts"))
            expectNoSecrets(in: error)
        }
    }

    @Test func serverClosingWithoutAnswerIsConnectionLostAndMaybeSent() async throws {
        let server = try RawLoopbackServer(behavior: .closeAfterRequest)
        defer { server.stop() }
        let client = try HTTPClient()
        defer { client.shutdown() }
        let error = try #require(
            await failure(
                of: client,
                Self.postCarryingSecrets(url: server.baseURL + "/v1/posts?\(Self.secretQuery)")))
        #expect(error.kind == .connectionLost)
        #expect(error.requestMayHaveBeenSent)
        #expect(server.requestCount == 1)
        #expect(error.message.contains("/v1/posts"))
        expectNoSecrets(in: error)
    }

    @Test func silentServerTimesOut() async throws {
        let server = try RawLoopbackServer(behavior: .hang)
        defer { server.stop() }
        let client = try HTTPClient()
        defer { client.shutdown() }
        let error = try #require(
            await failure(
                of: client,
                HTTPRequest(
                    url: server.baseURL + "/slow?\(Self.secretQuery)", headers: [Self.secretHeader], timeout: 1)))
        #expect(error.kind == .timedOut)
        #expect(error.requestMayHaveBeenSent)
        expectNoSecrets(in: error)
    }

    @Test func responseLargerThanTheLimitIsRejected() async throws {
        try await LoopbackHTTPServer.with { server in
            let client = try HTTPClient()
            defer { client.shutdown() }
            var request = HTTPRequest(url: server.baseURL + "/bytes/200000")
            request.maxResponseBytes = 100_000
            let error = try #require(await failure(of: client, request))
            #expect(error.kind == .responseTooLarge)
            #expect(error.requestMayHaveBeenSent)

            request.maxResponseBytes = 200_000
            let response = try await client.execute(request)
            #expect(response.body.count == 200_000)
        }
    }

    @Test func cancellingTheTaskAbortsTheTransfer() async throws {
        let server = try RawLoopbackServer(behavior: .hang)
        defer { server.stop() }
        let client = try HTTPClient()
        defer { client.shutdown() }
        let task = Task { () async throws -> HTTPResponse in
            try await client.execute(HTTPRequest(url: server.baseURL + "/slow", timeout: 300))
        }
        try await waitUntil { server.requestCount == 1 }
        task.cancel()
        let error = try #require(await failure(of: task))
        #expect(error.kind == .cancelled)
        #expect(error.requestMayHaveBeenSent)

        // The client stays usable after a cancellation.
        let again = try #require(
            await failure(of: client, HTTPRequest(url: server.baseURL + "/slow", timeout: 1)))
        #expect(again.kind == .timedOut)
    }

    @Test func alreadyCancelledTaskSendsNothing() async throws {
        let server = try RawLoopbackServer(behavior: .hang)
        defer { server.stop() }
        let client = try HTTPClient()
        defer { client.shutdown() }
        let task = Task { () async throws -> HTTPResponse in
            while !Task.isCancelled { await Task.yield() }
            return try await client.execute(HTTPRequest(url: server.baseURL + "/slow", timeout: 300))
        }
        task.cancel()
        let error = try #require(await failure(of: task))
        #expect(error.kind == .cancelled)
        #expect(error.requestMayHaveBeenSent == false)
        #expect(server.requestCount == 0)
    }

    @Test func shutdownResumesEveryRequestInFlight() async throws {
        let server = try RawLoopbackServer(behavior: .hang)
        defer { server.stop() }
        let client = try HTTPClient()
        let tasks = (0..<5).map { index in
            Task { () async throws -> HTTPResponse in
                try await client.execute(HTTPRequest(url: server.baseURL + "/slow/\(index)", timeout: 300))
            }
        }
        try await waitUntil { server.requestCount == 5 }
        client.shutdown()
        for task in tasks {
            let error = try #require(await failure(of: task))
            #expect(error.kind == .cancelled)
            #expect(error.requestMayHaveBeenSent)
        }

        let afterwards = try #require(await failure(of: client, HTTPRequest(url: server.baseURL + "/slow")))
        #expect(afterwards.kind == .cancelled)
        #expect(afterwards.requestMayHaveBeenSent == false)
        client.shutdown()  // idempotent
    }

    @Test(arguments: [
        HTTPRequest(url: "ftp://127.0.0.1/file"),
        HTTPRequest(url: "/relative/path"),
        HTTPRequest(url: "http://127.0.0.1/has space"),
        HTTPRequest(method: "GE T", url: "http://127.0.0.1/"),
        HTTPRequest(url: "http://127.0.0.1/", headers: [HTTPHeader(name: "X-Injected", value: "a\r\nEvil: yes")]),
        HTTPRequest(url: "http://127.0.0.1/", headers: [HTTPHeader(name: "Bad Name", value: "x")]),
        HTTPRequest(method: "HEAD", url: "http://127.0.0.1/", body: .bytes([1])),
        HTTPRequest(url: "http://127.0.0.1/", timeout: 0),
        HTTPRequest(method: "PUT", url: "http://127.0.0.1/", body: .file(path: "/nonexistent/file", offset: 0, length: 1)),
    ])
    func invalidRequestsAreRejectedBeforeSending(request: HTTPRequest) async throws {
        let client = try HTTPClient()
        defer { client.shutdown() }
        let error = try #require(await failure(of: client, request))
        #expect(error.kind == .invalidRequest)
        #expect(error.requestMayHaveBeenSent == false)
    }

    @Test func fileBodyRangeBeyondTheFileIsInvalid() async throws {
        let path = try temporaryFile(Array(repeating: 7, count: 100))
        defer { unlink(path) }
        let server = try RawLoopbackServer(behavior: .hang)
        defer { server.stop() }
        let client = try HTTPClient()
        defer { client.shutdown() }
        let error = try #require(
            await failure(
                of: client,
                HTTPRequest(method: "PUT", url: server.baseURL, body: .file(path: path, offset: 50, length: 51))))
        #expect(error.kind == .invalidRequest)
        #expect(error.requestMayHaveBeenSent == false)
        #expect(server.requestCount == 0)
    }

    private func expectNoSecrets(in error: HTTPClientError, sourceLocation: SourceLocation = #_sourceLocation) {
        for text in [error.message, error.description] {
            #expect(!text.contains("SECRET"), "\(text)", sourceLocation: sourceLocation)
            #expect(!text.contains("access_token"), "\(text)", sourceLocation: sourceLocation)
        }
    }
}

/// The error `request` fails with, or nil (recording an issue) if it succeeds.
func failure(of client: HTTPClient, _ request: HTTPRequest) async -> HTTPClientError? {
    do {
        let response = try await client.execute(request)
        Issue.record("expected an error, got status \(response.status)")
        return nil
    } catch {
        return error
    }
}

/// The error `task` fails with, or nil (recording an issue) if it succeeds.
func failure(of task: Task<HTTPResponse, any Error>) async -> HTTPClientError? {
    switch await task.result {
    case .success(let response):
        Issue.record("expected an error, got status \(response.status)")
        return nil
    case .failure(let error as HTTPClientError):
        return error
    case .failure(let error):
        Issue.record("expected an HTTPClientError, got \(error)")
        return nil
    }
}

/// Polls `condition` until it holds, failing after `seconds`.
func waitUntil(seconds: Double = 30, _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while !condition() {
        guard ContinuousClock.now < deadline else {
            throw LoopbackServerError(message: "condition not met within \(seconds) seconds")
        }
        try await Task.sleep(for: .milliseconds(20))
    }
}
