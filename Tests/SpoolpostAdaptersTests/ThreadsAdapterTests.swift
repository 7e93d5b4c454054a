import Foundation
import Glibc
@testable import SpoolpostAdapters
import SpoolpostCore
import SpoolpostIO
import SpoolpostSandbox
import Testing

@Suite struct ThreadsAdapterTests {
    /// The next `threads_publish` request meets `fault`.
    static func failNextPublish(_ server: SandboxServer, _ fault: SandboxFaultAction) {
        server.faults.replace(with: .once("/graph.threads.net/v1.0/1789/threads_publish", fault))
    }

    typealias F = AdapterFixture

    // MARK: - Fixtures

    static func adapter(
        base: String, http: HTTPClient, folder: String, token: String = "sandbox-token", expiresAt: String? = nil,
        maxPolls: String = "20"
    ) throws -> ThreadsAdapter {
        var values = ["access_token": token]
        if let expiresAt { values["expires_at"] = expiresAt }
        let path = folder + "/threads.yaml"
        let account = F.account(
            "th", platform: .threads, credentials: path,
            [
                "user_id": "1789", "api_base": base + "/graph.threads.net/v1.0",
                "oauth_base": base + "/graph.threads.net", "poll_interval": "10ms", "max_polls": maxPolls,
            ])
        return try ThreadsAdapter(account: account, credentials: try savedCredentials(path, values), http: http)
    }

    static func request(
        text: String? = "Hello, Threads", media: [PreparedMedia] = [], replyTo: String? = nil,
        steps: [String: String] = [:]
    ) -> PublishRequest {
        var options: [String: YAMLNode] = [:]
        if let replyTo { options["reply_to"] = F.node(replyTo) }
        return PublishRequest(
            postID: "launch", target: PostTarget(index: 0, platform: .threads, account: "th", type: "post", options: options),
            text: text, media: media, attempt: steps.isEmpty ? 1 : 2, steps: steps)
    }

    /// A media host answering every GET with `body` of `contentType`.
    static func withMediaHost<T>(
        contentType: String, status: Int = 200, _ body: (String) async throws -> T
    ) async throws -> T {
        let host = try CapturingHTTPServer(status: status, body: "MEDIA-BYTES", contentType: contentType)
        defer { host.stop() }
        return try await body("http://127.0.0.1:\(host.port)/media/item")
    }

    // MARK: - Post types

    @Test func aTextPostGoesThroughAContainerThenPublishAndRecordsItsSteps() async throws {
        try await withSandboxAndFolder { server, base, http, folder in
            let adapter = try Self.adapter(base: base, http: http, folder: folder)
            #expect(adapter.publicStepIsFirstRequest == false)
            let (outcome, steps) = await adapter.publishRecording(Self.request())
            let stored = try #require(server.store.posts(network: "threads").first)
            let (id, url) = try #require(F.published(outcome))
            #expect(id == steps.steps["media_id"])
            #expect(url == base + "/posts/" + stored.id)
            #expect(stored.account == "1789")
            #expect(stored.text == "Hello, Threads")
            #expect(stored.mediaURLs.isEmpty)
            #expect(try F.json(stored)["media_type"] as? String == "TEXT")
            #expect(steps.recordedKeys == ["container", "publish_sent_at", "media_id"])
            #expect(steps.publicSteps == 1)
            #expect(stored.header("Authorization") == nil)
        }
    }

    @Test func anImagePostPassesTheURLAndAltTextAndWaitsForTheContainer() async throws {
        try await Self.withMediaHost(contentType: "image/jpeg") { imageURL in
            try await withSandboxAndFolder { server, base, http, folder in
                let adapter = try Self.adapter(base: base, http: http, folder: folder)
                let outcome = await adapter.publish(
                    Self.request(media: [F.fetched(imageURL, mime: "image/jpeg", alt: "A cat")]))
                #expect(F.error(outcome) == nil)
                let stored = try #require(server.store.posts(network: "threads").first)
                #expect(stored.mediaURLs == [imageURL])
                #expect(try F.json(stored)["media_type"] as? String == "IMAGE")
            }
        }
    }

    @Test func aVideoPostIsPolledUntilFinished() async throws {
        try await Self.withMediaHost(contentType: "video/mp4") { videoURL in
            try await withSandboxAndFolder { server, base, http, folder in
                let adapter = try Self.adapter(base: base, http: http, folder: folder)
                let outcome = await adapter.publish(
                    Self.request(text: nil, media: [F.fetched(videoURL, mime: "video/mp4")]))
                #expect(F.error(outcome) == nil)
                let stored = try #require(server.store.posts(network: "threads").first)
                #expect(try F.json(stored)["media_type"] as? String == "VIDEO")
                #expect(stored.text == nil)
            }
        }
    }

