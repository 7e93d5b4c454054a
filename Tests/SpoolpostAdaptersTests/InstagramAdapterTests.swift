import Foundation
import SpoolpostAdapters
import SpoolpostCore
import SpoolpostIO
import SpoolpostSandbox
import Testing

@Suite struct InstagramAdapterTests {
    static let user = "17841400000000001"
    static let graph = "/graph.facebook.com/v21.0"

    /// Polls quickly, and often enough for the sandbox's containers (FINISHED by the third read).
    static func adapter(
        base: String, http: HTTPClient, token: String = "sandbox-token", pollInterval: Double = 0.05,
        pollTimeout: Double = 30
    ) -> InstagramAdapter {
        InstagramAdapter(
            account: "acme-ig", userID: user, accessToken: token, apiBase: base + graph, pollInterval: pollInterval,
            pollTimeout: pollTimeout, http: http)
    }

    static func request(
        type: String? = "feed", text: String? = "Launch #day", media: [(String, String)],
        steps: [String: String] = [:], attempt: Int = 1
    ) -> PublishRequest {
        let prepared = media.map { AdapterFixture.fetched($0, mime: $1) }
        let target = PostTarget(index: 2, platform: .instagram, account: "acme-ig", type: type)
        return PublishRequest(
            postID: "launch", target: target, text: text, media: prepared, attempt: attempt, steps: steps)
    }

    // MARK: - Post types

    @Test func publishesOneImageThroughAContainerAndReadsThePermalink() async throws {
        try await withStandardMedia { media in
            try await withSandbox { server, base, http in
                let adapter = Self.adapter(base: base, http: http)
                #expect(adapter.platform == .instagram)
                #expect(!adapter.publicStepIsFirstRequest)
                let (outcome, recorder) = await adapter.publishRecording(
                    Self.request(media: [(media.url("/a.jpg"), "image/jpeg")]))
                #expect(outcome == .published(platformPostID: "ig_000001", url: base + "/posts/ig_000001"))
                #expect(recorder.recordedKeys == ["container", "publish_sent_at", "media_id"])
                #expect(recorder.publicSteps == 1)
                #expect(media.hitCount("/a.jpg") == 1)
                let stored = try #require(server.store.post(id: "ig_000001"))
                #expect(stored.network == "instagram")
                #expect(stored.account == Self.user)
                #expect(stored.text == "Launch #day")
                #expect(stored.mediaURLs == [media.url("/a.jpg")])
                #expect(stored.header("Authorization") == nil)
            }
        }
    }

    @Test func publishesACarouselFromItemContainers() async throws {
        try await withStandardMedia { media in
            try await withSandbox { server, base, http in
                let recorder = RecordingProgress()
                let items = [
                    (media.url("/a.jpg"), "image/jpeg"), (media.url("/clip.mp4"), "video/mp4"),
                    (media.url("/c.jpg"), "image/jpeg"),
                ]
                let outcome = await Self.adapter(base: base, http: http).publish(
                    Self.request(media: items), progress: recorder.progress)
                #expect(outcome == .published(platformPostID: "ig_000001", url: base + "/posts/ig_000001"))
                #expect(recorder.recordedKeys == ["item.0", "item.1", "item.2", "container", "publish_sent_at", "media_id"])
                // Every container has its own id.
                #expect(Set(["item.0", "item.1", "item.2", "container"].compactMap { recorder.steps[$0] }).count == 4)
                let stored = try #require(server.store.all.first)
                #expect(stored.mediaURLs == items.map(\.0))
                #expect(stored.bodyText.contains("CAROUSEL"))
            }
        }
    }

