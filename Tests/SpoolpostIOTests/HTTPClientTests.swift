import Foundation
import SpoolpostIO
import SpoolpostTestSupport
import Testing

/// Requests and responses against a real HTTP server (Hummingbird on loopback).
@Suite struct HTTPClientTests {
    @Test func getReturnsStatusHeadersAndBody() async throws {
        try await LoopbackHTTPServer.with { server in
            let client = try HTTPClient()
            defer { client.shutdown() }
            let response = try await client.execute(HTTPRequest(url: server.baseURL + "/status/201"))
            #expect(response.status == 201)
            #expect(response.bodyText == "status 201")
            #expect(response.header("Content-Length") == "10")
            #expect(response.header("CONTENT-length") == "10")
            #expect(response.header("X-Not-There") == nil)
        }
    }

    @Test func errorStatusesAreResponsesNotErrors() async throws {
        try await LoopbackHTTPServer.with { server in
            let client = try HTTPClient()
            defer { client.shutdown() }
            let response = try await client.execute(HTTPRequest(url: server.baseURL + "/status/503"))
            #expect(response.status == 503)
            #expect(response.bodyText == "status 503")
        }
    }

    @Test(arguments: ["POST", "PUT", "DELETE", "PATCH"])
    func methodAndBodyReachTheServer(method: String) async throws {
        try await LoopbackHTTPServer.with { server in
            let client = try HTTPClient()
            defer { client.shutdown() }
            let payload = Array("payload for \(method)".utf8)
            let response = try await client.execute(
                HTTPRequest(method: method, url: server.baseURL + "/echo", body: .bytes(payload)))
            #expect(response.status == 200)
            #expect(response.header("x-method") == method)
            #expect(response.body == payload)
        }
    }

    @Test func deleteWithoutBodyAndEmptyPost() async throws {
        try await LoopbackHTTPServer.with { server in
            let client = try HTTPClient()
            defer { client.shutdown() }
            let delete = try await client.execute(HTTPRequest(method: "DELETE", url: server.baseURL + "/echo"))
            #expect(delete.header("X-Method") == "DELETE")
            #expect(delete.body.isEmpty)
            let post = try await client.execute(HTTPRequest(method: "POST", url: server.baseURL + "/echo"))
            #expect(post.header("X-Method") == "POST")
            #expect(post.header("X-Body-Length") == "0")
        }
    }

    @Test func headReturnsHeadersWithoutBody() async throws {
        try await LoopbackHTTPServer.with { server in
            let client = try HTTPClient()
            defer { client.shutdown() }
            let response = try await client.execute(HTTPRequest(method: "HEAD", url: server.baseURL + "/echo"))
            #expect(response.status == 200)
            #expect(response.header("X-Method") == "HEAD")
            #expect(response.body.isEmpty)
        }
    }

    @Test func requestHeadersAreSentAndRepeatedResponseHeadersKept() async throws {
        try await LoopbackHTTPServer.with { server in
            let client = try HTTPClient(configuration: .init(userAgent: "spoolpost-test/1"))
            defer { client.shutdown() }
            let response = try await client.execute(
                HTTPRequest(
                    url: server.baseURL + "/headers",
                    headers: [HTTPHeader(name: "X-Custom", value: "hello there"), HTTPHeader(name: "X-Blank", value: "")]
                ))
            let received = Set(response.bodyText.lowercased().split(separator: "\n").map(String.init))
            #expect(received.contains("x-custom: hello there"))
            #expect(received.contains("x-blank: "))
            #expect(received.contains("user-agent: spoolpost-test/1"))
            #expect(!received.contains { $0.hasPrefix("expect:") })
            #expect(response.headers(named: "set-cookie") == ["first=1", "second=2"])
            #expect(response.header("SET-COOKIE") == "first=1")
            #expect(response.header("x-mixed-case") == "Value")
        }
    }

    @Test func binaryBodyOfFiveMebibytesRoundTrips() async throws {
        try await LoopbackHTTPServer.with { server in
            let client = try HTTPClient()
            defer { client.shutdown() }
            let payload = TestBytes.random(5 * 1024 * 1024)
            let response = try await client.execute(
                HTTPRequest(
                    method: "PUT", url: server.baseURL + "/echo",
                    headers: [HTTPHeader(name: "Content-Type", value: "application/octet-stream")],
                    body: .bytes(payload), timeout: 120))
            #expect(response.status == 200)
            #expect(response.body.count == payload.count)
            #expect(response.body == payload)
        }
    }

