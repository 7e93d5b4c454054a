import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import SpoolpostSandbox
import Testing

/// Runs a sandbox on an ephemeral loopback port for the duration of `body`, then cancels it and waits for it to stop.
func withSandboxServer<Result: Sendable>(
    _ configuration: SandboxConfiguration = SandboxConfiguration(),
    _ body: (SandboxServer, SandboxTestClient) async throws -> Result
) async throws -> Result {
    var logger = Logger(label: "sandbox-test")
    logger.logLevel = .warning
    return try await SandboxServer.withRunning(configuration, logger: logger) { server, port in
        let client = SandboxTestClient(baseURL: "http://127.0.0.1:\(port)")
        defer { client.close() }
        return try await body(server, client)
    }
}

/// A small HTTP client over URLSession for talking to the sandbox.
final class SandboxTestClient: Sendable {
    struct Reply: Sendable {
        var status: Int
        var headers: [String: String]
        var body: Data

        var text: String { String(decoding: body, as: UTF8.self) }

        func header(_ name: String) -> String? {
            headers.first { $0.key.lowercased() == name.lowercased() }?.value
        }

        func json() throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        }
    }

    let baseURL: String
    private let session: URLSession

    init(baseURL: String) {
        self.baseURL = baseURL
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 60
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        session = URLSession(configuration: configuration)
    }

    func close() {
        session.invalidateAndCancel()
    }

    func get(_ path: String) async throws -> Reply {
        try await send(method: "GET", path: path, headers: [:], body: nil)
    }

    func post(_ path: String, json: String, headers: [String: String] = [:]) async throws -> Reply {
        var headers = headers
        if headers["Content-Type"] == nil { headers["Content-Type"] = "application/json" }
        return try await send(method: "POST", path: path, headers: headers, body: Data(json.utf8))
    }

    func send(method: String, path: String, headers: [String: String], body: Data?) async throws -> Reply {
        var request = URLRequest(url: try #require(URL(string: baseURL + path)))
        request.httpMethod = method
        request.timeoutInterval = 60
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        request.httpBody = body
        let (data, response) = try await session.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        var replyHeaders: [String: String] = [:]
        for (name, value) in http.allHeaderFields {
            replyHeaders["\(name)"] = "\(value)"
        }
        return Reply(status: http.statusCode, headers: replyHeaders, body: data)
    }
}

/// Waits for `operation` up to `seconds`; nil if it did not finish in time (the operation is then cancelled).
func sandboxFinishes<T: Sendable>(
    within seconds: Double,
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T? {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            return nil
        }
        let first = try await group.next() ?? nil
        group.cancelAll()
        return first
    }
}