    @Test func publishesAReelAndStories() async throws {
        try await withStandardMedia { media in
            try await withSandbox { server, base, http in
                let adapter = Self.adapter(base: base, http: http)
                let reel = await adapter.publish(
                    Self.request(type: "reel", media: [(media.url("/clip.mp4"), "video/mp4")]))
                #expect(reel == .published(platformPostID: "ig_000001", url: base + "/posts/ig_000001"))
                let imageStory = await adapter.publish(
                    Self.request(type: "story", media: [(media.url("/b.jpg"), "image/jpeg")]))
                #expect(imageStory == .published(platformPostID: "ig_000002", url: base + "/posts/ig_000002"))
                let videoStory = await adapter.publish(
                    Self.request(type: "story", media: [(media.url("/clip.mp4"), "video/mp4")]))
                #expect(videoStory == .published(platformPostID: "ig_000003", url: base + "/posts/ig_000003"))
                let kinds = server.store.all.map { post in
                    (try? JSONSerialization.jsonObject(with: Data(post.body)) as? [String: String])?["media_type"]
                }
                #expect(kinds == ["REELS", "STORIES", "STORIES"])
                // Stories carry no caption.
                #expect(server.store.all.map(\.text) == ["Launch #day", nil, nil])
            }
        }
    }

    // MARK: - Polling and resuming

    @Test func aContainerStillProcessingIsRetryableAndTheRetryReusesIt() async throws {
        try await withStandardMedia { media in
            try await withSandbox { server, base, http in
                // One check only: the sandbox's video container is still IN_PROGRESS on it.
                let impatient = Self.adapter(base: base, http: http, pollInterval: 1, pollTimeout: 0)
                let first = RecordingProgress()
                let item = [(media.url("/clip.mp4"), "video/mp4")]
                let failed = await impatient.publish(Self.request(type: "reel", media: item), progress: first.progress)
                try AdapterFixture.requireFailure(failed, .timeout, retryable: true)
                #expect(first.recordedKeys == ["container"])
                #expect(first.publicSteps == 0)

                let (outcome, second) = await Self.adapter(base: base, http: http).publishRecording(
                    Self.request(type: "reel", media: item, steps: first.steps, attempt: 2))
                #expect(outcome == .published(platformPostID: "ig_000001", url: base + "/posts/ig_000001"))
                // The container was not created again: the video was fetched once.
                #expect(second.recordedKeys == ["publish_sent_at", "media_id"])
                #expect(media.hitCount("/clip.mp4") == 1)
                #expect(server.store.count == 1)
            }
        }
    }

    @Test func aRetryAfterAFailedPublishReusesEveryRecordedContainer() async throws {
        try await withStandardMedia { media in
            let faults = SandboxFaults.once(Self.graph + "/\(Self.user)/media_publish", method: "POST", .unavailable())
            try await withSandbox(SandboxConfiguration(faults: faults)) { server, base, http in
                let adapter = Self.adapter(base: base, http: http)
                let items = [(media.url("/a.jpg"), "image/jpeg"), (media.url("/b.jpg"), "image/jpeg")]
                let (failed, first) = await adapter.publishRecording(Self.request(media: items))
                #expect(AdapterFixture.error(failed)?.isRetryable == true)
                #expect(first.recordedKeys == ["item.0", "item.1", "container", "publish_sent_at"])

                let (outcome, second) = await adapter.publishRecording(
                    Self.request(media: items, steps: first.steps, attempt: 2))
                #expect(outcome == .published(platformPostID: "ig_000001", url: base + "/posts/ig_000001"))
                #expect(second.recordedKeys == ["publish_sent_at", "media_id"])
                #expect(media.hitCount("/a.jpg") == 1)
                #expect(media.hitCount("/b.jpg") == 1)
                #expect(server.store.count == 1)
            }
        }
    }

    @Test func aLostPublishAnswerIsReconciledFromThePublishedContainer() async throws {
        try await withStandardMedia { media in
            let faults = SandboxFaults.once(
                Self.graph + "/\(Self.user)/media_publish", method: "POST", .breakConnection(afterHandling: true))
            try await withSandbox(SandboxConfiguration(faults: faults)) { server, base, http in
                let recorder = RecordingProgress()
                let outcome = await Self.adapter(base: base, http: http).publish(
                    Self.request(text: "Only once", media: [(media.url("/a.jpg"), "image/jpeg")]),
                    progress: recorder.progress)
                #expect(outcome == .published(platformPostID: "ig_000001", url: base + "/posts/ig_000001"))
                #expect(recorder.publicSteps == 1)
                #expect(recorder.steps["media_id"] == "ig_000001")
                #expect(server.store.count == 1)
            }
        }
    }

