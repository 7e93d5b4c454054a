/// How far ahead a post may be scheduled, and what happens to one that is already late.
public struct SchedulePolicy: Sendable, Hashable {
    /// Seconds; a `schedule_at` further ahead is refused as a likely typo.
    public var maxAhead: Double
    /// Seconds a post may be late and still count as on time.
    public var lateGrace: Double
    /// When true a post later than the grace is refused; otherwise it is published now with a warning.
    public var rejectLate: Bool

    public init(maxAhead: Double = 365 * 86_400, lateGrace: Double = 300, rejectLate: Bool = false) {
        self.maxAhead = maxAhead
        self.lateGrace = lateGrace
        self.rejectLate = rejectLate
    }
}
