import Foundation
import SpoolpostSandbox
import Testing

/// Media to the networks through the sandbox's simulators: a large video whose resumable upload is cut by
/// SIGKILL and resumed, networks that fetch by URL (Instagram, Threads) and one that takes the bytes (YouTube),
/// then cleanup after the retention.
@Suite("media to the networks, end to end", .serialized)
struct MediaNetworksEndToEndTests {
    /// An MP4 by its leading bytes (ftyp isom), `size` bytes long.
    static func video(size: Int) -> [UInt8] {
        var bytes: [UInt8] = [0, 0, 0, 24] + Array("ftypisom".utf8) + [0, 0, 2, 0] + Array("isomiso2".utf8)
        var state: UInt32 = 0x1234_5678
        bytes.reserveCapacity(size)
        while bytes.count < size {
            state = state &* 1_664_525 &+ 1_013_904_223
            bytes.append(UInt8(truncatingIfNeeded: state >> 24))
        }
        return bytes
    }

    static func harness(faults: SandboxFaults = SandboxFaults(), chunkBytes: Int = 8 << 20) async throws -> DaemonHarness {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("spoolpost-creds-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let credentials = directory.appendingPathComponent("sandbox.yaml").path
        try "access_token: sandbox-token\n".write(toFile: credentials, atomically: true, encoding: .utf8)
        chmod(credentials, 0o600)
        return try await DaemonHarness(
            faults: faults,
            // A slow embedded store (1 MiB/s), so the upload is surely under way when the test kills the daemon,
            // even on a loaded machine.
            extraConfig: "storage:\n  resumable_threshold: 1MiB\n  chunk_size: 256KiB\n  retention: 1s\n"
                + "  embedded_upload_rate: 1MiB\n",
            extraAccounts: { base in
                """
                  insta:
                    platform: instagram
                    user_id: "17841400000000001"
                    api_base: \(base)/graph.facebook.com/v21.0
                    poll_interval: 100ms
                    credentials: \(credentials)
                  threads:
                    platform: threads
                    user_id: "17841400000000002"
                    api_base: \(base)/graph.threads.net/v1.0
                    poll_interval: 100ms
                    credentials: \(credentials)
                  tube:
                    platform: youtube
                    api_base: \(base)/www.googleapis.com/youtube/v3
                    upload_base: \(base)/www.googleapis.com/upload/youtube/v3
                    oauth_base: \(base)/oauth2.googleapis.com/token
                    chunk_bytes: \(chunkBytes)
                    credentials: \(credentials)
                """
            })
    }

    static func count(_ text: String, _ needle: String) -> Int { text.components(separatedBy: needle).count - 1 }

    @Test("a large video's upload cut by SIGKILL resumes; URL and byte networks publish it; cleanup deletes it")
    func killedUploadResumes() async throws {
        let harness = try await Self.harness()
        defer { harness.stop() }
        let media = harness.spool.appendingPathComponent("media")
        try FileManager.default.createDirectory(at: media, withIntermediateDirectories: true)
        let size = 16 << 20
        try Data(Self.video(size: size)).write(to: media.appendingPathComponent("clip.mp4"))
        try Data(MediaEndToEndTests.png).write(to: media.appendingPathComponent("still.png"))
        try Data(Self.video(size: 1_200_000)).write(to: media.appendingPathComponent("short.mp4"))
        try await harness.startDaemon()

        try harness.dropRenamed("clip.yaml", """
            text: The launch video
            media:
              - file: clip.mp4
            targets:
              - platform: youtube
                title: Launch
                privacy: unlisted
              - platform: instagram
                type: reel
            """)
        // Kill once part of the video is in the store, with its session and offset recorded.
        try await harness.waitFor("part of the video to be uploaded", timeout: 120) {
            guard let status = harness.read("publishing", "clip.status.yaml"),
                let range = status.range(of: "confirmed_bytes: ")
            else { return false }
            let digits = status[range.upperBound...].prefix { $0.isNumber }
            return (Int(digits) ?? 0) > 0
        }
        harness.signal(SIGKILL)
        _ = try await harness.waitForExit()
        let cut = try #require(harness.read("publishing", "clip.status.yaml"))
        #expect(cut.contains("state: UPLOADING"))
        #expect(cut.contains("upload_session: "))
        #expect(cut.contains("public_step_started: false"))
        #expect(harness.sandbox.store.count == 0)

        try await harness.startDaemon()
        try await harness.waitFor("clip.yaml in done/", timeout: 120) { harness.names("done").contains("clip.status.yaml") }
        let done = try #require(harness.read("done", "clip.status.yaml"))
        #expect(done.contains("status: SUCCESS"))
        #expect(done.contains("state: UPLOADED"))
        #expect(done.contains("size: \(size)"))
        #expect(!done.contains("upload_session:"))
        // The same session carried on: the store saw one resumable upload, and holds one object.
        let sessions = harness.spool.appendingPathComponent("store/sessions").path
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: sessions)) ?? []).count == 1)
        #expect(MediaEndToEndTests.objectFiles(harness).count == 1)
        #expect(Self.count(harness.allLogs, "media uploaded") == 1)
        let networks = harness.sandbox.store.all.map(\.network).sorted()
        #expect(networks == ["instagram", "youtube"])

        // An image and a video together, to a network that fetches both by URL (a Threads carousel).
        try harness.dropRenamed("both.yaml", """
            text: Still and moving
            media:
              - file: still.png
              - file: short.mp4
            targets: [threads]
            """)
        try await harness.waitFor("both.yaml in done/", timeout: 120) { harness.names("done").contains("both.status.yaml") }
        let both = try #require(harness.read("done", "both.status.yaml"))
        #expect(both.contains("status: SUCCESS"))
        #expect(Self.count(both, "state: UPLOADED") == 2)
        #expect(MediaEndToEndTests.objectFiles(harness).count == 3)

        // After the retention (1 s here), cleanup deletes all three objects.
        try await Task.sleep(for: .seconds(2))
        let cleanup = try await harness.command(["cleanup", "--config", harness.configPath, "--log-level", "warning"])
        #expect(cleanup.status == 0, "\(cleanup.errors)")
        #expect(Self.count(cleanup.output, "deleted gs://spoolpost-local/") == 3)
        #expect(MediaEndToEndTests.objectFiles(harness).isEmpty)
        #expect(harness.read("done", "clip.status.yaml")?.contains("state: DELETED") == true)
    }

    @Test("SIGKILL in the middle of a YouTube upload: the restart resumes the recorded session, one video")
    func killedYouTubeUploadResumes() async throws {
        // The session start and the first two chunks each wait 3 s at the receiver: the daemon is killed while
        // the second chunk waits, with the session and the first chunk's offset recorded.
        let faults = SandboxFaults([
            SandboxFaultRule(pathPrefix: "/www.googleapis.com/upload/youtube/v3/videos", count: 3, action: .delay(seconds: 3)),
        ])
        let harness = try await Self.harness(faults: faults, chunkBytes: 256 << 10)
        defer { harness.stop() }
        let media = harness.spool.appendingPathComponent("media")
        try FileManager.default.createDirectory(at: media, withIntermediateDirectories: true)
        try Data(Self.video(size: 1 << 20)).write(to: media.appendingPathComponent("tube.mp4"))
        try await harness.startDaemon()
        try harness.dropRenamed("tube.yaml", """
            text: Resumable
            media:
              - file: tube.mp4
            targets:
              - platform: youtube
                title: Resumed upload
            """)
        try await harness.waitFor("the session and a confirmed offset", timeout: 120) {
            guard let status = harness.read("publishing", "tube.status.yaml"), status.contains("session: ") else {
                return false
            }
            return status.range(of: #"offset: "?[1-9]"#, options: .regularExpression) != nil
        }
        harness.signal(SIGKILL)
        _ = try await harness.waitForExit()
        let cut = try #require(harness.read("publishing", "tube.status.yaml"))
        #expect(cut.contains("status: SENDING"))
        #expect(cut.contains("public_step_started: false"))

        try await harness.startDaemon()
        try await harness.waitFor("tube.yaml in done/", timeout: 120) { harness.names("done").contains("tube.status.yaml") }
        let done = try #require(harness.read("done", "tube.status.yaml"))
        #expect(done.contains("status: SUCCESS"))
        #expect(done.contains("www.youtube.com/watch?v="))
        #expect(harness.log.contains("resumes from the recorded steps"))
        // One video: the second run carried on with the session the first one opened.
        #expect(harness.sandbox.store.all.filter { $0.network == "youtube" }.count == 1)
    }

    @Test("SIGKILL while an Instagram container is processing: the restart polls the recorded container, no second one")
    func killedInstagramPublishResumes() async throws {
        // The first two status polls of the container wait 3 s each at the receiver: the daemon is killed while
        // one waits, with the container recorded.
        let faults = SandboxFaults([
            SandboxFaultRule(pathPrefix: "/graph.facebook.com/v21.0/179", method: "GET", count: 2, action: .delay(seconds: 3)),
        ])
        let harness = try await Self.harness(faults: faults)
        defer { harness.stop() }
        let media = harness.spool.appendingPathComponent("media")
        try FileManager.default.createDirectory(at: media, withIntermediateDirectories: true)
        try Data(Self.video(size: 64 << 10)).write(to: media.appendingPathComponent("reel.mp4"))
        try await harness.startDaemon()
        try harness.dropRenamed("reel.yaml", """
            text: Resumed reel
            media:
              - file: reel.mp4
            targets:
              - platform: instagram
                account: insta
                type: reel
            """)
        func container(_ status: String?) -> String? {
            guard let status, let range = status.range(of: #"container: "?[0-9]+"#, options: .regularExpression) else {
                return nil
            }
            return String(status[range].filter(\.isNumber))
        }
        try await harness.waitFor("the container recorded", timeout: 120) {
            container(harness.read("publishing", "reel.status.yaml")) != nil
        }
        harness.signal(SIGKILL)
        _ = try await harness.waitForExit()
        let cut = try #require(harness.read("publishing", "reel.status.yaml"))
        let recorded = try #require(container(cut))
        #expect(cut.contains("public_step_started: false"))

        try await harness.startDaemon()
        try await harness.waitFor("reel.yaml in done/", timeout: 120) { harness.names("done").contains("reel.status.yaml") }
        let done = try #require(harness.read("done", "reel.status.yaml"))
        #expect(done.contains("status: SUCCESS"))
        #expect(container(done) == recorded)
        #expect(harness.log.contains("resumes from the recorded steps"))
        // The post went out from the container recorded before the kill (a new one would have replaced the
        // step), once.
        #expect(harness.sandbox.store.all.filter { $0.network == "instagram" }.count == 1)
    }
}