    @Test func tooFewPollsForAVideoIsARetryableTimeout() async throws {
        try await Self.withMediaHost(contentType: "video/mp4") { videoURL in
            try await withSandboxAndFolder { server, base, http, folder in
                // The simulator keeps a video IN_PROGRESS for two polls.
                let adapter = try Self.adapter(base: base, http: http, folder: folder, maxPolls: "2")
                let outcome = await adapter.publish(Self.request(media: [F.fetched(videoURL, mime: "video/mp4")]))
                try F.requireFailure(outcome, .timeout, retryable: true)
                #expect(server.store.count == 0)
            }
        }
    }

    @Test func aCarouselCreatesItemContainersThenTheCarouselAsAReply() async throws {
        try await Self.withMediaHost(contentType: "image/png") { imageURL in
            try await Self.withMediaHost(contentType: "video/mp4") { videoURL in
                try await withSandboxAndFolder { server, base, http, folder in
                    let adapter = try Self.adapter(base: base, http: http, folder: folder)
                    let steps = RecordingProgress()
                    let outcome = await adapter.publish(
                        Self.request(
                            media: [F.fetched(imageURL, mime: "image/png"), F.fetched(videoURL, mime: "video/mp4")],
                            replyTo: "1801"),
                        progress: steps.progress)
                    #expect(F.error(outcome) == nil)
                    #expect(steps.recordedKeys == ["item.0", "item.1", "container", "publish_sent_at", "media_id"])
                    let stored = try #require(server.store.posts(network: "threads").first)
                    #expect(stored.mediaURLs == [imageURL, videoURL])
                    let json = try F.json(stored)
                    #expect(json["media_type"] as? String == "CAROUSEL")
                    #expect(json["children"] as? [String] == [steps.steps["item.0"]!, steps.steps["item.1"]!])
                    #expect(json["reply_to_id"] as? String == "1801")
                }
            }
        }
    }

    @Test func mediaThreadsCannotFetchFailsTheContainerWithThreadsMessage() async throws {
        try await Self.withMediaHost(contentType: "text/plain", status: 404) { missingURL in
            try await withSandboxAndFolder { server, base, http, folder in
                let adapter = try Self.adapter(base: base, http: http, folder: folder)
                let outcome = await adapter.publish(Self.request(media: [F.fetched(missingURL, mime: "image/jpeg")]))
                let error = try F.requireFailure(outcome, .rejected, retryable: false)
                #expect(error.message.contains("Media download has failed"))
                #expect(server.store.count == 0)
            }
        }
    }

    // MARK: - Steps, resuming, the public step

    @Test func aRetryResumesFromTheRecordedContainerAndPublishesOnce() async throws {
        try await withSandboxAndFolder { server, base, http, folder in
            let adapter = try Self.adapter(base: base, http: http, folder: folder)
            Self.failNextPublish(server, .serverError)
            let (failed, first) = await adapter.publishRecording(Self.request())
            try F.requireFailure(failed, .serverError, retryable: true)
            #expect(first.recordedKeys == ["container", "publish_sent_at"])
            #expect(server.store.count == 0)

            let (outcome, second) = await adapter.publishRecording(Self.request(steps: first.steps))
            #expect(F.error(outcome) == nil)
            // No new container: the second attempt records only the publish time and the media id.
            #expect(second.recordedKeys == ["publish_sent_at", "media_id"])
            #expect(second.steps["container"] == first.steps["container"])
            #expect(server.store.count == 1)

            // A third attempt with every step recorded sends nothing public.
            let (again, third) = await adapter.publishRecording(Self.request(steps: second.steps))
            let id = try #require(F.published(again)).id
            #expect(id == second.steps["media_id"])
            #expect(third.publicSteps == 0)
            #expect(server.store.count == 1)
        }
    }

