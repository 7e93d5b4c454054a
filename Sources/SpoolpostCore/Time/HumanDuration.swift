/// Rough spoken lengths of time for messages ("3 days", "12 minutes"), rounded down.
enum HumanDuration {
    static func describe(_ seconds: Double) -> String {
        let whole = Int(max(0, seconds.rounded(.down)))
        func unit(_ count: Int, _ name: String) -> String { "\(count) \(name)\(count == 1 ? "" : "s")" }
        if whole >= 2 * 86_400 { return unit(whole / 86_400, "day") }
        if whole >= 2 * 3600 { return unit(whole / 3600, "hour") }
        if whole >= 2 * 60 { return unit(whole / 60, "minute") }
        return unit(whole, "second")
    }

    /// "10s", "0.5s": an exact number of seconds.
    static func seconds(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? "\(Int(value))s" : "\(value)s"
    }
}
