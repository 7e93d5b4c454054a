import SpoolpostCore
import Testing

@Suite struct YAMLWriterTests {
    @Test func writesNestedBlockStyleDeterministically() {
        let value: YAMLValue = [
            "name": "launch",
            "state": "done",
            "attempts": 2,
            "ratio": 0.5,
            "ok": true,
            "error": nil,
            "targets": [
                ["network": "mastodon", "url": "https://example.social/@me/1"],
                ["network": "bluesky", "ids": ["a", "b"], "extra": [:]],
            ],
            "tags": [],
            "meta": ["nested": ["deep": 1]],
            "matrix": [[1, 2], []],
        ]
        let expected = """
            name: launch
            state: done
            attempts: 2
            ratio: 0.5
            ok: true
            error: null
            targets:
              - network: mastodon
                url: https://example.social/@me/1
              - network: bluesky
                ids:
                  - a
                  - b
                extra: {}
            tags: []
            meta:
              nested:
                deep: 1
            matrix:
              - - 1
                - 2
              - []

            """
        #expect(YAMLWriter.write(value) == expected)
        #expect(YAMLWriter.write(value) == YAMLWriter.write(value))
    }

    @Test func topLevelScalarsAndEmptyCollectionsEndWithANewline() {
        #expect(YAMLWriter.write("hello") == "hello\n")
        #expect(YAMLWriter.write(.list([])) == "[]\n")
        #expect(YAMLWriter.write(.map([])) == "{}\n")
        #expect(YAMLWriter.write(nil) == "null\n")
        #expect(YAMLWriter.write(["x"]) == "- x\n")
    }

    @Test(arguments: [
        "yes", "No", "ON", "off", "y", "n", "true", "False", "null", "Null", "~", "", "1.0", "0123", "0x1F",
        "1e3", ".inf", "-.inf", ".NaN", "2026-12-01", "12:30:00", "190:20:30", "+1", "-1", "- x", "a: b", "#x",
        "a #b", "key:", "multi\nline", "tab\there", " lead", "trail ", "[x]", "{x}", "*ref", "&anchor", "!tag",
        "|block", ">fold", "'single'", "\"double\"", "%dir", "@at", "`tick`", "?q", ",c", "<<", "=", "---", "...",
        "nul\u{0}byte", "bell\u{7}", "del\u{7F}", "nel\u{85}", "ls\u{2028}", "bom\u{FEFF}",
    ])
    func ambiguousStringsAreDoubleQuoted(_ text: String) {
        let written = YAMLWriter.write(.string(text))
        #expect(written.hasPrefix("\""), "\(text.debugDescription) was written as \(written.debugDescription)")
    }

    @Test(arguments: [
        "hello", "hello world", "it's", "a,b", "a#b", "a:b", "https://example.com/x?y=1#frag", "Ünïcödé",
        "中文 漢字", "emoji 😀 🎉", "yes please", "nullable", "x-1", "C++", "say \"hi\"", "back\\slash",
    ])
    func ordinaryStringsArePlain(_ text: String) {
        #expect(YAMLWriter.write(.string(text)) == text + "\n")
    }

    @Test func escapesInDoubleQuotes() {
        #expect(YAMLWriter.write("a\nb\t\"c\"\\") == #""a\nb\t\"c\"\\""# + "\n")
        #expect(YAMLWriter.write("\u{0}\u{1B}\r\u{85}\u{2028}\u{FEFF} x") == #""\x00\x1B\r\x85\u2028\uFEFF x""# + "\n")
        #expect(YAMLWriter.write(" 😀") == "\" 😀\"\n")
    }

    @Test func keysThatNeedQuotingAreQuoted() {
        let value: YAMLValue = .map([("yes", 1), ("", 2), ("a: b", 3), ("plain", 4), ("2026", 5)])
        #expect(YAMLWriter.write(value) == "\"yes\": 1\n\"\": 2\n\"a: b\": 3\nplain: 4\n\"2026\": 5\n")
    }

    @Test(arguments: [
        0.0, -0.0, 1.0, 0.1, 1.0 / 3.0, -2.5, 1e20, 1e-5, 123456789.125, 6.02214076e23,
        Double.leastNonzeroMagnitude, Double.leastNormalMagnitude, Double.greatestFiniteMagnitude,
    ])
    func doublesReadBackExactlyAndAlwaysHaveAFractionPoint(_ value: Double) throws {
        let text = YAMLWriter.write(.double(value)).dropLast()
        let parsed = try #require(Double(String(text)))
        #expect(parsed == value)
        #expect(parsed.sign == value.sign)
        #expect(text.contains("."), "\(text) would be an integer or a string to a YAML 1.1 reader")
    }

    @Test func specialDoubles() {
        #expect(YAMLWriter.write(.double(.infinity)) == ".inf\n")
        #expect(YAMLWriter.write(.double(-.infinity)) == "-.inf\n")
        #expect(YAMLWriter.write(.double(.nan)) == ".nan\n")
        #expect(YAMLWriter.write(.double(1e20)) == "1.0e+20\n")
    }

    @Test func valueEqualityRespectsMapOrder() {
        let ab: YAMLValue = ["a": 1, "b": 2]
        let ba: YAMLValue = ["b": 2, "a": 1]
        #expect(ab != ba)
        #expect(ab == .map([("a", .int(1)), ("b", .int(2))]))
        #expect(Set([ab, ab, ba]).count == 2)
        #expect(ab["b"] == .int(2))
        #expect(YAMLValue.int(1) != .double(1))
    }
}
