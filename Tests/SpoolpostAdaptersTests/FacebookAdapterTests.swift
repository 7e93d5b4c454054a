import Foundation
import Glibc
import SpoolpostAdapters
import SpoolpostCore
import SpoolpostIO
import SpoolpostSandbox
import Testing

@Suite struct FacebookAdapterTests {
    static let page = "1234567890"
    static let graph = "/graph.facebook.com/v21.0"
    static let feed = graph + "/\(page)/feed"

    /// `pollInterval` matters only to reels and video stories, which tests poll quickly.
    static func adapter(
        base: String, http: HTTPClient, token: String = "sandbox-token", pollInterval: Double = 5
    ) -> FacebookAdapter {
        FacebookAdapter(
            account: "acme-page", pageID: page, accessToken: token, apiBase: base + graph, pollInterval: pollInterval,
            http: http)
    }

    static func request(
        type: String? = "post", text: String? = "Hello from spoolpost", media: [(String, String)] = [],
        options: [String: String] = [:], steps: [String: String] = [:], attempt: Int = 1
    ) -> PublishRequest {
        let prepared = media.map { AdapterFixture.fetched($0, mime: $1) }
        let target = PostTarget(
            index: 0, platform: .facebook, account: "acme-page", type: type,
            options: options.mapValues(AdapterFixture.node))
        return PublishRequest(
            postID: "launch", target: target, text: text, media: prepared, attempt: attempt, steps: steps)
    }

    // MARK: - Post types

    @Test func publishesATextPostWithALinkAndReadsItsPermalink() async throws {
        try await withSandbox { server, base, http in
            let adapter = Self.adapter(base: base, http: http)
            #expect(adapter.platform == .facebook)
            #expect(!adapter.publicStepIsFirstRequest)
            let recorder = RecordingProgress()
            let outcome = await adapter.publish(
                Self.request(text: "Launch day ✓ & more", options: ["link": "https://example.com/launch?a=1&b=2"]),
                progress: recorder.progress)
            #expect(outcome == .published(platformPostID: "fb_000001", url: base + "/posts/fb_000001"))
            #expect(recorder.publicSteps == 1)
            #expect(recorder.recordedKeys == ["feed_sent_at", "post_id"])
            #expect(recorder.steps["post_id"] == "fb_000001")
            let stored = try #require(server.store.post(id: "fb_000001"))
            #expect(stored.network == "facebook")
            #expect(stored.account == Self.page)
            #expect(stored.path == Self.graph + "/\(Self.page)/feed")
            #expect(stored.text == "Launch day ✓ & more")
            #expect(stored.mediaURLs == ["https://example.com/launch?a=1&b=2"])
            // The token never reaches what the sandbox records.
            #expect(stored.header("Authorization") == nil)
            #expect(!stored.bodyText.contains("sandbox-token"))
        }
    }

    @Test func uploadsPhotosUnpublishedThenAttachesThemToOneFeedPost() async throws {
        try await withStandardMedia { media in
            try await withSandbox { server, base, http in
                let recorder = RecordingProgress()
                let outcome = await Self.adapter(base: base, http: http).publish(
                    Self.request(media: [(media.url("/a.jpg"), "image/jpeg"), (media.url("/b.jpg"), "image/jpeg")]),
                    progress: recorder.progress)
                #expect(outcome == .published(platformPostID: "fb_000001", url: base + "/posts/fb_000001"))
                #expect(recorder.recordedKeys == ["photo.0", "photo.1", "feed_sent_at", "post_id"])
                #expect(recorder.steps["photo.0"] != recorder.steps["photo.1"])
                #expect(recorder.publicSteps == 1)
                // Meta fetches each photo from its URL once.
                #expect(media.hitCount("/a.jpg") == 1)
                #expect(media.hitCount("/b.jpg") == 1)
                #expect(server.store.count == 1)
                let stored = try #require(server.store.all.first)
                #expect(stored.mediaURLs == [media.url("/a.jpg"), media.url("/b.jpg")])
                let body = try #require(try JSONSerialization.jsonObject(with: Data(stored.body)) as? [String: String])
                #expect(body["attached_media[0]"] == #"{"media_fbid":"\#(recorder.steps["photo.0"] ?? "")"}"#)
                #expect(body["attached_media[1]"] == #"{"media_fbid":"\#(recorder.steps["photo.1"] ?? "")"}"#)
            }
        }
    }

