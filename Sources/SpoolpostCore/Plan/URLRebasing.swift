/// Rewrites URLs from one base to another wherever they appear in a text: how `spoolpost plan` shows the
/// requests an adapter sent to the built-in simulator with the account's real URLs.
public struct URLRebasing: Sendable {
    /// Longest prefix first, so a specific base (`…/api.x.com/2/oauth2/token`) wins over a general one.
    private var rules: [(from: String, to: String)] = []

    public init() {}

    /// Text starting with `from` is rewritten to start with `to` instead. A later rule for the same `from` wins.
    public mutating func map(_ from: String, to: String) {
        guard !from.isEmpty else { return }
        rules.removeAll { $0.from == from }
        rules.append((from, to))
        rules.sort { $0.from.count > $1.from.count }
    }

    /// `text` with every occurrence of a mapped prefix rewritten, the longest prefixes taken first.
    public func apply(_ text: String) -> String {
        guard !rules.isEmpty else { return text }
        var output = ""
        var rest = Substring(text)
        search: while !rest.isEmpty {
            for rule in rules where rest.hasPrefix(rule.from) {
                output += rule.to
                rest = rest.dropFirst(rule.from.count)
                continue search
            }
            output.append(rest.removeFirst())
        }
        return output
    }
}
