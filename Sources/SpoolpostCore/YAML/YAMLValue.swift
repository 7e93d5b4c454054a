/// A typed value to be written as YAML (status files and other documents the daemon produces).
///
/// Maps keep their order so that written files are deterministic and read in a sensible order.
public indirect enum YAMLValue: Sendable, Hashable {
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case null
    case list([YAMLValue])
    /// Key/value pairs in the order they are written.
    case map([(String, YAMLValue)])

    public static func == (lhs: YAMLValue, rhs: YAMLValue) -> Bool {
        switch (lhs, rhs) {
        case (.string(let a), .string(let b)): return a == b
        case (.int(let a), .int(let b)): return a == b
        case (.double(let a), .double(let b)): return a == b
        case (.bool(let a), .bool(let b)): return a == b
        case (.null, .null): return true
        case (.list(let a), .list(let b)): return a == b
        case (.map(let a), .map(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .string(let s): hasher.combine(0); hasher.combine(s)
        case .int(let i): hasher.combine(1); hasher.combine(i)
        case .double(let d): hasher.combine(2); hasher.combine(d)
        case .bool(let b): hasher.combine(3); hasher.combine(b)
        case .null: hasher.combine(4)
        case .list(let items): hasher.combine(5); hasher.combine(items)
        case .map(let pairs):
            hasher.combine(6)
            hasher.combine(pairs.count)
            for (key, value) in pairs { hasher.combine(key); hasher.combine(value) }
        }
    }

    /// The value for `key` in a map (the first, if a hand-built map repeats it), or nil.
    public subscript(key: String) -> YAMLValue? {
        guard case .map(let pairs) = self else { return nil }
        return pairs.first(where: { $0.0 == key })?.1
    }
}

extension YAMLValue: ExpressibleByStringInterpolation {
    public init(stringLiteral value: String) { self = .string(value) }
}

extension YAMLValue: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int) { self = .int(value) }
}

extension YAMLValue: ExpressibleByFloatLiteral {
    public init(floatLiteral value: Double) { self = .double(value) }
}

extension YAMLValue: ExpressibleByBooleanLiteral {
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension YAMLValue: ExpressibleByNilLiteral {
    public init(nilLiteral: ()) { self = .null }
}

extension YAMLValue: ExpressibleByArrayLiteral {
    public init(arrayLiteral elements: YAMLValue...) { self = .list(elements) }
}

extension YAMLValue: ExpressibleByDictionaryLiteral {
    /// Keeps the literal's order.
    public init(dictionaryLiteral elements: (String, YAMLValue)...) { self = .map(elements) }
}
