/// Parses JSON text into the same ``YAMLNode`` tree the YAML loader produces, with source marks.
///
/// Strings become quoted scalars; numbers, `true`, `false` and `null` become unquoted scalars holding their
/// source text, so one reader serves both formats. Stricter than most JSON parsers: duplicate keys are errors.
public enum JSONNodeParser {
    /// Parses exactly one JSON value (surrounding whitespace allowed, a UTF-8 byte order mark skipped).
    public static func parse(_ bytes: [UInt8], maxDepth: Int = 64) throws(JSONNodeParseError) -> YAMLNode {
        var reader = JSONReader(bytes: bytes, maxDepth: maxDepth)
        return try reader.parseDocument()
    }
}

/// A cursor over the input that keeps the current line and column.
private struct JSONReader {
    let bytes: [UInt8]
    let maxDepth: Int
    var index = 0
    var line = 1
    var column = 1

    init(bytes: [UInt8], maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    var mark: SourceMark { SourceMark(line: line, column: column) }
    var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func advance() {
        let byte = bytes[index]
        index += 1
        if byte == UInt8(ascii: "\n") {
            line += 1
            column = 1
        } else if byte & 0xC0 != 0x80 {
            // Continuation bytes belong to the character already counted.
            column += 1
        }
    }

    mutating func skipWhitespace() {
        while let byte = current,
            byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\t")
                || byte == UInt8(ascii: "\r")
        {
            advance()
        }
    }

    func error(_ expected: String) -> JSONNodeParseError {
        JSONNodeParseError("\(expected), found \(foundDescription)", at: mark)
    }

    var foundDescription: String {
        guard let byte = current else { return "the end of the input" }
        if byte >= 0x20 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        if byte < 0x80 { return "control character 0x\(String(byte, radix: 16, uppercase: true))" }
        return "a non-ASCII character"
    }

    mutating func parseDocument() throws(JSONNodeParseError) -> YAMLNode {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        let root = try parseValue(depth: 0)
        skipWhitespace()
        guard current == nil else { throw error("expected the end of the input after the JSON value") }
        return root
    }

    mutating func parseValue(depth: Int) throws(JSONNodeParseError) -> YAMLNode {
        skipWhitespace()
        let start = mark
        guard let byte = current else { throw error("expected a value") }
        switch byte {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            guard depth < maxDepth else {
                throw JSONNodeParseError("objects and arrays are nested more than \(maxDepth) levels deep",
                                         at: start)
            }
            return byte == UInt8(ascii: "{")
                ? try parseObject(depth: depth + 1) : try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""):
            return YAMLNode(.scalar(try parseString()), mark: start, isQuoted: true)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return YAMLNode(.scalar(try parseNumber()), mark: start)
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
            for word in ["true", "false", "null"] where bytes[index...].starts(with: word.utf8) {
                for _ in word.utf8 { advance() }
                return YAMLNode(.scalar(word), mark: start)
            }
            throw error("expected a value (true, false or null?)")
        default:
            throw error("expected a value (an object, array, string, number, true, false or null)")
        }
    }

