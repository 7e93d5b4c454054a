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

/// A sandbox as ``withSandbox(_:_:)`` gives it, and a fresh folder for credentials and media files, removed
/// afterwards.
func withSandboxAndFolder<Result: Sendable>(
    _ configuration: SandboxConfiguration = SandboxConfiguration(),
    _ body: (SandboxServer, _ baseURL: String, HTTPClient, _ folder: String) async throws -> Result
) async throws -> Result {
    try await withTemporaryDirectory { folder in
        try await withSandbox(configuration) { server, base, http in try await body(server, base, http, folder) }
    }
}

/// An HTTP client for `body`, shut down afterwards.
func withHTTPClient<Result>(_ body: (HTTPClient) async throws -> Result) async throws -> Result {
    let http = try HTTPClient()
    defer { http.shutdown() }
    return try await body(http)
}

/// An HTTP client for a synchronous `body`, shut down afterwards.
func withHTTPClientSync<Result>(_ body: (HTTPClient) throws -> Result) throws -> Result {
    let http = try HTTPClient()
    defer { http.shutdown() }
    return try body(http)
}

/// The standard media host (``StaticMediaServer/standard()``) for `body`, stopped afterwards.
func withStandardMedia<Result>(_ body: (StaticMediaServer) async throws -> Result) async throws -> Result {
    let media = try StaticMediaServer.standard()
    defer { media.stop() }
    return try await body(media)
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

    static func published(_ outcome: PublishOutcome) -> (id: String?, url: String?)? {
        if case .published(let id, let url) = outcome { return (id, url) }
        return nil
    }

    static func signature(secret: String, body: [UInt8]) -> String {
        "sha256=" + Hex.encode(HMAC.sha256(key: Array(secret.utf8), message: body))
    }

    /// The error `outcome` failed with, after checking its code and whichever of retryability, platform code and
    /// wait the test names.
    @discardableResult
    static func requireFailure(
        _ outcome: PublishOutcome, _ code: SpoolpostError.Code, retryable: Bool? = nil, platformCode: String? = nil,
        retryAfter: Double? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> SpoolpostError {
        let error = try #require(self.error(outcome), "not a failure: \(outcome)", sourceLocation: sourceLocation)
        #expect(error.code == code, sourceLocation: sourceLocation)
        if let retryable { #expect(error.isRetryable == retryable, sourceLocation: sourceLocation) }
        if let platformCode { #expect(error.platformCode == platformCode, sourceLocation: sourceLocation) }
        if let retryAfter { #expect(error.retryAfter == retryAfter, sourceLocation: sourceLocation) }
        return error
    }

    /// Media a network fetches from `url` itself (Meta, Threads, LinkedIn's downloads).
    static func fetched(_ url: String, mime: String, alt: String? = nil) -> PreparedMedia {
        PreparedMedia(reference: MediaReference(source: .url(url), alt: alt), mimeType: mime, fetchURL: url)
    }

    /// The JSON object a sandbox simulator received as a post's body.
    static func json(_ post: SandboxReceivedPost) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(post.body)) as? [String: Any])
    }

    /// An answer as a network's error-handling guide shows it, for the classifiers.
    static func response(_ status: Int, _ body: String, headers: [HTTPHeader] = []) -> HTTPResponse {
        HTTPResponse(status: status, headers: headers, body: Array(body.utf8))
    }

    /// What validation is given for one target of a manifest with `mediaTypes.count` URL media items.
    static func check(
        _ platform: Platform, account: String, type: String?, options: [String: YAMLNode] = [:], text: String?,
        mediaTypes: [String?], files: [String: OptionFile] = [:]
    ) -> TargetCheck {
        let target = PostTarget(index: 0, platform: platform, account: account, type: type, options: options)
        let media = mediaTypes.indices.map { MediaReference(source: .url("https://cdn.example.com/\($0)")) }
        let manifest = Manifest(id: "p", text: text, media: media, scheduleAt: nil, targets: [target])
        return TargetCheck(manifest: manifest, target: target, mediaTypes: mediaTypes, files: files)
    }
}

extension SandboxFaults {
    /// One rule that fires once: the request to `pathPrefix` (by `method`, if given) after `skip` such requests
    /// meets `action`.
    static func once(
        _ pathPrefix: String, method: String? = nil, skip: Int = 0, _ action: SandboxFaultAction
    ) -> SandboxFaults {
        SandboxFaults([SandboxFaultRule(pathPrefix: pathPrefix, method: method, skip: skip, count: 1, action: action)])
    }
}

extension PublishingAdapter {
    /// One attempt with nothing to record, as the tests here need.
    func publish(_ request: PublishRequest) async -> PublishOutcome {
        await publish(request, progress: .discarding)
    }

    /// One attempt recording into a ``RecordingProgress`` that holds the steps `request` carries, as the engine
    /// resumes an attempt after a retry or a restart: the outcome and what the attempt recorded.
    func publishRecording(_ request: PublishRequest) async -> (PublishOutcome, RecordingProgress) {
        let recorder = RecordingProgress(steps: request.steps)
        return (await publish(request, progress: recorder.progress), recorder)
    }
}