    @Test func publishesAVideoByURLWithTitleAndDescription() async throws {
        try await withStandardMedia { media in
            try await withSandbox { server, base, http in
                let recorder = RecordingProgress()
                let outcome = await Self.adapter(base: base, http: http).publish(
                    Self.request(
                        type: "video", text: "Watch", media: [(media.url("/clip.mp4"), "video/mp4")],
                        options: ["title": "Our launch"]),
                    progress: recorder.progress)
                #expect(outcome == .published(platformPostID: "fb_000001", url: base + "/posts/fb_000001"))
                #expect(recorder.publicSteps == 1)
                #expect(media.hitCount("/clip.mp4") == 1)
                let stored = try #require(server.store.all.first)
                #expect(stored.path == Self.graph + "/\(Self.page)/videos")
                #expect(stored.text == "Watch")
                let body = try #require(try JSONSerialization.jsonObject(with: Data(stored.body)) as? [String: String])
                #expect(body["title"] == "Our launch")
                #expect(body["file_url"] == media.url("/clip.mp4"))
            }
        }
    }

    @Test func publishesAReelThroughAnUploadSessionMetaFetches() async throws {
        try await withStandardMedia { media in
            try await withSandbox { server, base, http in
                let recorder = RecordingProgress()
                let adapter = Self.adapter(base: base, http: http, pollInterval: 0.05)
                let outcome = await adapter.publish(
                    Self.request(type: "reel", text: "New reel", media: [(media.url("/clip.mp4"), "video/mp4")]),
                    progress: recorder.progress)
                #expect(outcome == .published(platformPostID: "fbvideo_1", url: base + "/posts/fb_000001"))
                #expect(recorder.recordedKeys == ["video_id", "upload_url", "uploaded", "post_id"])
                #expect(recorder.steps["upload_url"] == base + "/rupload.facebook.com/video-upload/v21.0/fbvideo_1")
                #expect(recorder.publicSteps == 1)
                #expect(media.hitCount("/clip.mp4") == 1)
                let stored = try #require(server.store.all.first)
                #expect(stored.path == Self.graph + "/\(Self.page)/video_reels")
                #expect(stored.text == "New reel")
                #expect(stored.mediaURLs == [media.url("/clip.mp4")])
            }
        }
    }

