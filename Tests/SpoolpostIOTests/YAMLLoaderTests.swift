import SpoolpostCore
import SpoolpostIO
import Testing

private func load(_ text: String, limits: YAMLLoader.Limits = .init()) throws(YAMLLoadError) -> YAMLNode? {
    try YAMLLoader.load(Array(text.utf8), limits: limits)
}

/// The error `text` fails with, or nil (recorded as a test failure) if it loads.
private func loadError(
    _ text: String, limits: YAMLLoader.Limits = .init(), sourceLocation: SourceLocation = #_sourceLocation
) -> YAMLLoadError? {
    #expect(throws: YAMLLoadError.self, sourceLocation: sourceLocation) { try load(text, limits: limits) }
}

@Suite struct YAMLLoaderTests {
    @Test func mappingsSequencesAndScalarsCarryMarks() throws {
        let text = """
            name: spool
            targets:
              - mastodon
              - bluesky
            count: 3

            """
        let root = try #require(try load(text))
        #expect(root.mark == SourceMark(line: 1, column: 1))
        let pairs = try #require(root.mapping)
        #expect(pairs.map { $0.key.scalar } == ["name", "targets", "count"])
        #expect(pairs[1].key.mark == SourceMark(line: 2, column: 1))
        #expect(root["name"]?.scalar == "spool")
        #expect(root["name"]?.mark == SourceMark(line: 1, column: 7))
        let targets = try #require(root["targets"])
        #expect(targets.mark == SourceMark(line: 3, column: 3))
        #expect(targets.sequence?.map(\.scalar) == ["mastodon", "bluesky"])
        #expect(targets.sequence?.map(\.mark) == [SourceMark(line: 3, column: 5), SourceMark(line: 4, column: 5)])
        #expect(root["count"]?.scalar == "3")
        #expect(root["count"]?.isQuoted == false)
    }

    @Test func quotedScalarsAreStringsAndPlainOnesKeepTheirText() throws {
        let root = try #require(try load("a: \"1\"\nb: '2'\nc: 3\nd: !!str 4\ne: ~\nf:\ng: !!int 5\nh: yes\n"))
        #expect(root["a"]?.scalar == "1")
        #expect(root["a"]?.isQuoted == true)
        #expect(root["b"]?.isQuoted == true)
        #expect(root["c"]?.isQuoted == false)
        #expect(root["d"]?.scalar == "4")
        #expect(root["d"]?.isQuoted == true)
        #expect(root["e"]?.isNull == true)
        #expect(root["f"]?.isNull == true)
        #expect(root["g"]?.scalar == "5")
        #expect(root["g"]?.isQuoted == false)
        #expect(root["h"]?.scalar == "yes")
        #expect(root["h"]?.isQuoted == false)
    }

    @Test func doubleQuotedEscapesAreDecoded() throws {
        let root = try #require(try load(#"a: "tab\there \u00e9 \"q\" back\\slash""# + "\n"))
        #expect(root["a"]?.scalar == "tab\there é \"q\" back\\slash")
    }

    @Test func blockScalarsAreStrings() throws {
        let root = try #require(try load("a: |\n  line one\n  line two\nb: >\n  folded\n  text\nc: |-\n  123\n"))
        #expect(root["a"]?.scalar == "line one\nline two\n")
        #expect(root["a"]?.isQuoted == true)
        #expect(root["b"]?.scalar == "folded text\n")
        #expect(root["b"]?.isQuoted == true)
        #expect(root["c"]?.scalar == "123")
        #expect(root["c"]?.isQuoted == true)
    }

    @Test func aliasesAreExpandedAsCopiesMarkedWhereUsed() throws {
        let root = try #require(try load("base: &b {x: 1, y: [a, b]}\ncopy: *b\nname: &n hello\nagain: *n\n"))
        let base = try #require(root["base"])
        let copy = try #require(root["copy"])
        #expect(copy.kind == base.kind)
        #expect(copy["y"]?.sequence?.map(\.scalar) == ["a", "b"])
        #expect(copy.mark == SourceMark(line: 2, column: 7))
        #expect(root["again"]?.scalar == "hello")
    }

    @Test func undefinedAliasIsAnError() throws {
        let error = try #require(loadError("a: 1\nb: *nope\n"))
        #expect(error.message.contains("*nope"))
        #expect(error.mark == SourceMark(line: 2, column: 4))
    }

