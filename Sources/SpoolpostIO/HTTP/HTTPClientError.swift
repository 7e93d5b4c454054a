/// Why a request produced no response. HTTP error statuses (4xx, 5xx) are responses, not errors.
public struct HTTPClientError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// The request was rejected before anything was sent: bad URL, method, header, or unreadable file body.
        case invalidRequest
        /// The host name did not resolve, or no connection (TCP or TLS) could be established.
        case couldNotConnect
        /// The whole-request or connect timeout ran out.
        case timedOut
        /// The connection failed or closed before a complete response arrived.
        case connectionLost
        /// The response body exceeded `HTTPRequest.maxResponseBytes`.
        case responseTooLarge
        /// The calling task was cancelled or the client was shut down.
        case cancelled
        /// Anything else libcurl reported (see `curlCode`).
        case other
    }

    public var kind: Kind
    /// What went wrong, naming the method, host and path only: never query strings or header values.
    public var message: String
    /// False only when it is certain no byte of the request reached the network, so a retry cannot duplicate it.
    public var requestMayHaveBeenSent: Bool
    /// The libcurl `CURLcode`, or 0 when the error did not come from libcurl.
    public var curlCode: Int32

    public init(kind: Kind, message: String, requestMayHaveBeenSent: Bool, curlCode: Int32 = 0) {
        self.kind = kind
        self.message = message
        self.requestMayHaveBeenSent = requestMayHaveBeenSent
        self.curlCode = curlCode
    }

    public var description: String {
        var text = "HTTP \(kind): \(message)"
        if curlCode != 0 { text += " [curl \(curlCode)]" }
        return text
    }
}
