import SpoolpostAdapters
import Testing

@Suite struct XTextWeightTests {
    @Test func latinTextCountsOnePerCharacter() {
        #expect(XTextWeight.weightedLength("") == 0)
        #expect(XTextWeight.weightedLength("Hello, world") == 12)
        #expect(XTextWeight.weightedLength(String(repeating: "a", count: 280)) == 280)
        #expect(XTextWeight.weightedLength("café Привет ΑΒΓ") == 15)
    }

    @Test func cjkCountsTwo() {
        #expect(XTextWeight.weightedLength("日本語") == 6)
        #expect(XTextWeight.weightedLength("한국어") == 6)
        #expect(XTextWeight.weightedLength(String(repeating: "字", count: 140)) == 280)
        #expect(XTextWeight.weightedLength("a日") == 3)
    }

    @Test func generalPunctuationInTheLightRangesCountsOne() {
        #expect(XTextWeight.weightedLength("“quoted”") == 8)
        #expect(XTextWeight.weightedLength("a\u{2026}") == 3)  // U+2026 ELLIPSIS is outside 8208-8223
        #expect(XTextWeight.weightedLength("a\u{2014}b") == 3)  // EM DASH U+2014 = 8212
    }

    @Test func emojiCountTwoWhateverTheirSequenceLength() {
        #expect(XTextWeight.weightedLength("😀") == 2)
        #expect(XTextWeight.weightedLength("👍🏽") == 2)
        #expect(XTextWeight.weightedLength("👨‍👩‍👧‍👦") == 2)
        #expect(XTextWeight.weightedLength("❤️") == 2)
        #expect(XTextWeight.weightedLength("🇫🇷") == 2)
        #expect(XTextWeight.weightedLength("Hi 😀!") == 6)
    }

    @Test func urlsCountTwentyThree() {
        #expect(XTextWeight.weightedLength("https://example.com") == 23)
        #expect(XTextWeight.weightedLength("https://example.com/a/very/long/path/that/goes/on/and/on?q=1") == 23)
        #expect(XTextWeight.weightedLength("http://t.co") == 23)
        #expect(XTextWeight.weightedLength("Read https://example.com/post.") == 5 + 23 + 1)
        #expect(XTextWeight.weightedLength("(see example.com)") == 5 + 23 + 1)
        #expect(XTextWeight.weightedLength("a https://x.com b https://y.org") == 2 + 23 + 3 + 23)
        #expect(XTextWeight.weightedLength("file.txt") == 8)
        #expect(XTextWeight.weightedLength("me@example.com") == 14)
    }

    @Test func textIsNormalisedToNFCFirst() {
        #expect(XTextWeight.weightedLength("e\u{301}") == 1)
        #expect(XTextWeight.weightedLength("\u{1100}\u{1161}") == 2)  // conjoining jamo compose to U+AC00
    }
}