    @Test func aResumedAttemptWithAPublishedContainerRecoversTheMediaInsteadOfPublishingAgain() async throws {
        try await withStandardMedia { media in
            try await withSandbox { server, base, http in
                let adapter = Self.adapter(base: base, http: http)
                let item = [(media.url("/a.jpg"), "image/jpeg")]
                let (_, first) = await adapter.publishRecording(Self.request(media: item))
                #expect(server.store.count == 1)
                // As if the attempt died after publishing but before recording the media id.
                let steps = first.steps(without: "media_id")
                let (outcome, second) = await adapter.publishRecording(
                    Self.request(media: item, steps: steps, attempt: 2))
                #expect(outcome == .published(platformPostID: "ig_000001", url: base + "/posts/ig_000001"))
                #expect(second.publicSteps == 0)
                #expect(server.store.count == 1)
            }
        }
    }

    @Test func aPublishedContainerWhoseMediaCannotBeTiedToThisSendIsPublishedWithoutAnID() async throws {
        try await withStandardMedia { media in
            try await withSandbox { server, base, http in
                let adapter = Self.adapter(base: base, http: http)
                let item = [(media.url("/a.jpg"), "image/jpeg")]
                let (_, first) = await adapter.publishRecording(Self.request(media: item))
                #expect(first.steps["publish_sent_at"] != nil)
                // The media id is lost, and the recorded send time is later than the media: another post with the
                // same caption, not this one. Without a send time there is nothing to bound the search by.
                for sentAt in [String(Int(Date().timeIntervalSince1970) + 3600), nil] {
                    var steps = first.steps(without: "media_id")
                    steps["publish_sent_at"] = sentAt
                    let (outcome, next) = await adapter.publishRecording(
                        Self.request(media: item, steps: steps, attempt: 2))
                    #expect(outcome == .published(platformPostID: nil, url: nil))
                    #expect(next.publicSteps == 0)
                    #expect(next.steps["media_id"] == nil)
                }
                #expect(server.store.count == 1)
            }
        }
    }

    // MARK: - Errors

    @Test func aNonJPEGImageFailsTheContainerWithInstagramsStatusAndForgetsIt() async throws {
        try await withStandardMedia { media in
            try await withSandbox { server, base, http in
                let (outcome, recorder) = await Self.adapter(base: base, http: http).publishRecording(
                    Self.request(media: [(media.url("/pic.png"), "image/png")]))
                let error = try AdapterFixture.requireFailure(
                    outcome, .rejected, retryable: false, platformCode: "ERROR")
                #expect(error.message.contains("2207005"))
                #expect(recorder.recordedKeys == ["container", "-container"])
                #expect(recorder.publicSteps == 0)
                #expect(server.store.count == 0)
            }
        }
    }

    @Test func anImageInstagramCannotDownloadIsRejectedWithTheMediaFetchError() async throws {
        try await withStandardMedia { media in
            try await withSandbox { _, base, http in
                let outcome = await Self.adapter(base: base, http: http).publish(
                    Self.request(media: [(media.url("/missing.jpg"), "image/jpeg")]))
                try AdapterFixture.requireFailure(outcome, .rejected, retryable: false, platformCode: "9004/2207052")
                #expect(media.hitCount("/missing.jpg") == 1)
            }
        }
    }

    @Test func aVideoInstagramCannotDownloadEndsInAnErrorContainer() async throws {
        try await withStandardMedia { media in
            try await withSandbox { _, base, http in
                let outcome = await Self.adapter(base: base, http: http).publish(
                    Self.request(type: "reel", media: [(media.url("/page.html"), "video/mp4")]))
                let error = try AdapterFixture.requireFailure(outcome, .rejected)
                #expect(error.message.contains("2207026"))
            }
        }
    }