    @Test func aCarouselResumesAfterItsItemsWithoutRecreatingThem() async throws {
        try await Self.withMediaHost(contentType: "image/jpeg") { imageURL in
            try await withSandboxAndFolder { server, base, http, folder in
                let adapter = try Self.adapter(base: base, http: http, folder: folder)
                let media = [F.fetched(imageURL, mime: "image/jpeg"), F.fetched(imageURL + "2", mime: "image/jpeg")]
                // The carousel container itself (the third POST to /threads) fails once.
                server.faults.replace(with: .once(
                    "/graph.threads.net/v1.0/1789/threads", method: "POST", skip: 2,
                    .unavailable(retryAfterSeconds: 3)))
                let (failed, first) = await adapter.publishRecording(Self.request(media: media))
                try F.requireFailure(failed, .serverError, retryAfter: 3)
                #expect(first.recordedKeys == ["item.0", "item.1"])

                let (outcome, second) = await adapter.publishRecording(Self.request(media: media, steps: first.steps))
                #expect(F.error(outcome) == nil)
                #expect(second.recordedKeys == ["container", "publish_sent_at", "media_id"])
                let stored = try #require(server.store.posts(network: "threads").first)
                #expect(try F.json(stored)["children"] as? [String] == [first.steps["item.0"]!, first.steps["item.1"]!])
            }
        }
    }

    @Test func aLostPublishAnswerIsReconciledAndTheMediaIDRecoveredFromTheProfilesPosts() async throws {
        try await withSandboxAndFolder { server, base, http, folder in
            let adapter = try Self.adapter(base: base, http: http, folder: folder)
            // An earlier post with other text, so the match is by text and not "the newest".
            let other = await adapter.publish(Self.request(text: "An older post"))
            #expect(F.error(other) == nil)
            Self.failNextPublish(server, .breakConnection(afterHandling: true))
            let (outcome, steps) = await adapter.publishRecording(Self.request())
            #expect(server.store.count == 2)
            let stored = try #require(server.store.posts(network: "threads").first { $0.text == "Hello, Threads" })
            let (id, url) = try #require(F.published(outcome))
            let mediaID = try #require(id)
            #expect(steps.steps["media_id"] == mediaID)
            #expect(url == base + "/posts/" + stored.id)
            #expect(steps.publicSteps == 1)

            // Resuming from the recorded steps sends nothing public and answers the same post.
            let (again, next) = await adapter.publishRecording(Self.request(steps: steps.steps))
            #expect(again == .published(platformPostID: mediaID, url: url))
            #expect(next.publicSteps == 0)
            #expect(server.store.count == 2)
        }
    }

    @Test func aResumedAttemptWithAPublishedContainerRecoversTheMediaIDWithoutPublishing() async throws {
        try await withSandboxAndFolder { server, base, http, folder in
            let adapter = try Self.adapter(base: base, http: http, folder: folder)
            Self.failNextPublish(server, .breakConnection(afterHandling: true))
            // The process died right after the publish request: only the container and the send time are
            // recorded (the media id is not).
            let (_, steps) = await adapter.publishRecording(Self.request(text: "Reply text", replyTo: "1801"))
            let recorded = steps.steps(without: "media_id")
            #expect(recorded["container"] != nil && recorded["publish_sent_at"] != nil)

            let (outcome, next) = await adapter.publishRecording(
                Self.request(text: "Reply text", replyTo: "1801", steps: recorded))
            let stored = try #require(server.store.posts(network: "threads").first)
            let (id, url) = try #require(F.published(outcome))
            // A reply is found among the profile's replies.
            #expect(id != nil)
            #expect(next.steps["media_id"] == id)
            #expect(url == base + "/posts/" + stored.id)
            #expect(next.publicSteps == 0)
            #expect(server.store.count == 1)
        }
    }

    @Test func aPublishedPostThatCannotBeFoundIsPublishedWithoutAnIDAndNeverResent() async throws {
        try await withSandboxAndFolder { server, base, http, folder in
            let adapter = try Self.adapter(base: base, http: http, folder: folder)
            Self.failNextPublish(server, .breakConnection(afterHandling: true))
            let (_, steps) = await adapter.publishRecording(Self.request())
            var recorded = steps.steps(without: "media_id")
            // Sent "an hour later" than it was: the post made before that time does not match.
            recorded["publish_sent_at"] = String(Int(Date().timeIntervalSince1970) + 3600)
            let (outcome, next) = await adapter.publishRecording(Self.request(steps: recorded))
            #expect(outcome == .published(platformPostID: nil, url: nil))
            #expect(next.recordedKeys.isEmpty)
            #expect(next.publicSteps == 0)
            #expect(server.store.count == 1)
        }
    }

    @Test func aPublishRequestLostBeforeHandlingIsAnUnknownOutcome() async throws {
        try await withSandboxAndFolder { server, base, http, folder in
            let adapter = try Self.adapter(base: base, http: http, folder: folder)
            Self.failNextPublish(server, .breakConnection(afterHandling: false))
            let outcome = await adapter.publish(Self.request())
            try F.requireFailure(outcome, .unknownOutcome, retryable: false)
            #expect(server.store.count == 0)
        }
    }

    // MARK: - Errors and tokens

