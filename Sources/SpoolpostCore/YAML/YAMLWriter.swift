/// Writes a ``YAMLValue`` as deterministic block-style YAML.
///
/// Every string reads back as the same string under both YAML 1.1 and 1.2 resolvers: text that a resolver could
/// take for a number, bool, null, time or YAML syntax is double-quoted. Doubles read back as the same double.
public enum YAMLWriter {
    /// The document text, ending with a newline.
    public static func write(_ value: YAMLValue) -> String {
        if let inline = inlineText(value) { return inline + "\n" }
        var out = ""
        writeBlock(value, indent: 0, into: &out)
        return out
    }

    /// The one-line form of a scalar or an empty collection; nil for a collection that needs block lines.
    private static func inlineText(_ value: YAMLValue) -> String? {
        switch value {
        case .string(let s): return scalarText(s)
        case .int(let i): return String(i)
        case .double(let d): return doubleText(d)
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .list(let items): return items.isEmpty ? "[]" : nil
        case .map(let pairs): return pairs.isEmpty ? "{}" : nil
        }
    }

    /// Writes a non-empty list or map as lines that each start with `indent` spaces.
    private static func writeBlock(_ value: YAMLValue, indent: Int, into out: inout String) {
        let pad = String(repeating: " ", count: indent)
        switch value {
        case .map(let pairs):
            for (key, child) in pairs {
                out += pad + scalarText(key) + ":"
                if let inline = inlineText(child) {
                    out += " " + inline + "\n"
                } else {
                    out += "\n"
                    writeBlock(child, indent: indent + 2, into: &out)
                }
            }
        case .list(let items):
            for item in items {
                if let inline = inlineText(item) {
                    out += pad + "- " + inline + "\n"
                } else {
                    // The nested block's first line goes on the dash's line: "- key: value".
                    var nested = ""
                    writeBlock(item, indent: indent + 2, into: &nested)
                    out += pad + "- " + nested.dropFirst(indent + 2)
                }
            }
        default:
            out += pad + (inlineText(value) ?? "") + "\n"
        }
    }

    /// Shortest text that parses back to `value`, with a fraction point so YAML 1.1 also reads it as a float.
    static func doubleText(_ value: Double) -> String {
        if value.isNaN { return ".nan" }
        if value.isInfinite { return value < 0 ? "-.inf" : ".inf" }
        var text = value.description
        if let exponent = text.firstIndex(where: { $0 == "e" || $0 == "E" }), !text[..<exponent].contains(".") {
            text.insert(contentsOf: ".0", at: exponent)
        }
        return text
    }

    /// A string as a plain scalar when that is unambiguous, otherwise double-quoted.
    static func scalarText(_ string: String) -> String {
        isPlainSafe(string) ? string : doubleQuoted(string)
    }

    private static let wordsResolvedAsNonStrings: Set<String> = [
        "y", "n", "yes", "no", "true", "false", "on", "off", "null", "~", "<<", "=",
    ]
    private static let leadingIndicators: Set<Unicode.Scalar> = [
        "-", "?", ":", ",", "[", "]", "{", "}", "#", "&", "*", "!", "|", ">", "'", "\"", "%", "@", "`",
        // Numbers (and .inf/.nan, times, octal and hex) start with one of these; quote them all.
        ".", "+", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9",
    ]

    static func isPlainSafe(_ string: String) -> Bool {
        let scalars = string.unicodeScalars
        guard let first = scalars.first, let last = scalars.last else { return false }
        if first == " " || last == " " || leadingIndicators.contains(first) { return false }
        if wordsResolvedAsNonStrings.contains(string.lowercased()) { return false }
        if string.contains(": ") || string.contains(" #") || last == ":" { return false }
        // Tabs, line breaks and other non-printable characters only survive inside double quotes.
        return scalars.allSatisfy { isPrintable($0) && $0.value >= 0x20 && !isLineBreakOrBOM($0) }
    }

    private static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A, 0x0D, 0x20...0x7E, 0x85, 0xA0...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: return true
        default: return false
        }
    }

    /// NEL, LS and PS are line breaks to YAML 1.1; a BOM inside text is stripped by some readers.
    private static func isLineBreakOrBOM(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value == 0x85 || scalar.value == 0x2028 || scalar.value == 0x2029 || scalar.value == 0xFEFF
    }

    static func doubleQuoted(_ string: String) -> String {
        var out = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if isPrintable(scalar) && scalar.value >= 0x20 && !isLineBreakOrBOM(scalar) {
                    out.unicodeScalars.append(scalar)
                } else if scalar.value <= 0xFF {
                    out += "\\x" + hex(scalar.value, width: 2)
                } else if scalar.value <= 0xFFFF {
                    out += "\\u" + hex(scalar.value, width: 4)
                } else {
                    out += "\\U" + hex(scalar.value, width: 8)
                }
            }
        }
        return out + "\""
    }

    private static func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
