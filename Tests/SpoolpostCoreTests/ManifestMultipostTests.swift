import SpoolpostCore
import Testing

@Suite struct ManifestMultipostTests {
    /// The original architecture's request body, as a YAML document.
    @Test func acceptsTheMultipostBodyAsYAML() throws {
        let result = ManifestFixture.read(
            """
            content: Big news
            media:
              type: image
              gcsPath: gs://acme-media/images/acme/1701-uuid.jpg
            platforms:
              - platform: facebook
                pageId: "1234567890"
                mediaType: IMAGE
              - platform: youtube
                title: Launch
                description: All about it
            scheduleAt: 2026-12-01T10:00:00Z
            """, ManifestFixture.context(fileName: "req-42.json"))
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics.map(\.description))")
        let manifest = try #require(result.manifest)
        #expect(manifest.id == "req-42")
        #expect(manifest.text == "Big news")
        #expect(manifest.media == [
            MediaReference(
                source: .gcs(bucket: "acme-media", object: "images/acme/1701-uuid.jpg"), kindHint: "IMAGE",
                mark: SourceMark(line: 3, column: 3)),
        ])
        #expect(manifest.scheduleAt.map(RFC3339.format) == "2026-12-01T10:00:00.000Z")
        #expect(manifest.targets.map(\.account) == ["acme-page", "acme-yt"])
        #expect(manifest.targets[0].type == "image")
        #expect(manifest.targets[0].option("page_id") == "1234567890")
        #expect(manifest.targets[1].option("title") == "Launch")
        #expect(manifest.targets[1].option("description") == "All about it")
    }

    /// The same body as a JSON loader would hand it over: one line, every string quoted.
    @Test func acceptsTheMultipostBodyAsJSON() throws {
        // {"content": "Hi", "media": {"type": "VIDEO", "gcsPath": "gs://b-1/v.mp4"},
        //  "platforms": [{"platform": "facebook", "mediaType": "REEL"}], "scheduleAt": "2024-01-15T10:00:00Z"}
        func s(_ text: String, _ line: Int, _ column: Int) -> YAMLNode {
            TestTree.scalar(text, line, column, quoted: true)
        }
        let root = TestTree.map(1, 1, [
            (s("content", 1, 2), s("Hi", 1, 13)),
            (s("media", 1, 19), TestTree.map(1, 28, [
                (s("type", 1, 29), s("VIDEO", 1, 37)),
                (s("gcsPath", 1, 46), s("gs://b-1/v.mp4", 1, 57)),
            ])),
            (s("platforms", 1, 75), TestTree.list(1, 88, [
                TestTree.map(1, 89, [
                    (s("platform", 1, 90), s("facebook", 1, 102)),
                    (s("mediaType", 1, 114), s("REEL", 1, 127)),
                ]),
            ])),
            (s("scheduleAt", 1, 136), s("2024-01-15T10:00:00Z", 1, 150)),
        ])
        let result = ManifestReader.read(root, context: ManifestFixture.context(fileName: "req.json"))
        let manifest = try #require(result.manifest)
        #expect(manifest.id == "req")
        #expect(manifest.media.first?.kindHint == "VIDEO")
        #expect(manifest.media.first?.source == .gcs(bucket: "b-1", object: "v.mp4"))
        #expect(manifest.targets.first?.type == "reel")
        #expect(manifest.targets.first?.account == "acme-page")
        // Long past: published now, with a warning at the scheduleAt value.
        #expect(result.warnings.map(\.description) == [
            "req.json:1:150: warning: scheduleAt: was due at 2024-01-15T10:00:00.000Z (1049 days ago), publishing now",
        ])
    }
}
