/// A request as a Cloud Storage server receives it: the method, the path and query exactly as they came on the
/// request line (still percent-encoded), the `Host` header and the other headers.
public struct GCSIncomingRequest: Sendable, Hashable {
    /// One received header field.
    public struct Header: Sendable, Hashable {
        public var name: String
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// One query parameter, percent-decoded.
    public struct QueryItem: Sendable, Hashable {
        public var name: String
        public var value: String
    }

    public var method: String
    /// The path as sent, percent-encoded (`/bucket/a%20b.jpg`).
    public var rawPath: String
    /// The query string as sent, without the `?`.
    public var rawQuery: String
    /// The `Host` header's value (with the port when the client sent one).
    public var host: String
    public var headers: [Header]

    public init(method: String, rawPath: String, rawQuery: String, host: String, headers: [Header]) {
        self.method = method
        self.rawPath = rawPath
        self.rawQuery = rawQuery
        self.host = host
        self.headers = headers
    }

    /// The path with its percent-escapes decoded (`/bucket/a b.jpg`).
    public func decodedPath() throws(GCSIncomingError) -> String {
        try Self.percentDecode(rawPath, what: "the request path")
    }

    /// The bucket and object a path-style request addresses: `/bucket` gives a nil object, `/bucket/a/b` object
    /// `a/b` (an object name keeps every further `/`, even leading or doubled ones).
    public func pathStyleBucketAndObject() throws(GCSIncomingError) -> (bucket: String, object: String?) {
        let path = try decodedPath()
        guard path.hasPrefix("/") else {
            throw .invalidArgument("The request path must start with '/'.")
        }
        let rest = path.dropFirst()
        guard let slash = rest.firstIndex(of: "/") else {
            return (String(rest), nil)
        }
        let object = rest[rest.index(after: slash)...]
        return (String(rest[..<slash]), object.isEmpty ? nil : String(object))
    }

    /// The query parameters in the order sent, each name and value percent-decoded (`+` stays a plus sign).
    public func queryItems() throws(GCSIncomingError) -> [QueryItem] {
        var items: [QueryItem] = []
        for piece in rawQuery.split(separator: "&", omittingEmptySubsequences: true) {
            let name: Substring
            let value: Substring
            if let equals = piece.firstIndex(of: "=") {
                name = piece[..<equals]
                value = piece[piece.index(after: equals)...]
            } else {
                name = piece
                value = ""
            }
            items.append(
                QueryItem(
                    name: try Self.percentDecode(name, what: "a query parameter name"),
                    value: try Self.percentDecode(value, what: "a query parameter value")
                )
            )
        }
        return items
    }

    /// Every value of the headers named `name` (case-insensitive), in arrival order.
    public func headerValues(_ name: String) -> [String] {
        let wanted = name.lowercased()
        return headers.filter { $0.name.lowercased() == wanted }.map(\.value)
    }

    /// Decodes `%XX` escapes; the result must be UTF-8, as object names and parameters are.
    static func percentDecode(_ text: some StringProtocol, what: String) throws(GCSIncomingError) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(GCSEncoding.hexDigitValue),
                let low = iterator.next().flatMap(GCSEncoding.hexDigitValue)
            else {
                throw .invalidArgument("\(what.prefix(1).uppercased() + what.dropFirst()) has a malformed %-escape.")
            }
            bytes.append(high << 4 | low)
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else {
            throw .invalidArgument("\(what.prefix(1).uppercased() + what.dropFirst()) is not valid UTF-8.")
        }
        return decoded
    }

}
