import SpoolpostCore

/// Why a YAML document could not be loaded, and where.
public struct YAMLLoadError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, in words a person editing the file can act on.
    public var message: String
    /// Where in the document the problem was found, when known.
    public var mark: SourceMark?

    public init(_ message: String, at mark: SourceMark? = nil) {
        self.message = message
        self.mark = mark
    }

    public var description: String {
        guard let mark else { return message }
        return "line \(mark.line), column \(mark.column): \(message)"
    }
}
