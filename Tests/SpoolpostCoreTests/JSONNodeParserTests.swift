import SpoolpostCore
import Testing

private func parse(_ text: String, maxDepth: Int = 64) throws(JSONNodeParseError) -> YAMLNode {
    try JSONNodeParser.parse(Array(text.utf8), maxDepth: maxDepth)
}

private func parseError(
    _ text: String, maxDepth: Int = 64, sourceLocation: SourceLocation = #_sourceLocation
) -> JSONNodeParseError? {
    #expect(throws: JSONNodeParseError.self, sourceLocation: sourceLocation) { try parse(text, maxDepth: maxDepth) }
}

@Suite struct JSONNodeParserTests {
    @Test func objectsArraysAndScalarsCarryMarks() throws {
        let text = """
            {
              "name": "spool",
              "targets": ["mastodon", "bluesky"],
              "count": 3,
              "ok": true, "off": false, "none": null
            }
            """
        let root = try parse(text)
        #expect(root.mark == SourceMark(line: 1, column: 1))
        #expect(root.mapping?.map { $0.key.scalar } == ["name", "targets", "count", "ok", "off", "none"])
        #expect(root.mapping?.first?.key.mark == SourceMark(line: 2, column: 3))
        #expect(root.mapping?.first?.key.isQuoted == true)
        #expect(root["name"]?.scalar == "spool")
        #expect(root["name"]?.isQuoted == true)
        #expect(root["name"]?.mark == SourceMark(line: 2, column: 11))
        #expect(root["targets"]?.mark == SourceMark(line: 3, column: 14))
        #expect(root["targets"]?.sequence?.map(\.scalar) == ["mastodon", "bluesky"])
        #expect(root["targets"]?.sequence?.last?.mark == SourceMark(line: 3, column: 27))
        #expect(root["count"]?.scalar == "3")
        #expect(root["count"]?.isQuoted == false)
        #expect(root["ok"]?.scalar == "true")
        #expect(root["off"]?.scalar == "false")
        #expect(root["none"]?.isNull == true)
    }

    @Test func numbersKeepTheirSourceText() throws {
        let root = try parse("[0, -0, 12, -3.25, 1e3, 1.5E-7, 2e+2]")
        #expect(root.sequence?.map(\.scalar) == ["0", "-0", "12", "-3.25", "1e3", "1.5E-7", "2e+2"])
        #expect(root.sequence?.allSatisfy { !$0.isQuoted } == true)
        #expect(try parse(" 42 ").scalar == "42")
    }

    @Test func malformedNumbersAreRejected() throws {
        #expect(parseError("0123")?.message.contains("leading zeros") == true)
        #expect(parseError("-")?.message.contains("expected a digit after '-'") == true)
        #expect(parseError("1.")?.message.contains("expected a digit after '.'") == true)
        #expect(parseError("1e")?.message.contains("exponent") == true)
        #expect(parseError("+1") != nil)
        #expect(parseError(".5") != nil)
    }

    @Test func stringEscapesAreDecoded() throws {
        let node = try parse(#""q\" b\\ s\/ \b\f\n\r\t \u00e9 \u4e2d \ud83d\ude00 \u0000""#)
        #expect(node.scalar == "q\" b\\ s/ \u{8}\u{C}\n\r\t é 中 😀 \u{0}")
        #expect(node.isQuoted)
        #expect(try parse("\"raw 🎉 中文\"").scalar == "raw 🎉 中文")
    }

    @Test func badEscapesAndSurrogatesAreRejected() throws {
        #expect(parseError(#""\x41""#)?.mark == SourceMark(line: 1, column: 3))
        #expect(parseError(#""\u12G4""#)?.message.contains("four hex digits") == true)
        #expect(parseError(#""\ud83d""#)?.message.contains("high surrogate") == true)
        #expect(parseError(#""\ud83d\u0041""#)?.message.contains("high surrogate") == true)
        #expect(parseError(#""\ude00""#)?.message.contains("low surrogate") == true)
        #expect(parseError("\"tab\there\"")?.message.contains("control characters") == true)
    }

    @Test func errorsSayWhatWasExpectedAndWhere() throws {
        let member = try #require(parseError("{\"a\": 1\n \"b\": 2}"))
        #expect(member.message == "expected ',' or '}' after a member, found '\"'")
        #expect(member.mark == SourceMark(line: 2, column: 2))
        #expect(member.description == "line 2, column 2: expected ',' or '}' after a member, found '\"'")

        #expect(parseError("[1 2]")?.message == "expected ',' or ']' after an element, found '2'")
        #expect(parseError("{\"a\" 1}")?.message == "expected ':' after a key, found '1'")
        #expect(parseError("{a: 1}")?.message == "expected a string key or '}', found 'a'")
        #expect(parseError("{\"a\": 1,}")?.message == "expected a string key after ',', found '}'")
        #expect(parseError("[1,]")?.message.hasPrefix("expected a value") == true)
        #expect(parseError("[tru]")?.message.hasPrefix("expected a value") == true)
        #expect(parseError("")?.message == "expected a value, found the end of the input")
        #expect(
            parseError("{\"a\": [1, 2")?.message == "expected ',' or ']' after an element, found the end of the input")
        let unclosed = try #require(parseError("{\"a\": \"bc"))
        #expect(unclosed.message.contains("not closed"))
        #expect(unclosed.mark == SourceMark(line: 1, column: 7))
    }

    @Test func duplicateKeysAreRejected() throws {
        let error = try #require(parseError("{\n\"a\": 1,\n\"b\": {\"a\": 2},\n\"a\": 3}"))
        #expect(error.message.contains("\"a\" appears twice"))
        #expect(error.message.contains("first on line 2"))
        #expect(error.mark == SourceMark(line: 4, column: 1))
        #expect(parseError(#"{"\u0061": 1, "a": 2}"#) != nil)
    }

    @Test func trailingGarbageIsRejected() throws {
        let error = try #require(parseError("{} x"))
        #expect(error.message.contains("end of the input"))
        #expect(error.mark == SourceMark(line: 1, column: 4))
        #expect(parseError("[1] [2]") != nil)
        #expect(try parse("{}\n\n").mapping?.isEmpty == true)
    }

    @Test func depthIsBounded() throws {
        #expect(try parse(String(repeating: "[", count: 64) + String(repeating: "]", count: 64)).sequence != nil)
        let error = try #require(parseError(String(repeating: "[", count: 65) + String(repeating: "]", count: 65)))
        #expect(error.message.contains("64 levels"))
        #expect(error.mark == SourceMark(line: 1, column: 65))
        #expect(parseError("{\"a\": {\"b\": 1}}", maxDepth: 1) != nil)
        #expect(parseError(String(repeating: "[", count: 200_000)) != nil)
    }

    @Test func utf8IsValidatedAndColumnsCountCharacters() throws {
        #expect(throws: JSONNodeParseError.self) { try JSONNodeParser.parse([0x22, 0xFF, 0x22]) }
        #expect(throws: JSONNodeParseError.self) { try JSONNodeParser.parse([0x22, 0xE6, 0x22]) }
        #expect(parseError("[\"😀中\", x]")?.mark == SourceMark(line: 1, column: 8))
        #expect(try JSONNodeParser.parse([0xEF, 0xBB, 0xBF] + Array("[1]".utf8)).sequence?.count == 1)
    }

    @Test func emptyContainers() throws {
        #expect(try parse("{ }").mapping?.isEmpty == true)
        #expect(try parse("[\n]").sequence?.isEmpty == true)
    }
}