    @Test func anExpiredTokenIsAuthExpiredNamingTheAccountWithoutTheToken() async throws {
        try await withSandboxAndFolder { server, base, http, folder in
            let adapter = try Self.adapter(base: base, http: http, folder: folder, token: "sandbox-expired-token")
            let outcome = await adapter.publish(Self.request())
            let error = try F.requireFailure(outcome, .authExpired, retryable: false, platformCode: "190/463")
            #expect(error.message.contains("'th'"))
            #expect(!error.message.contains("sandbox-expired-token"))
            #expect(server.store.count == 0)
        }
    }

    @Test func aTokenNearExpiryIsRefreshedAndWrittenBack() async throws {
        try await withSandboxAndFolder { server, base, http, folder in
            let soon = String(Int(Date().timeIntervalSince1970) + 3600)
            let adapter = try Self.adapter(base: base, http: http, folder: folder, expiresAt: soon)
            let outcome = await adapter.publish(Self.request())
            #expect(F.error(outcome) == nil)
            let saved = try Credentials.load(path: folder + "/threads.yaml")
            #expect(saved["access_token"] == "sandbox-token-refreshed-1")
            let expiresAt = try #require(saved["expires_at"].flatMap(Double.init))
            #expect(expiresAt > Date().timeIntervalSince1970 + 50 * 24 * 3600)
            #expect(server.store.count == 1)
        }
    }

    @Test func aRefusedTokenIsRefreshedOnceWrittenBackAndThePublishRepeated() async throws {
        try await withSandboxAndFolder { server, base, http, folder in
            let adapter = try Self.adapter(base: base, http: http, folder: folder, token: "sandbox-stale-token")
            async let first = adapter.publish(Self.request(text: "one"))
            async let second = adapter.publish(Self.request(text: "two"))
            let outcomes = await [first, second]
            #expect(outcomes.allSatisfy { F.error($0) == nil })
            #expect(server.store.count == 2)
            // Both attempts were refused; one refresh served them (a second would have saved `-2`).
            let saved = try MetaTokenFixture.savedPrivately(folder + "/threads.yaml")
            #expect(saved["access_token"] == "sandbox-token-refreshed-1")
        }
    }

    @Test func aRateLimitAnswerCarriesRetryAfter() async throws {
        try await withSandboxAndFolder { server, base, http, folder in
            let adapter = try Self.adapter(base: base, http: http, folder: folder)
            server.faults.replace(with: .once(
                "/graph.threads.net/v1.0/1789/threads", .rateLimited(retryAfterSeconds: 42)))
            try F.requireFailure(await adapter.publish(Self.request()), .rateLimit, retryAfter: 42)
        }
    }

