import Foundation

/// Why a `schedule_at` value names no instant; ``message`` says what to write instead.
public enum ScheduleTimeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The text is not a date-time in any accepted form.
    case syntax(text: String)
    /// A local date-time with neither a UTC offset nor a time zone to place it in.
    case missingTimeZone(text: String)
    /// The time zone is not an IANA name this system knows.
    case unknownTimeZone(name: String)
    /// The wall-clock time is skipped in that zone by a daylight-saving change.
    case nonexistentLocalTime(text: String, timeZone: String)

    public var message: String {
        switch self {
        case .syntax(let text):
            return "'\(text)' is not a date-time: write RFC 3339 with an offset (2026-12-01T09:00:00+01:00, "
                + "2026-12-01T08:00:00Z) or a local time (2026-12-01T09:00:00, 2026-12-01 09:00) with a time zone"
        case .missingTimeZone(let text):
            return "'\(text)' has no UTC offset and no time zone applies; it is not silently taken as UTC: "
                + "add an offset (e.g. \(text)+01:00 or \(text)Z) or set a time zone with `timezone:` "
                + "(e.g. timezone: Europe/Paris) in the manifest or in spoolpost.yaml"
        case .unknownTimeZone(let name):
            return "unknown time zone '\(name)': use an IANA name such as Europe/Paris, America/New_York or UTC"
        case .nonexistentLocalTime(let text, let zone):
            return "'\(text)' does not exist in \(zone): the clocks skip it for daylight saving time; "
                + "pick a time outside the gap or give an explicit UTC offset"
        }
    }

    public var description: String { message }
}

/// Resolution of the manifest's `schedule_at` to an instant.
public enum ScheduleTime {
    /// Parses `schedule_at`: RFC 3339 with offset, or a local date-time ("2026-12-01T09:00:00", "2026-12-01 09:00")
    /// in `timeZone`.
    ///
    /// A local time repeated by a daylight-saving change (clocks going back) resolves to its first occurrence.
    public static func resolve(_ text: String, timeZone: String?) -> Result<Date, ScheduleTimeError> {
        let trimmed = text.trimmingASCIIWhitespace()
        var scanner = ASCIIScanner(trimmed)
        guard let local = RFC3339.parseLocalDateTime(&scanner, secondsRequired: false) else {
            return .failure(.syntax(text: text))
        }
        if !scanner.isAtEnd {
            guard let offset = RFC3339.parseOffset(&scanner), scanner.isAtEnd else {
                return .failure(.syntax(text: text))
            }
            return .success(Date(timeIntervalSince1970: local.secondsAsUTC - Double(offset)))
        }
        guard let timeZone else { return .failure(.missingTimeZone(text: trimmed)) }
        guard let zone = TimeZone(identifier: timeZone) else { return .failure(.unknownTimeZone(name: timeZone)) }
        guard let instant = instant(of: local, in: zone) else {
            return .failure(.nonexistentLocalTime(text: trimmed, timeZone: timeZone))
        }
        return .success(instant)
    }

    /// The first instant whose wall-clock time in `zone` is `local`, or nil inside a daylight-saving gap.
    static func instant(of local: LocalDateTime, in zone: TimeZone) -> Date? {
        let asUTC = local.secondsAsUTC
        // Zone offsets change at most once around any given day, so the offsets a day before and a day after
        // are the only candidates; the smaller offset's instant comes later, so try the larger first.
        let before = zone.secondsFromGMT(for: Date(timeIntervalSince1970: asUTC - 86_400))
        let after = zone.secondsFromGMT(for: Date(timeIntervalSince1970: asUTC + 86_400))
        let candidates = Set([before, after]).sorted(by: >)
        for offset in candidates {
            let instant = Date(timeIntervalSince1970: asUTC - Double(offset))
            if zone.secondsFromGMT(for: instant) == offset { return instant }
        }
        return nil
    }
}

extension String {
    func trimmingASCIIWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
