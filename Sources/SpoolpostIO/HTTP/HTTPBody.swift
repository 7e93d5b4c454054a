/// The body of an outgoing request.
public enum HTTPBody: Sendable, Hashable {
    /// No body. POST, PUT and PATCH still send `Content-Length: 0`.
    case empty
    /// Bytes held in memory, copied into libcurl when the transfer starts.
    case bytes([UInt8])
    /// `length` bytes of the file at `path` starting at `offset`, streamed from disk as libcurl asks for them.
    case file(path: String, offset: Int64, length: Int64)
}
