/// Reads typed values out of a ``YAMLNode`` tree and collects a ``Diagnostic`` for every mismatch, so that both the
/// manifest and the configuration reader report every problem with the same wording.
struct SchemaReader {
    let file: String
    private(set) var diagnostics: [Diagnostic] = []

    init(file: String) { self.file = file }

    var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    mutating func error(_ mark: SourceMark?, _ path: String, _ message: String) {
        diagnostics.append(Diagnostic(.error, file: file, mark: mark, path: path, message))
    }

    mutating func warning(_ mark: SourceMark?, _ path: String, _ message: String) {
        diagnostics.append(Diagnostic(.warning, file: file, mark: mark, path: path, message))
    }

    // MARK: Paths

    static func path(_ base: String, _ key: String) -> String { base.isEmpty ? key : "\(base).\(key)" }
    static func path(_ base: String, _ index: Int) -> String { "\(base)[\(index)]" }

    // MARK: Mappings and their fields

    /// One field of a mapping, under the name it was written with.
    struct Field {
        var name: String
        var key: YAMLNode
        var value: YAMLNode
    }

    /// The accepted fields of a mapping, by canonical name, plus the others when unknown fields are allowed.
    struct Fields {
        var known: [String: Field] = [:]
        /// Fields outside the accepted set, in document order (only filled when unknown fields are allowed).
        var others: [Field] = []

        subscript(name: String) -> YAMLNode? { known[name]?.value }
        /// The path segment as written (`content` when the alias was used).
        func spelling(_ name: String) -> String { known[name]?.name ?? name }
    }

    /// The schema of a mapping: canonical field names and the aliases that mean the same.
    struct Schema {
        var accepted: [String]
        /// alias -> canonical name.
        var aliases: [String: String] = [:]

        func canonical(_ name: String) -> String? {
            if accepted.contains(name) { return name }
            return aliases[name]
        }
    }

    /// The fields of a mapping node, reporting duplicates, aliases given together, and unknown names.
    ///
    /// Returns nil (after reporting) when `node` is not a mapping.
    mutating func fields(
        of node: YAMLNode, path: String, what: String, schema: Schema, allowUnknown: Bool = false
    ) -> Fields? {
        guard let pairs = mapping(node, path: path, what: what) else { return nil }
        var result = Fields()
        var seen: [String: Field] = [:]
        for pair in pairs {
            guard let name = pair.key.scalar, !pair.key.isNull else {
                error(pair.key.mark, path, "a field name must be plain text, found \(Self.describe(pair.key))")
                continue
            }
            let fieldPath = Self.path(path, name)
            if let earlier = seen[name] {
                error(
                    pair.key.mark, fieldPath,
                    "duplicate field '\(name)' (first given at \(earlier.key.mark)): keep one")
                continue
            }
            let field = Field(name: name, key: pair.key, value: pair.value)
            seen[name] = field
            guard let canonical = schema.canonical(name) else {
                if allowUnknown {
                    result.others.append(field)
                } else {
                    error(pair.key.mark, fieldPath, unknownFieldMessage(name, schema: schema))
                }
                continue
            }
            if let earlier = result.known[canonical] {
                error(
                    pair.key.mark, fieldPath,
                    "'\(earlier.name)' and '\(name)' are the same field "
                        + "(\(aliasNote([earlier.name, name], canonical))): keep one")
                continue
            }
            result.known[canonical] = field
        }
        return result
    }

    private func aliasNote(_ names: [String], _ canonical: String) -> String {
        let aliases = names.filter { $0 != canonical }.map { "'\($0)'" }
        let verb = aliases.count == 1 ? "is an alias" : "are aliases"
        return "\(aliases.joined(separator: " and ")) \(verb) of '\(canonical)'"
    }

    private func unknownFieldMessage(_ name: String, schema: Schema) -> String {
        let candidates = schema.accepted + schema.aliases.keys.sorted()
        if let suggestion = Self.suggestion(for: name, among: candidates) {
            return "unknown field '\(name)'; did you mean '\(suggestion)'?"
        }
        return "unknown field '\(name)'; accepted fields: \(schema.accepted.joined(separator: ", "))"
    }

    // MARK: Did you mean

