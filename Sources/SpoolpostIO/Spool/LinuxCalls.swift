import Glibc

/// Linux calls and constants that Swift's Glibc module does not import (they sit behind `_GNU_SOURCE`).
///
/// The functions are looked up once with `dlsym`; glibc has exported them for years (renameat2 since 2.28,
/// syncfs since 2.14, eventfd since 2.8), so a missing symbol reports ENOSYS rather than failing to link.
enum LinuxCalls {
    /// `RENAME_NOREPLACE` from <linux/fs.h>.
    static let renameNoReplace: UInt32 = 1
    /// `F_SETLEASE` from <fcntl.h> (`F_LINUX_SPECIFIC_BASE + 0`).
    static let setLease: Int32 = 1024
    /// `EFD_CLOEXEC` and `EFD_NONBLOCK` equal `O_CLOEXEC` and `O_NONBLOCK`.
    static let eventFDFlags: Int32 = O_CLOEXEC | O_NONBLOCK

    private typealias Renameat2 =
        @convention(c) (Int32, UnsafePointer<CChar>?, Int32, UnsafePointer<CChar>?, UInt32) -> Int32
    private typealias Syncfs = @convention(c) (Int32) -> Int32
    private typealias Eventfd = @convention(c) (UInt32, Int32) -> Int32

    private static let renameat2Function: Renameat2? = lookup("renameat2", as: Renameat2.self)
    private static let syncfsFunction: Syncfs? = lookup("syncfs", as: Syncfs.self)
    private static let eventfdFunction: Eventfd? = lookup("eventfd", as: Eventfd.self)

    private static func lookup<F>(_ symbol: String, as type: F.Type) -> F? {
        // RTLD_DEFAULT is the null handle in glibc.
        guard let address = dlsym(UnsafeMutableRawPointer(bitPattern: 0), symbol) else { return nil }
        return unsafeBitCast(address, to: type)
    }

    /// `renameat2(2)`; sets errno to ENOSYS when the C library lacks it.
    static func renameat2(_ fromFD: Int32, _ from: String, _ toFD: Int32, _ to: String, _ flags: UInt32) -> Int32 {
        guard let function = renameat2Function else {
            errno = ENOSYS
            return -1
        }
        return function(fromFD, from, toFD, to, flags)
    }

    /// `syncfs(2)`; sets errno to ENOSYS when the C library lacks it.
    static func syncfs(_ fd: Int32) -> Int32 {
        guard let function = syncfsFunction else {
            errno = ENOSYS
            return -1
        }
        return function(fd)
    }

    /// `eventfd(2)`; sets errno to ENOSYS when the C library lacks it.
    static func eventfd(_ initial: UInt32, _ flags: Int32) -> Int32 {
        guard let function = eventfdFunction else {
            errno = ENOSYS
            return -1
        }
        return function(initial, flags)
    }

    /// Runs a system call again while it fails with EINTR.
    static func retryingOnInterrupt(_ call: () -> Int32) -> Int32 {
        while true {
            let result = call()
            if result == -1 && errno == EINTR { continue }
            return result
        }
    }
}
