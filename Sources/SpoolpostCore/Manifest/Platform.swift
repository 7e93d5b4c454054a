/// A network spoolpost can publish to.
public enum Platform: String, Sendable, CaseIterable, Hashable {
    case webhook, facebook, instagram, threads, linkedin, x, youtube

    /// Case-insensitive; `twitter` is an alias of ``x``.
    public init?(name: String) {
        let lowered = name.lowercased()
        if lowered == "twitter" {
            self = .x
        } else if let platform = Platform(rawValue: lowered) {
            self = platform
        } else {
            return nil
        }
    }

    /// `webhook, facebook, ... youtube`, for messages.
    static var acceptedList: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

extension Platform {
    /// "unknown platform 'x'; did you mean ...?" with the accepted names, shared by the manifest and config readers.
    static func unknownNameMessage(_ name: String) -> String {
        let accepted = allCases.map(\.rawValue) + ["twitter"]
        if let suggestion = SchemaReader.suggestion(for: name, among: accepted) {
            return "unknown platform '\(name)'; did you mean '\(suggestion)'? Accepted platforms: \(acceptedList)"
        }
        return "unknown platform '\(name)'; accepted platforms: \(acceptedList) (twitter is an alias of x)"
    }
}
