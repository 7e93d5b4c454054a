import Foundation
import SpoolpostCore
import SpoolpostIO
import SpoolpostSandbox
import Testing

/// Media through the embedded object store: uploads recorded in status files, signed read URLs the receiver
/// can fetch, never uploading twice, gcs: checks, content validation and cleanup.
@Suite("media end to end", .serialized)
struct MediaEndToEndTests {
    /// A small valid PNG.
    static let png: [UInt8] = {
        var bytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        bytes += [0, 0, 0, 13] + Array("IHDR".utf8) + [0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0, 0x90, 0x77, 0x53, 0xDE]
        bytes += (0..<200).map { UInt8($0 % 251) }
        return bytes
    }()

    static func putMedia(_ harness: DaemonHarness, _ name: String, _ bytes: [UInt8]) throws {
        let media = harness.spool.appendingPathComponent("media")
        try FileManager.default.createDirectory(at: media, withIntermediateDirectories: true)
        try Data(bytes).write(to: media.appendingPathComponent(name))
    }

    static func objectFiles(_ harness: DaemonHarness) -> [String] {
        let folder = harness.spool.appendingPathComponent("store/objects/spoolpost-local").path
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".json") }
    }

    @Test("a file: item is uploaded once, recorded UPLOADED, and the receiver fetches it through a signed URL")
    func uploadsAndSigns() async throws {
        let faults = SandboxFaults([SandboxFaultRule(pathPrefix: "/webhook/", count: 1, action: .status(503, retryAfterSeconds: 0))])
        let harness = try await DaemonHarness(faults: faults)
        defer { harness.stop() }
        try Self.putMedia(harness, "logo.jpg", Self.png)  // a PNG named .jpg: the content decides
        try await harness.startDaemon()
        try harness.dropRenamed("pic.yaml", """
            text: with a picture
            media:
              - file: logo.jpg
                alt: the logo
            targets: [webhook]
            """)
        try await harness.waitFor("pic.yaml in done/") { harness.names("done").contains("pic.status.yaml") }
        let status = try #require(harness.read("done", "pic.status.yaml"))
        #expect(status.contains("state: UPLOADED"))
        #expect(status.contains("mime: image/png"))
        #expect(status.contains("object: media/images/hooks/"))
        #expect(status.contains("attempts: 2"))
        // The retry reused the upload: one object in the store.
        #expect(Self.objectFiles(harness).count == 1)
        #expect(harness.allLogs.components(separatedBy: "media uploaded").count == 2)

        let received = try #require(harness.sandbox.store.all.last)
        let body = try #require(try JSONSerialization.jsonObject(with: Data(received.body)) as? [String: Any])
        let media = try #require((body["media"] as? [[String: Any]])?.first)
        #expect(media["mime"] as? String == "image/png")
        let url = try #require(media["fetch_url"] as? String)
        #expect(url.contains("X-Goog-Signature="))
        let http = try HTTPClient()
        defer { http.shutdown() }
        let fetched = try await http.execute(HTTPRequest(url: url))
        #expect(fetched.status == 200)
        #expect(fetched.body == Self.png)
        // Tampering with the signed URL is refused, as GCS does.
        let tampered = try await http.execute(HTTPRequest(url: url.replacingOccurrences(of: "X-Goog-Expires=", with: "X-Goog-Expires=1")))
        #expect(tampered.status == 403)
        #expect(tampered.bodyText.contains("<Code>SignatureDoesNotMatch</Code>"))
        // A URL signed with the store's own key, but expired, is refused as GCS refuses it.
        let objectLine = try #require(status.split(separator: "\n").first { $0.contains("object: media/") })
        let object = String(objectLine.split(separator: " ").last ?? "")
        let stale = try await harness.command([
            "sign", "gs://spoolpost-local/\(object)", "--config", harness.configPath,
            "--at", RFC3339.format(Date().addingTimeInterval(-7200)), "--expires", "1h",
        ])
        #expect(stale.status == 0, "\(stale.errors)")
        let expired = try await http.execute(HTTPRequest(url: stale.output.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(expired.status == 400)
        #expect(expired.bodyText.contains("<Code>ExpiredToken</Code>"))
        // The same, signed now, is served.
        let fresh = try await harness.command(["sign", "gs://spoolpost-local/\(object)", "--config", harness.configPath])
        let served = try await http.execute(HTTPRequest(url: fresh.output.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(served.status == 200)
        #expect(served.body == Self.png)
    }

    @Test("content that is not an accepted media type is refused at validation with its line and column")
    func refusesByContent() async throws {
        let harness = try await DaemonHarness()
        defer { harness.stop() }
        try Self.putMedia(harness, "photo.jpg", Array("this is text, not a photo".utf8))
        try await harness.startDaemon()
        try harness.dropRenamed("fake.yaml", "text: hi\nmedia:\n  - file: photo.jpg\ntargets: [webhook]\n")
        try await harness.waitFor("fake.yaml in failed/") { harness.names("failed").contains("fake.status.yaml") }
        let status = try #require(harness.read("failed", "fake.status.yaml"))
        #expect(status.contains("status: INVALID"))
        #expect(status.contains("fake.yaml:3:11"))
        #expect(status.contains("not a JPEG, PNG, GIF, WebP, MP4 or MOV file"))
        #expect(harness.sandbox.store.count == 0)
    }

    @Test("a gcs: object that does not exist fails the post before anything is published")
    func missingGCSObject() async throws {
        let harness = try await DaemonHarness()
        defer { harness.stop() }
        try await harness.startDaemon()
        try harness.dropRenamed("gone.yaml", "text: hi\nmedia:\n  - gcs: gs://spoolpost-local/media/images/x/1-none.jpg\ntargets: [webhook]\n")
        try await harness.waitFor("gone.yaml in failed/") { harness.names("failed").contains("gone.status.yaml") }
        let status = try #require(harness.read("failed", "gone.status.yaml"))
        #expect(status.contains("code: NOT_FOUND"))
        #expect(status.contains("does not exist"))
        #expect(harness.sandbox.store.count == 0)
    }

    @Test("cleanup deletes uploaded objects past the retention and records DELETED")
    func cleanupDeletes() async throws {
        let harness = try await DaemonHarness(extraConfig: "storage:\n  retention: 1s\n")
        defer { harness.stop() }
        try Self.putMedia(harness, "logo.png", Self.png)
        try await harness.startDaemon()
        try harness.dropRenamed("old.yaml", "text: hi\nmedia:\n  - file: logo.png\ntargets: [webhook]\n")
        try await harness.waitFor("old.yaml in done/") { harness.names("done").contains("old.status.yaml") }
        #expect(Self.objectFiles(harness).count == 1)
        try await Task.sleep(for: .seconds(2))
        let dry = try await harness.command(["cleanup", "--dry-run", "--config", harness.configPath, "--log-level", "warning"])
        #expect(dry.status == 0)
        #expect(dry.output.contains("would delete gs://spoolpost-local/media/images/hooks/"))
        #expect(Self.objectFiles(harness).count == 1)
        let run = try await harness.command(["cleanup", "--config", harness.configPath, "--log-level", "warning"])
        #expect(run.status == 0, "\(run.errors)")
        #expect(run.output.contains("deleted gs://spoolpost-local/media/images/hooks/"))
        #expect(Self.objectFiles(harness).isEmpty)
        let status = try #require(harness.read("done", "old.status.yaml"))
        #expect(status.contains("state: DELETED"))
        #expect(status.contains("deleted_at:"))
        let again = try await harness.command(["cleanup", "--config", harness.configPath, "--log-level", "warning"])
        #expect(again.output.contains("nothing to delete"))
    }
}
