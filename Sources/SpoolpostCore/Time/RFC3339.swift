import Foundation

/// RFC 3339 instants: parsing with an explicit offset and formatting in UTC.
public enum RFC3339 {
    /// Parses `2026-12-01T09:00:00+01:00`, `2026-12-01T08:00:00.250Z` and the like.
    ///
    /// The offset (`Z` or `±HH:MM`) is required: a time without one names no instant. `t`, `z` and a space
    /// separator are accepted as RFC 3339 allows.
    public static func parse(_ text: String) -> Date? {
        var scanner = ASCIIScanner(text)
        guard let local = parseLocalDateTime(&scanner, secondsRequired: true),
              let offset = parseOffset(&scanner), scanner.isAtEnd
        else { return nil }
        return Date(timeIntervalSince1970: local.secondsAsUTC - Double(offset))
    }

    /// `2026-12-01T08:00:00.000Z`: UTC, always with milliseconds, rounded to the nearest millisecond.
    public static func format(_ date: Date) -> String {
        let totalMilliseconds = Int((date.timeIntervalSince1970 * 1000).rounded())
        let milliseconds = ((totalMilliseconds % 1000) + 1000) % 1000
        let totalSeconds = (totalMilliseconds - milliseconds) / 1000
        let secondOfDay = ((totalSeconds % 86_400) + 86_400) % 86_400
        let days = (totalSeconds - secondOfDay) / 86_400
        let civil = CivilTime.civil(days: days)
        return "\(pad(civil.year, 4))-\(pad(civil.month, 2))-\(pad(civil.day, 2))T"
            + "\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2))"
            + ".\(pad(milliseconds, 3))Z"
    }

    /// `YYYY-MM-DD[T|t| ]HH:MM[:SS[.frac]]`, range-checked; seconds optional only when `secondsRequired` is false.
    static func parseLocalDateTime(_ scanner: inout ASCIIScanner, secondsRequired: Bool) -> LocalDateTime? {
        guard let year = scanner.digits(4), scanner.consume(UInt8(ascii: "-")),
              let month = scanner.digits(2), scanner.consume(UInt8(ascii: "-")),
              let day = scanner.digits(2),
              scanner.consume(anyOf: [UInt8(ascii: "T"), UInt8(ascii: "t"), UInt8(ascii: " ")]) != nil,
              let hour = scanner.digits(2), scanner.consume(UInt8(ascii: ":")),
              let minute = scanner.digits(2)
        else { return nil }
        var second = 0
        var fraction = 0.0
        if scanner.consume(UInt8(ascii: ":")) {
            guard let value = scanner.digits(2), let parsedFraction = scanner.fraction() else { return nil }
            second = value
            fraction = parsedFraction ?? 0
        } else if secondsRequired {
            return nil
        }
        let local = LocalDateTime(
            year: year, month: month, day: day, hour: hour, minute: minute, second: second, fraction: fraction)
        return local.isValid ? local : nil
    }

    /// `Z`, `z` or `±HH:MM`, as seconds east of UTC.
    static func parseOffset(_ scanner: inout ASCIIScanner) -> Int? {
        if scanner.consume(anyOf: [UInt8(ascii: "Z"), UInt8(ascii: "z")]) != nil { return 0 }
        guard let sign = scanner.consume(anyOf: [UInt8(ascii: "+"), UInt8(ascii: "-")]),
              let hours = scanner.digits(2), scanner.consume(UInt8(ascii: ":")),
              let minutes = scanner.digits(2), hours <= 23, minutes <= 59
        else { return nil }
        let seconds = hours * 3600 + minutes * 60
        return sign == UInt8(ascii: "-") ? -seconds : seconds
    }
}
