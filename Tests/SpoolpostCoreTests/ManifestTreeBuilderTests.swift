import SpoolpostCore
import Testing

/// Hand-built node trees for the reader tests, independent of the libyaml loader.
///
/// `TestTree.parse` reads a small block-YAML subset (mappings, `- ` lists, plain and quoted scalars, `[a, b]`,
/// `{}`, `#` comments) and sets every mark to the 1-based line:column where libyaml would put it, so that tests
/// can be written as the manifests people write. `TestTree.scalar/map/list` build trees with explicit marks.
enum TestTree {
    static func scalar(_ text: String, _ line: Int, _ column: Int, quoted: Bool = false) -> YAMLNode {
        YAMLNode(.scalar(text), mark: SourceMark(line: line, column: column), isQuoted: quoted)
    }

    static func map(_ line: Int, _ column: Int, _ pairs: [(YAMLNode, YAMLNode)]) -> YAMLNode {
        YAMLNode(.mapping(pairs.map { (key: $0.0, value: $0.1) }), mark: SourceMark(line: line, column: column))
    }

    static func list(_ line: Int, _ column: Int, _ items: [YAMLNode]) -> YAMLNode {
        YAMLNode(.sequence(items), mark: SourceMark(line: line, column: column))
    }

    static func parse(_ source: String) -> YAMLNode? {
        var parser = Parser(source)
        return parser.document()
    }

    private struct Line {
        var number: Int
        /// 0-based column where `text` starts.
        var indent: Int
        var text: String
    }

    private struct Parser {
        var lines: [Line] = []
        var position = 0

        init(_ source: String) {
            for (offset, raw) in source.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let content = Self.stripComment(String(raw))
                let trimmed = content.drop { $0 == " " }
                guard !trimmed.allSatisfy({ $0 == " " }) else { continue }
                var text = String(trimmed)
                while text.last == " " { text.removeLast() }
                lines.append(Line(number: offset + 1, indent: content.count - trimmed.count, text: text))
            }
        }

        static func stripComment(_ line: String) -> String {
            var quote: Character?
            var previous: Character = " "
            var result = ""
            for character in line {
                if let open = quote {
                    if character == open { quote = nil }
                } else if character == "\"" || character == "'" {
                    quote = character
                } else if character == "#", previous == " " {
                    break
                }
                result.append(character)
                previous = character
            }
            return result
        }

        mutating func document() -> YAMLNode? {
            guard position < lines.count else { return nil }
            return block(indent: lines[position].indent)
        }

        static func isSequenceItem(_ text: String) -> Bool { text == "-" || text.hasPrefix("- ") }

        /// The offset of the `:` that ends a mapping key, when `text` starts with one.
        static func keyEnd(_ text: String) -> Int? {
            guard let first = text.first, first != "\"", first != "'", first != "[", first != "{" else { return nil }
            let characters = Array(text)
            for index in characters.indices where characters[index] == ":" {
                if index + 1 == characters.count || characters[index + 1] == " " { return index }
            }
            return nil
        }

        mutating func block(indent: Int) -> YAMLNode {
            let line = lines[position]
            if Self.isSequenceItem(line.text) { return sequence(indent: indent) }
            if Self.keyEnd(line.text) != nil { return mapping(indent: indent) }
            position += 1
            return value(line.text, line: line.number, column: line.indent + 1)
        }

        mutating func sequence(indent: Int) -> YAMLNode {
            let mark = SourceMark(line: lines[position].number, column: indent + 1)
            var items: [YAMLNode] = []
            while position < lines.count, lines[position].indent == indent, Self.isSequenceItem(lines[position].text) {
                let line = lines[position]
                let rest = String(line.text.dropFirst(1).drop { $0 == " " })
                if rest.isEmpty {
                    position += 1
                    if position < lines.count, lines[position].indent > indent {
                        items.append(block(indent: lines[position].indent))
                    } else {
                        items.append(YAMLNode(.scalar(""), mark: SourceMark(line: line.number, column: indent + 2)))
                    }
                } else {
                    // Re-read the rest of the line as if it started its own line further right.
                    let restIndent = indent + (line.text.count - rest.count)
                    lines[position] = Line(number: line.number, indent: restIndent, text: rest)
                    items.append(block(indent: restIndent))
                }
            }
            return YAMLNode(.sequence(items), mark: mark)
        }

