/// Why a JSON document could not be parsed, and where.
public struct JSONNodeParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was expected and what was found.
    public var message: String
    /// Where the problem was found (1-based line and column, columns counted in characters).
    public var mark: SourceMark

    public init(_ message: String, at mark: SourceMark) {
        self.message = message
        self.mark = mark
    }

    public var description: String { "line \(mark.line), column \(mark.column): \(message)" }
}
