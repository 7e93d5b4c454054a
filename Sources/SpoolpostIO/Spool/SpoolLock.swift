import Glibc
import Synchronization

/// The exclusive lock one daemon holds on a spool; released by `release()` or when the value is freed.
public final class SpoolLock: Sendable {
    private let fd: Int32
    private let released: Mutex<Bool>

    init(fd: Int32) {
        self.fd = fd
        self.released = Mutex(false)
    }

    /// Releases the lock (closing the descriptor releases the `flock`). Calling it again does nothing.
    public func release() {
        let wasReleased = released.withLock { wasReleased in
            defer { wasReleased = true }
            return wasReleased
        }
        if !wasReleased { close(fd) }
    }

    deinit { release() }
}