    mutating func parseObject(depth: Int) throws(JSONNodeParseError) -> YAMLNode {
        let start = mark
        advance()
        var pairs: [(key: YAMLNode, value: YAMLNode)] = []
        var keyLines: [String: Int] = [:]
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            advance()
            return YAMLNode(.mapping(pairs), mark: start)
        }
        while true {
            skipWhitespace()
            let keyMark = mark
            guard current == UInt8(ascii: "\"") else {
                throw error(pairs.isEmpty ? "expected a string key or '}'" : "expected a string key after ','")
            }
            let key = try parseString()
            if let firstLine = keyLines[key] {
                throw JSONNodeParseError(
                    "the key \"\(key)\" appears twice in this object (first on line \(firstLine))", at: keyMark)
            }
            keyLines[key] = keyMark.line
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { throw error("expected ':' after a key") }
            advance()
            let value = try parseValue(depth: depth)
            pairs.append((key: YAMLNode(.scalar(key), mark: keyMark, isQuoted: true), value: value))
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","):
                advance()
            case UInt8(ascii: "}"):
                advance()
                return YAMLNode(.mapping(pairs), mark: start)
            default:
                throw error("expected ',' or '}' after a member")
            }
        }
    }

    mutating func parseArray(depth: Int) throws(JSONNodeParseError) -> YAMLNode {
        let start = mark
        advance()
        var items: [YAMLNode] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            advance()
            return YAMLNode(.sequence(items), mark: start)
        }
        while true {
            items.append(try parseValue(depth: depth))
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","):
                advance()
            case UInt8(ascii: "]"):
                advance()
                return YAMLNode(.sequence(items), mark: start)
            default:
                throw error("expected ',' or ']' after an element")
            }
        }
    }

    /// Parses a string starting at its opening quote and returns its decoded text.
    mutating func parseString() throws(JSONNodeParseError) -> String {
        let start = mark
        advance()
        var utf8: [UInt8] = []
        while true {
            guard let byte = current else {
                throw JSONNodeParseError(
                    "the string that starts here is not closed (the input ends before its '\"')", at: start)
            }
            switch byte {
            case UInt8(ascii: "\""):
                advance()
                guard let text = String(validating: utf8, as: UTF8.self) else {
                    throw JSONNodeParseError("the string that starts here is not valid UTF-8", at: start)
                }
                return text
            case UInt8(ascii: "\\"):
                try parseEscape(into: &utf8)
            case 0..<0x20:
                throw error("expected a string character (write control characters as \\n, \\t or \\u escapes)")
            default:
                utf8.append(byte)
                advance()
            }
        }
    }

    mutating func parseEscape(into utf8: inout [UInt8]) throws(JSONNodeParseError) {
        let escapeMark = mark
        advance()
        guard let byte = current else { throw error("expected an escape character after '\\'") }
        let simple: UInt8? = switch byte {
        case UInt8(ascii: "\""): UInt8(ascii: "\"")
        case UInt8(ascii: "\\"): UInt8(ascii: "\\")
        case UInt8(ascii: "/"): UInt8(ascii: "/")
        case UInt8(ascii: "b"): 0x08
        case UInt8(ascii: "f"): 0x0C
        case UInt8(ascii: "n"): 0x0A
        case UInt8(ascii: "r"): 0x0D
        case UInt8(ascii: "t"): 0x09
        default: nil
        }
        if let simple {
            utf8.append(simple)
            advance()
            return
        }
        guard byte == UInt8(ascii: "u") else {
            throw error("expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u after '\\'")
        }
        advance()
        var code = try parseHex4()
        if (0xDC00...0xDFFF).contains(code) {
            throw JSONNodeParseError("\\u escape is a low surrogate without a high surrogate before it",
                                     at: escapeMark)
        }
        if (0xD800...0xDBFF).contains(code) {
            guard bytes[index...].starts(with: "\\u".utf8) else {
                throw JSONNodeParseError(
                    "\\u escape is a high surrogate not followed by a \\u low surrogate", at: escapeMark)
            }
            advance()
            advance()
            let low = try parseHex4()
            guard (0xDC00...0xDFFF).contains(low) else {
                throw JSONNodeParseError(
                    "\\u escape is a high surrogate not followed by a \\u low surrogate", at: escapeMark)
            }
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
        }
        // Surrogates were handled above, so this is always a valid scalar.
        if let scalar = Unicode.Scalar(code) {
            utf8.append(contentsOf: String(Character(scalar)).utf8)
        }
    }

    mutating func parseHex4() throws(JSONNodeParseError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = current, let digit = Self.hexValue(byte) else {
                throw error("expected four hex digits after \\u")
            }
            value = value << 4 | digit
            advance()
        }
        return value
    }

    static func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    /// Parses a number by JSON's grammar and returns its source text.
    mutating func parseNumber() throws(JSONNodeParseError) -> String {
        let startIndex = index
        if current == UInt8(ascii: "-") { advance() }
        if current == UInt8(ascii: "0") {
            advance()
            if let byte = current, Self.isDigit(byte) {
                throw error("expected no more digits after a leading 0 (JSON numbers have no leading zeros)")
            }
        } else {
            try skipDigits(after: "'-'")
        }
        if current == UInt8(ascii: ".") {
            advance()
            try skipDigits(after: "'.'")
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            advance()
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { advance() }
            try skipDigits(after: "the exponent mark")
        }
        return String(decoding: bytes[startIndex..<index], as: UTF8.self)
    }

    mutating func skipDigits(after what: String) throws(JSONNodeParseError) {
        guard let first = current, Self.isDigit(first) else { throw error("expected a digit after \(what)") }
        while let byte = current, Self.isDigit(byte) { advance() }
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}
