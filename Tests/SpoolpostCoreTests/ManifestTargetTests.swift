import SpoolpostCore
import Testing

@Suite struct ManifestTargetTests {
    @Test func singleAccountOfAPlatformIsUsedWhenNoneIsNamed() throws {
        let manifest = try #require(ManifestFixture.read("""
            text: hi
            targets:
              - facebook
              - platform: YouTube
              - Instagram
            """).manifest)
        #expect(manifest.targets.map(\.account) == ["acme-page", "acme-yt", "acme-insta"])
        #expect(manifest.targets.map(\.platform) == [.facebook, .youtube, .instagram])
        #expect(manifest.targets.map(\.index) == [0, 1, 2])
    }

    @Test func twitterIsAnAliasOfX() throws {
        let manifest = try #require(ManifestFixture.read(
            """
            text: hi
            targets: [twitter]
            """, ManifestFixture.context(accounts: ["acme-x": .x])).manifest)
        #expect(manifest.targets.first?.platform == .x)
        #expect(Platform(name: "TWITTER") == .x)
        #expect(Platform(name: "X") == .x)
        #expect(Platform(name: "myspace") == nil)
    }

    @Test func missingAccountWithZeroOrSeveralCandidates() {
        #expect(ManifestFixture.errors("""
            text: hi
            targets:
              - platform: linkedin
              - threads
            """) == [
            "launch.yaml:3:5: targets[0].account: no account given and the configuration has several linkedin "
                + "accounts (acme-li, acme-li-2): say which with `account:`",
            "launch.yaml:4:5: targets[1].account: no account given and the configuration has no threads account: "
                + "add one under `accounts:` in spoolpost.yaml",
        ])
    }

    @Test func unknownAndWrongPlatformAccounts() {
        #expect(ManifestFixture.errors("""
            text: hi
            targets:
              - platform: linkedin
                account: acme-lj
              - platform: linkedin
                account: acme-page
              - platform: threads
                account: nobody
              - platform: x
                account: hooks
            """) == [
            "launch.yaml:4:14: targets[0].account: unknown account 'acme-lj' (did you mean 'acme-li'?); linkedin "
                + "accounts in the configuration: acme-li, acme-li-2",
            "launch.yaml:6:14: targets[1].account: account 'acme-page' is a facebook account, but this target's "
                + "platform is linkedin; linkedin accounts in the configuration: acme-li, acme-li-2",
            "launch.yaml:8:14: targets[2].account: unknown account 'nobody'; the configuration has no threads "
                + "account: add one under `accounts:` in spoolpost.yaml",
            "launch.yaml:10:14: targets[3].account: account 'hooks' is a webhook account, but this target's "
                + "platform is x; the configuration has no x account",
        ])
    }

    @Test func unknownPlatformListsTheAcceptedOnes() {
        #expect(ManifestFixture.errors("""
            text: hi
            targets:
              - platform: facebok
                account: acme-page
              - platform: [a]
            """) == [
            "launch.yaml:3:15: targets[0].platform: unknown platform 'facebok'; did you mean 'facebook'? Accepted "
                + "platforms: webhook, facebook, instagram, threads, linkedin, x, youtube",
            "launch.yaml:5:15: targets[1].platform: expected a platform name (webhook, facebook, instagram, threads, "
                + "linkedin, x, youtube), found a list",
        ])
    }

    @Test func noTargets() {
        #expect(ManifestFixture.errors("text: hi") == [
            "launch.yaml:1:1: targets: no targets: add `targets:` with at least one item, e.g. `- platform: webhook` "
                + "and `account: NAME`",
        ])
        #expect(ManifestFixture.errors("""
            text: hi
            targets: []
            """) == [
            "launch.yaml:2:10: targets: no targets: add `targets:` with at least one item, e.g. "
                + "`- platform: webhook` and `account: NAME`",
        ])
        #expect(ManifestFixture.errors("""
            text: hi
            targets:
              - {}
            """) == [
            "launch.yaml:3:5: targets[0]: the target has no platform: add `platform:` (one of webhook, facebook, "
                + "instagram, threads, linkedin, x, youtube)",
        ])
    }

    @Test func platformOptionsAreKeptUnderSnakeCaseKeys() throws {
        let manifest = try #require(ManifestFixture.read(
            """
            text: hi
            timezone: Europe/Paris
            targets:
              - platform: facebook
                pageId: "1234"
                media_type: STORY
                link: https://example.com
              - platform: youtube
                category: 28
                thumbnail: thumb.jpg
                publish_at: 2026-12-02 10:00
                tags: launch
              - platform: webhook
                thread:
                  - second post
                  - third post
                reply_to: "42"
            """).manifest)
        let facebook = manifest.targets[0]
        #expect(facebook.type == "story")
        #expect(Set(facebook.options.keys) == ["page_id", "link"])
        #expect(facebook.option("page_id") == "1234")
        let youtube = manifest.targets[1]
        #expect(youtube.option("category") == "28")
        #expect(youtube.option("tags") == "launch")
        // publish_at is resolved like schedule_at and kept as an RFC 3339 UTC instant.
        #expect(youtube.option("publish_at") == "2026-12-02T09:00:00.000Z")
        #expect(youtube.options["publish_at"]?.mark == SourceMark(line: 11, column: 17))
        let webhook = manifest.targets[2]
        #expect(webhook.options["thread"]?.sequence?.map(\.scalar) == ["second post", "third post"])
        #expect(webhook.option("reply_to") == "42")
    }

    @Test func platformOptionsAreTypeChecked() {
        #expect(ManifestFixture.errors("""
            text: hi
            targets:
              - platform: youtube
                title: [a]
                made_for_kids: "no"
                tags:
                  - ok
                  - nested: map
                publish_at: tomorrow
                thread: one
                descripton: typo
                type: {}
            """) == [
            "launch.yaml:4:12: targets[0].title: expected text, found a list",
            "launch.yaml:5:20: targets[0].made_for_kids: expected true or false, found the text 'no'",
            "launch.yaml:8:9: targets[0].tags[1]: expected a tag, found a mapping",
            "launch.yaml:9:17: targets[0].publish_at: 'tomorrow' is not a date-time: write RFC 3339 with an offset "
                + "(2026-12-01T09:00:00+01:00, 2026-12-01T08:00:00Z) or a local time (2026-12-01T09:00:00, "
                + "2026-12-01 09:00) with a time zone",
            "launch.yaml:10:13: targets[0].thread: expected a list of texts (the posts that follow the first), "
                + "found the text 'one'",
            "launch.yaml:11:5: targets[0].descripton: unknown field 'descripton'; did you mean 'description'?",
            "launch.yaml:12:11: targets[0].type: expected a post type, found a mapping",
        ])
    }

    @Test func unknownTargetFieldWithoutCloseMatchListsTheAccepted() {
        #expect(ManifestFixture.errors("""
            text: hi
            targets:
              - platform: webhook
                colour: red
            """) == [
            "launch.yaml:4:5: targets[0].colour: unknown field 'colour'; accepted fields: platform, account, text, "
                + "type, title, description, tags, category, privacy, publish_at, made_for_kids, thumbnail, thread, "
                + "reply_to, link, page_id",
        ])
    }

    @Test func targetsMustBeMappingsOrPlatformNames() {
        #expect(ManifestFixture.errors("""
            text: hi
            targets:
              - [webhook]
              -
            """) == [
            "launch.yaml:3:5: targets[0]: expected a target: a mapping with platform: and account:, or a platform "
                + "name, found a list",
            "launch.yaml:4:4: targets[1]: expected a target: a mapping with platform: and account:, or a platform "
                + "name, found nothing (null)",
        ])
    }
}