    /// The candidate closest to `word` by edit distance (case, `_` and `-` ignored), when close enough to be a typo.
    static func suggestion(for word: String, among candidates: [String]) -> String? {
        let normalizedWord = normalize(word)
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let distance = editDistance(normalizedWord, normalize(candidate))
            let limit = max(1, min(3, candidate.count / 3))
            guard distance <= limit else { continue }
            if distance < best?.distance ?? Int.max { best = (candidate, distance) }
        }
        return best?.candidate
    }

    private static func normalize(_ word: String) -> [Character] {
        Array(word.lowercased().filter { $0 != "_" && $0 != "-" })
    }

    /// Optimal-string-alignment distance: insertions, deletions, substitutions and adjacent transpositions.
    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previousPrevious = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], previousPrevious[j - 2] + 1)
                }
            }
            (previousPrevious, previous, current) = (previous, current, previousPrevious)
        }
        return previous[b.count]
    }

    // MARK: Typed values

    /// "a mapping", "a list", "the number 5", "the text 'abc'", "nothing (null)": what was found, for messages.
    static func describe(_ node: YAMLNode) -> String {
        switch node.kind {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar(let text):
            if node.isNull { return "nothing (null)" }
            let shown = text.count > 40 ? String(text.prefix(40)) + "…" : text
            if node.isQuoted { return "the text '\(shown)'" }
            if isPlainDecimal(text) || Double(text) != nil { return "the number \(shown)" }
            if plainBool(text) != nil { return "the boolean \(shown)" }
            return "the text '\(shown)'"
        }
    }

    mutating func mismatch(_ node: YAMLNode, _ path: String, expected: String) {
        error(node.mark, path, "expected \(expected), found \(Self.describe(node))")
    }

    mutating func mapping(_ node: YAMLNode, path: String, what: String) -> [(key: YAMLNode, value: YAMLNode)]? {
        guard let pairs = node.mapping else {
            mismatch(node, path, expected: what)
            return nil
        }
        return pairs
    }

    mutating func list(_ node: YAMLNode, path: String, what: String) -> [YAMLNode]? {
        guard let items = node.sequence else {
            mismatch(node, path, expected: what)
            return nil
        }
        return items
    }

    /// A non-null scalar's text.
    mutating func string(_ node: YAMLNode, path: String, what: String = "text") -> String? {
        guard let text = node.scalar, !node.isNull else {
            mismatch(node, path, expected: what)
            return nil
        }
        return text
    }

    /// An unquoted plain decimal integer within `range`.
    mutating func int(_ node: YAMLNode, path: String, range: ClosedRange<Int>) -> Int? {
        let expected = "a whole number from \(range.lowerBound) to \(range.upperBound)"
        guard let text = node.scalar, !node.isQuoted, Self.isPlainDecimal(text), let value = Int(text) else {
            mismatch(node, path, expected: expected)
            return nil
        }
        guard range.contains(value) else {
            error(node.mark, path, "expected \(expected), found \(value)")
            return nil
        }
        return value
    }

    /// Unquoted `true`/`false`/`yes`/`no`.
    mutating func bool(_ node: YAMLNode, path: String) -> Bool? {
        guard let text = node.scalar, !node.isQuoted, let value = Self.plainBool(text) else {
            mismatch(node, path, expected: "true or false")
            return nil
        }
        return value
    }

    /// A duration in seconds: a number of seconds or text like `2s`, `500ms`, `5m`, `1h30m`, `1d`.
    mutating func duration(_ node: YAMLNode, path: String) -> Double? {
        let expected = "a duration such as 30 (seconds), 500ms, 2s, 5m, 1h30m or 7d"
        guard let text = node.scalar, !node.isNull, let seconds = DurationParser.seconds(text) else {
            mismatch(node, path, expected: expected)
            return nil
        }
        return seconds
    }

    static func isPlainDecimal(_ text: String) -> Bool {
        let digits = text.hasPrefix("-") || text.hasPrefix("+") ? text.dropFirst() : Substring(text)
        return !digits.isEmpty && digits.allSatisfy { $0 >= "0" && $0 <= "9" }
    }

    /// Non-empty and only `[A-Za-z0-9._-]`: safe as a file name part and in messages (ids, account names).
    static func isPortableName(_ name: String) -> Bool {
        !name.isEmpty && name.unicodeScalars.allSatisfy { scalar in
            ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                || scalar == "." || scalar == "_" || scalar == "-"
        }
    }

    static func plainBool(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "yes": return true
        case "false", "no": return false
        default: return nil
        }
    }
}
