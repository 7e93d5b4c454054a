/// One problem found in a manifest or configuration file, pinned to where it is.
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable { case error, warning }

    public var severity: Severity
    /// Display name of the file.
    public var file: String
    public var mark: SourceMark?
    /// Field path such as `targets[1].platform`; empty for the whole document.
    public var path: String
    /// What is wrong and what is expected.
    public var message: String

    public init(_ severity: Severity, file: String, mark: SourceMark?, path: String, _ message: String) {
        self.severity = severity
        self.file = file
        self.mark = mark
        self.path = path
        self.message = message
    }

    /// `FILE:LINE:COL: [warning: ]path: message`, leaving out what is unknown.
    public var description: String {
        var text = file
        if let mark { text += ":\(mark.line):\(mark.column)" }
        text += ": "
        if severity == .warning { text += "warning: " }
        if !path.isEmpty { text += "\(path): " }
        return text + message
    }
}

extension Array where Element == Diagnostic {
    /// Stable sort by position; diagnostics without a mark keep their order at the end.
    func inDocumentOrder() -> [Diagnostic] {
        enumerated().sorted { lhs, rhs in
            switch (lhs.element.mark, rhs.element.mark) {
            case let (l?, r?):
                if l.line != r.line { return l.line < r.line }
                if l.column != r.column { return l.column < r.column }
                return lhs.offset < rhs.offset
            case (.some, nil): return true
            case (nil, .some): return false
            case (nil, nil): return lhs.offset < rhs.offset
            }
        }.map(\.element)
    }
}
