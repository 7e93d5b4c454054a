/// One HTTP header field as sent or received; names compare case-sensitively here, look-ups do not.
public struct HTTPHeader: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}
