import Foundation
@testable import SpoolpostAdapters
import SpoolpostCore
import SpoolpostIO
import SpoolpostSandbox
import SpoolpostTestSupport
import Testing

@Suite struct LinkedInAdapterTests {
    typealias F = AdapterFixture
    static let author = "urn:li:person:Ab12Cd"

    // MARK: - Fixtures

    static func adapter(
        base: String, http: HTTPClient, folder: String, credentials: [String: String] = ["access_token": "sandbox-token"],
        version: String? = nil
    ) throws -> LinkedInAdapter {
        let path = folder + "/linkedin.yaml"
        var settings = [
            "author": author, "api_base": base + "/api.linkedin.com/rest",
            "oauth_base": base + "/www.linkedin.com/oauth/v2", "web_base": base + "/www.linkedin.com",
            "poll_interval": "10ms",
        ]
        if let version { settings["version"] = version }
        let account = F.account("li", platform: .linkedin, credentials: path, settings)
        return try LinkedInAdapter(account: account, credentials: try savedCredentials(path, credentials), http: http)
    }

    static func request(
        text: String? = "Hello, LinkedIn", media: [PreparedMedia] = [], steps: [String: String] = [:]
    ) -> PublishRequest {
        PublishRequest(
            postID: "launch", target: PostTarget(index: 0, platform: .linkedin, account: "li", type: "post"),
            text: text, media: media, attempt: steps.isEmpty ? 1 : 2, steps: steps)
    }

    /// A local media file of `size` bytes with a recognisable pattern.
    static func file(_ folder: String, _ name: String, size: Int, mime: String, alt: String? = nil) throws -> PreparedMedia {
        let path = folder + "/" + name
        let bytes = TestBytes.pattern(size, seed: 31)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return PreparedMedia(
            reference: MediaReference(source: .file(path: name), alt: alt), mimeType: mime, size: Int64(size),
            localPath: path)
    }

    // MARK: - little text format