    /// Error bodies as the Graph API error-handling reference shows them.
    @Test func graphErrorObjectsAreClassifiedByCodeNotText() {
        func classify(_ status: Int, _ body: String, headers: [HTTPHeader] = []) -> SpoolpostError {
            GraphAPIError.classify(F.response(status, body, headers: headers), service: "t")
        }
        let expired = classify(
            400,
            #"{"error":{"message":"Error validating access token: Session has expired","type":"OAuthException","code":190,"error_subcode":463,"fbtrace_id":"A"}}"#)
        #expect(expired.code == .authExpired)
        #expect(expired.platformCode == "190/463")

        let throttled = classify(
            400, #"{"error":{"message":"Application request limit reached","type":"OAuthException","code":4,"is_transient":true}}"#,
            headers: [
                HTTPHeader(
                    name: "X-Business-Use-Case-Usage",
                    value: #"{"1789":[{"type":"threads","call_count":100,"estimated_time_to_regain_access":5}]}"#)
            ])
        #expect(throttled.code == .rateLimit)
        #expect(throttled.isRetryable)
        #expect(throttled.retryAfter == 300)

        let transient = classify(
            500, #"{"error":{"message":"An unexpected error has occurred. Please retry your request later.","type":"OAuthException","code":2,"is_transient":true}}"#)
        #expect(transient.code == .serverError)
        #expect(transient.isRetryable)

        let transientFlag = classify(
            400, #"{"error":{"message":"Temporary issue","type":"OAuthException","code":9004,"is_transient":true}}"#)
        #expect(transientFlag.isRetryable)

        let invalid = classify(
            400, #"{"error":{"message":"Invalid parameter","type":"OAuthException","code":100,"error_subcode":4279009,"error_user_msg":"The text is too long."}}"#)
        #expect(invalid.code == .rejected)
        #expect(!invalid.isRetryable)
        #expect(invalid.message.contains("The text is too long."))
        #expect(invalid.platformCode == "100/4279009")

        let permission = classify(
            403, #"{"error":{"message":"Application does not have permission for this action","type":"OAuthException","code":10}}"#)
        #expect(permission.code == .forbidden)

        // A body mentioning "190" in its text is not an auth error.
        let text = classify(400, #"{"error":{"message":"code 190 and 4 appear here","type":"OAuthException","code":100}}"#)
        #expect(text.code == .rejected)
    }

    // MARK: - Validation and configuration

    static func check(
        text: String?, mediaTypes: [String?] = [], type: String? = "post", replyTo: String? = nil
    ) -> TargetCheck {
        F.check(
            .threads, account: "th", type: type, options: replyTo.map { ["reply_to": F.node($0)] } ?? [:], text: text,
            mediaTypes: mediaTypes)
    }

    @Test func validationChecksTextLengthMediaCountsKindsAndType() async throws {
        try await withHTTPClient { http in
            try await withTemporaryDirectory { folder in
                let adapter = try Self.adapter(base: "http://127.0.0.1:1", http: http, folder: folder)
                #expect(adapter.problems(with: Self.check(text: String(repeating: "a", count: 500))).isEmpty)
                #expect(adapter.problems(with: Self.check(text: String(repeating: "a", count: 501))).map(\.field) == ["text"])
                // Emoji count as their UTF-8 bytes: 125 four-byte emoji are 500, one more is over.
                #expect(adapter.problems(with: Self.check(text: String(repeating: "😀", count: 125))).isEmpty)
                #expect(adapter.problems(with: Self.check(text: String(repeating: "😀", count: 126))).count == 1)
                #expect(adapter.problems(with: Self.check(text: nil)).map(\.field) == ["text"])
                #expect(adapter.problems(with: Self.check(text: nil, mediaTypes: ["image/jpeg"])).isEmpty)
                let twentyOne = Array(repeating: "image/png" as String?, count: 21)
                #expect(adapter.problems(with: Self.check(text: "x", mediaTypes: twentyOne)).map(\.field) == ["media"])
                let twenty = Array(repeating: "video/mp4" as String?, count: 20)
                #expect(adapter.problems(with: Self.check(text: "x", mediaTypes: twenty)).isEmpty)
                #expect(adapter.problems(with: Self.check(text: "x", mediaTypes: ["image/gif"])).map(\.field) == ["media"])
                #expect(adapter.problems(with: Self.check(text: "x", mediaTypes: [nil])).isEmpty)
                #expect(adapter.problems(with: Self.check(text: "x", type: "story")).map(\.field) == ["type"])
                #expect(adapter.problems(with: Self.check(text: "x", replyTo: "")).map(\.field) == ["reply_to"])
            }
        }
    }

    @Test func theRegistryBuildsAThreadsAdapterFromTheCredentialsFile() async throws {
        try await withHTTPClient { http in
            try await withTemporaryDirectory { folder in
                try Credentials.save(path: folder + "/th.yaml", values: ["access_token": "t"])
                let configuration = Configuration(accounts: [
                    "th": F.account("th", platform: .threads, credentials: "th.yaml", ["user_id": "1789"])
                ])
                let registry = try AdapterRegistry(configuration: configuration, baseDirectory: folder, http: http)
                let adapter = try #require(registry.adapter(forAccount: "th") as? ThreadsAdapter)
                #expect(adapter.platform == .threads)
                #expect(adapter.apiBase == "https://graph.threads.net/v1.0")
                #expect(adapter.oauthBase == "https://graph.threads.net")
            }
        }
    }

    @Test func configurationNeedsTheUserIDAndAToken() async throws {
        try await withHTTPClient { http in
            func error(_ settings: [String: String], _ values: [String: String]?) -> SpoolpostError? {
                let account = F.account("th", platform: .threads, settings)
                let credentials = values.map { Credentials(path: "/nonexistent", values: $0) }
                do {
                    _ = try ThreadsAdapter(account: account, credentials: credentials, http: http)
                    return nil
                } catch {
                    return error
                }
            }
            #expect(error([:], ["access_token": "t"])?.message.contains("user_id") == true)
            #expect(error(["user_id": "1"], nil)?.message.contains("access_token") == true)
            #expect(error(["user_id": "1", "api_base": "ftp://x"], ["access_token": "t"])?.code == .invalidConfig)
            #expect(error(["user_id": "1"], ["access_token": "t", "expires_at": "soon"])?.code == .invalidConfig)
            #expect(error(["user_id": "1"], ["access_token": "t", "expires_at": "2030-01-01T00:00:00Z"]) == nil)
        }
    }
}
