/// Human durations as written in configuration files.
public enum DurationParser {
    /// Seconds in `"90"` (plain seconds), `"2s"`, `"500ms"`, `"5m"`, `"1h"`, `"1d"`, `"365d"`, `"1h30m"`, `"1.5s"`.
    ///
    /// Units are `ms`, `s`, `m`, `h`, `d`; components add up. Nil for anything else, including negative values.
    public static func seconds(_ text: String) -> Double? {
        var scanner = ASCIIScanner(text.trimmingASCIIWhitespace())
        guard !scanner.isAtEnd else { return nil }
        var total = 0.0
        var componentCount = 0
        while !scanner.isAtEnd {
            guard let value = number(&scanner) else { return nil }
            componentCount += 1
            if scanner.isAtEnd {
                // A bare number means seconds, but only on its own: "1h30" is ambiguous.
                guard componentCount == 1 else { return nil }
                return value
            }
            guard let unit = unitSeconds(&scanner) else { return nil }
            total += value * unit
        }
        return total.isFinite ? total : nil
    }

    private static func number(_ scanner: inout ASCIIScanner) -> Double? {
        var digits = ""
        var sawDigit = false
        var sawPoint = false
        while let byte = scanner.peek {
            if byte >= 48, byte <= 57 {
                sawDigit = true
            } else if byte == UInt8(ascii: "."), !sawPoint {
                sawPoint = true
            } else {
                break
            }
            digits.append(Character(Unicode.Scalar(byte)))
            scanner.index += 1
        }
        guard sawDigit, digits.last != "." else { return nil }
        return Double(digits)
    }

    private static func unitSeconds(_ scanner: inout ASCIIScanner) -> Double? {
        switch scanner.consume(anyOf: Array("smhd".utf8)) {
        case UInt8(ascii: "m"):
            return scanner.consume(UInt8(ascii: "s")) ? 0.001 : 60
        case UInt8(ascii: "s"): return 1
        case UInt8(ascii: "h"): return 3600
        case UInt8(ascii: "d"): return 86_400
        default: return nil
        }
    }
}