    @Test func billionLaughsStopsAtTheNodeLimit() throws {
        var text = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for level in 1...9 {
            let refs = Array(repeating: "*a\(level - 1)", count: 9).joined(separator: ", ")
            text += "a\(level): &a\(level) [\(refs)]\n"
        }
        let error = try #require(loadError(text))
        #expect(error.message.contains("aliases expand the document to more than 10000 nodes"))
        let mark = try #require(error.mark)
        #expect(error.message.contains("line \(mark.line)"))
        // 9 + 9*10 + 9*91 ... crosses 10 000 within the fourth or fifth level, long before the tenth.
        #expect(mark.line <= 6)
    }

    @Test func nodeLimitAppliesWithoutAliasesToo() throws {
        let error = try #require(loadError("[1, 2, 3, 4, 5, 6]", limits: .init(maxNodes: 5)))
        #expect(error.message.contains("more than 5 nodes"))
        #expect(try load("[1, 2, 3, 4]", limits: .init(maxNodes: 5)) != nil)
    }

    @Test func nestingDepthIsBounded() throws {
        #expect(try load(String(repeating: "[", count: 64) + String(repeating: "]", count: 64)) != nil)
        let error = try #require(loadError(String(repeating: "[", count: 65) + String(repeating: "]", count: 65)))
        #expect(error.message.contains("64 levels"))
        #expect(error.mark == SourceMark(line: 1, column: 65))
        // Deep enough to overflow a naive recursive parser; must fail at the limit, not crash.
        #expect(loadError(String(repeating: "[", count: 100_000)) != nil)

        let limits = YAMLLoader.Limits(maxDepth: 3)
        #expect(try load("a: {b: {c: 1}}", limits: limits) != nil)
        #expect(loadError("a: {b: {c: [1]}}", limits: limits) != nil)
        // An alias counts with the depth of what it copies.
        let aliasError = try #require(loadError("a: &x [[1]]\nb: [*x]\n", limits: limits))
        #expect(aliasError.mark == SourceMark(line: 2, column: 5))
    }

    @Test func sizeIsBounded() throws {
        let error = try #require(loadError("a: 12345678", limits: .init(maxBytes: 10)))
        #expect(error.message == "the document is 11 bytes; the limit is 10 bytes")
        #expect(error.mark == nil)
        #expect(try load("a: 1234567", limits: .init(maxBytes: 10)) != nil)
    }

    @Test func duplicateKeysAreRejectedAtTheSecond() throws {
        let error = try #require(loadError("a: 1\nb: 2\na: 3\n"))
        #expect(error.mark == SourceMark(line: 3, column: 1))
        #expect(error.message.contains("'a'"))
        #expect(error.message.contains("first on line 1"))
        #expect(loadError("\"k\": 1\nk: 2\n") != nil)
        #expect(loadError("outer:\n  x: 1\n  x: 2\n")?.mark == SourceMark(line: 3, column: 3))
        // The same key in different mappings is fine.
        #expect(try load("a: {x: 1}\nb: {x: 2}\n") != nil)
    }

    @Test func complexKeysAreRejected() throws {
        let error = try #require(loadError("? [a, b]\n: c\n"))
        #expect(error.message.contains("key must be text"))
        #expect(error.mark == SourceMark(line: 1, column: 3))
        #expect(loadError("{{a: 1}: b}") != nil)
        #expect(loadError("list: &l [1]\n*l : x\n") != nil)
    }

    @Test func customTagsAreRejectedCoreTagsIgnored() throws {
        let custom = try #require(loadError("a: !custom x\n"))
        #expect(custom.message.contains("!custom"))
        #expect(custom.mark == SourceMark(line: 1, column: 4))
        #expect(try #require(loadError("a: !!binary aGk=\n")).message.contains("!!binary"))
        #expect(loadError("a: !!set {x}\n") != nil)
        let root = try #require(try load("a: !!map {b: !!seq [!!float 1.5, !!bool true, !!null ~]}\n"))
        #expect(root["a"]?["b"]?.sequence?.map(\.scalar) == ["1.5", "true", "~"])
    }

    @Test func multipleDocumentsAreRejected() throws {
        let error = try #require(loadError("a: 1\n---\nb: 2\n"))
        #expect(error.message.contains("one document per file"))
        #expect(error.mark == SourceMark(line: 2, column: 1))
        #expect(try load("---\na: 1\n...\n")?["a"]?.scalar == "1")
    }

