import Foundation
import SpoolpostAdapters
import SpoolpostCore
import SpoolpostIO
import SpoolpostSandbox
import SpoolpostTestSupport
import Testing

@Suite struct YouTubeAdapterTests {
    typealias F = AdapterFixture
    static let chunk = 262_144
    static let size = 2 * chunk + 1000

    static func adapter(_ base: String, _ http: HTTPClient, _ credentials: Credentials) throws -> YouTubeAdapter {
        try YouTubeAdapter(
            account: F.account(
                "yt", platform: .youtube, credentials: credentials.path,
                [
                    "api_base": base + "/www.googleapis.com/youtube/v3",
                    "upload_base": base + "/www.googleapis.com/upload/youtube/v3",
                    "oauth_base": base + "/oauth2.googleapis.com/token", "chunk_bytes": String(chunk),
                ]), credentials: credentials, http: http)
    }

    static func credentials(_ folder: TemporaryFolder, _ values: [String: String]) throws -> Credentials {
        try folder.credentials("yt.credentials", values)
    }

    static func request(
        _ folder: TemporaryFolder, type: String = "video", title: String = "Launch day",
        thumbnail: String? = nil, steps: [String: String] = [:]
    ) throws -> PublishRequest {
        let path = folder.path + "/v.mp4"
        if !FileManager.default.fileExists(atPath: path) {
            _ = try folder.write("v.mp4", TestBytes.pattern(size, seed: 13))
        }
        var options: [String: YAMLNode] = [
            "title": F.node(title), "privacy": F.node("unlisted"),
            "tags": YAMLNode(.sequence([F.node("launch"), F.node("demo")]), mark: SourceMark(line: 1, column: 1)),
        ]
        if let thumbnail { options["thumbnail"] = F.node(thumbnail) }
        return PublishRequest(
            postID: "p1", target: PostTarget(index: 0, platform: .youtube, account: "yt", type: type, options: options),
            text: "Our launch video", media: [
                PreparedMedia(
                    reference: MediaReference(source: .file(path: "v.mp4")), mimeType: "video/mp4",
                    size: Int64(size), localPath: path)
            ], attempt: 1, steps: steps, mediaRoot: folder.path)
    }

