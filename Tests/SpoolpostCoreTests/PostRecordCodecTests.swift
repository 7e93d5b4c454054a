import Foundation
import SpoolpostCore
import Testing

/// Reads ``YAMLWriter`` output back into a node tree without libyaml (this target depends on the core only):
/// ``TestTree`` parses the block structure and keeps double-quoted scalars' text raw, so their escapes are
/// decoded here. The writer only escapes `\"`, `\\`, `\n`, `\t`, `\r`, `\xHH`, `\uHHHH` and `\UHHHHHHHH`.
/// Texts with an odd number of `"` would confuse ``TestTree``'s comment stripping, so tests avoid them.
enum WrittenYAML {
    static func parse(_ text: String) -> YAMLNode? {
        TestTree.parse(text).map(decoded)
    }

    private static func decoded(_ node: YAMLNode) -> YAMLNode {
        switch node.kind {
        case .scalar(let text):
            guard node.isQuoted else { return node }
            return YAMLNode(.scalar(unescape(text)), mark: node.mark, isQuoted: true)
        case .sequence(let items):
            return YAMLNode(.sequence(items.map(decoded)), mark: node.mark)
        case .mapping(let pairs):
            return YAMLNode(.mapping(pairs.map { (key: decoded($0.key), value: decoded($0.value)) }), mark: node.mark)
        }
    }

    private static func unescape(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var scalars = Array(text.unicodeScalars)[...]
        while let scalar = scalars.popFirst() {
            guard scalar == "\\", let escape = scalars.popFirst() else {
                out.append(scalar)
                continue
            }
            switch escape {
            case "n": out.append("\n")
            case "t": out.append("\t")
            case "r": out.append("\r")
            case "x", "u", "U":
                let width = escape == "x" ? 2 : escape == "u" ? 4 : 8
                let digits = String(String.UnicodeScalarView(scalars.prefix(width)))
                scalars = scalars.dropFirst(width)
                if let value = UInt32(digits, radix: 16), let decoded = Unicode.Scalar(value) { out.append(decoded) }
            default: out.append(escape)
            }
        }
        return String(out)
    }
}

@Suite struct PostRecordCodecTests {
    typealias F = PostRecordFixture

    static func decode(_ text: String) throws -> PostRecord {
        try PostRecordCodec.record(from: WrittenYAML.parse(text)).get()
    }

    /// A record that sets every field the status file has.
    static func fullRecord() -> PostRecord {
        var record = PostRecord(
            postID: "launch-2026", manifest: "launch-2.yaml", status: .publishing, now: F.start,
            targets: [
                TargetRecord(index: 0, platform: .webhook, account: "hooks"),
                TargetRecord(index: 1, platform: .linkedin, account: "acme-li"),
                TargetRecord(index: 2, platform: .x, account: "true"),
                TargetRecord(index: 5, platform: .youtube, account: "acme-yt"),
            ])
        record.updatedAt = F.at(90.25)
        record.scheduledAt = F.at(-3600)
        record.publishedAt = F.at(10)
        record.errors = ["launch.yaml:3:7: text: must not be empty"]
        record.warnings = ["launch.yaml:2:14: schedule_at: 2026-11-29T11:00:00Z had already passed", "second: one"]

        record.targets[0].status = .success
        record.targets[0].attempts = 2
        record.targets[0].platformPostID = "wh_000042"
        record.targets[0].url = "https://example.com/posts/wh_000042?a=1&b=2"
        record.targets[0].publishedAt = F.at(10)
        record.targets[0].steps = ["container": "17841400000000001", "upload": "media/a b.jpg"]

        record.targets[1].status = .retrying
        record.targets[1].attempts = 1
        record.targets[1].nextAttemptAt = F.at(40.5)
        record.targets[1].retryDelay = 30.5
        record.targets[1].error = TargetError(
            code: "RATE_LIMIT",
            message: "LinkedIn is rate limiting: \"slow down\" #429\n\ttry later — ünïcödé 👋",
            retryable: true, retryAfter: 30.5, platformCode: "429", attempts: 1, maxAttempts: 4)

        record.targets[2].status = .sending
        record.targets[2].attempts = 3
        record.targets[2].sendingSince = F.at(89)

        record.targets[3].status = .failed
        record.targets[3].attempts = 4
        record.targets[3].error = TargetError(
            code: "SERVER_ERROR", message: "", retryable: false, attempts: 4, maxAttempts: 4)
        return record
    }

    // MARK: - Round trips

    @Test func everyFieldOfTheStatusFileRoundTrips() throws {
        let record = Self.fullRecord()
        let decoded = try Self.decode(PostRecordCodec.statusText(record))
        #expect(decoded.postID == record.postID)
        #expect(decoded.manifest == record.manifest)
        #expect(decoded.status == record.status)
        #expect(decoded.createdAt == record.createdAt)
        #expect(decoded.updatedAt == record.updatedAt)
        #expect(decoded.scheduledAt == record.scheduledAt)
        #expect(decoded.publishedAt == record.publishedAt)
        #expect(decoded.errors == record.errors)
        #expect(decoded.warnings == record.warnings)
        #expect(decoded.targets.count == record.targets.count)
        for (got, want) in zip(decoded.targets, record.targets) {
            #expect(got == want, "target \(want.index)")
        }
        #expect(decoded == record)
    }