    @Test func syntaxErrorsCarryLibyamlTextAndPosition() throws {
        let flow = try #require(loadError("a: [1, 2\nb: 3\n"))
        #expect(flow.message.contains("did not find expected ',' or ']'"))
        #expect(flow.message.contains("while parsing a flow sequence"))
        #expect(flow.mark?.line == 2)

        let values = try #require(loadError("a: b: c\n"))
        #expect(values.message.contains("mapping values are not allowed"))
        #expect(values.mark == SourceMark(line: 1, column: 5))
        #expect(values.description.hasPrefix("line 1, column 5: "))

        let indent = try #require(loadError("a:\n  b: 1\n c: 2\n"))
        #expect(indent.mark?.line == 3)
    }

    @Test func controlCharactersAreReportedAtTheirPosition() throws {
        let error = try #require(loadError("a: b\nc: \u{0}\n"))
        #expect(error.message.contains("control characters"))
        #expect(error.mark == SourceMark(line: 2, column: 4))
    }

    @Test func invalidUTF8IsRejected() throws {
        let error = #expect(throws: YAMLLoadError.self) {
            try YAMLLoader.load(Array("ok: 1\né: ".utf8) + [0xFF, 0x0A])
        }
        #expect(error?.message.contains("not valid UTF-8") == true)
        #expect(error?.mark == SourceMark(line: 2, column: 4))
        // A truncated multi-byte sequence.
        #expect(throws: YAMLLoadError.self) { try YAMLLoader.load([0x61, 0x3A, 0x20, 0xE6, 0xBC]) }
        // UTF-16 is not accepted.
        #expect(throws: YAMLLoadError.self) { try YAMLLoader.load([0xFF, 0xFE, 0x61, 0x00]) }
    }

    @Test func everyPrefixOfADocumentLoadsOrFailsCleanly() throws {
        let text = """
            title: "Launch 🚀 day"
            targets: [mastodon, {bluesky: {handle: 'me.example'}}]
            body: |
              Hello
              world
            defaults: &d {lang: 中文}
            other: *d
            items:
              - a: 1
                b: [x, y]

            """
        let bytes = Array(text.utf8)
        #expect(try YAMLLoader.load(bytes)?["other"]?["lang"]?.scalar == "中文")
        var failures = 0
        for length in 0...bytes.count {
            do {
                _ = try YAMLLoader.load(Array(bytes[..<length]))
            } catch {
                failures += 1
                #expect(!error.message.isEmpty)
            }
        }
        // Cuts inside the quoted title, the flow list and the emoji must fail; cuts at line ends must not.
        #expect(failures > 0)
        #expect(failures < bytes.count)
    }

    @Test func emptyDocumentsLoadAsNil() throws {
        #expect(try load("") == nil)
        #expect(try load("   \n\n") == nil)
        #expect(try load("# only a comment\n") == nil)
        #expect(try load("---\n") == nil)
        #expect(try load("---\n...\n") == nil)
        #expect(try load("\"\"")?.scalar == "")
        #expect(try load("~")?.isNull == true)
    }

    @Test func unicodeTextSurvivesAndColumnsCountCharacters() throws {
        let root = try #require(try load("title: \"héllo 🎉\"\n中文: 漢字 😀\nb: [😀, z]\n"))
        #expect(root["title"]?.scalar == "héllo 🎉")
        #expect(root["中文"]?.scalar == "漢字 😀")
        #expect(root["b"]?.sequence?.last?.mark == SourceMark(line: 3, column: 8))
        // A byte order mark is allowed.
        #expect(try YAMLLoader.load([0xEF, 0xBB, 0xBF] + Array("a: 1".utf8))?["a"]?.scalar == "1")
    }

    @Test func jsonTextIsAccepted() throws {
        let root = try #require(try load(#"{"a": [1, 2.5, true, null, "x"], "b": {"c": "d\u00e9"}}"#))
        #expect(root["a"]?.sequence?.map(\.scalar) == ["1", "2.5", "true", "null", "x"])
        #expect(root["a"]?.sequence?[3].isNull == true)
        #expect(root["a"]?.sequence?[4].isQuoted == true)
        #expect(root["b"]?["c"]?.scalar == "dé")
    }
}
