/// What reading a possible manifest found.
public enum ManifestCandidate: Sendable, Equatable {
    /// A complete regular file that nobody has open for writing.
    case bytes([UInt8])
    /// Not a regular file; the associated value names the kind ("directory", "fifo", "socket", ...).
    case notRegularFile(String)
    /// A symbolic link, which the spool never follows.
    case symlink
    /// Larger than allowed; the associated value is its size in bytes.
    case tooLarge(Int)
    /// Some process has it open for writing: wait for its close (IN_CLOSE_WRITE) and read again.
    case busy
    /// It was gone by the time it was opened.
    case vanished
    /// It could not be read; the message names the path and the reason.
    case unreadable(String)
}
