/// A request for `HTTPClient.execute(_:)`. Redirects are never followed.
public struct HTTPRequest: Sendable {
    public var method: String
    /// An absolute `http://` or `https://` URL.
    public var url: String
    public var headers: [HTTPHeader]
    public var body: HTTPBody
    /// Whole-request limit in seconds, from queueing to the last response byte.
    public var timeout: Double
    /// Limit in seconds for establishing the connection (TCP and TLS).
    public var connectTimeout: Double
    /// Largest response body accepted (after content decoding); a longer one fails with `.responseTooLarge`.
    public var maxResponseBytes: Int
    /// Sends on a new connection rather than a kept-alive one. For a request that must not be repeated: libcurl
    /// silently sends a request again on a fresh connection when a reused one turns out dead, and a server may
    /// have acted on the first copy.
    public var freshConnection = false

    public init(
        method: String = "GET",
        url: String,
        headers: [HTTPHeader] = [],
        body: HTTPBody = .empty,
        timeout: Double = 30,
        connectTimeout: Double = 10,
        maxResponseBytes: Int = 16 * 1024 * 1024
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.connectTimeout = connectTimeout
        self.maxResponseBytes = maxResponseBytes
    }
}