        mutating func mapping(indent: Int) -> YAMLNode {
            let mark = SourceMark(line: lines[position].number, column: indent + 1)
            var pairs: [(key: YAMLNode, value: YAMLNode)] = []
            while position < lines.count, lines[position].indent == indent, !Self.isSequenceItem(lines[position].text),
                  let end = Self.keyEnd(lines[position].text)
            {
                let line = lines[position]
                let key = YAMLNode(
                    .scalar(String(line.text.prefix(end))), mark: SourceMark(line: line.number, column: indent + 1))
                let afterColon = line.text.dropFirst(end + 1)
                let rest = String(afterColon.drop { $0 == " " })
                position += 1
                if !rest.isEmpty {
                    let column = indent + 1 + (line.text.count - rest.count)
                    pairs.append((key, value(rest, line: line.number, column: column)))
                } else if position < lines.count,
                          lines[position].indent > indent
                            || (lines[position].indent == indent && Self.isSequenceItem(lines[position].text))
                {
                    pairs.append((key, block(indent: lines[position].indent)))
                } else {
                    let nullMark = SourceMark(line: line.number, column: indent + end + 2)
                    pairs.append((key, YAMLNode(.scalar(""), mark: nullMark)))
                }
            }
            return YAMLNode(.mapping(pairs), mark: mark)
        }

        /// An inline value: a quoted or plain scalar, `{}`, or a flow list of scalars.
        func value(_ text: String, line: Int, column: Int) -> YAMLNode {
            let mark = SourceMark(line: line, column: column)
            if text == "{}" { return YAMLNode(.mapping([]), mark: mark) }
            if text.hasPrefix("["), text.hasSuffix("]") {
                var items: [YAMLNode] = []
                var offset = 1
                for part in text.dropFirst().dropLast().split(separator: ",", omittingEmptySubsequences: false) {
                    let leading = part.prefix { $0 == " " }.count
                    let item = part.trimmingCharacters(in: " ")
                    if !item.isEmpty { items.append(value(item, line: line, column: column + offset + leading)) }
                    offset += part.count + 1
                }
                return YAMLNode(.sequence(items), mark: mark)
            }
            if let quote = text.first, quote == "\"" || quote == "'", text.count >= 2, text.last == quote {
                return YAMLNode(.scalar(String(text.dropFirst().dropLast())), mark: mark, isQuoted: true)
            }
            return YAMLNode(.scalar(text), mark: mark)
        }
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: Character) -> String {
        String(drop { $0 == set }.reversed().drop { $0 == set }.reversed())
    }
}

@Suite struct ManifestTreeBuilderTests {
    @Test func marksFollowLibYAMLPositions() throws {
        let root = try #require(TestTree.parse("""
            # a comment
            id: x   # trailing
            targets:
              - platform: webhook
                account: "hooks"
              - x
            tags: [a, b]
            empty:
            """))
        #expect(root.mark == SourceMark(line: 2, column: 1))
        let pairs = try #require(root.mapping)
        #expect(pairs.map { $0.key.scalar } == ["id", "targets", "tags", "empty"])
        #expect(root["id"]?.scalar == "x")
        #expect(root["id"]?.mark == SourceMark(line: 2, column: 5))
        let targets = try #require(root["targets"]?.sequence)
        #expect(root["targets"]?.mark == SourceMark(line: 4, column: 3))
        #expect(targets[0].mark == SourceMark(line: 4, column: 5))
        #expect(targets[0]["account"]?.mark == SourceMark(line: 5, column: 14))
        #expect(targets[0]["account"]?.isQuoted == true)
        #expect(targets[1].scalar == "x")
        #expect(targets[1].mark == SourceMark(line: 6, column: 5))
        let tags = try #require(root["tags"]?.sequence)
        #expect(tags.map(\.scalar) == ["a", "b"])
        #expect(tags[1].mark == SourceMark(line: 7, column: 11))
        #expect(root["empty"]?.isNull == true)
    }
}

/// Shared fixtures for the manifest reader tests.
enum ManifestFixture {
    /// 2026-11-29T12:00:00Z.
    static let now = RFC3339.parse("2026-11-29T12:00:00Z")!

    static let accounts: [String: Platform] = [
        "hooks": .webhook, "acme-page": .facebook, "acme-insta": .instagram, "acme-li": .linkedin,
        "acme-li-2": .linkedin, "acme-yt": .youtube,
    ]

    static func context(
        fileName: String = "launch.yaml",
        accounts: [String: Platform] = accounts,
        schedule: SchedulePolicy = SchedulePolicy(),
        defaultTimeZone: String? = nil,
        mediaFileProblem: @escaping @Sendable (String) -> String? = { _ in nil },
        existingState: @escaping @Sendable (String) -> String? = { _ in nil }
    ) -> ManifestReader.Context {
        ManifestReader.Context(
            fileName: fileName, accounts: accounts, now: now, schedule: schedule, defaultTimeZone: defaultTimeZone,
            mediaFileProblem: mediaFileProblem, existingState: existingState)
    }

    static func read(_ yaml: String, _ context: ManifestReader.Context = context()) -> ManifestReadResult {
        ManifestReader.read(TestTree.parse(yaml), context: context)
    }

    /// The error descriptions, for exact comparison.
    static func errors(_ yaml: String, _ context: ManifestReader.Context = context()) -> [String] {
        let result = read(yaml, context)
        if !result.errors.isEmpty { precondition(result.manifest == nil) }
        return result.errors.map(\.description)
    }
}
