/// A position in a source document, 1-based.
public struct SourceMark: Sendable, Hashable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }
    public var description: String { "\(line):\(column)" }
}

/// A parsed YAML or JSON document node that remembers where it came from.
///
/// Scalars keep their source text; typing (bool, int, time) is the reader's job, so that
/// `"1"` and `1` can be told apart when the schema cares (``isQuoted``).
public struct YAMLNode: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case scalar(String)
        case sequence([YAMLNode])
        /// Key/value pairs in document order; keys are nodes so that their marks survive.
        case mapping([(key: YAMLNode, value: YAMLNode)])

        public static func == (lhs: Kind, rhs: Kind) -> Bool {
            switch (lhs, rhs) {
            case (.scalar(let a), .scalar(let b)): return a == b
            case (.sequence(let a), .sequence(let b)): return a == b
            case (.mapping(let a), .mapping(let b)):
                return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
            default: return false
            }
        }

        public func hash(into hasher: inout Hasher) {
            switch self {
            case .scalar(let s): hasher.combine(0); hasher.combine(s)
            case .sequence(let items): hasher.combine(1); hasher.combine(items)
            case .mapping(let pairs):
                hasher.combine(2)
                for pair in pairs { hasher.combine(pair.key); hasher.combine(pair.value) }
            }
        }
    }

    public var kind: Kind
    public var mark: SourceMark
    /// True for a quoted scalar (`"..."` or `'...'`), or a JSON string; such a scalar is always a string.
    public var isQuoted: Bool
    /// True for YAML's explicit null (`~`, `null`, empty) when unquoted.
    public var isNull: Bool {
        guard case .scalar(let s) = kind, !isQuoted else { return false }
        return s.isEmpty || s == "~" || s == "null" || s == "Null" || s == "NULL"
    }

    public init(_ kind: Kind, mark: SourceMark, isQuoted: Bool = false) {
        self.kind = kind
        self.mark = mark
        self.isQuoted = isQuoted
    }

    /// The scalar's text, or nil for a collection.
    public var scalar: String? {
        if case .scalar(let s) = kind { return s }
        return nil
    }

    /// The items of a sequence, or nil.
    public var sequence: [YAMLNode]? {
        if case .sequence(let items) = kind { return items }
        return nil
    }

    /// The pairs of a mapping, or nil.
    public var mapping: [(key: YAMLNode, value: YAMLNode)]? {
        if case .mapping(let pairs) = kind { return pairs }
        return nil
    }

    /// The value for a scalar key in a mapping.
    public subscript(key: String) -> YAMLNode? {
        mapping?.first(where: { $0.key.scalar == key })?.value
    }

    /// A short name of the node's type for error messages ("a mapping", "a list", "text").
    public var kindDescription: String {
        switch kind {
        case .scalar: return isNull ? "nothing (null)" : "a scalar"
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        }
    }
}
