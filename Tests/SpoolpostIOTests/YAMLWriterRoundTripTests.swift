import SpoolpostCore
import SpoolpostIO
import Testing

/// Reads a loaded node back as a value the way a YAML 1.2 core-schema reader would.
private func value(of node: YAMLNode) -> YAMLValue {
    switch node.kind {
    case .sequence(let items):
        return .list(items.map(value(of:)))
    case .mapping(let pairs):
        return .map(pairs.map { ($0.key.scalar ?? "", value(of: $0.value)) })
    case .scalar(let text):
        if node.isQuoted { return .string(text) }
        if node.isNull { return .null }
        if text == "true" || text == "false" { return .bool(text == "true") }
        if let int = Int(text) { return .int(int) }
        switch text {
        case ".inf": return .double(.infinity)
        case "-.inf": return .double(-.infinity)
        default: break
        }
        if let double = Double(text) { return .double(double) }
        return .string(text)
    }
}

private func roundTrip(_ original: YAMLValue) throws -> YAMLNode? {
    try YAMLLoader.load(Array(YAMLWriter.write(original).utf8))
}

/// A small deterministic generator (SplitMix64), so a failing case can be reproduced.
private struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

private let trickyPieces = [
    "yes", "no", "null", "~", "1", "0x", "1e3", ".", "-", " ", ":", ": ", "#", " #", "\n", "\t", "\"", "'", "\\",
    "[", "]", "{", "}", ",", "&", "*", "!", "|", ">", "%", "@", "`", "?", "a", "word", "😀", "中文", "é", "\u{0}",
    "\u{85}", "\u{2028}", "\u{FEFF}", "\r", "2026-12-01", "---", "<<", "=", "true", "O",
]

private func randomString(_ rng: inout SeededGenerator) -> String {
    (0..<Int.random(in: 0...4, using: &rng)).map { _ in trickyPieces.randomElement(using: &rng)! }.joined()
}

private func randomValue(_ rng: inout SeededGenerator, depth: Int) -> YAMLValue {
    // The top level is always a collection, so most cases exercise block layout.
    switch Int.random(in: (depth == 0 ? 6 : 0)..<(depth < 4 ? 8 : 6), using: &rng) {
    case 0: return .string(randomString(&rng))
    case 1: return .int(Int.random(in: Int.min...Int.max, using: &rng))
    case 2:
        let double = Double(bitPattern: rng.next())
        return .double(double.isNaN ? 0.5 : double)
    case 3: return .bool(Bool.random(using: &rng))
    case 4: return .null
    case 5: return .string(randomString(&rng))
    case 6: return .list((0..<Int.random(in: 0...3, using: &rng)).map { _ in randomValue(&rng, depth: depth + 1) })
    default:
        var seen = Set<String>()
        let keys = (0..<Int.random(in: 0...3, using: &rng)).map { _ in randomString(&rng) }.filter {
            seen.insert($0).inserted
        }
        return .map(keys.map { ($0, randomValue(&rng, depth: depth + 1)) })
    }
}

@Suite struct YAMLWriterRoundTripTests {
    @Test(arguments: [
        "yes", "no", "on", "off", "null", "~", "true", "1.0", "- x", "a: b", "#x", "multi\nline", "emoji 😀 🎉",
        " leading space", "trailing space ", "0123", "2026-12-01", "2026-12-01T10:00:00Z", "0x1F", "1e3", ".inf",
        "", "---", "...", "key:", "a #b", "\u{0}\u{7}\u{1B}", "tab\tin", "crlf\r\n", "\u{85}\u{2028}\u{FEFF}",
        "中文 漢字", "quote \" and \\ backslash", "'single'", "@handle", "%percent", "* star", "& amp", "! bang",
    ])
    func trickyStringsReadBackAsTheSameString(_ text: String) throws {
        let root = try #require(try roundTrip(["text": .string(text), text: "key"]))
        #expect(root["text"]?.scalar == text)
        #expect(value(of: try #require(root["text"])) == .string(text))
        #expect(root.mapping?.last?.key.scalar == text)
        #expect(root.mapping?.last?.value.scalar == "key")
    }

    @Test func nestedStructuresReadBackEqual() throws {
        let status: YAMLValue = [
            "post": "2026-12-01-launch",
            "state": "failed",
            "attempt": 3,
            "next_retry_at": "2026-12-01T10:05:00Z",
            "targets": [
                ["network": "mastodon", "state": "done", "remote_id": "109876543210", "url": "https://m.example/@a/1"],
                ["network": "bluesky", "state": "failed", "retryable": true, "error": [
                    "code": "rate_limited",
                    "message": "Too many requests: retry after 30 s\n(server said: \"slow down\")",
                    "retry_after_seconds": 30.5,
                ]],
                ["network": "x", "state": "skipped", "reasons": [], "details": [:]],
            ],
            "matrix": [[1, [2, ["deep": [nil, false, -0.0, 1e300]]]], []],
        ]
        let root = try #require(try roundTrip(status))
        #expect(value(of: root) == status)
        #expect(root["targets"]?.sequence?[1]["error"]?["retry_after_seconds"]?.scalar == "30.5")
    }

    @Test func topLevelValuesReadBack() throws {
        for original: YAMLValue in ["yes", 42, -7.25, true, .list([]), .map([]), ["only"], [1, [2, [3]]]] {
            let root = try #require(try roundTrip(original))
            #expect(value(of: root) == original)
        }
        #expect(try roundTrip(nil) != nil)
        #expect(try roundTrip(.double(.nan))?.scalar == ".nan")
        #expect(try roundTrip(.double(.infinity)).map(value(of:)) == .double(.infinity))
    }

    @Test func randomValuesReadBackEqual() throws {
        var rng = SeededGenerator(state: 20_261_201)
        for iteration in 0..<400 {
            let original = randomValue(&rng, depth: 0)
            let written = YAMLWriter.write(original)
            let root = try YAMLLoader.load(Array(written.utf8))
            let readBack = root.map(value(of:)) ?? .null
            #expect(readBack == original, "iteration \(iteration):\n\(written)")
            if readBack != original { break }
        }
    }
}
