/// One request as `spoolpost plan` shows it: the account's real URL, secrets hidden, the body summarised.
public struct PlannedRequest: Sendable, Hashable {
    /// A name and a value, in the order sent.
    public struct Field: Sendable, Hashable {
        public var name: String
        public var value: String
    }

    public var method: String
    /// The URL without its query.
    public var url: String
    /// The query parameters, percent-decoded.
    public var query: [Field]
    public var headers: [Field]
    /// A few lines saying what the body holds.
    public var body: [String]
    /// The answer the simulator gave: a status code, or why there was none.
    public var answer: String
    /// How many identical requests in a row this stands for (polls).
    public var repeats = 1

    /// True when `other` is the same request with the same answer, so the two print as one line with a count.
    func repeats(_ other: PlannedRequest) -> Bool {
        method == other.method && url == other.url && query == other.query && headers == other.headers
            && body == other.body && answer == other.answer
    }
}

/// One line of a target's plan.
public enum PlanEntry: Sendable, Hashable {
    case request(PlannedRequest)
    /// A step the adapter made durable (in a real run, in the post's status file).
    case step(key: String, value: String?)
    /// The next request makes the post public: it is sent once and never repeated blindly.
    case publicStepBegins
}
