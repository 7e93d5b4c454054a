import Foundation
import Logging
import SpoolpostAdapters
import SpoolpostCore
import SpoolpostIO
import SpoolpostSandbox
import Testing

/// Runs a sandbox on an ephemeral loopback port and an HTTP client for the duration of `body`, then stops both.
func withSandbox<Result: Sendable>(
    _ configuration: SandboxConfiguration = SandboxConfiguration(),
    _ body: (SandboxServer, _ baseURL: String, HTTPClient) async throws -> Result
) async throws -> Result {
    var logger = Logger(label: "adapter-test-sandbox")
    logger.logLevel = .warning
    return try await SandboxServer.withRunning(configuration, logger: logger) { server, port in
        try await withHTTPClient { http in try await body(server, "http://127.0.0.1:\(port)", http) }
    }
}

/// An HTTP client for `body`, shut down afterwards.
func withHTTPClient<Result>(_ body: (HTTPClient) async throws -> Result) async throws -> Result {
    let http = try HTTPClient()
    defer { http.shutdown() }
    return try await body(http)
}

enum AdapterFixture {
    static func request(
        postID: String = "launch-1", index: Int = 1, account: String = "alice", text: String? = "Hello, world",
        media: [MediaReference] = [], type: String? = nil, attempt: Int = 1
    ) -> PublishRequest {
        PublishRequest(
            postID: postID, target: PostTarget(index: index, platform: .webhook, account: account, type: type),
            text: text, media: media.map(PreparedMedia.init(unprepared:)), attempt: attempt)
    }

    static func node(_ text: String) -> YAMLNode {
        YAMLNode(.scalar(text), mark: SourceMark(line: 1, column: 1))
    }

    static func account(
        _ name: String, platform: Platform = .webhook, credentials: String? = nil, _ settings: [String: String] = [:]
    ) -> AccountConfig {
        AccountConfig(
            name: name, platform: platform, credentialsPath: credentials, settings: settings.mapValues(node))
    }

    static func error(_ outcome: PublishOutcome) -> SpoolpostError? {
        if case .failed(let error) = outcome { return error }
        return nil
    }

    static func signature(secret: String, body: [UInt8]) -> String {
        "sha256=" + Hex.encode(HMAC.sha256(key: Array(secret.utf8), message: body))
    }
}

extension PublishingAdapter {
    /// One attempt with nothing to record, as the tests here need.
    func publish(_ request: PublishRequest) async -> PublishOutcome {
        await publish(request, progress: .discarding)
    }
}
