/// Calendar arithmetic on the proleptic Gregorian calendar, in whole days and seconds since 1970-01-01,
/// so that parsing and formatting instants needs no locale or formatter.
enum CivilTime {
    /// Days since 1970-01-01 of a year/month/day (Howard Hinnant's `days_from_civil`).
    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let shiftedMonth = month > 2 ? month - 3 : month + 9
        let dayOfYear = (153 * shiftedMonth + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The year/month/day of a count of days since 1970-01-01 (`civil_from_days`).
    static func civil(days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

/// A date and wall-clock time with no zone attached, as written in a manifest.
struct LocalDateTime: Hashable {
    var year: Int
    var month: Int
    var day: Int
    var hour: Int
    var minute: Int
    var second: Int
    var fraction: Double

    /// Seconds since 1970-01-01T00:00:00 as if this wall-clock time were UTC.
    var secondsAsUTC: Double {
        let days = CivilTime.days(year: year, month: month, day: day)
        return Double(days * 86_400 + hour * 3600 + minute * 60 + second) + fraction
    }

    var isValid: Bool {
        (1...9999).contains(year) && (1...12).contains(month)
            && (1...CivilTime.daysInMonth(year: year, month: month)).contains(day)
            && (0...23).contains(hour) && (0...59).contains(minute) && (0...60).contains(second)
    }

    /// The text as written in ISO form, for messages: `2026-03-29T02:30:00`.
    var isoText: String {
        "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2))"
    }
}

func pad(_ value: Int, _ width: Int) -> String {
    let digits = String(value)
    return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
}

/// A tiny cursor over ASCII bytes for the hand-written time and duration grammars.
struct ASCIIScanner {
    let bytes: [UInt8]
    var index = 0

    init(_ text: String) { bytes = Array(text.utf8) }

    var isAtEnd: Bool { index >= bytes.count }
    var peek: UInt8? { isAtEnd ? nil : bytes[index] }

    /// Exactly `count` decimal digits.
    mutating func digits(_ count: Int) -> Int? {
        guard index + count <= bytes.count else { return nil }
        var value = 0
        for offset in 0..<count {
            let byte = bytes[index + offset]
            guard byte >= 48, byte <= 57 else { return nil }
            value = value * 10 + Int(byte - 48)
        }
        index += count
        return value
    }

    mutating func consume(_ byte: UInt8) -> Bool {
        guard peek == byte else { return false }
        index += 1
        return true
    }

    mutating func consume(anyOf set: [UInt8]) -> UInt8? {
        guard let byte = peek, set.contains(byte) else { return nil }
        index += 1
        return byte
    }

    /// `.` followed by one or more digits, as a fraction of a second; nil (without moving) when absent.
    mutating func fraction() -> Double?? {
        guard peek == UInt8(ascii: ".") else { return .some(nil) }
        index += 1
        var value = 0.0
        var scale = 0.1
        var count = 0
        while let byte = peek, byte >= 48, byte <= 57 {
            value += Double(byte - 48) * scale
            scale /= 10
            count += 1
            index += 1
        }
        return count == 0 ? nil : .some(value)
    }
}
