import Foundation
import Glibc
import SpoolpostAdapters
import SpoolpostCore
import SpoolpostIO
import SpoolpostSandbox
import SpoolpostTestSupport
import Synchronization
import Testing

@Suite struct XAdapterTests {
    typealias F = AdapterFixture

    static func credentials(_ folder: TemporaryFolder, _ values: [String: String]) throws -> Credentials {
        try folder.credentials("x.credentials", values)
    }

    /// An OAuth 2.0 account whose access token the sandbox refuses and whose single-use refresh token it accepts
    /// once, plus `extra` values, in a credentials file for `body`.
    static func withExpiredToken(
        _ extra: [String: String] = [:],
        _ body: (SandboxServer, String, HTTPClient, Credentials) async throws -> Void
    ) async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try await withSandbox { server, base, http in
            let values = [
                "access_token": "sandbox-expired-token", "refresh_token": "sandbox-refresh-token",
                "client_id": "sandbox-client",
            ]
            try await body(server, base, http, try credentials(folder, values.merging(extra) { $1 }))
        }
    }

    static func adapter(
        _ base: String, _ http: HTTPClient, _ credentials: Credentials, _ settings: [String: String] = [:]
    ) throws -> XAdapter {
        var all = [
            "api_base": base + "/api.x.com/2", "upload_base": base + "/api.x.com/2",
            "oauth_base": base + "/api.x.com/2/oauth2/token", "upload_chunk_bytes": "1000",
        ]
        all.merge(settings) { $1 }
        return try XAdapter(
            account: F.account("xacct", platform: .x, credentials: credentials.path, all), credentials: credentials,
            http: http)
    }

    static let bearer = ["access_token": "sandbox-token"]
    static let oauth1 = [
        "consumer_key": "sandbox-consumer-key", "consumer_secret": "sandbox-consumer-secret",
        "token": "sandbox-access-token", "token_secret": "sandbox-token-secret",
    ]

    /// The `thread:` option for `replies`, none when there are none.
    static func threadOption(_ replies: [String]) -> [String: YAMLNode] {
        if replies.isEmpty { return [:] }
        return ["thread": YAMLNode(.sequence(replies.map(F.node)), mark: SourceMark(line: 1, column: 1))]
    }

    static func request(
        text: String? = "Hello X", media: [PreparedMedia] = [], thread: [String] = [], steps: [String: String] = [:]
    ) -> PublishRequest {
        PublishRequest(
            postID: "p1",
            target: PostTarget(index: 0, platform: .x, account: "xacct", type: "post", options: threadOption(thread)),
            text: text, media: media, attempt: 1, steps: steps)
    }

    static func media(_ folder: TemporaryFolder, _ name: String, mime: String, size: Int, alt: String? = nil) throws
        -> PreparedMedia
    {
        let bytes = TestBytes.pattern(size, seed: 7)
        let path = try folder.write(name, bytes)
        return PreparedMedia(
            reference: MediaReference(source: .file(path: name), alt: alt), mimeType: mime, size: Int64(size),
            localPath: path)
    }

    // MARK: - Publishing

    @Test func aTextPostWithABearerTokenIsPublished() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try await withSandbox { server, base, http in
            let adapter = try Self.adapter(base, http, try Self.credentials(folder, Self.bearer))
            #expect(adapter.platform == .x)
            #expect(!adapter.publicStepIsFirstRequest)
            let (outcome, log) = await adapter.publishRecording(Self.request())
            #expect(outcome == .published(platformPostID: "x_000001", url: "https://x.com/i/web/status/x_000001"))
            #expect(log.events == [.publicStep, .step("tweet.0", "x_000001")])
            let stored = try #require(server.store.posts(network: "x").first)
            #expect(stored.text == "Hello X")
            #expect(stored.path == "/api.x.com/2/tweets")
        }
    }

    @Test func imagesWithAltTextAreUploadedInSegmentsAndAttachedUnderOAuth1() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try await withSandbox { server, base, http in
            let adapter = try Self.adapter(base, http, try Self.credentials(folder, Self.oauth1))
            let media = [
                try Self.media(folder, "a.png", mime: "image/png", size: 2500, alt: "A chart"),
                try Self.media(folder, "b.jpg", mime: "image/jpeg", size: 400),
            ]
            let (outcome, log) = await adapter.publishRecording(Self.request(media: media))
            let id = try #require(F.published(outcome)?.id)
            #expect(id == "x_000001")
            #expect(log.values(of: "media.0.segment") == ["0", "1", "2"])
            #expect(log.values(of: "media.1.segment") == ["0"])
            #expect(log.values(of: "media.0.alt") == ["1"])
            #expect(log.values(of: "media.1.alt").isEmpty)
            let mediaIDs = [try #require(log.steps["media.0.id"]), try #require(log.steps["media.1.id"])]
            let stored = try #require(server.store.posts(network: "x").first)
            let body = try F.json(stored)
            #expect((body["media"] as? [String: Any])?["media_ids"] as? [String] == mediaIDs)
            // The public step comes after every upload step.
            #expect(log.events.firstIndex(of: .publicStep) == log.events.count - 2)
        }
    }

    @Test func aVideoIsPolledUntilProcessingSucceeds() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try await withSandbox { server, base, http in
            let adapter = try Self.adapter(base, http, try Self.credentials(folder, Self.bearer))
            let video = try Self.media(folder, "v.mp4", mime: "video/mp4", size: 2100)
            let (outcome, log) = await adapter.publishRecording(Self.request(media: [video]))
            #expect(outcome == .published(platformPostID: "x_000001", url: "https://x.com/i/web/status/x_000001"))
            #expect(log.values(of: "media.0.segment") == ["0", "1", "2"])
            #expect(log.values(of: "media.0.finalized") == ["1"])
            #expect(log.values(of: "media.0.ready") == ["1"])
            #expect(server.store.posts(network: "x").first?.mediaURLs == ["x-media:\(log.steps["media.0.id"] ?? "")"])
        }
    }

    @Test func aThreadPostsEachReplyToThePreviousOneAsItsOwnPublicStep() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try await withSandbox { server, base, http in
            let adapter = try Self.adapter(base, http, try Self.credentials(folder, Self.bearer))
            let (outcome, log) = await adapter.publishRecording(Self.request(text: "1/3", thread: ["2/3", "3/3"]))
            #expect(outcome == .published(platformPostID: "x_000001", url: "https://x.com/i/web/status/x_000001"))
            #expect(log.events == [
                .publicStep, .step("tweet.0", "x_000001"), .publicStep, .step("tweet.1", "x_000002"),
                .publicStep, .step("tweet.2", "x_000003"),
            ])
            let posts = server.store.posts(network: "x")
            #expect(posts.map(\.text) == ["1/3", "2/3", "3/3"])
            #expect(try posts.map { (try F.json($0)["reply"] as? [String: String])?["in_reply_to_tweet_id"] }
                == [nil, "x_000001", "x_000002"])
        }
    }

    @Test func aResumedThreadContinuesWithTheNextUnpostedReply() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let faults = SandboxFaults.once("/api.x.com/2/tweets", method: "POST", skip: 2, .status(503))
        try await withSandbox(SandboxConfiguration(faults: faults)) { server, base, http in
            let adapter = try Self.adapter(base, http, try Self.credentials(folder, Self.bearer))
            let (failed, first) = await adapter.publishRecording(Self.request(text: "a", thread: ["b", "c"]))
            try F.requireFailure(failed, .serverError, retryable: true)
            #expect(first.steps == ["tweet.0": "x_000001", "tweet.1": "x_000002"])

            let (outcome, second) = await adapter.publishRecording(
                Self.request(text: "a", thread: ["b", "c"], steps: first.steps))
            #expect(outcome == .published(platformPostID: "x_000001", url: "https://x.com/i/web/status/x_000001"))
            #expect(second.events == [.publicStep, .step("tweet.2", "x_000003")])
            #expect(server.store.posts(network: "x").map(\.text) == ["a", "b", "c"])
        }
    }

    @Test func anInterruptedUploadResumesAfterTheLastAppendedSegment() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        // Requests to /media/upload/: 1 initialize, 2 append 0, 3 append 1 (broken), ...
        let faults = SandboxFaults.once(
            "/api.x.com/2/media/upload/", method: "POST", skip: 2, .breakConnection(afterHandling: false))
        try await withSandbox(SandboxConfiguration(faults: faults)) { server, base, http in
            let adapter = try Self.adapter(base, http, try Self.credentials(folder, Self.bearer))
            let image = try Self.media(folder, "a.png", mime: "image/png", size: 2500)
            let (failed, first) = await adapter.publishRecording(Self.request(media: [image]))
            let error = try #require(F.error(failed))
            #expect(error.isRetryable)
            #expect(first.publicSteps == 0)
            #expect(first.values(of: "media.0.segment") == ["0"])
            let mediaID = try #require(first.steps["media.0.id"])

            let (outcome, second) = await adapter.publishRecording(Self.request(media: [image], steps: first.steps))
            #expect(outcome == .published(platformPostID: "x_000001", url: "https://x.com/i/web/status/x_000001"))
            #expect(second.values(of: "media.0.id").isEmpty)
            #expect(second.values(of: "media.0.segment") == ["1", "2"])
            let body = try F.json(try #require(server.store.posts(network: "x").first))
            #expect((body["media"] as? [String: Any])?["media_ids"] as? [String] == [mediaID])
        }
    }

    @Test func aLostAnswerToThePostIsAnUnknownOutcome() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let faults = SandboxFaults.once("/api.x.com/2/tweets", method: "POST", .breakConnection(afterHandling: true))
        try await withSandbox(SandboxConfiguration(faults: faults)) { server, base, http in
            let adapter = try Self.adapter(base, http, try Self.credentials(folder, Self.bearer))
            let (outcome, log) = await adapter.publishRecording(Self.request())
            #expect(F.error(outcome)?.code == .unknownOutcome)
            #expect(log.events == [.publicStep])
            #expect(server.store.posts(network: "x").count == 1)
        }
    }

    // MARK: - Errors and tokens

    @Test func aDuplicatePostIsAPermanentRejection() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try await withSandbox { _, base, http in
            let adapter = try Self.adapter(base, http, try Self.credentials(folder, Self.bearer))
            _ = await adapter.publish(Self.request(text: "same"))
            let error = try F.requireFailure(
                await adapter.publish(Self.request(text: "same")),
                .rejected, retryable: false, platformCode: "403/about:blank")
            #expect(error.message.contains("duplicate content"))
        }
    }

    @Test func anExpiredTokenIsRefreshedOnceAndPersistedBeforeUse() async throws {
        try await Self.withExpiredToken(["client_secret": "shh"]) { server, base, http, credentials in
            let adapter = try Self.adapter(base, http, credentials)
            let outcome = await adapter.publish(Self.request())
            #expect(outcome == .published(platformPostID: "x_000001", url: "https://x.com/i/web/status/x_000001"))
            let saved = try Credentials.load(path: credentials.path)
            #expect(saved["access_token"] == "sandbox-token-1")
            #expect(saved["refresh_token"] == "sandbox-refresh-token-1")
            #expect(saved["client_secret"] == "shh")
            #expect(saved["expires_at"].flatMap(Double.init).map { $0 > Date().timeIntervalSince1970 } == true)
            // The refreshed token keeps working without another refresh.
            #expect(await adapter.publish(Self.request(text: "second"))
                == .published(platformPostID: "x_000002", url: "https://x.com/i/web/status/x_000002"))
            #expect(server.store.posts(network: "x").count == 2)
            #expect(try Credentials.load(path: credentials.path)["refresh_token"] == "sandbox-refresh-token-1")
        }
    }

    @Test func concurrentPostsWithAnExpiredTokenSpendTheSingleUseRefreshTokenOnce() async throws {
        try await Self.withExpiredToken { server, base, http, credentials in
            let adapter = try Self.adapter(base, http, credentials)
            let outcomes = await withTaskGroup(of: PublishOutcome.self) { group in
                for index in 0..<3 {
                    group.addTask { await adapter.publish(Self.request(text: "concurrent \(index)")) }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.allSatisfy { F.published($0) != nil }, "\(outcomes)")
            #expect(server.store.posts(network: "x").count == 3)
            // A second refresh would have presented the spent token and been refused.
            #expect(try Credentials.load(path: credentials.path)["refresh_token"] == "sandbox-refresh-token-1")
        }
    }

    @Test func anAdapterRebuiltFromTheSameFileUsesTheTokensTheOtherOneRefreshed() async throws {
        try await Self.withExpiredToken { server, base, http, credentials in
            // Both read the file before either refreshed, as after a SIGHUP while a post was in flight.
            let finishing = try Self.adapter(base, http, credentials)
            let rebuilt = try Self.adapter(base, http, credentials)
            #expect(F.published(await finishing.publish(Self.request(text: "before the reload"))) != nil)
            let outcome = await rebuilt.publish(Self.request(text: "after the reload"))
            #expect(F.published(outcome) != nil, "\(outcome)")
            #expect(server.store.posts(network: "x").count == 2)
            #expect(try Credentials.load(path: credentials.path)["refresh_token"] == "sandbox-refresh-token-1")
        }
    }

    @Test func aTokenAPersonPutInTheFileIsUsedWhenTheOldOneIsRefused() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try await withSandbox { server, base, http in
            let credentials = try Self.credentials(folder, ["access_token": "sandbox-expired-token"])
            let adapter = try Self.adapter(base, http, credentials)
            try Credentials.save(path: credentials.path, values: ["access_token": "sandbox-token"])
            let outcome = await adapter.publish(Self.request())
            #expect(F.published(outcome) != nil, "\(outcome)")
            #expect(server.store.posts(network: "x").count == 1)
        }
    }

    @Test func aRefusedRefreshIsAuthExpired() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try await withSandbox { _, base, http in
            let credentials = try Self.credentials(
                folder,
                ["access_token": "sandbox-expired-token", "refresh_token": "used-up", "client_id": "sandbox-client"])
            let error = try F.requireFailure(
                await Self.adapter(base, http, credentials).publish(Self.request()),
                .authExpired, platformCode: "invalid_request")
            #expect(!error.message.contains("used-up"))
        }
    }

    @Test func anExpiredTokenWithoutRefreshIsAuthExpired() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try await withSandbox { _, base, http in
            let credentials = try Self.credentials(folder, ["access_token": "sandbox-expired-token"])
            let error = try F.requireFailure(
                await Self.adapter(base, http, credentials).publish(Self.request()), .authExpired, retryable: false)
            #expect(!error.message.contains("sandbox-expired-token"))
        }
    }

    @Test func aWrongOAuth1SecretFailsTheSignatureCheck() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try await withSandbox { server, base, http in
            var values = Self.oauth1
            values["token_secret"] = "wrong"
            let error = try #require(
                F.error(await Self.adapter(base, http, try Self.credentials(folder, values)).publish(Self.request())))
            #expect(error.code == .authExpired)
            #expect(server.store.count == 0)
        }
    }

    @Test func aRateLimitWaitsUntilTheResetHeader() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try await withSandbox { _, base, http in
            let credentials = try Self.credentials(folder, ["access_token": "sandbox-rate-limited-token"])
            let error = try F.requireFailure(
                await Self.adapter(base, http, credentials).publish(Self.request()), .rateLimit, retryable: true)
            let wait = try #require(error.retryAfter)
            #expect(wait > 800 && wait <= 901)
        }
    }

    @Test func documentedErrorBodiesAreClassifiedByTypeAndStatus() {
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        func response(_ status: Int, _ body: String, _ headers: [HTTPHeader] = []) -> HTTPResponse {
            F.response(status, body, headers: headers)
        }
        let limited = XAdapter.classify(
            response(
                429, #"{"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429}"#,
                [HTTPHeader(name: "x-rate-limit-reset", value: "1700000300")]), service: "X", now: now)
        #expect(limited.code == .rateLimit)
        #expect(limited.retryAfter == 300)
        let forbidden = XAdapter.classify(
            response(
                403,
                #"{"client_id":"1","detail":"When authenticating requests to the Twitter API v2 endpoints, you must use "#
                    + #"keys and tokens from a Twitter developer App that is attached to a Project.","#
                    + #""reason":"client-not-enrolled","registration_url":"https://developer.twitter.com/","#
                    + #""title":"Client Forbidden","required_enrollment":"Appropriate Level of API Access","#
                    + #""type":"https://api.twitter.com/2/problems/client-forbidden"}"#), service: "X", now: now)
        #expect(forbidden.code == .forbidden)
        #expect(forbidden.platformCode == "403/client-forbidden")
        let capped = XAdapter.classify(
            response(
                403,
                #"{"title":"UsageCapExceeded","detail":"Usage cap exceeded: Monthly product cap","#
                    + #""type":"https://api.twitter.com/2/problems/usage-capped","period":"Monthly","scope":"Product"}"#),
            service: "X", now: now)
        #expect(capped.code == .rateLimit)
        let invalid = XAdapter.classify(
            response(
                400,
                #"{"errors":[{"message":"Your media IDs are invalid."}],"title":"Invalid Request","#
                    + #""detail":"One or more parameters to your request was invalid.","#
                    + #""type":"https://api.twitter.com/2/problems/invalid-request"}"#), service: "X", now: now)
        #expect(invalid.code == .rejected)
        #expect(invalid.platformCode == "400/invalid-request")
        #expect(invalid.message.contains("Your media IDs are invalid."))
        let unavailable = XAdapter.classify(
            response(503, #"{"title":"Service Unavailable","type":"about:blank","status":503}"#), service: "X", now: now)
        #expect(unavailable.code == .serverError)
        #expect(unavailable.isRetryable)
        let unauthorized = XAdapter.classify(
            response(401, #"{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}"#),
            service: "X", now: now)
        #expect(unauthorized.code == .authExpired)
    }

    // MARK: - Configuration and validation

    @Test func configurationProblemsAreClear() throws {
        try withHTTPClientSync { http in
            #expect(throws: SpoolpostError.self) {
                try XAdapter(account: F.account("x1", platform: .x), credentials: nil, http: http)
            }
            let empty = Credentials(path: "/tmp/none", values: ["foo": "bar"])
            do throws(SpoolpostError) {
                _ = try XAdapter(account: F.account("x1", platform: .x), credentials: empty, http: http)
                Issue.record("accepted credentials without tokens")
            } catch {
                #expect(error.code == .invalidConfig)
                #expect(error.message.contains("access_token"))
            }
            let bad = Credentials(path: "/tmp/none", values: Self.bearer)
            #expect(throws: SpoolpostError.self) {
                try XAdapter(account: F.account("x1", platform: .x, ["api_base": "ftp://x"]), credentials: bad, http: http)
            }
        }
    }

    static func check(
        _ adapter: XAdapter, text: String?, mediaTypes: [String?] = [], thread: [String] = [], type: String? = "post"
    ) -> [TargetProblem] {
        adapter.problems(
            with: F.check(
                .x, account: "xacct", type: type, options: threadOption(thread), text: text, mediaTypes: mediaTypes))
    }

    @Test func validationChecksWeightedLengthThreadAndMediaMix() throws {
        try withHTTPClientSync { http in
            let credentials = Credentials(path: "/tmp/none", values: Self.bearer)
            let adapter = try XAdapter(account: F.account("xacct", platform: .x), credentials: credentials, http: http)
            #expect(Self.check(adapter, text: String(repeating: "a", count: 280)).isEmpty)
            #expect(Self.check(adapter, text: String(repeating: "a", count: 281)).map(\.field) == ["text"])
            #expect(Self.check(adapter, text: String(repeating: "字", count: 141)).map(\.field) == ["text"])
            #expect(Self.check(adapter, text: "").map(\.field) == ["text"])
            #expect(Self.check(adapter, text: "", mediaTypes: ["image/png"]).isEmpty)
            #expect(Self.check(adapter, text: "hi", type: "reel").map(\.field) == ["type"])
            #expect(Self.check(adapter, text: "hi", thread: ["ok", String(repeating: "b", count: 281)]).map(\.field)
                == ["thread"])
            #expect(Self.check(adapter, text: "hi", mediaTypes: Array(repeating: "image/jpeg", count: 4)).isEmpty)
            #expect(Self.check(adapter, text: "hi", mediaTypes: Array(repeating: "image/jpeg", count: 5)).map(\.field)
                == ["media"])
            #expect(Self.check(adapter, text: "hi", mediaTypes: ["video/mp4"]).isEmpty)
            #expect(Self.check(adapter, text: "hi", mediaTypes: ["image/gif"]).isEmpty)
            #expect(Self.check(adapter, text: "hi", mediaTypes: ["video/mp4", "image/png"]).map(\.field) == ["media"])
            #expect(Self.check(adapter, text: "hi", mediaTypes: ["image/gif", "image/gif"]).map(\.field) == ["media"])
            #expect(Self.check(adapter, text: "hi", mediaTypes: ["application/pdf"]).map(\.field) == ["media"])

            let premium = try XAdapter(
                account: F.account("xacct", platform: .x, ["max_weighted_length": "25000"]), credentials: credentials,
                http: http)
            #expect(Self.check(premium, text: String(repeating: "a", count: 4000)).isEmpty)
        }
    }
}