    @Test func aSpentPublishingQuotaWaitsBeforeCreatingAnyContainer() async throws {
        let quota = #"{"data":[{"quota_usage":50,"config":{"quota_total":50,"quota_duration":86400}}]}"#
        let server = try CapturingHTTPServer(status: 200, body: quota)
        defer { server.stop() }
        try await withHTTPClient { http in
            let adapter = InstagramAdapter(
                account: "acme-ig", userID: Self.user, accessToken: "sandbox-token",
                apiBase: "http://127.0.0.1:\(server.port)/v21.0", http: http)
            let (outcome, recorder) = await adapter.publishRecording(
                Self.request(media: [("https://cdn.example.com/a.jpg", "image/jpeg")]))
            let error = try AdapterFixture.requireFailure(outcome, .rateLimit, retryable: true, retryAfter: 3600)
            #expect(error.message.contains("50 of 50"))
            #expect(recorder.recordedKeys.isEmpty)
            #expect(server.requests.map(\.requestLine) == [
                "GET /v21.0/\(Self.user)/content_publishing_limit?fields=quota_usage%2Cconfig HTTP/1.1"
            ])
            #expect(server.requests.first?.header("Authorization") == "Bearer sandbox-token")
        }
    }

    @Test func tokenAndRateLimitErrorsAreClassified() async throws {
        try await withStandardMedia { media in
            try await withSandbox { _, base, http in
                let item = [(media.url("/a.jpg"), "image/jpeg")]
                let expired = await Self.adapter(base: base, http: http, token: "sandbox-expired").publish(
                    Self.request(media: item))
                #expect(AdapterFixture.error(expired)?.code == .authExpired)
                #expect(AdapterFixture.error(expired)?.platformCode == "190/463")
                let throttled = await Self.adapter(base: base, http: http, token: "sandbox-throttled").publish(
                    Self.request(media: item))
                #expect(AdapterFixture.error(throttled)?.code == .rateLimit)
                #expect(AdapterFixture.error(throttled)?.retryAfter == 420)
                let invalid = await Self.adapter(base: base, http: http, token: "nonsense").publish(
                    Self.request(media: item))
                #expect(AdapterFixture.error(invalid)?.code == .authExpired)
                #expect(AdapterFixture.error(invalid)?.message.contains("nonsense") == false)
            }
        }
    }

    // MARK: - Tokens

    static func tokenAdapter(
        base: String, http: HTTPClient, file: String, _ values: [String: String], _ settings: [String: String] = [:]
    ) throws -> InstagramAdapter {
        let account = AdapterFixture.account(
            "acme-ig", platform: .instagram, credentials: file,
            ["user_id": user, "api_base": base + graph, "poll_interval": "50ms"].merging(settings) { $1 })
        return try InstagramAdapter(account: account, credentials: try savedCredentials(file, values), http: http)
    }

    @Test func withFacebookLoginARefusedTokenIsExchangedAndTheContainerRequestRepeated() async throws {
        try await withStandardMedia { media in
            try await withSandboxAndFolder { server, base, http, folder in
                let file = folder + "/ig.yaml"
                let adapter = try Self.tokenAdapter(
                    base: base, http: http, file: file,
                    [
                        "access_token": "sandbox-stale-token", "client_id": "sandbox-client",
                        "client_secret": "sandbox-client-secret",
                    ])
                #expect(adapter.tokenFlow == .facebookExchange)
                let (outcome, recorder) = await adapter.publishRecording(
                    Self.request(media: [(media.url("/a.jpg"), "image/jpeg")]))
                #expect(outcome == .published(platformPostID: "ig_000001", url: base + "/posts/ig_000001"))
                #expect(recorder.recordedKeys == ["container", "publish_sent_at", "media_id"])
                #expect(server.store.count == 1)
                let saved = try MetaTokenFixture.savedPrivately(file)
                #expect(saved["access_token"] == "sandbox-fb-long-lived-1")
                #expect(saved["expires_at"].flatMap(Double.init).map { $0 > Date().timeIntervalSince1970 } == true)
            }
        }
    }

    @Test func withInstagramLoginARefusedTokenIsRefreshedOnGraphInstagramCom() async throws {
        try await withStandardMedia { media in
            try await withSandboxAndFolder { server, base, http, folder in
                let file = folder + "/ig.yaml"
                let adapter = try Self.tokenAdapter(
                    base: base, http: http, file: file, ["access_token": "sandbox-stale-token"],
                    [
                        "login": "instagram", "api_base": base + "/graph.instagram.com/v21.0",
                        "oauth_base": base + "/graph.instagram.com",
                    ])
                #expect(adapter.tokenFlow == .instagramRefresh)
                let outcome = await adapter.publish(Self.request(media: [(media.url("/a.jpg"), "image/jpeg")]))
                #expect(outcome == .published(platformPostID: "ig_000001", url: base + "/posts/ig_000001"))
                #expect(server.store.count == 1)
                #expect(try MetaTokenFixture.savedPrivately(file)["access_token"] == "sandbox-ig-refreshed-1")
            }
        }
    }

    @Test func withInstagramLoginATokenNearItsExpiryIsRefreshedBeforeUse() async throws {
        try await withStandardMedia { media in
            try await withSandboxAndFolder { server, base, http, folder in
                let file = folder + "/ig.yaml"
                let soon = String(Int(Date().timeIntervalSince1970) + 3 * 24 * 3600)
                let adapter = try Self.tokenAdapter(
                    base: base, http: http, file: file, ["access_token": "sandbox-token", "expires_at": soon],
                    ["login": "instagram", "api_base": base + "/graph.instagram.com/v21.0", "oauth_base": base + "/graph.instagram.com"])
                let outcome = await adapter.publish(Self.request(media: [(media.url("/a.jpg"), "image/jpeg")]))
                #expect(outcome == .published(platformPostID: "ig_000001", url: base + "/posts/ig_000001"))
                let saved = try MetaTokenFixture.savedPrivately(file)
                #expect(saved["access_token"] == "sandbox-ig-refreshed-1")
                // Instagram Login's long-lived tokens last 60 days from the refresh.
                #expect(saved["expires_at"].flatMap(Double.init).map { $0 > Date().timeIntervalSince1970 + 50 * 86_400 } == true)
                #expect(server.store.count == 1)
            }
        }
    }

    @Test func aRefusedRefreshIsAuthExpiredNamingTheAccount() async throws {
        try await withStandardMedia { media in
            try await withSandboxAndFolder { server, base, http, folder in
                let file = folder + "/ig.yaml"
                let adapter = try Self.tokenAdapter(
                    base: base, http: http, file: file, ["access_token": "sandbox-expired"],
                    [
                        "api_base": base + "/graph.instagram.com/v21.0", "login": "instagram",
                        "oauth_base": base + "/graph.instagram.com",
                    ])
                let error = try #require(
                    AdapterFixture.error(
                        await adapter.publish(Self.request(media: [(media.url("/a.jpg"), "image/jpeg")]))))
                #expect(error.code == .authExpired)
                #expect(error.platformCode == "190/463")
                #expect(error.message.contains("re-authorise the instagram account 'acme-ig'"))
                MetaTokenFixture.expectNoSecrets(error, ["sandbox-expired"])
                #expect(try MetaTokenFixture.savedPrivately(file)["access_token"] == "sandbox-expired")
                #expect(server.store.count == 0)
            }
        }
    }

    static func flow(_ settings: [String: String], http: HTTPClient) throws -> MetaTokenRefresher.Flow {
        try configured(["user_id": "1"].merging(settings) { $1 }, http: http).tokenFlow
    }

    @Test func theLoginSettingOrTheAPIHostChoosesTheRenewalFlow() async throws {
        try await withHTTPClient { (http) throws in
            #expect(try Self.flow([:], http: http) == .facebookExchange)
            #expect(try Self.flow(["api_base": "https://graph.instagram.com/v21.0"], http: http) == .instagramRefresh)
            #expect(try Self.flow(["login": "instagram"], http: http) == .instagramRefresh)
            #expect(
                try Self.flow(["api_base": "https://graph.instagram.com/v21.0", "login": "facebook"], http: http)
                    == .facebookExchange)
            #expect(throws: SpoolpostError.self) { try Self.flow(["login": "tiktok"], http: http) }
        }
    }

    // MARK: - Configuration and validation

    static let token = Credentials(path: "/tmp/ig.yaml", values: ["access_token": "t"])

    /// The adapter the account `ig` with `settings` makes, with a token unless `credentials` is nil.
    static func configured(
        _ settings: [String: String], credentials: Credentials? = token, http: HTTPClient
    ) throws -> InstagramAdapter {
        try InstagramAdapter(
            account: AdapterFixture.account("ig", platform: .instagram, settings), credentials: credentials, http: http)
    }

    @Test func readsPollSettingsAndRefusesIncompleteAccounts() async throws {
        try await withHTTPClient { http in
            let adapter = try Self.configured(["user_id": "99", "poll_interval": "2s", "poll_timeout": "1m"], http: http)
            #expect(adapter.userID == "99")
            #expect(adapter.pollInterval == 2)
            #expect(adapter.pollTimeout == 60)
            #expect(adapter.apiBase == "https://graph.facebook.com/v21.0")
            #expect(throws: SpoolpostError.self) { try Self.configured([:], http: http) }
            #expect(throws: SpoolpostError.self) { try Self.configured(["user_id": "99"], credentials: nil, http: http) }
            #expect(throws: SpoolpostError.self) {
                try Self.configured(["user_id": "99", "poll_timeout": "soon"], http: http)
            }
        }
    }

    @Test func checksCaptionTagsMentionsAndMedia() async throws {
        try await withHTTPClient { http in
            let adapter = InstagramAdapter(account: "ig", userID: "1", accessToken: "t", http: http)
            func fields(type: String?, text: String? = "hi", media: [String?]) -> [String?] {
                adapter.problems(
                    with: AdapterFixture.check(.instagram, account: "ig", type: type, text: text, mediaTypes: media)
                ).map(\.field)
            }
            let jpeg: String? = "image/jpeg"
            #expect(fields(type: "feed", media: [jpeg]).isEmpty)
            #expect(fields(type: nil, media: [jpeg, "video/mp4"]).isEmpty)
            #expect(fields(type: "feed", media: Array(repeating: jpeg, count: 10)).isEmpty)
            #expect(fields(type: "feed", media: Array(repeating: jpeg, count: 11)) == ["media"])
            #expect(fields(type: "feed", media: []) == ["media"])
            #expect(fields(type: "feed", media: ["image/png"]) == ["media"])
            #expect(fields(type: "feed", media: ["image/webp", jpeg]) == ["media"])
            #expect(fields(type: "feed", media: ["video/mp4"]) == ["media"])
            #expect(fields(type: "feed", text: String(repeating: "a", count: 2_200), media: [jpeg]).isEmpty)
            #expect(fields(type: "feed", text: String(repeating: "a", count: 2_201), media: [jpeg]) == ["text"])
            let thirty = (1...30).map { "#t\($0)" }.joined(separator: " ")
            #expect(fields(type: "feed", text: thirty, media: [jpeg]).isEmpty)
            #expect(fields(type: "feed", text: thirty + " #more", media: [jpeg]) == ["text"])
            // Not tags: a bare marker, one inside a word, an e-mail address.
            #expect(fields(type: "feed", text: thirty + " # C#7 a@b.c", media: [jpeg]).isEmpty)
            let mentions = (1...21).map { "@user\($0)" }.joined(separator: " ")
            #expect(fields(type: "feed", text: mentions, media: [jpeg]) == ["text"])
            #expect(fields(type: "reel", media: ["video/mp4"]).isEmpty)
            #expect(fields(type: "reel", media: [jpeg]) == ["media"])
            #expect(fields(type: "reel", media: ["video/mp4", "video/mp4"]) == ["media"])
            #expect(fields(type: "story", media: [jpeg]).isEmpty)
            #expect(fields(type: "story", media: ["video/mp4"]).isEmpty)
            #expect(fields(type: "story", media: ["image/png"]) == ["media"])
            #expect(fields(type: "story", text: String(repeating: "a", count: 3_000), media: [jpeg]).isEmpty)
            #expect(fields(type: "igtv", media: [jpeg]) == ["type"])
            // Unknown types (not yet fetched) pass until the bytes decide.
            #expect(fields(type: "feed", media: [nil]).isEmpty)
        }
    }
}