    @Test func everyReservedCharacterIsEscapedAndNothingElse() {
        #expect(LinkedInAdapter.escapeLittleText(##"\|{}@[]()<>#*_~"##) == ##"\\\|\{\}\@\[\]\(\)\<\>\#\*\_\~"##)
        #expect(LinkedInAdapter.escapeLittleText("Plain text, 100% fine: ok? yes! 😀 é\nnext line")
            == "Plain text, 100% fine: ok? yes! 😀 é\nnext line")
        #expect(LinkedInAdapter.escapeLittleText("Ship it (finally) #launch @team")
            == ##"Ship it \(finally\) \#launch \@team"##)
        #expect(LinkedInAdapter.escapeLittleText("a_b*c") == ##"a\_b\*c"##)
        #expect(LinkedInAdapter.escapeLittleText("") == "")
    }

    // MARK: - Post types

    @Test func aTextPostIsAuthoredByTheURNWithTheVersionHeadersAndEscapedCommentary() async throws {
        try await withSandboxAndFolder { server, base, http, folder in
            let adapter = try Self.adapter(base: base, http: http, folder: folder)
            #expect(adapter.publicStepIsFirstRequest == false)
            let text = "Launch day (v2) #spoolpost — thanks @everyone [beta] <3 a_b*c~d|e{f}\\g"
            let (outcome, steps) = await adapter.publishRecording(Self.request(text: text))
            let (id, url) = try #require(F.published(outcome))
            let urn = try #require(id)
            #expect(urn.hasPrefix("urn:li:share:"))
            #expect(url == base + "/www.linkedin.com/feed/update/" + urn)
            #expect(steps.recordedKeys == ["post_sent_at", "post"])
            #expect(steps.steps["post"] == urn)
            #expect(steps.publicSteps == 1)

            let stored = try #require(server.store.posts(network: "linkedin").first)
            #expect(stored.account == Self.author)
            #expect(stored.text == text)
            #expect(stored.header("LinkedIn-Version") == LinkedInAdapter.defaultVersion)
            #expect(stored.header("X-Restli-Protocol-Version") == "2.0.0")
            let json = try F.json(stored)
            #expect(json["commentary"] as? String == LinkedInAdapter.escapeLittleText(text))
            #expect(json["visibility"] as? String == "PUBLIC")
            #expect(json["lifecycleState"] as? String == "PUBLISHED")
            #expect((json["distribution"] as? [String: Any])?["feedDistribution"] as? String == "MAIN_FEED")
            #expect(json["content"] == nil)

            // The post URL leads to the sandbox page of the post.
            let page = try await http.execute(HTTPRequest(url: try #require(url)))
            #expect(page.status == 302)
            #expect(page.header("Location") == "/posts/" + stored.id)
        }
    }

    @Test func oneImageFromALocalFileIsUploadedThenPostedAsMedia() async throws {
        try await withSandboxAndFolder { server, base, http, folder in
            let adapter = try Self.adapter(base: base, http: http, folder: folder)
            let image = try Self.file(folder, "cat.jpg", size: 2048, mime: "image/jpeg", alt: "A cat")
            let (outcome, steps) = await adapter.publishRecording(Self.request(media: [image]))
            #expect(F.published(outcome) != nil)
            #expect(steps.recordedKeys == ["image.0", "post_sent_at", "post"])
            let imageURN = try #require(steps.steps["image.0"])
            #expect(imageURN.hasPrefix("urn:li:image:"))
            let stored = try #require(server.store.posts(network: "linkedin").first)
            #expect(stored.mediaURLs == [imageURN])
            let media = try #require((F.json(stored)["content"] as? [String: Any])?["media"] as? [String: Any])
            #expect(media["id"] as? String == imageURN)
            #expect(media["altText"] as? String == "A cat")
        }
    }

    @Test func severalImagesDownloadedFromURLsBecomeAMultiImagePost() async throws {
        let host = try CapturingHTTPServer(status: 200, body: "PNG-BYTES", contentType: "image/png")
        defer { host.stop() }
        try await withSandboxAndFolder { server, base, http, folder in
            let adapter = try Self.adapter(base: base, http: http, folder: folder)
            let media = (0..<3).map { index in
                let url = "http://127.0.0.1:\(host.port)/img/\(index).png"
                return PreparedMedia(
                    reference: MediaReference(source: .url(url), alt: "picture \(index)"), mimeType: "image/png",
                    fetchURL: url)
            }
            let (outcome, steps) = await adapter.publishRecording(Self.request(media: media))
            #expect(F.published(outcome) != nil)
            #expect(steps.recordedKeys == ["image.0", "image.1", "image.2", "post_sent_at", "post"])
            let stored = try #require(server.store.posts(network: "linkedin").first)
            let content = try #require(F.json(stored)["content"] as? [String: Any])
            let images = try #require((content["multiImage"] as? [String: Any])?["images"] as? [[String: Any]])
            #expect(images.map { $0["id"] as? String } == ["image.0", "image.1", "image.2"].map { steps.steps[$0] })
            #expect(images.map { $0["altText"] as? String } == ["picture 0", "picture 1", "picture 2"])
            #expect(host.requests.count == 3)
        }
    }

    static let videoSize = 9 * 1024 * 1024 + 123

    @Test func aVideoIsUploadedInPartsFinalizedAndPolledUntilAvailable() async throws {
        try await withSandboxAndFolder { server, base, http, folder in
            let adapter = try Self.adapter(base: base, http: http, folder: folder)
            let video = try Self.file(folder, "clip.mp4", size: Self.videoSize, mime: "video/mp4")
            let (outcome, steps) = await adapter.publishRecording(Self.request(media: [video]))
            #expect(F.published(outcome) != nil)
            #expect(steps.recordedKeys == [
                "video.upload", "video", "video.part.0", "video.part.1", "video.part.2", "video.finalized", "post_sent_at",
                "post",
            ])
            let videoURN = try #require(steps.steps["video"])
            let stored = try #require(server.store.posts(network: "linkedin").first)
            #expect(stored.mediaURLs == [videoURN])
            let media = (try F.json(stored)["content"] as? [String: Any])?["media"] as? [String: Any]
            #expect(media?["id"] as? String == videoURN)
        }
    }

    // MARK: - Steps and resuming

    @Test func aVideoUploadResumesAtThePartAfterTheLastRecordedETag() async throws {
        try await withSandboxAndFolder { server, base, http, folder in
            let adapter = try Self.adapter(base: base, http: http, folder: folder)
            let video = try Self.file(folder, "clip.mp4", size: Self.videoSize, mime: "video/mp4")
            server.faults.replace(with: .once(
                "/www.linkedin.com/dms-uploads/video/", method: "PUT", skip: 1, .unavailable(retryAfterSeconds: 2)))
            let (failed, first) = await adapter.publishRecording(Self.request(media: [video]))
            try F.requireFailure(failed, .serverError, retryable: true, retryAfter: 2)
            #expect(first.recordedKeys == ["video.upload", "video", "video.part.0"])
            #expect(first.publicSteps == 0)

            let (outcome, second) = await adapter.publishRecording(Self.request(media: [video], steps: first.steps))
            #expect(F.published(outcome) != nil)
            // Part 0 is not sent again: its recorded ETag goes into finalizeUpload, which checks all three.
            #expect(second.recordedKeys == ["video.part.1", "video.part.2", "video.finalized", "post_sent_at", "post"])
            #expect(server.store.count == 1)
        }
    }

    @Test func aVideoUploadWhoseURLsExpiredStartsOverWithANewVideo() async throws {
        try await withSandboxAndFolder { server, base, http, folder in
            let adapter = try Self.adapter(base: base, http: http, folder: folder)
            let video = try Self.file(folder, "clip.mp4", size: Self.videoSize, mime: "video/mp4")
            server.faults.replace(with: .once(
                "/www.linkedin.com/dms-uploads/video/", method: "PUT", skip: 1, .serverError))
            let first = RecordingProgress()
            #expect(F.error(await adapter.publish(Self.request(media: [video]), progress: first.progress)) != nil)
            var steps = first.steps
            // The upload plan as recorded, with its URLs' expiry moved into the past.
            let planText = try #require(steps["video.upload"])
            var plan = try #require(try JSONSerialization.jsonObject(with: Data(planText.utf8)) as? [String: Any])
            #expect((plan["expiresAt"] as? Double ?? 0) > Date().timeIntervalSince1970)
            plan["expiresAt"] = 1000
            steps["video.upload"] = String(decoding: try JSONSerialization.data(withJSONObject: plan), as: UTF8.self)

            let (outcome, second) = await adapter.publishRecording(Self.request(media: [video], steps: steps))
            #expect(F.published(outcome) != nil)
            #expect(Array(second.recordedKeys.prefix(3)) == ["-video", "-video.part.0", "-video.upload"])
            #expect(Array(second.recordedKeys.dropFirst(3)) == [
                "video.upload", "video", "video.part.0", "video.part.1", "video.part.2", "video.finalized", "post_sent_at",
                "post",
            ])
            #expect(second.steps["video"] != first.steps["video"])
            #expect(server.store.count == 1)
        }
    }

    @Test func aFailedPostRequestIsRetriedWithoutUploadingTheImagesAgain() async throws {
        try await withSandboxAndFolder { server, base, http, folder in
            let adapter = try Self.adapter(base: base, http: http, folder: folder)
            let images = try (0..<2).map { try Self.file(folder, "p\($0).png", size: 512, mime: "image/png") }
            server.faults.replace(with: .once("/api.linkedin.com/rest/posts", .serverError))
            let (failed, first) = await adapter.publishRecording(Self.request(media: images))
            #expect(F.error(failed)?.code == .serverError)
            #expect(first.recordedKeys == ["image.0", "image.1", "post_sent_at"])
            #expect(first.publicSteps == 1)

            let (outcome, second) = await adapter.publishRecording(Self.request(media: images, steps: first.steps))
            let (id, _) = try #require(F.published(outcome))
            // The recent posts show nothing sent, so the post goes out, once.
            #expect(second.recordedKeys == ["post_sent_at", "post"])
            #expect(server.store.count == 1)

            // With the post recorded, a further attempt sends nothing.
            let (again, third) = await adapter.publishRecording(Self.request(media: images, steps: second.steps))
            #expect(F.published(again)?.id == id)
            #expect(third.publicSteps == 0)
            #expect(server.store.count == 1)
        }
    }

    static func losePostAnswer(_ server: SandboxServer, afterHandling: Bool) {
        server.faults.replace(with: .once(
            "/api.linkedin.com/rest/posts", method: "POST", .breakConnection(afterHandling: afterHandling)))
    }

    @Test func aLostAnswerToAStoredPostIsReconciledFromTheAuthorsPosts() async throws {
        try await withSandboxAndFolder { server, base, http, folder in
            let adapter = try Self.adapter(base: base, http: http, folder: folder)
            // An earlier post with other text must not be taken for this one.
            _ = await adapter.publish(Self.request(text: "Yesterday's news"))
            Self.losePostAnswer(server, afterHandling: true)
            let (outcome, steps) = await adapter.publishRecording(Self.request(text: "Launch (at last) #day"))
            let (id, url) = try #require(F.published(outcome))
            let urn = try #require(id)
            #expect(urn.hasPrefix("urn:li:share:"))
            #expect(url == base + "/www.linkedin.com/feed/update/" + urn)
            #expect(steps.recordedKeys == ["post_sent_at", "post"])
            #expect(steps.publicSteps == 1)
            let posts = server.store.posts(network: "linkedin")
            #expect(posts.count == 2)
            #expect(posts.last?.text == "Launch (at last) #day")
            // The URN is the stored post's: its feed URL leads to that post's sandbox page.
            let page = try await http.execute(HTTPRequest(url: try #require(url)))
            #expect(page.header("Location") == "/posts/" + (posts.last?.id ?? "-"))
        }
    }

    @Test func aLostAnswerToAPostThatWasNotStoredStaysUnknownAndIsNotSentAgain() async throws {
        try await withSandboxAndFolder { server, base, http, folder in
            let adapter = try Self.adapter(base: base, http: http, folder: folder)
            Self.losePostAnswer(server, afterHandling: false)
            let first = RecordingProgress()
            try F.requireFailure(
                await adapter.publish(Self.request(), progress: first.progress), .unknownOutcome, retryable: false)
            #expect(first.recordedKeys == ["post_sent_at"])
            #expect(server.store.count == 0)
        }
    }

    @Test func aResumedAttemptPastThePublicStepLooksBeforePostingAgain() async throws {
        try await withSandboxAndFolder { server, base, http, folder in
            let adapter = try Self.adapter(base: base, http: http, folder: folder)
            Self.losePostAnswer(server, afterHandling: true)
            // As after a crash while the post request was in flight, with the answer never read.
            let (_, lost) = await adapter.publishRecording(Self.request())
            let steps = lost.steps(without: "post")
            #expect(steps["post_sent_at"] != nil)

            let (outcome, resumed) = await adapter.publishRecording(Self.request(steps: steps))
            let urn = try #require(F.published(outcome)?.id)
            #expect(urn == lost.steps["post"])
            #expect(resumed.recordedKeys == ["post"])
            #expect(resumed.publicSteps == 0)
            #expect(server.store.count == 1)
        }
    }

    @Test func theSimulatorListsAnAuthorsPostsNewestFirstInPages() async throws {
        try await withSandboxAndFolder { server, base, http, folder in
            let adapter = try Self.adapter(base: base, http: http, folder: folder)
            for text in ["one", "two", "three"] { _ = await adapter.publish(Self.request(text: text)) }
            func page(_ query: String) async throws -> (Int, [String: Any]) {
                let response = try await http.execute(HTTPRequest(
                    url: base + "/api.linkedin.com/rest/posts?" + query,
                    headers: [
                        HTTPHeader(name: "Authorization", value: "Bearer sandbox-token"),
                        HTTPHeader(name: "LinkedIn-Version", value: LinkedInAdapter.defaultVersion),
                        HTTPHeader(name: "X-Restli-Protocol-Version", value: "2.0.0"),
                        HTTPHeader(name: "X-RestLi-Method", value: "FINDER"),
                    ]))
                return (response.status, try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] ?? [:])
            }
            let author = WebFormEncoding.percentEncode(Self.author)
            let (status, first) = try await page("author=\(author)&q=author&count=2&sortBy=LAST_MODIFIED")
            #expect(status == 200)
            let elements = try #require(first["elements"] as? [[String: Any]])
            #expect(elements.map { $0["commentary"] as? String } == ["three", "two"])
            #expect(elements.allSatisfy { ($0["id"] as? String)?.hasPrefix("urn:li:share:") == true })
            #expect(elements.allSatisfy { $0["author"] as? String == Self.author && $0["createdAt"] is NSNumber })
            let paging = try #require(first["paging"] as? [String: Any])
            #expect(paging["start"] as? Int == 0)
            #expect(paging["count"] as? Int == 2)
            #expect(((paging["links"] as? [[String: Any]])?.first)?["rel"] as? String == "next")
            let (_, second) = try await page("author=\(author)&q=author&count=2&start=2")
            #expect((second["elements"] as? [[String: Any]])?.map { $0["commentary"] as? String } == ["one"])
            let other = WebFormEncoding.percentEncode("urn:li:organization:42")
            let (_, none) = try await page("author=\(other)&q=author")
            #expect((none["elements"] as? [Any])?.isEmpty == true)
            let (badFinder, _) = try await page("author=\(author)&q=authors")
            #expect(badFinder == 400)
            #expect(server.store.count == 3)
        }
    }

    // MARK: - Errors and tokens

    @Test func theSimulatorRefusesCallsWithoutTheVersionHeadersAsLinkedInDoes() async throws {
        try await withSandbox { _, base, http in
            func post(_ headers: [HTTPHeader]) async throws -> (Int, [String: Any]) {
                let response = try await http.execute(
                    HTTPRequest(
                        method: "POST", url: base + "/api.linkedin.com/rest/posts",
                        headers: [HTTPHeader(name: "Authorization", value: "Bearer sandbox-token")] + headers,
                        body: .bytes(Array("{}".utf8))))
                let json = (try JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] ?? [:]
                return (response.status, json)
            }
            let restli = HTTPHeader(name: "X-Restli-Protocol-Version", value: "2.0.0")
            let missing = try await post([restli])
            #expect(missing.0 == 400)
            #expect(missing.1["code"] as? String == "VERSION_MISSING")
            let old = try await post([restli, HTTPHeader(name: "LinkedIn-Version", value: "202001")])
            #expect(old.0 == 426)
            #expect(old.1["code"] as? String == "NONEXISTENT_VERSION")
            let noProtocol = try await post([HTTPHeader(name: "LinkedIn-Version", value: "202605")])
            #expect(noProtocol.0 == 400)
            let empty = try await post([restli, HTTPHeader(name: "LinkedIn-Version", value: "202605")])
            #expect(empty.0 == 422)
            #expect((empty.1["message"] as? String)?.contains("/author") == true)
        }
    }

    @Test func aSunsetVersionIsRejectedWithLinkedInsCode() async throws {
        try await withSandboxAndFolder { server, base, http, folder in
            let adapter = try Self.adapter(base: base, http: http, folder: folder, version: "202001")
            try F.requireFailure(
                await adapter.publish(Self.request()), .rejected, platformCode: "NONEXISTENT_VERSION")
            #expect(server.store.count == 0)
        }
    }

    @Test func anExpiredTokenWithoutARefreshTokenIsAuthExpired() async throws {
        try await withSandboxAndFolder { server, base, http, folder in
            let adapter = try Self.adapter(
                base: base, http: http, folder: folder, credentials: ["access_token": "sandbox-expired-token"])
            let error = try F.requireFailure(
                await adapter.publish(Self.request()),
                .authExpired, retryable: false, platformCode: "65601/EXPIRED_ACCESS_TOKEN")
            #expect(error.message.contains("'li'"))
            #expect(!error.message.contains("sandbox-expired-token"))
            #expect(server.store.count == 0)
        }
    }

    @Test func a401IsRefreshedOnceRetriedAndTheNewTokenWrittenBack() async throws {
        try await withSandboxAndFolder { server, base, http, folder in
            let adapter = try Self.adapter(
                base: base, http: http, folder: folder,
                credentials: [
                    "access_token": "sandbox-expired-token", "refresh_token": "sandbox-refresh-token",
                    "client_id": "cid", "client_secret": "csecret",
                ])
            let outcome = await adapter.publish(Self.request())
            #expect(F.published(outcome) != nil)
            #expect(server.store.count == 1)
            let saved = try Credentials.load(path: folder + "/linkedin.yaml")
            let token = try #require(saved["access_token"])
            #expect(token.hasPrefix("sandbox-li-token-refreshed-"))
            #expect(saved["refresh_token"] == "sandbox-refresh-token")
            #expect(saved["client_secret"] == "csecret")
            #expect(try #require(saved["expires_at"].flatMap(Double.init)) > Date().timeIntervalSince1970 + 86400)
        }
    }

    @Test func aRefusedRefreshIsAuthExpiredAskingForReauthorisation() async throws {
        try await withSandboxAndFolder { server, base, http, folder in
            let adapter = try Self.adapter(
                base: base, http: http, folder: folder,
                credentials: [
                    "access_token": "sandbox-expired-token", "refresh_token": "stale-refresh-xyz", "client_id": "cid",
                    "client_secret": "csecret",
                ])
            let error = try F.requireFailure(
                await adapter.publish(Self.request()), .authExpired, platformCode: "invalid_grant")
            #expect(error.message.contains("re-authorise"))
            #expect(!error.message.contains("stale-refresh-xyz"))
            #expect(server.store.count == 0)
        }
    }

    @Test func aRateLimitAnswerCarriesRetryAfter() async throws {
        try await withSandboxAndFolder { server, base, http, folder in
            let adapter = try Self.adapter(base: base, http: http, folder: folder)
            let image = try Self.file(folder, "a.png", size: 64, mime: "image/png")
            server.faults.replace(with: .once("/api.linkedin.com/rest/images", .rateLimited(retryAfterSeconds: 30)))
            try F.requireFailure(
                await adapter.publish(Self.request(media: [image])), .rateLimit, retryable: true, retryAfter: 30)
            #expect(server.store.count == 0)
        }
    }

    @Test func overlongCommentaryIsRejectedWithLinkedInsMessage() async throws {
        try await withSandboxAndFolder { server, base, http, folder in
            let adapter = try Self.adapter(base: base, http: http, folder: folder)
            let error = try F.requireFailure(
                await adapter.publish(Self.request(text: String(repeating: "x", count: 3001))),
                .rejected, retryable: false)
            #expect(error.message.contains("/commentary"))
            #expect(error.platformCode == "100/UNPROCESSABLE_ENTITY")
            #expect(server.store.count == 0)
        }
    }

    /// Error bodies as LinkedIn's error-handling guide shows them.
    @Test func errorBodiesAreClassifiedByStatusAndServiceErrorCode() {
        func classify(_ status: Int, _ body: String, headers: [HTTPHeader] = []) -> SpoolpostError {
            LinkedInAdapter.classify(F.response(status, body, headers: headers), service: "l")
        }
        let throttled = classify(
            429,
            #"{"status":429,"serviceErrorCode":101,"code":"TOO_MANY_REQUESTS","message":"Resource level throttle APPLICATION DAY limit for calls to this resource is reached."}"#,
            headers: [HTTPHeader(name: "Retry-After", value: "120")])
        #expect(throttled.code == .rateLimit)
        #expect(throttled.retryAfter == 120)
        #expect(throttled.platformCode == "101/TOO_MANY_REQUESTS")

        let revoked = classify(
            401,
            #"{"status":401,"serviceErrorCode":65601,"code":"REVOKED_ACCESS_TOKEN","message":"The token used in the request has been revoked by the user"}"#)
        #expect(revoked.code == .authExpired)

        let duplicate = classify(
            422, #"{"message":"ERROR :: /commentary :: duplicate content","status":422}"#)
        #expect(duplicate.code == .rejected)
        #expect(duplicate.message.contains("duplicate content"))

        let permission = classify(
            403,
            #"{"status":403,"serviceErrorCode":100,"code":"ACCESS_DENIED","message":"Not enough permissions to access: partnerApiPostsExternal.CREATE.20240101"}"#)
        #expect(permission.code == .forbidden)

        let gateway = classify(504, #"{"status":504,"message":"Gateway timeout"}"#)
        #expect(gateway.code == .serverError)
        #expect(gateway.isRetryable)

        let html = classify(502, "<html>bad gateway</html>")
        #expect(html.code == .serverError)
    }

    // MARK: - Validation and configuration

    static func check(text: String?, mediaTypes: [String?] = [], type: String? = "post") -> TargetCheck {
        F.check(.linkedin, account: "li", type: type, text: text, mediaTypes: mediaTypes)
    }

    @Test func validationChecksCommentaryLengthAndTheMediaMix() async throws {
        try await withHTTPClient { http in
            try await withTemporaryDirectory { folder in
                let adapter = try Self.adapter(base: "http://127.0.0.1:1", http: http, folder: folder)
                func fields(_ check: TargetCheck) -> [String?] { adapter.problems(with: check).map(\.field) }
                #expect(fields(Self.check(text: String(repeating: "a", count: 3000))).isEmpty)
                #expect(fields(Self.check(text: String(repeating: "a", count: 3001))) == ["text"])
                #expect(fields(Self.check(text: nil)) == ["text"])
                #expect(fields(Self.check(text: nil, mediaTypes: ["video/mp4"])).isEmpty)
                #expect(fields(Self.check(text: "x", mediaTypes: Array(repeating: "image/jpeg", count: 20))).isEmpty)
                #expect(fields(Self.check(text: "x", mediaTypes: Array(repeating: "image/jpeg", count: 21))) == ["media"])
                #expect(fields(Self.check(text: "x", mediaTypes: ["image/png", "video/mp4"])) == ["media"])
                #expect(fields(Self.check(text: "x", mediaTypes: ["video/mp4", "video/mp4"])) == ["media"])
                #expect(fields(Self.check(text: "x", mediaTypes: ["image/gif"])).isEmpty)
                #expect(fields(Self.check(text: "x", mediaTypes: ["video/quicktime"])) == ["media"])
                #expect(fields(Self.check(text: "x", type: "article")) == ["type"])
            }
        }
    }

    @Test func configurationNeedsAnAuthorURNATokenAndAValidVersion() async throws {
        try await withHTTPClient { http in
            func error(_ settings: [String: String], _ values: [String: String]? = ["access_token": "t"]) -> SpoolpostError? {
                let account = F.account("li", platform: .linkedin, settings)
                do {
                    _ = try LinkedInAdapter(
                        account: account, credentials: values.map { Credentials(path: "/nonexistent", values: $0) },
                        http: http)
                    return nil
                } catch {
                    return error
                }
            }
            #expect(error([:])?.message.contains("author") == true)
            #expect(error(["author": "urn:li:share:1"])?.code == .invalidConfig)
            #expect(error(["author": "urn:li:organization:"])?.code == .invalidConfig)
            #expect(error(["author": Self.author], nil)?.message.contains("access_token") == true)
            #expect(error(["author": Self.author, "version": "2026-05"])?.code == .invalidConfig)
            #expect(error(["author": "urn:li:organization:2414183"]) == nil)
        }
    }

    @Test func theRegistryBuildsALinkedInAdapterWithTheRealDefaults() async throws {
        try await withHTTPClient { http in
            try await withTemporaryDirectory { folder in
                try Credentials.save(path: folder + "/li.yaml", values: ["access_token": "t"])
                let configuration = Configuration(accounts: [
                    "li": F.account("li", platform: .linkedin, credentials: "li.yaml", ["author": Self.author])
                ])
                let registry = try AdapterRegistry(configuration: configuration, baseDirectory: folder, http: http)
                let adapter = try #require(registry.adapter(forAccount: "li") as? LinkedInAdapter)
                #expect(adapter.apiBase == "https://api.linkedin.com/rest")
                #expect(adapter.oauthBase == "https://www.linkedin.com/oauth/v2")
                #expect(adapter.version == LinkedInAdapter.defaultVersion)
            }
        }
    }
}
