import Foundation
import SpoolpostCore
import Testing

@Suite struct ManifestReaderTests {
    @Test func readsACompleteManifest() throws {
        let result = ManifestFixture.read("""
            id: launch-2026-12-01
            text: "We're live!"
            media:
              - file: launch.jpg
                alt: Our new dashboard
              - gcs: gs://bucket/media/images/acme/1701-uuid.jpg
              - url: https://cdn.example.com/promo.mp4
            schedule_at: 2026-12-01T09:00:00+01:00
            targets:
              - platform: webhook
                account: hooks
                text: "override"
                type: Post
              - platform: youtube
                account: acme-yt
                title: Launch
                description: All about it
                tags: [launch, product]
                made_for_kids: no
                privacy: public
            """)
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics.map(\.description))")
        let manifest = try #require(result.manifest)
        #expect(manifest.id == "launch-2026-12-01")
        #expect(manifest.text == "We're live!")
        #expect(manifest.media == [
            MediaReference(
                source: .file(path: "launch.jpg"), alt: "Our new dashboard", mark: SourceMark(line: 4, column: 5)),
            MediaReference(
                source: .gcs(bucket: "bucket", object: "media/images/acme/1701-uuid.jpg"),
                mark: SourceMark(line: 6, column: 5)),
            MediaReference(source: .url("https://cdn.example.com/promo.mp4"), mark: SourceMark(line: 7, column: 5)),
        ])
        #expect(manifest.scheduleAt.map(RFC3339.format) == "2026-12-01T08:00:00.000Z")
        #expect(manifest.targets.count == 2)
        let hook = manifest.targets[0]
        #expect(hook.index == 0)
        #expect(hook.platform == .webhook)
        #expect(hook.account == "hooks")
        #expect(hook.text == "override")
        #expect(hook.type == "post")
        #expect(hook.options.isEmpty)
        #expect(manifest.text(for: hook) == "override")
        let youtube = manifest.targets[1]
        #expect(youtube.index == 1)
        #expect(youtube.account == "acme-yt")
        #expect(youtube.text == nil)
        #expect(manifest.text(for: youtube) == "We're live!")
        #expect(Set(youtube.options.keys) == ["title", "description", "tags", "made_for_kids", "privacy"])
        #expect(youtube.option("title") == "Launch")
        #expect(youtube.options["tags"]?.sequence?.map(\.scalar) == ["launch", "product"])
        #expect(youtube.options["made_for_kids"]?.scalar == "no")
    }

    @Test(arguments: [
        ("launch.yaml", "launch"), ("launch.yml", "launch"), ("post.JSON", "post"), ("spool/pending/a.b.yaml", "a.b"),
        ("noext", "noext"),
    ])
    func idDefaultsToTheFileName(_ fileName: String, _ id: String) throws {
        let result = ManifestFixture.read(
            """
            text: hi
            targets: [webhook]
            """, ManifestFixture.context(fileName: fileName))
        #expect(try #require(result.manifest).id == id)
    }

    @Test func fileNameThatIsNoIdNeedsAnId() {
        let errors = ManifestFixture.errors(
            """
            text: hi
            targets: [webhook]
            """, ManifestFixture.context(fileName: "my post.yaml"))
        #expect(errors == [
            "my post.yaml: id: no `id:` given, and the file name does not make a valid id ('my post'): add `id:` "
                + "with 1-200 characters of letters, digits, '.', '_' and '-', or rename the file",
        ])
    }

    @Test(arguments: [".hidden", "a/b", "a b", "émoji", String(repeating: "a", count: 201), ""])
    func rejectsInvalidIds(_ id: String) {
        let errors = ManifestFixture.errors("""
            id: "\(id)"
            text: hi
            targets: [webhook]
            """)
        #expect(errors == [
            "launch.yaml:1:5: id: invalid id '\(id)': use 1-200 characters of letters, digits, '.', '_' and '-', "
                + "not starting with '.'",
        ])
    }

    @Test func acceptsIdsAtTheLimits() {
        #expect(ManifestReader.isValidID(String(repeating: "a", count: 200)))
        #expect(ManifestReader.isValidID("A.b_c-9"))
        #expect(ManifestReader.isValidID("x"))
    }

    @Test func refusesAnIdAlreadyUsed() {
        let context = ManifestFixture.context(existingState: { $0 == "launch" ? "done" : nil })
        #expect(ManifestFixture.errors("""
            id: launch
            text: hi
            targets: [webhook]
            """, context) == [
            "launch.yaml:1:5: id: a post with id 'launch' is already in done/; ids are never published twice: "
                + "give this post a new id",
        ])
        // The default id is checked too, without a position.
        #expect(ManifestFixture.errors("""
            text: hi
            targets: [webhook]
            """, context) == [
            "launch.yaml: id: a post with id 'launch' is already in done/; ids are never published twice: "
                + "give this post a new id",
        ])
    }

    @Test func rootMustBeAMapping() {
        #expect(ManifestFixture.errors("- webhook") == [
            "launch.yaml:1:1: expected a mapping of post fields (id, text, media, schedule_at, timezone, targets), "
                + "found a list",
        ])
        #expect(ManifestFixture.errors("just text") == [
            "launch.yaml:1:1: expected a mapping of post fields (id, text, media, schedule_at, timezone, targets), "
                + "found the text 'just text'",
        ])
        let empty = ManifestReader.read(nil, context: ManifestFixture.context())
        #expect(empty.manifest == nil)
        #expect(empty.errors.map(\.description) == [
            "launch.yaml: the manifest is empty: write at least `targets:` and `text:` or `media:`",
        ])
    }

    @Test func unknownFieldsSuggestTheClosest() {
        #expect(ManifestFixture.errors("""
            txt: hello
            text: hi
            scheduel_at: 2026-12-01T09:00:00Z
            colour: blue
            targets:
              - platfrom: webhook
                account: hooks
            """) == [
            "launch.yaml:1:1: txt: unknown field 'txt'; did you mean 'text'?",
            "launch.yaml:3:1: scheduel_at: unknown field 'scheduel_at'; did you mean 'schedule_at'?",
            "launch.yaml:4:1: colour: unknown field 'colour'; accepted fields: id, text, media, schedule_at, "
                + "timezone, targets",
            "launch.yaml:6:5: targets[0].platfrom: unknown field 'platfrom'; did you mean 'platform'?",
            "launch.yaml:6:5: targets[0]: the target has no platform: add `platform:` (one of webhook, facebook, "
                + "instagram, threads, linkedin, x, youtube)",
        ])
    }

    @Test func wrongTypesSayWhatWasFoundAndExpected() {
        #expect(ManifestFixture.errors("""
            id: [a]
            text:
              nested: mapping
            targets: 5
            """) == [
            "launch.yaml:1:5: id: expected an id (letters, digits, '.', '_', '-'), found a list",
            "launch.yaml:3:3: text: expected text, found a mapping",
            "launch.yaml:4:10: targets: expected a list of targets, found the number 5",
        ])
        // A malformed text is reported once, not again as "nothing to publish".
        #expect(ManifestFixture.errors("""
            text: [a, b]
            targets: [webhook]
            """) == ["launch.yaml:1:7: text: expected text, found a list"])
    }

    @Test func aliasesGivenTogetherAreAnError() {
        #expect(ManifestFixture.errors("""
            text: one
            content: two
            targets:
              - platform: webhook
                text: a
                content: b
                type: post
                mediaType: IMAGE
            platforms: [webhook]
            text: three
            """) == [
            "launch.yaml:2:1: content: 'text' and 'content' are the same field ('content' is an alias of 'text'): "
                + "keep one",
            "launch.yaml:6:5: targets[0].content: 'text' and 'content' are the same field ('content' is an alias "
                + "of 'text'): keep one",
            "launch.yaml:8:5: targets[0].mediaType: 'type' and 'mediaType' are the same field ('mediaType' is an "
                + "alias of 'type'): keep one",
            "launch.yaml:9:1: platforms: 'targets' and 'platforms' are the same field ('platforms' is an alias of "
                + "'targets'): keep one",
            "launch.yaml:10:1: text: duplicate field 'text' (first given at 1:1): keep one",
        ])
    }

    @Test func emptyTextWithoutMediaIsAnError() {
        #expect(ManifestFixture.errors("""
            text: "   "
            targets:
              - platform: webhook
              - platform: facebook
                text: own text
              - acme-yt-is-no-platform
            """) == [
            "launch.yaml:3:5: targets[0]: nothing to publish: no text (neither this target's text nor the post's "
                + "text) and no media; add `text:` or `media:`",
            "launch.yaml:6:5: targets[2]: unknown platform 'acme-yt-is-no-platform'; accepted platforms: webhook, "
                + "facebook, instagram, threads, linkedin, x, youtube (twitter is an alias of x)",
        ])
        #expect(ManifestFixture.errors("""
            targets: [webhook]
            """) == [
            "launch.yaml:1:11: targets[0]: nothing to publish: no text (neither this target's text nor the post's "
                + "text) and no media; add `text:` or `media:`",
        ])
        // Media alone is something to publish; a null text reads as empty.
        let mediaOnly = ManifestFixture.read("""
            text:
            media:
              url: https://cdn.example.com/a.jpg
            targets: [webhook]
            """)
        #expect(mediaOnly.diagnostics.isEmpty)
        #expect(mediaOnly.manifest?.text == "")
    }

    @Test func reportsEveryProblemInDocumentOrder() throws {
        let result = ManifestFixture.read("""
            id: .bad
            text: hi
            media:
              - file: /etc/passwd
              - url: ftp://example.com/a.jpg
            schedule_at: 2026-12-01T09:00:00
            targets:
              - platform: myspace
              - platform: linkedin
              - platform: facebook
                account: hooks
            """)
        #expect(result.manifest == nil)
        #expect(result.errors.map { "\($0.mark!):\($0.path)" } == [
            "1:5:id", "4:11:media[0].file", "5:10:media[1].url", "6:14:schedule_at", "8:15:targets[0].platform",
            "9:5:targets[1].account", "11:14:targets[2].account",
        ])
        let combined = try #require(result.error)
        #expect(combined.code == .invalidManifest)
        #expect(combined.message.hasPrefix("7 problems in the manifest:\nlaunch.yaml:1:5: id: invalid id"))
        #expect(combined.message.split(separator: "\n").count == 8)
    }

    @Test func diagnosticDescriptionsLeaveOutWhatIsUnknown() {
        let mark = SourceMark(line: 3, column: 7)
        #expect(Diagnostic(.error, file: "a.yaml", mark: mark, path: "targets[1].platform", "bad").description
            == "a.yaml:3:7: targets[1].platform: bad")
        #expect(Diagnostic(.warning, file: "a.yaml", mark: mark, path: "schedule_at", "late").description
            == "a.yaml:3:7: warning: schedule_at: late")
        #expect(Diagnostic(.error, file: "a.yaml", mark: nil, path: "", "empty").description == "a.yaml: empty")
        #expect(Diagnostic(.warning, file: "a.yaml", mark: nil, path: "id", "x").description == "a.yaml: warning: id: x")
    }
}