    /// A small JPEG-signed image (the simulator, like the adapter, judges images by their leading bytes).
    static let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0] + Array(repeating: 0x42, count: 2000) + [0xFF, 0xD9]

    @Test func aVideoIsUploadedInChunksWithTheSessionRecordedFirst() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try await withSandbox { server, base, http in
            let adapter = try Self.adapter(base, http, try Self.credentials(folder, ["access_token": "sandbox-token"]))
            let (outcome, log) = await adapter.publishRecording(try Self.request(folder))
            #expect(outcome == .published(platformPostID: "yt_000001", url: "https://www.youtube.com/watch?v=yt_000001"))
            let session = try #require(log.steps["session"])
            #expect(session.hasPrefix(base + "/www.googleapis.com/upload/youtube/v3/videos?uploadType=resumable&upload_id="))
            #expect(log.events == [
                .step("session", session), .step("offset", "0"), .step("offset", String(Self.chunk)),
                .step("offset", String(2 * Self.chunk)), .publicStep, .step("video", "yt_000001"),
            ])
            let videos = server.store.posts(network: "youtube")
            #expect(videos.count == 1)
            let metadata = try #require(try JSONSerialization.jsonObject(with: Data(videos[0].body)) as? [String: Any])
            let snippet = try #require(metadata["snippet"] as? [String: Any])
            #expect(snippet["title"] as? String == "Launch day")
            #expect(snippet["description"] as? String == "Our launch video")
            #expect(snippet["tags"] as? [String] == ["launch", "demo"])
            #expect((metadata["status"] as? [String: Any])?["privacyStatus"] as? String == "unlisted")
        }
    }

    @Test func aShortLinksToTheShortsPage() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try await withSandbox { _, base, http in
            let adapter = try Self.adapter(base, http, try Self.credentials(folder, ["access_token": "sandbox-token"]))
            let outcome = await adapter.publish(try Self.request(folder, type: "short"))
            #expect(outcome == .published(platformPostID: "yt_000001", url: "https://www.youtube.com/shorts/yt_000001"))
        }
    }

    @Test func withWebBaseOnTheSandboxTheRecordedURLLeadsToTheSandboxPage() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try await withSandbox { _, base, http in
            let credentials = try Self.credentials(folder, ["access_token": "sandbox-token"])
            let adapter = try YouTubeAdapter(
                account: F.account(
                    "yt", platform: .youtube, credentials: credentials.path,
                    [
                        "api_base": base + "/www.googleapis.com/youtube/v3",
                        "upload_base": base + "/www.googleapis.com/upload/youtube/v3",
                        "web_base": base + "/www.youtube.com/",
                    ]), credentials: credentials, http: http)
            let outcome = await adapter.publish(try Self.request(folder))
            #expect(outcome == .published(platformPostID: "yt_000001", url: base + "/www.youtube.com/watch?v=yt_000001"))
            for page in ["/www.youtube.com/watch?v=yt_000001", "/www.youtube.com/shorts/yt_000001"] {
                let answer = try await http.execute(HTTPRequest(url: base + page))
                #expect(answer.status == 302)
                #expect(answer.header("Location") == "/posts/yt_000001")
            }
        }
    }

    @Test func anInterruptedUploadResumesFromTheConfirmedOffsetAndMakesOneVideo() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        // PUT 1 is chunk 0; PUT 2 (chunk 1) loses its connection before the server stores it.
        let faults = SandboxFaults.once(
            "/www.googleapis.com/upload/youtube/v3/videos", method: "PUT", skip: 1,
            .breakConnection(afterHandling: false))
        try await withSandbox(SandboxConfiguration(faults: faults)) { server, base, http in
            let adapter = try Self.adapter(base, http, try Self.credentials(folder, ["access_token": "sandbox-token"]))
            let (failed, first) = await adapter.publishRecording(try Self.request(folder))
            let error = try #require(F.error(failed))
            #expect(error.isRetryable)
            #expect(first.publicSteps == 0)
            #expect(first.steps["offset"] == String(Self.chunk))
            #expect(server.store.posts(network: "youtube").isEmpty)

            let (outcome, second) = await adapter.publishRecording(try Self.request(folder, steps: first.steps))
            #expect(outcome == .published(platformPostID: "yt_000001", url: "https://www.youtube.com/watch?v=yt_000001"))
            #expect(second.values(of: "session").isEmpty)
            #expect(second.values(of: "offset") == [String(2 * Self.chunk)])
            #expect(second.publicSteps == 1)
            #expect(server.store.posts(network: "youtube").count == 1)
        }
    }

    @Test func aProbeOfACompletedSessionReturnsTheVideoInsteadOfUploadingAgain() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try await withSandbox { server, base, http in
            let adapter = try Self.adapter(base, http, try Self.credentials(folder, ["access_token": "sandbox-token"]))
            let (_, first) = await adapter.publishRecording(try Self.request(folder))
            // As if the process died after the last chunk, before recording the video id.
            let steps = first.steps(without: "video")
            let (outcome, second) = await adapter.publishRecording(try Self.request(folder, steps: steps))
            #expect(outcome == .published(platformPostID: "yt_000001", url: "https://www.youtube.com/watch?v=yt_000001"))
            #expect(second.events == [.step("video", "yt_000001")])
            #expect(server.store.posts(network: "youtube").count == 1)
        }
    }

    @Test func aVanishedSessionStartsAFreshOne() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try await withSandbox { server, base, http in
            let adapter = try Self.adapter(base, http, try Self.credentials(folder, ["access_token": "sandbox-token"]))
            let stale = base + "/www.googleapis.com/upload/youtube/v3/videos?uploadType=resumable&upload_id=gone"
            let log = RecordingProgress(steps: ["session": stale, "offset": String(Self.chunk)])
            let outcome = await adapter.publish(
                try Self.request(folder, steps: log.steps), progress: log.progress)
            #expect(outcome == .published(platformPostID: "yt_000001", url: "https://www.youtube.com/watch?v=yt_000001"))
            #expect(log.values(of: "session").count == 1)
            #expect(log.steps["session"] != stale)
            #expect(server.store.posts(network: "youtube").count == 1)
        }
    }

    @Test func errorsAreClassifiedFromTheGoogleReason() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try await withSandbox { server, base, http in
            let quota = try Self.adapter(base, http, try Self.credentials(folder, ["access_token": "sandbox-quota-token"]))
            let limited = try F.requireFailure(
                await quota.publish(try Self.request(folder)), .rateLimit, platformCode: "403/quotaExceeded")
            #expect((limited.retryAfter ?? 0) >= 60 && (limited.retryAfter ?? 0) <= 86400)

            let ok = try Self.adapter(base, http, try Self.credentials(folder, ["access_token": "sandbox-token"]))
            try F.requireFailure(
                await ok.publish(try Self.request(folder, title: "a <b> title")),
                .rejected, retryable: false, platformCode: "400/invalidTitle")

            let expired = try Self.adapter(
                base, http, try Self.credentials(folder, ["access_token": "sandbox-expired-token"]))
            try F.requireFailure(await expired.publish(try Self.request(folder)), .authExpired)
            #expect(server.store.posts(network: "youtube").isEmpty)
        }
        let body = #"{"error":{"code":403,"message":"Rate exceeded.","errors":[{"message":"Rate exceeded.","#
            + #""domain":"youtube.quota","reason":"rateLimitExceeded"}]}}"#
        let rate = YouTubeAdapter.classify(
            HTTPResponse(status: 403, headers: [HTTPHeader(name: "Retry-After", value: "30")], body: Array(body.utf8)),
            service: "YouTube")
        #expect(rate.code == .rateLimit)
        #expect(rate.retryAfter == 30)
        let unavailable = YouTubeAdapter.classify(
            HTTPResponse(status: 503, headers: [], body: Array(#"{"error":{"code":503,"message":"Backend Error"}}"#.utf8)),
            service: "YouTube")
        #expect(unavailable.isRetryable)
    }

    @Test func anExpiredTokenIsRefreshedAndSaved() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try await withSandbox { server, base, http in
            let credentials = try Self.credentials(
                folder,
                ["access_token": "sandbox-expired-token", "refresh_token": "sandbox-refresh-token",
                 "client_id": "sandbox-client", "client_secret": "secret"])
            let outcome = await (try Self.adapter(base, http, credentials)).publish(try Self.request(folder))
            #expect(outcome == .published(platformPostID: "yt_000001", url: "https://www.youtube.com/watch?v=yt_000001"))
            let saved = try Credentials.load(path: credentials.path)
            #expect(saved["access_token"] == "sandbox-token-1")
            #expect(saved["refresh_token"] == "sandbox-refresh-token")
            #expect(server.store.posts(network: "youtube").count == 1)
        }
    }

    @Test func validationChecksTitleDescriptionPrivacyAndMedia() throws {
        let http = try HTTPClient()
        defer { http.shutdown() }
        let adapter = try YouTubeAdapter(
            account: F.account("yt", platform: .youtube),
            credentials: Credentials(path: "/tmp/none", values: ["access_token": "t"]), http: http)
        func problems(_ options: [String: String], text: String? = nil, media: [String?] = ["video/mp4"], type: String = "video")
            -> [String?]
        {
            let check = F.check(
                .youtube, account: "yt", type: type, options: options.mapValues(F.node), text: text, mediaTypes: media)
            return adapter.problems(with: check).map(\.field)
        }
        #expect(problems(["title": "Fine"]).isEmpty)
        #expect(problems([:]) == ["title"])
        #expect(problems(["title": String(repeating: "t", count: 101)]) == ["title"])
        #expect(problems(["title": "a > b"]) == ["title"])
        #expect(problems(["title": "t", "description": String(repeating: "é", count: 2501)]) == ["description"])
        #expect(problems(["title": "t"], text: String(repeating: "x", count: 5001)) == ["text"])
        #expect(problems(["title": "t", "privacy": "friends"]) == ["privacy"])
        #expect(problems(["title": "t", "privacy": "public", "publish_at": "2030-01-01T10:00:00Z"]) == ["publish_at"])
        #expect(problems(["title": "t", "privacy": "private", "publish_at": "2030-01-01T10:00:00Z"]).isEmpty)
        #expect(problems(["title": "t", "made_for_kids": "maybe"]) == ["made_for_kids"])
        #expect(problems(["title": "t", "category": "music"]) == ["category"])
        #expect(problems(["title": "t"], media: []) == ["media"])
        #expect(problems(["title": "t"], media: ["video/mp4", "video/mp4"]) == ["media"])
        #expect(problems(["title": "t"], media: ["image/png"]) == ["media"])
        #expect(problems(["title": "t"], type: "reel") == ["type"])
        #expect(throws: SpoolpostError.self) {
            try YouTubeAdapter(
                account: F.account("yt", platform: .youtube, ["chunk_bytes": "1000"]),
                credentials: Credentials(path: "/tmp/none", values: ["access_token": "t"]), http: http)
        }
    }

    // MARK: - Thumbnail

    @Test func theThumbnailIsSetOnceTheVideoExists() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        _ = try folder.write("cover.jpg", Self.jpeg)
        try await withSandbox { server, base, http in
            let adapter = try Self.adapter(base, http, try Self.credentials(folder, ["access_token": "sandbox-token"]))
            let (outcome, log) = await adapter.publishRecording(try Self.request(folder, thumbnail: "cover.jpg"))
            #expect(outcome == .published(platformPostID: "yt_000001", url: "https://www.youtube.com/watch?v=yt_000001"))
            #expect(Array(log.events.suffix(3)) == [.publicStep, .step("video", "yt_000001"), .step("thumbnail", "done")])
            #expect(server.store.posts(network: "youtube").count == 1)
            let listed = try await http.execute(HTTPRequest(
                url: base + "/www.googleapis.com/youtube/v3/videos?id=yt_000001&part=snippet",
                headers: [HTTPHeader(name: "Authorization", value: "Bearer sandbox-token")]))
            let object = try #require(try JSONSerialization.jsonObject(with: Data(listed.body)) as? [String: Any])
            let item = try #require((object["items"] as? [[String: Any]])?.first)
            let thumbnails = try #require((item["snippet"] as? [String: Any])?["thumbnails"] as? [String: Any])
            let url = try #require((thumbnails["high"] as? [String: Any])?["url"] as? String)
            let image = try await http.execute(HTTPRequest(url: url))
            #expect(image.status == 200)
            #expect(image.body == Self.jpeg)
        }
    }

    @Test func aRetryAfterAThumbnailFailureSetsOnlyTheThumbnail() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        _ = try folder.write("cover.jpg", Self.jpeg)
        let faults = SandboxFaults.once(
            "/www.googleapis.com/upload/youtube/v3/thumbnails/set", method: "POST", .unavailable(retryAfterSeconds: 5))
        try await withSandbox(SandboxConfiguration(faults: faults)) { server, base, http in
            let adapter = try Self.adapter(base, http, try Self.credentials(folder, ["access_token": "sandbox-token"]))
            let (failed, first) = await adapter.publishRecording(try Self.request(folder, thumbnail: "cover.jpg"))
            let error = try #require(F.error(failed))
            #expect(error.isRetryable)
            #expect(error.retryAfter == 5)
            #expect(error.message.contains("yt_000001"))
            #expect(first.steps["video"] == "yt_000001")
            #expect(first.steps["thumbnail"] == nil)

            let (outcome, second) = await adapter.publishRecording(
                try Self.request(folder, thumbnail: "cover.jpg", steps: first.steps))
            #expect(outcome == .published(platformPostID: "yt_000001", url: "https://www.youtube.com/watch?v=yt_000001"))
            #expect(second.events == [.step("thumbnail", "done")])
            #expect(server.store.posts(network: "youtube").count == 1)

            // Settled: a third attempt sends nothing at all.
            let (again, third) = await adapter.publishRecording(
                try Self.request(folder, thumbnail: "cover.jpg", steps: second.steps))
            #expect(again == outcome)
            #expect(third.events.isEmpty)
        }
    }

    @Test func aThumbnailYouTubeRefusesForGoodKeepsTheVideoAndNotesWhy() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        _ = try folder.write("cover.jpg", Self.jpeg)
        try await withSandbox { server, base, http in
            let unverified = try Self.adapter(
                base, http, try Self.credentials(folder, ["access_token": "sandbox-unverified-token"]))
            let (outcome, log) = await unverified.publishRecording(try Self.request(folder, thumbnail: "cover.jpg"))
            #expect(outcome == .published(platformPostID: "yt_000001", url: "https://www.youtube.com/watch?v=yt_000001"))
            let note = try #require(log.steps["thumbnail"])
            #expect(note.hasPrefix("failed: 403/forbidden: "))
            #expect(server.store.posts(network: "youtube").count == 1)

            // A recorded video the channel no longer has: videoNotFound is final too, and nothing is uploaded.
            let ok = try Self.adapter(base, http, try Self.credentials(folder, ["access_token": "sandbox-token"]))
            let gone = RecordingProgress(steps: ["video": "yt_999999"])
            let kept = await ok.publish(
                try Self.request(folder, thumbnail: "cover.jpg", steps: gone.steps), progress: gone.progress)
            #expect(kept == .published(platformPostID: "yt_999999", url: "https://www.youtube.com/watch?v=yt_999999"))
            #expect(gone.values(of: "thumbnail").first?.hasPrefix("failed: 404/videoNotFound: ") == true)
            #expect(server.store.posts(network: "youtube").count == 1)
        }
    }

    @Test func aThumbnailThatCannotBeSentFailsBeforeAnyVideoExists() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        _ = try folder.write("cover.gif", Array("GIF89a".utf8) + Array(repeating: 0, count: 100))
        try await withSandbox { server, base, http in
            let adapter = try Self.adapter(base, http, try Self.credentials(folder, ["access_token": "sandbox-token"]))
            for name in ["missing.jpg", "cover.gif"] {
                let log = RecordingProgress()
                let error = try #require(F.error(await adapter.publish(
                    try Self.request(folder, thumbnail: name), progress: log.progress)))
                #expect(error.code == .invalidManifest)
                #expect(!error.isRetryable)
                #expect(log.events.isEmpty)
            }
            #expect(server.store.posts(network: "youtube").isEmpty)
        }
    }

    @Test func thumbnailErrorsAreClassifiedFromTheGoogleReason() {
        func response(_ status: Int, _ reason: String, headers: [HTTPHeader] = []) -> HTTPResponse {
            let body = #"{"error":{"code":\#(status),"message":"m","errors":[{"domain":"youtube.thumbnail","#
                + #""reason":"\#(reason)","message":"m"}]}}"#
            return HTTPResponse(status: status, headers: headers, body: Array(body.utf8))
        }
        let invalid = YouTubeAdapter.classify(response(400, "invalidImage"), service: "YouTube", subject: "the thumbnail")
        #expect(invalid.code == .rejected)
        #expect(invalid.platformCode == "400/invalidImage")
        #expect(!invalid.isRetryable)
        let empty = YouTubeAdapter.classify(response(400, "mediaBodyRequired"), service: "YouTube")
        #expect(empty.code == .rejected)
        #expect(empty.platformCode == "400/mediaBodyRequired")
        let forbidden = YouTubeAdapter.classify(response(403, "forbidden"), service: "YouTube")
        #expect(forbidden.code == .forbidden)
        #expect(!forbidden.isRetryable)
        let busy = YouTubeAdapter.classify(
            response(429, "uploadRateLimitExceeded", headers: [HTTPHeader(name: "Retry-After", value: "120")]),
            service: "YouTube")
        #expect(busy.code == .rateLimit)
        #expect(busy.isRetryable)
        #expect(busy.retryAfter == 120)
    }

    @Test func validationRefusesAThumbnailThatIsNotASmallJPEGOrPNG() throws {
        let http = try HTTPClient()
        defer { http.shutdown() }
        let adapter = try YouTubeAdapter(
            account: F.account("yt", platform: .youtube),
            credentials: Credentials(path: "/tmp/none", values: ["access_token": "t"]), http: http)
        func problems(_ file: OptionFile) -> [String?] {
            let target = PostTarget(
                index: 0, platform: .youtube, account: "yt", type: "video",
                options: ["title": F.node("t"), "thumbnail": F.node(file.path)])
            let manifest = Manifest(
                id: "m", text: nil, media: [MediaReference(source: .file(path: "v.mp4"))], scheduleAt: nil,
                targets: [target])
            let check = TargetCheck(
                manifest: manifest, target: target, mediaTypes: ["video/mp4"], files: ["thumbnail": file])
            return adapter.problems(with: check).map(\.field)
        }
        #expect(problems(OptionFile(path: "a.jpg", mimeType: "image/jpeg", size: 2 * 1024 * 1024)).isEmpty)
        #expect(problems(OptionFile(path: "a.png", mimeType: "image/png", size: 1000)).isEmpty)
        #expect(problems(OptionFile(path: "a.jpg", mimeType: "image/jpeg", size: 2 * 1024 * 1024 + 1)) == ["thumbnail"])
        #expect(problems(OptionFile(path: "a.jpg", mimeType: "image/webp", size: 1000)) == ["thumbnail"])
        #expect(problems(OptionFile(path: "a.jpg", mimeType: "video/mp4", size: 1000)) == ["thumbnail"])
    }

    @Test func aManifestWithABadThumbnailIsRefusedAtTheThumbnailLine() throws {
        let http = try HTTPClient()
        defer { http.shutdown() }
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        _ = try folder.write("v.mp4", [0, 0, 0, 0x18] + Array("ftypmp42".utf8) + Array(repeating: 0, count: 64))
        _ = try folder.write("big.png", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 1, count: 3 << 20))
        _ = try folder.write("ok.jpg", Self.jpeg)
        let adapter = try YouTubeAdapter(
            account: F.account("yt", platform: .youtube),
            credentials: Credentials(path: "/tmp/none", values: ["access_token": "t"]), http: http)
        let root = folder.path
        func read(_ thumbnail: String) throws -> ManifestReadResult {
            let text = """
                media:
                  - file: v.mp4
                targets:
                  - platform: youtube
                    title: Launch
                    thumbnail: \(thumbnail)
                """
            var context = ManifestReader.Context(
                fileName: "launch.yaml", accounts: ["yt": .youtube], now: Date(),
                mediaFileProblem: { path in
                    FileManager.default.fileExists(atPath: root + "/" + path) ? nil : "no file '\(path)' in \(root)"
                })
            context.mediaType = { reference in
                guard case .file(let path) = reference.source,
                    let bytes = FileManager.default.contents(atPath: root + "/" + path)
                else { return nil }
                return MediaSniffer.detect(bytes.prefix(MediaSniffer.bytesNeeded))?.mimeType
            }
            context.mediaFileSize = { path in
                ((try? FileManager.default.attributesOfItem(atPath: root + "/" + path))?[.size] as? NSNumber)?.int64Value
            }
            context.targetProblems = { adapter.problems(with: $0) }
            return ManifestReader.read(try YAMLLoader.load(Array(text.utf8)), context: context)
        }
        #expect(try read("ok.jpg").manifest != nil)
        for (name, words) in [("missing.jpg", "no file"), ("big.png", "at most"), ("v.mp4", "JPEG or PNG"), ("../x.jpg", "..")] {
            let result = try read(name)
            #expect(result.manifest == nil)
            let error = try #require(result.diagnostics.first)
            #expect(error.mark?.line == 6, "\(name)")
            #expect(error.message.contains(words), "\(name): \(error.message)")
        }
    }
}