    @Test(arguments: ["PUT", "POST"])
    func fileBodySendsTheRequestedSlice(method: String) async throws {
        let contents = TestBytes.pattern(3 * 1024 * 1024, seed: 7)
        let path = try temporaryFile(contents)
        defer { unlink(path) }
        try await LoopbackHTTPServer.with { server in
            let client = try HTTPClient()
            defer { client.shutdown() }
            let response = try await client.execute(
                HTTPRequest(
                    method: method, url: server.baseURL + "/echo",
                    body: .file(path: path, offset: 12_345, length: 2_000_000), timeout: 120))
            #expect(response.status == 200)
            #expect(response.header("X-Method") == method)
            #expect(response.body == Array(contents[12_345..<2_012_345]))
        }
    }

    @Test func zeroLengthFileSliceSendsEmptyBody() async throws {
        let path = try temporaryFile(Array("abc".utf8))
        defer { unlink(path) }
        try await LoopbackHTTPServer.with { server in
            let client = try HTTPClient()
            defer { client.shutdown() }
            let response = try await client.execute(
                HTTPRequest(method: "PUT", url: server.baseURL + "/echo", body: .file(path: path, offset: 3, length: 0)))
            #expect(response.header("X-Body-Length") == "0")
        }
    }

    @Test func concurrentRequestsShareFewConnections() async throws {
        try await LoopbackHTTPServer.with { server in
            let client = try HTTPClient()
            defer { client.shutdown() }
            let url = server.baseURL + "/bytes/1000"
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<100 {
                    group.addTask {
                        let response = try await client.execute(HTTPRequest(url: url, timeout: 120))
                        return response.body.count == 1000 ? response.status : -1
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.count == 100)
            #expect(statuses.allSatisfy { $0 == 200 })
            #expect(server.requestCount == 100)
            // At most 8 connections per host by default; keep-alive reuse carries the other requests.
            #expect(server.connectionCount >= 1)
            #expect(server.connectionCount <= 8)
        }
    }

    @Test func sequentialRequestsReuseOneConnection() async throws {
        try await LoopbackHTTPServer.with { server in
            let client = try HTTPClient()
            defer { client.shutdown() }
            for index in 0..<10 {
                let response = try await client.execute(
                    HTTPRequest(method: "POST", url: server.baseURL + "/echo", body: .bytes([UInt8(index)])))
                #expect(response.body == [UInt8(index)])
            }
            #expect(server.requestCount == 10)
            #expect(server.connectionCount == 1)
        }
    }

    @Test func aFreshConnectionRequestNeverRidesAKeptAliveConnection() async throws {
        try await LoopbackHTTPServer.with { server in
            let client = try HTTPClient()
            defer { client.shutdown() }
            _ = try await client.execute(HTTPRequest(method: "POST", url: server.baseURL + "/echo", body: .bytes([1])))
            var publishing = HTTPRequest(method: "POST", url: server.baseURL + "/echo", body: .bytes([2]))
            publishing.freshConnection = true
            let response = try await client.execute(publishing)
            #expect(response.body == [2])
            #expect(server.requestCount == 2)
            #expect(server.connectionCount == 2)
        }
    }

    @Test func gzipResponseIsDecoded() async throws {
        let compressed: [UInt8] = [
            0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0xd7, 0x51,
            0x48, 0xaf, 0xca, 0x2c, 0x50, 0x28, 0xcf, 0x2f, 0xca, 0x49, 0x01, 0x00, 0xeb, 0x83, 0x46, 0x82, 0x11,
            0x00, 0x00, 0x00,
        ]
        let head = "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: \(compressed.count)\r\n"
            + "Connection: close\r\n\r\n"
        let server = try RawLoopbackServer(behavior: .respond(Array(head.utf8) + compressed))
        defer { server.stop() }
        let client = try HTTPClient()
        defer { client.shutdown() }
        let response = try await client.execute(HTTPRequest(url: server.baseURL + "/compressed"))
        #expect(response.bodyText == "hello, gzip world")
    }

    @Test func onlyTheFinalResponsesHeadersAreKept() async throws {
        let reply = "HTTP/1.1 100 Continue\r\nX-Interim: yes\r\n\r\n"
            + "HTTP/1.1 202 Accepted\r\nX-Final: yes\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
        let server = try RawLoopbackServer(behavior: .respond(Array(reply.utf8)))
        defer { server.stop() }
        let client = try HTTPClient()
        defer { client.shutdown() }
        let response = try await client.execute(
            HTTPRequest(method: "POST", url: server.baseURL + "/upload", body: .bytes(Array("data".utf8))))
        #expect(response.status == 202)
        #expect(response.header("X-Final") == "yes")
        #expect(response.header("X-Interim") == nil)
        #expect(response.bodyText == "ok")
    }
}

/// Writes `contents` to a new file in the temporary directory and returns its path.
func temporaryFile(_ contents: [UInt8]) throws -> String {
    let path = NSTemporaryDirectory() + "spoolpost-http-\(UUID().uuidString).bin"
    guard FileManager.default.createFile(atPath: path, contents: Data(contents)) else {
        throw LoopbackServerError(message: "could not create \(path)")
    }
    return path
}