    @Test func publishesPhotoAndVideoStories() async throws {
        try await withStandardMedia { media in
            try await withSandbox { server, base, http in
                let adapter = Self.adapter(base: base, http: http, pollInterval: 0.05)
                let (photoStory, photo) = await adapter.publishRecording(
                    Self.request(type: "story", media: [(media.url("/a.jpg"), "image/jpeg")]))
                #expect(photoStory == .published(platformPostID: "fb_000001", url: base + "/posts/fb_000001"))
                #expect(photo.recordedKeys == ["photo.0", "post_id"])
                let video = RecordingProgress()
                let videoStory = await adapter.publish(
                    Self.request(type: "story", media: [(media.url("/clip.mp4"), "video/mp4")]),
                    progress: video.progress)
                #expect(videoStory == .published(platformPostID: "fb_000002", url: base + "/posts/fb_000002"))
                #expect(video.recordedKeys == ["video_id", "upload_url", "uploaded", "post_id"])
                #expect(
                    server.store.all.map(\.path) == [
                        Self.graph + "/\(Self.page)/photo_stories", Self.graph + "/\(Self.page)/video_stories",
                    ])
            }
        }
    }

    @Test func aReelWhoseVideoMetaCannotFetchIsRejectedBeforePublishing() async throws {
        try await withStandardMedia { media in
            try await withSandbox { server, base, http in
                let recorder = RecordingProgress()
                let adapter = Self.adapter(base: base, http: http, pollInterval: 0.05)
                let outcome = await adapter.publish(
                    Self.request(type: "reel", media: [(media.url("/page.html"), "video/mp4")]),
                    progress: recorder.progress)
                try AdapterFixture.requireFailure(outcome, .rejected, retryable: false)
                #expect(recorder.publicSteps == 0)
                #expect(server.store.count == 0)
            }
        }
    }

    // MARK: - Resuming

    @Test func aRetriedReelReusesItsUploadSessionAndUploadedFile() async throws {
        try await withStandardMedia { media in
            let faults = SandboxFaults.once(
                Self.graph + "/\(Self.page)/video_reels", method: "POST", skip: 1, .unavailable())
            try await withSandbox(SandboxConfiguration(faults: faults)) { server, base, http in
                let adapter = Self.adapter(base: base, http: http, pollInterval: 0.05)
                let item = [(media.url("/clip.mp4"), "video/mp4")]
                let (failed, first) = await adapter.publishRecording(Self.request(type: "reel", media: item))
                #expect(AdapterFixture.error(failed)?.isRetryable == true)
                #expect(first.recordedKeys == ["video_id", "upload_url", "uploaded"])

                let (outcome, second) = await adapter.publishRecording(
                    Self.request(type: "reel", media: item, steps: first.steps, attempt: 2))
                #expect(outcome == .published(platformPostID: "fbvideo_1", url: base + "/posts/fb_000001"))
                #expect(second.recordedKeys == ["post_id"])
                #expect(media.hitCount("/clip.mp4") == 1)
                #expect(server.store.count == 1)
            }
        }
    }

    @Test func aRetryReusesRecordedPhotosAndSendsTheFeedPostOnce() async throws {
        try await withStandardMedia { media in
            let faults = SandboxFaults.once(Self.feed, method: "POST", .unavailable())
            try await withSandbox(SandboxConfiguration(faults: faults)) { server, base, http in
                let adapter = Self.adapter(base: base, http: http)
                let items = [(media.url("/a.jpg"), "image/jpeg"), (media.url("/b.jpg"), "image/jpeg")]
                let (failed, first) = await adapter.publishRecording(Self.request(media: items))
                try AdapterFixture.requireFailure(failed, .serverError, retryable: true)
                #expect(first.recordedKeys == ["photo.0", "photo.1", "feed_sent_at"])
                #expect(server.store.count == 0)

                let (outcome, second) = await adapter.publishRecording(
                    Self.request(media: items, steps: first.steps, attempt: 2))
                #expect(outcome == .published(platformPostID: "fb_000001", url: base + "/posts/fb_000001"))
                // No photo was uploaded again: Meta fetched each URL once, over both attempts.
                // The Page's feed showed no post since the first attempt's, so the post went out now.
                #expect(second.recordedKeys == ["feed_sent_at", "post_id"])
                #expect(media.hitCount("/a.jpg") == 1)
                #expect(media.hitCount("/b.jpg") == 1)
                #expect(server.store.count == 1)
            }
        }
    }

    @Test func aLostAnswerToTheFeedPostIsSettledFromThePagesRecentPosts() async throws {
        let faults = SandboxFaults.once(Self.feed, method: "POST", .breakConnection(afterHandling: true))
        try await withSandbox(SandboxConfiguration(faults: faults)) { server, base, http in
            let (outcome, recorder) = await Self.adapter(base: base, http: http).publishRecording(Self.request())
            #expect(outcome == .published(platformPostID: "fb_000001", url: base + "/posts/fb_000001"))
            #expect(recorder.publicSteps == 1)
            #expect(server.store.count == 1)
        }
    }

    @Test func aLostFeedRequestThatNeverArrivedStaysUnknownAndIsNotResent() async throws {
        let faults = SandboxFaults.once(Self.feed, method: "POST", .breakConnection(afterHandling: false))
        try await withSandbox(SandboxConfiguration(faults: faults)) { server, base, http in
            let (outcome, recorder) = await Self.adapter(base: base, http: http).publishRecording(Self.request())
            try AdapterFixture.requireFailure(outcome, .unknownOutcome, retryable: false)
            #expect(recorder.publicSteps == 1)
            #expect(server.store.count == 0)
        }
    }

    @Test func aRestartAfterAnUnansweredFeedPostFindsItInsteadOfPostingAgain() async throws {
        try await withSandbox { server, base, http in
            let adapter = Self.adapter(base: base, http: http)
            let (_, first) = await adapter.publishRecording(Self.request())
            // As if the process died after the post went out, before its id was recorded.
            let steps = first.steps(without: "post_id")
            let (outcome, second) = await adapter.publishRecording(Self.request(steps: steps, attempt: 2))
            #expect(outcome == .published(platformPostID: "fb_000001", url: base + "/posts/fb_000001"))
            #expect(second.publicSteps == 0)
            #expect(server.store.count == 1)
        }
    }

    // MARK: - Tokens

    static func tokenAdapter(
        base: String, http: HTTPClient, file: String, _ values: [String: String]
    ) throws -> FacebookAdapter {
        let account = AdapterFixture.account(
            "acme-page", platform: .facebook, credentials: file, ["page_id": page, "api_base": base + graph])
        return try FacebookAdapter(account: account, credentials: try savedCredentials(file, values), http: http)
    }

    static let app = ["client_id": "sandbox-client", "client_secret": "sandbox-client-secret"]

    @Test func aRefusedTokenIsExchangedWrittenBackAndTheRefusedPostRepeatedOnce() async throws {
        try await withSandboxAndFolder { server, base, http, folder in
            let file = folder + "/fb.yaml"
            let adapter = try Self.tokenAdapter(
                base: base, http: http, file: file, Self.app.merging(["access_token": "sandbox-stale-token"]) { $1 })
            let recorder = RecordingProgress()
            // The feed post is the first request: refused with 190, it had no effect, so it is sent again.
            let outcome = await adapter.publish(Self.request(), progress: recorder.progress)
            #expect(outcome == .published(platformPostID: "fb_000001", url: base + "/posts/fb_000001"))
            #expect(recorder.publicSteps == 1)
            #expect(server.store.count == 1)
            let saved = try MetaTokenFixture.savedPrivately(file)
            #expect(saved["access_token"] == "sandbox-fb-long-lived-1")
            #expect(saved["client_id"] == "sandbox-client")
            #expect(saved["client_secret"] == "sandbox-client-secret")
            let expiresAt = try #require(saved["expires_at"].flatMap(Double.init))
            #expect(expiresAt > Date().timeIntervalSince1970 + 50 * 86_400)
            let stored = try #require(server.store.all.first)
            #expect(!stored.bodyText.contains("sandbox-"))
        }
    }

    @Test func aTokenAPersonPutInTheFileIsUsedWhenTheOldOneIsRefused() async throws {
        try await withSandboxAndFolder { server, base, http, folder in
            let file = folder + "/fb.yaml"
            // No app id and secret: the expired token cannot be exchanged.
            let adapter = try Self.tokenAdapter(base: base, http: http, file: file, ["access_token": "sandbox-expired"])
            // The person re-authorises the Page while the daemon runs, without a SIGHUP.
            try Credentials.save(path: file, values: ["access_token": "sandbox-token-reauthorised"])
            let outcome = await adapter.publish(Self.request())
            #expect(outcome == .published(platformPostID: "fb_000001", url: base + "/posts/fb_000001"))
            #expect(server.store.count == 1)
            #expect(try MetaTokenFixture.savedPrivately(file)["access_token"] == "sandbox-token-reauthorised")
        }
    }

    @Test func concurrentPostsOfOneAccountExchangeTheTokenOnce() async throws {
        try await withSandboxAndFolder { server, base, http, folder in
            let file = folder + "/fb.yaml"
            let adapter = try Self.tokenAdapter(
                base: base, http: http, file: file, Self.app.merging(["access_token": "sandbox-stale-token"]) { $1 })
            async let first = adapter.publish(Self.request(text: "one"))
            async let second = adapter.publish(Self.request(text: "two"))
            let outcomes = await [first, second]
            #expect(outcomes.allSatisfy { AdapterFixture.error($0) == nil })
            #expect(server.store.count == 2)
            // A second exchange would have issued (and saved) `-2`.
            #expect(try MetaTokenFixture.savedPrivately(file)["access_token"] == "sandbox-fb-long-lived-1")
        }
    }

    @Test func aTokenNearItsExpiryIsExchangedBeforeUse() async throws {
        try await withSandboxAndFolder { server, base, http, folder in
            let file = folder + "/fb.yaml"
            let soon = String(Int(Date().timeIntervalSince1970) + 3600)
            let adapter = try Self.tokenAdapter(
                base: base, http: http, file: file,
                Self.app.merging(["access_token": "sandbox-token", "expires_at": soon]) { $1 })
            #expect(AdapterFixture.error(await adapter.publish(Self.request())) == nil)
            #expect(try MetaTokenFixture.savedPrivately(file)["access_token"] == "sandbox-fb-long-lived-1")
            #expect(server.store.count == 1)
        }
    }

    @Test func aRefusedExchangeIsAuthExpiredNamingTheAccountAndNoSecret() async throws {
        try await withSandboxAndFolder { server, base, http, folder in
            let file = folder + "/fb.yaml"
            // A wrong app secret: Meta refuses the exchange (code 1).
            let wrongSecret = try Self.tokenAdapter(
                base: base, http: http, file: file,
                ["access_token": "sandbox-stale-token", "client_id": "sandbox-client", "client_secret": "s3cret-x"])
            let refused = try AdapterFixture.requireFailure(
                await wrongSecret.publish(Self.request()), .authExpired, retryable: false, platformCode: "1")
            #expect(refused.message.contains("re-authorise the facebook account 'acme-page'"))
            MetaTokenFixture.expectNoSecrets(refused, ["sandbox-stale-token", "s3cret-x"])
            #expect(try MetaTokenFixture.savedPrivately(file)["access_token"] == "sandbox-stale-token")

            // An expired token cannot be exchanged (as Meta documents): the exchange's own 190/463.
            let expired = try Self.tokenAdapter(
                base: base, http: http, file: file, Self.app.merging(["access_token": "sandbox-expired"]) { $1 })
            let error = try AdapterFixture.requireFailure(
                await expired.publish(Self.request()), .authExpired, platformCode: "190/463")
            #expect(error.message.contains("'acme-page'"))
            MetaTokenFixture.expectNoSecrets(error, ["sandbox-expired", "sandbox-client-secret"])
            #expect(server.store.count == 0)
        }
    }

    @Test func withoutTheAppsIDAndSecretARefusedTokenIsAuthExpiredSayingWhatIsMissing() async throws {
        try await withSandboxAndFolder { server, base, http, folder in
            let file = folder + "/fb.yaml"
            let adapter = try Self.tokenAdapter(
                base: base, http: http, file: file, ["access_token": "sandbox-stale-token"])
            let error = try AdapterFixture.requireFailure(
                await adapter.publish(Self.request()), .authExpired, platformCode: "190/460")
            #expect(error.message.contains("client_id and client_secret"))
            #expect(error.message.contains("re-authorise the facebook account 'acme-page'"))
            MetaTokenFixture.expectNoSecrets(error, ["sandbox-stale-token"])
            #expect(server.store.count == 0)
        }
    }

    // MARK: - Errors

    @Test func anExpiredTokenIsAuthExpiredWithTheGraphCode() async throws {
        try await withSandbox { server, base, http in
            let outcome = await Self.adapter(base: base, http: http, token: "sandbox-expired").publish(Self.request())
            let error = try AdapterFixture.requireFailure(
                outcome, .authExpired, retryable: false, platformCode: "190/463")
            #expect(error.message.contains("facebook 'acme-page'"))
            #expect(!error.message.contains("sandbox-expired"))
            #expect(server.store.count == 0)
        }
    }

    @Test func aThrottledPageIsRateLimitedForTheTimeTheUsageHeaderGives() async throws {
        try await withSandbox { _, base, http in
            let outcome = await Self.adapter(base: base, http: http, token: "sandbox-throttled").publish(Self.request())
            try AdapterFixture.requireFailure(outcome, .rateLimit, retryable: true, platformCode: "32", retryAfter: 420)
        }
    }

    @Test func aPhotoMetaCannotFetchIsRejectedForGood() async throws {
        try await withStandardMedia { media in
            try await withSandbox { server, base, http in
                for path in ["/missing.jpg", "/page.html"] {
                    let (outcome, recorder) = await Self.adapter(base: base, http: http).publishRecording(
                        Self.request(media: [(media.url(path), "image/jpeg")]))
                    try AdapterFixture.requireFailure(outcome, .rejected, retryable: false, platformCode: "324")
                    #expect(recorder.publicSteps == 0)
                    #expect(media.hitCount(path) == 1)
                }
                #expect(server.store.count == 0)
            }
        }
    }

    @Test func aVideoMetaCannotFetchIsRejected() async throws {
        try await withStandardMedia { media in
            try await withSandbox { _, base, http in
                let outcome = await Self.adapter(base: base, http: http).publish(
                    Self.request(type: "video", media: [(media.url("/gone.mp4"), "video/mp4")]))
                try AdapterFixture.requireFailure(outcome, .rejected, platformCode: "389")
            }
        }
    }

    @Test func classifiesDocumentedGraphErrorBodies() {
        func classify(_ body: String, status: Int = 400, headers: [HTTPHeader] = []) -> SpoolpostError {
            GraphAPIError.classify(
                AdapterFixture.response(status, body, headers: headers), service: "facebook 'x'",
                now: Date(timeIntervalSince1970: 0))
        }
        let transient = classify(
            #"{"error":{"message":"An unknown error occurred","type":"OAuthException","code":1,"is_transient":true}}"#,
            status: 500)
        #expect(transient.code == .serverError && transient.isRetryable && transient.platformCode == "1")
        let service = classify(
            #"{"error":{"message":"Service temporarily unavailable","type":"OAuthException","code":2}}"#)
        #expect(service.code == .serverError && service.isRetryable)
        let otherTransient = classify(
            #"{"error":{"message":"Please retry","type":"OAuthException","code":-3,"is_transient":true}}"#)
        #expect(otherTransient.isRetryable)
        let permission = classify(
            #"{"error":{"message":"(#200) Requires pages_manage_posts permission","type":"OAuthException","code":200}}"#,
            status: 403)
        #expect(permission.code == .forbidden && !permission.isRetryable)
        let duplicate = classify(
            #"{"error":{"message":"Duplicate status message","type":"OAuthException","code":506}}"#)
        #expect(duplicate.code == .rejected && !duplicate.isRetryable && duplicate.platformCode == "506")
        let app = classify(
            #"{"error":{"message":"(#4) Application request limit reached","type":"OAuthException","code":4}}"#,
            headers: [HTTPHeader(name: "X-App-Usage", value: #"{"call_count":100,"total_cputime":25,"total_time":25}"#)]
        )
        #expect(app.code == .rateLimit && app.isRetryable && app.retryAfter == nil)
        let business = classify(
            #"{"error":{"message":"(#80001) There have been too many calls to this Page account","#
                + #""type":"OAuthException","code":80001}}"#,
            headers: [
                HTTPHeader(
                    name: "x-business-use-case-usage",
                    value: #"{"1":[{"type":"pages","call_count":100,"estimated_time_to_regain_access":3}],"#
                        + #""2":[{"type":"pages","estimated_time_to_regain_access":0}]}"#),
                HTTPHeader(name: "Retry-After", value: "30"),
            ])
        #expect(business.code == .rateLimit && business.retryAfter == 180)
        let user = classify(
            #"{"error":{"message":"(#17) User request limit reached","type":"OAuthException","code":17}}"#)
        #expect(user.code == .rateLimit)
        let changedPassword = classify(
            #"{"error":{"message":"Error validating access token","type":"OAuthException","code":190,"error_subcode":460}}"#
        )
        #expect(changedPassword.code == .authExpired && changedPassword.platformCode == "190/460")
        // A body without a Graph error object falls back to the HTTP status.
        let plain = classify("<html>bad gateway</html>", status: 502)
        #expect(plain.code == .serverError && plain.isRetryable)
    }

    // MARK: - Configuration and validation

    static let token = Credentials(path: "/tmp/fb.yaml", values: ["access_token": "t"])

    /// The adapter the account `acme` with `settings` makes, with a token unless `credentials` is nil.
    static func configured(
        _ settings: [String: String], credentials: Credentials? = token, http: HTTPClient
    ) throws -> FacebookAdapter {
        try FacebookAdapter(
            account: AdapterFixture.account("acme", platform: .facebook, settings), credentials: credentials, http: http)
    }

    @Test func buildsFromTheAccountAndRefusesIncompleteSettings() async throws {
        try await withHTTPClient { http in
            let adapter = try Self.configured(["page_id": "42"], http: http)
            #expect(adapter.pageID == "42")
            #expect(adapter.apiBase == "https://graph.facebook.com/v21.0")
            #expect(throws: SpoolpostError.self) { try Self.configured([:], http: http) }
            #expect(throws: SpoolpostError.self) { try Self.configured(["page_id": "42"], credentials: nil, http: http) }
            #expect(throws: SpoolpostError.self) {
                try Self.configured(["page_id": "42", "api_base": "ftp://x"], http: http)
            }
        }
    }

    @Test func checksTextLengthTypesAndMediaKinds() async throws {
        try await withHTTPClient { http in
            let adapter = FacebookAdapter(account: "acme-page", pageID: "1", accessToken: "t", http: http)
            func problems(type: String?, text: String?, media: [String?], link: String? = nil) -> [TargetProblem] {
                adapter.problems(
                    with: AdapterFixture.check(
                        .facebook, account: "acme-page", type: type,
                        options: link.map { ["link": AdapterFixture.node($0)] } ?? [:], text: text, mediaTypes: media))
            }
            #expect(problems(type: "post", text: String(repeating: "a", count: 63_206), media: []).isEmpty)
            #expect(
                problems(type: "post", text: String(repeating: "a", count: 63_207), media: []).map(\.field) == ["text"])
            #expect(problems(type: "post", text: "x", media: ["image/jpeg", "image/png"]).isEmpty)
            #expect(problems(type: "post", text: "x", media: ["image/jpeg", "video/mp4"]).map(\.field) == ["media"])
            #expect(problems(type: "post", text: nil, media: []).map(\.field) == ["text"])
            #expect(problems(type: "post", text: nil, media: [], link: "https://example.com").isEmpty)
            #expect(problems(type: "post", text: "x", media: [], link: "mailto:a@b").map(\.field) == ["link"])
            #expect(problems(type: "video", text: "x", media: ["video/mp4"]).isEmpty)
            #expect(problems(type: "video", text: "x", media: ["image/jpeg"]).map(\.field) == ["media"])
            #expect(problems(type: "video", text: "x", media: ["video/mp4", "video/mp4"]).map(\.field) == ["media"])
            #expect(problems(type: "reel", text: "x", media: ["video/mp4"]).isEmpty)
            #expect(problems(type: "reel", text: "x", media: ["image/jpeg"]).map(\.field) == ["media"])
            #expect(problems(type: "story", text: nil, media: ["image/jpeg"]).isEmpty)
            #expect(problems(type: "story", text: nil, media: ["video/mp4"]).isEmpty)
            #expect(problems(type: "story", text: nil, media: ["image/jpeg", "image/jpeg"]).map(\.field) == ["media"])
            #expect(problems(type: "carousel", text: "x", media: ["image/jpeg"]).map(\.field) == ["type"])
            #expect(problems(type: nil, text: "x", media: ["video/mp4"]).isEmpty)
            #expect(problems(type: "post", text: "x", media: ["application/pdf"]).map(\.field) == ["media"])
        }
    }
}
