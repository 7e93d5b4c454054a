import Glibc
import SpoolpostCore

/// A spool operation that failed without putting durability at risk; the daemon can carry on.
public struct SpoolError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is, for callers that react differently to each.
    public enum Kind: Sendable, Hashable {
        /// A move's destination already exists; nothing was overwritten.
        case destinationExists
        /// A move's source does not exist (any more).
        case sourceMissing
        /// A spool folder is missing and was not to be created.
        case missingFolder
        /// The state folders are not all on one filesystem, so moves between them cannot be renames.
        case differentFilesystems
        /// Another process holds the spool lock.
        case lockHeld
        /// A name is not a single path component.
        case invalidName
        /// Any other failing system call.
        case io
    }

    public var kind: Kind
    /// What went wrong, naming the path, and what to do about it when that is not obvious.
    public var message: String
    /// The `errno` of the failing system call, when there was one.
    public var errno: Int32?

    public init(_ kind: Kind, _ message: String, errno: Int32? = nil) {
        self.kind = kind
        self.message = message
        self.errno = errno
    }

    /// A failed system call on `path`: "cannot <operation> <path>: <strerror>".
    static func system(_ operation: String, _ path: String, errno code: Int32, kind: Kind = .io) -> SpoolError {
        SpoolError(kind, "cannot \(operation) \(path): \(describeErrno(code))", errno: code)
    }

    public var description: String { message }

    /// The project's error value for this failure (`IO_ERROR`, not retryable).
    public var spoolpostError: SpoolpostError { SpoolpostError(.io, message) }
}

/// A failure after which the spool's durable state is uncertain (a failed `fsync` or `syncfs`).
///
/// The daemon must not continue: it exits, and recovery on the next start works from what is on disk.
public struct SpoolFatalError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public var errno: Int32?

    public init(_ message: String, errno: Int32? = nil) {
        self.message = message
        self.errno = errno
    }

    static func system(_ operation: String, _ path: String, errno code: Int32) -> SpoolFatalError {
        SpoolFatalError("cannot \(operation) \(path): \(describeErrno(code)); stopping so recovery can run on restart",
                        errno: code)
    }

    public var description: String { message }
}

/// `strerror` text for an errno value.
func describeErrno(_ code: Int32) -> String {
    guard let text = strerror(code) else { return "errno \(code)" }
    return "\(String(cString: text)) (errno \(code))"
}