    @Test func everyStatusRoundTrips() throws {
        for status in PostStatus.allCases {
            for targetStatus in TargetStatus.allCases {
                var record = F.record()
                record.status = status
                record.targets[0].status = targetStatus
                let decoded = try Self.decode(PostRecordCodec.statusText(record))
                #expect(decoded.status == status)
                #expect(decoded.targets[0].status == targetStatus)
            }
        }
    }

    @Test func aRecordWithoutTargetsOrOptionalFieldsRoundTrips() throws {
        var record = PostRecord(postID: "bad", manifest: "bad.yaml", status: .invalid, now: F.start)
        record.errors = ["bad.yaml:1:1: expected a mapping"]
        let text = PostRecordCodec.statusText(record)
        #expect(text.contains("scheduled_at: null\n"))
        #expect(text.contains("published_at: null\n"))
        #expect(text.contains("results: []\n"))
        #expect(!text.contains("warnings"))
        let decoded = try Self.decode(text)
        #expect(decoded == record)
    }

    @Test func statusFileHasTheMultipostShape() {
        var record = F.record()
        record.beginAttempts([0], now: F.at(1))
        record.recordFailure(
            0, error: SpoolpostError(.serverError, "down", retryable: true, retryAfter: 7, platformCode: "503"),
            retry: RetryPolicy(), now: F.at(2))
        let text = PostRecordCodec.statusText(record)
        #expect(text == """
            post_id: launch-1
            manifest: launch.yaml
            status: PUBLISHING
            created_at: "2026-11-29T12:00:00.000Z"
            updated_at: "2026-11-29T12:00:02.000Z"
            scheduled_at: null
            published_at: null
            results:
              - target: 0
                platform: webhook
                account: hook-0
                status: RETRYING
                post_id: null
                url: null
                attempts: 1
                next_attempt_at: "2026-11-29T12:00:09.000Z"
                retry_delay: 7.0
                error:
                  code: SERVER_ERROR
                  message: down
                  retryable: true
                  retry_after: 7.0
                  attempts: 1
                  max_attempts: 4
                  platform_code: "503"

            """)
    }

    // MARK: - The retry file

    @Test func retryFileExistsOnlyWhileATargetWaits() {
        var record = F.record(targets: 2)
        #expect(PostRecordCodec.retryText(record) == nil)
        record.beginAttempts([0, 1], now: F.at(0))
        #expect(PostRecordCodec.retryText(record) == nil)
        record.recordFailure(0, error: F.transient, retry: RetryPolicy(), now: F.at(1))
        #expect(PostRecordCodec.retryText(record) != nil)
        record.recordSuccess(1, platformPostID: nil, url: nil, now: F.at(1))
        #expect(PostRecordCodec.retryText(record) != nil)
        record.beginAttempts([0], now: F.at(3))
        #expect(PostRecordCodec.retryText(record) == nil)
        record.recordFailure(0, error: F.permanent, retry: RetryPolicy(), now: F.at(4))
        #expect(PostRecordCodec.retryText(record) == nil)
    }

    @Test func retryFileListsEachWaitingTargetWithItsNextAttempt() throws {
        var record = F.record(targets: 3)
        record.beginAttempts([0, 1, 2], now: F.at(0))
        record.recordFailure(
            0, error: SpoolpostError(.rateLimit, "slow", retryable: true, retryAfter: 60), retry: RetryPolicy(),
            now: F.at(1))
        record.recordSuccess(1, platformPostID: nil, url: nil, now: F.at(1))
        record.recordFailure(2, error: F.transient, retry: RetryPolicy(), now: F.at(1))
        record.beginAttempts([2], now: F.at(3))
        record.recordFailure(2, error: F.transient, retry: RetryPolicy(), now: F.at(4))

        let text = try #require(PostRecordCodec.retryText(record))
        let root = try #require(WrittenYAML.parse(text))
        #expect(root["post_id"]?.scalar == "launch-1")
        let items = try #require(root["targets"]?.sequence)
        #expect(items.count == 2)
        #expect(items[0]["target"]?.scalar == "0")
        #expect(items[0]["platform"]?.scalar == "webhook")
        #expect(items[0]["account"]?.scalar == "hook-0")
        #expect(items[0]["attempt"]?.scalar == "2")
        #expect(items[0]["delay"]?.scalar.flatMap(Double.init) == 60)
        #expect(items[0]["next_attempt_at"]?.scalar.flatMap(RFC3339.parse) == F.at(61))
        #expect(items[0]["last_error"]?.scalar == "RATE_LIMIT")
        #expect(items[1]["target"]?.scalar == "2")
        #expect(items[1]["account"]?.scalar == "hook-2")
        #expect(items[1]["attempt"]?.scalar == "3")
        #expect(items[1]["delay"]?.scalar.flatMap(Double.init) == 4)
        #expect(items[1]["next_attempt_at"]?.scalar.flatMap(RFC3339.parse) == F.at(8))
        #expect(items[1]["last_error"]?.scalar == "SERVER_ERROR")
    }

    // MARK: - Malformed input

    @Test func inputsThatAreNotStatusFilesAreRejectedWithAReason() {
        let cases: [(String, YAMLNode?, String)] = [
            ("nothing", nil, "not a mapping"),
            ("a scalar", TestTree.parse("just text"), "not a mapping"),
            ("a list", TestTree.parse("- a\n- b"), "not a mapping"),
            ("no post_id", TestTree.parse("status: SUCCESS"), "no post_id"),
            ("empty post_id", TestTree.parse("post_id: ''\nstatus: SUCCESS"), "no post_id"),
            ("list post_id", TestTree.parse("post_id: [a]\nstatus: SUCCESS"), "no post_id"),
            ("no status", TestTree.parse("post_id: a"), "no valid status"),
            ("unknown status", TestTree.parse("post_id: a\nstatus: DONE"), "no valid status"),
            ("lower-case status", TestTree.parse("post_id: a\nstatus: success"), "no valid status"),
            (
                "unknown platform", TestTree.parse("""
                    post_id: a
                    status: SUCCESS
                    results:
                      - platform: webhook
                        account: h
                        status: SUCCESS
                      - platform: myspace
                        account: h
                        status: SUCCESS
                    """), "results[1] is incomplete"
            ),
            (
                "no account", TestTree.parse("""
                    post_id: a
                    status: SUCCESS
                    results:
                      - platform: webhook
                        status: SUCCESS
                    """), "results[0] is incomplete"
            ),
            (
                "bad target status", TestTree.parse("""
                    post_id: a
                    status: SUCCESS
                    results:
                      - platform: webhook
                        account: h
                        status: MAYBE
                    """), "results[0] is incomplete"
            ),
            ("a scalar result", TestTree.parse("post_id: a\nstatus: FAILED\nresults:\n  - webhook"), "results[0] is incomplete"),
        ]
        for (name, root, reason) in cases {
            switch PostRecordCodec.record(from: root) {
            case .success(let record): Issue.record("\(name): accepted as \(record)")
            case .failure(let error):
                #expect(error.reason == reason, "\(name)")
                #expect(error.description == reason)
            }
        }
    }

    @Test func unreadableValuesFallBackInsteadOfCrashing() throws {
        let root = TestTree.parse("""
            post_id: odd
            status: FAILED
            created_at: yesterday
            updated_at: [1, 2]
            scheduled_at: 2026-13-45T99:00:00Z
            published_at: {}
            errors: not-a-list
            warnings:
              - kept
              - [nested]
            results: {}
            """)
        let record = try PostRecordCodec.record(from: root).get()
        #expect(record.postID == "odd")
        #expect(record.status == .failed)
        #expect(record.manifest == "")
        #expect(record.createdAt == Date(timeIntervalSince1970: 0))
        #expect(record.updatedAt == record.createdAt)
        #expect(record.scheduledAt == nil)
        #expect(record.publishedAt == nil)
        #expect(record.errors.isEmpty)
        #expect(record.warnings == ["kept"])
        #expect(record.targets.isEmpty)
    }

    @Test func unreadableTargetFieldsFallBackInsteadOfCrashing() throws {
        let root = TestTree.parse("""
            post_id: odd
            status: PUBLISHING
            results:
              - platform: Twitter
                account: a
                status: RETRYING
                target: first
                attempts: -x
                next_attempt_at: soon
                retry_delay: long
                post_id: ~
                error:
                  retryable: maybe
                  attempts: many
                steps: [a]
              - platform: webhook
                account: b
                status: FAILED
                attempts: 2
                error: oops
            """)
        let record = try PostRecordCodec.record(from: root).get()
        #expect(record.targets.count == 2)
        let first = record.targets[0]
        #expect(first.platform == .x)
        #expect(first.index == 0)
        #expect(first.attempts == 0)
        #expect(first.nextAttemptAt == nil)
        #expect(first.retryDelay == nil)
        #expect(first.platformPostID == nil)
        #expect(first.steps.isEmpty)
        let error = try #require(first.error)
        #expect(error.code == "INTERNAL_ERROR")
        #expect(error.message == "")
        #expect(error.retryable == false)
        #expect(error.retryAfter == nil)
        #expect(error.attempts == 0)
        #expect(error.maxAttempts == 0)
        let second = record.targets[1]
        #expect(second.index == 1)
        #expect(second.attempts == 2)
        #expect(second.error == nil)
    }

    @Test func errorAttemptsDefaultToTheTargetsAttempts() throws {
        let root = TestTree.parse("""
            post_id: a
            status: FAILED
            results:
              - target: 3
                platform: webhook
                account: h
                status: FAILED
                attempts: 2
                error:
                  code: REJECTED
                  message: no
                  retryable: false
                  retry_after: null
            """)
        let target = try #require(try PostRecordCodec.record(from: root).get().targets.first)
        #expect(target.index == 3)
        #expect(target.error == TargetError(code: "REJECTED", message: "no", retryable: false, attempts: 2, maxAttempts: 0))
    }
}
