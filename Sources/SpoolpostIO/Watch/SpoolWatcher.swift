import Foundation
import Glibc
import Logging
import Synchronization

/// Wakes the daemon when something may have changed in the spool folders.
///
/// Uses inotify (per folder: arrivals, that is close-after-write and renames in, and/or departures, that is
/// deletions and renames out; and the folders themselves moving or going away). Events carry no names: the daemon
/// rescans the folders that changed (``takeChangedFolders()``), every folder after a queue overflow or a poll.
/// Wakeups coalesce: at most one waits to be consumed. When inotify is unavailable it polls instead, logging that
/// once. Watches are registered in `init`, so a scan started after `init` returns misses nothing.
///
/// A dedicated thread waits on the inotify descriptor; call `shutdown()` to stop it and finish `wakeups`.
public final class SpoolWatcher: Sendable {
    /// Poll interval used when inotify is unavailable and no interval was given.
    public static let fallbackPollInterval = 1.0

    /// What to watch a folder for.
    public struct Interest: OptionSet, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// A file finished being written in place, or renamed in.
        public static let arrivals = Interest(rawValue: 1)
        /// A file deleted, or renamed out.
        public static let departures = Interest(rawValue: 2)
    }

    private static func eventMask(_ interest: Interest) -> UInt32 {
        var mask = UInt32(IN_DELETE_SELF) | UInt32(IN_MOVE_SELF) | UInt32(IN_ONLYDIR)
        if interest.contains(.arrivals) { mask |= UInt32(IN_CLOSE_WRITE) | UInt32(IN_MOVED_TO) }
        if interest.contains(.departures) { mask |= UInt32(IN_DELETE) | UInt32(IN_MOVED_FROM) }
        return mask
    }

    /// One element per wakeup; buffers only the newest, so a slow consumer sees one wakeup for many events.
    public let wakeups: AsyncStream<Void>
    /// Whether changes are noticed through inotify (false: only polling).
    public let usesInotify: Bool

    private let continuation: AsyncStream<Void>.Continuation
    private let inotifyFD: Int32
    private let shutdownFD: Int32
    private let pollInterval: Double?
    private let isShutDown = Atomic<Bool>(false)
    private let logger: Logger
    /// Watch descriptor -> folder index.
    private let folderOfWatch: [Int32: Int]
    private let folderCount: Int
    /// Indices of the folders changed since the last ``takeChangedFolders()``; every one at first.
    private let changed: Mutex<Set<Int>>

    /// Watches `directories`. With `pollInterval`, also wakes every that many seconds (a safety net for events
    /// inotify cannot see, such as changes made over NFS).
    public convenience init(directories: [String], pollInterval: Double?, logger: Logger) {
        self.init(folders: directories.map { ($0, [.arrivals, .departures]) }, pollInterval: pollInterval, logger: logger)
    }

    /// Watches each folder for what it names. Folder indices in ``takeChangedFolders()`` follow this order.
    public init(folders: [(path: String, interest: Interest)], pollInterval: Double?, logger: Logger) {
        (wakeups, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        self.logger = logger
        folderCount = folders.count
        changed = Mutex(Set(folders.indices))
        var folderOfWatch: [Int32: Int] = [:]

        let pollingNote = "polling the spool every \(pollInterval ?? Self.fallbackPollInterval) s instead"
        var inotifyFD = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        if inotifyFD < 0 {
            let reason = describeErrno(errno)
            logger.warning("inotify is unavailable (\(reason)); \(pollingNote)")
        } else {
            for (index, folder) in folders.enumerated() {
                let watch = inotify_add_watch(inotifyFD, folder.path, Self.eventMask(folder.interest))
                guard watch >= 0 else {
                    let reason = describeErrno(errno)
                    logger.warning("cannot watch \(folder.path) with inotify (\(reason)); \(pollingNote)")
                    close(inotifyFD)
                    inotifyFD = -1
                    break
                }
                folderOfWatch[watch] = index
            }
        }
        self.folderOfWatch = folderOfWatch
        self.inotifyFD = inotifyFD
        self.usesInotify = inotifyFD >= 0
        self.pollInterval = usesInotify ? pollInterval : (pollInterval ?? Self.fallbackPollInterval)
        self.shutdownFD = LinuxCalls.eventfd(0, LinuxCalls.eventFDFlags)
        if shutdownFD < 0 {
            let reason = describeErrno(errno)
            logger.warning("cannot create an eventfd (\(reason)); the watcher stops within 0.5 s of shutdown")
        }

        let thread = Thread { [self] in run() }
        thread.name = "spoolpost watcher"
        thread.start()
    }

    deinit {
        if inotifyFD >= 0 { close(inotifyFD) }
        if shutdownFD >= 0 { close(shutdownFD) }
    }

    /// The indices of the folders that changed since the last call (all of them the first time, after an
    /// overflow, and on every poll), and resets them.
    public func takeChangedFolders() -> Set<Int> {
        changed.withLock { folders in
            defer { folders.removeAll() }
            return folders
        }
    }

    private func markAllChanged() {
        changed.withLock { $0 = Set(0..<folderCount) }
    }

    /// Stops the watcher thread and finishes `wakeups`.
    public func shutdown() {
        guard !isShutDown.exchange(true, ordering: .acquiringAndReleasing) else { return }
        if shutdownFD >= 0 {
            var one: UInt64 = 1
            _ = write(shutdownFD, &one, MemoryLayout<UInt64>.size)
        }
    }

    private func run() {
        defer { continuation.finish() }
        var descriptors: [pollfd] = []
        if shutdownFD >= 0 { descriptors.append(pollfd(fd: shutdownFD, events: Int16(POLLIN), revents: 0)) }
        if inotifyFD >= 0 { descriptors.append(pollfd(fd: inotifyFD, events: Int16(POLLIN), revents: 0)) }
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var nextPoll = pollInterval.map { Self.now() + $0 }

        while !isShutDown.load(ordering: .acquiring) {
            var timeout: Int32 = -1
            if let nextPoll { timeout = Int32(clamping: Int64(max(0, (nextPoll - Self.now()) * 1000).rounded(.up))) }
            if shutdownFD < 0 { timeout = timeout < 0 ? 500 : min(timeout, 500) }

            let ready = poll(&descriptors, nfds_t(descriptors.count), timeout)
            if ready < 0 {
                if errno == EINTR { continue }
                let reason = describeErrno(errno)
                logger.error("waiting for spool changes failed (\(reason)); retrying")
                sleep(1)
                continue
            }
            if let due = nextPoll, let pollInterval, Self.now() >= due {
                markAllChanged()
                continuation.yield()
                nextPoll = Self.now() + pollInterval
            }
            if inotifyFD >= 0, descriptors.contains(where: { $0.fd == inotifyFD && $0.revents != 0 }) {
                if drainEvents(&buffer) { continuation.yield() }
            }
        }
    }

    /// Reads every queued inotify event; returns whether there was any.
    private func drainEvents(_ buffer: inout [UInt8]) -> Bool {
        var sawEvent = false
        while true {
            let count = buffer.withUnsafeMutableBytes { read(inotifyFD, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                if errno != EAGAIN {
                    let reason = describeErrno(errno)
                    logger.error("reading inotify events failed (\(reason))")
                }
                return sawEvent
            }
            if count == 0 { return sawEvent }
            buffer.withUnsafeBytes { bytes in
                var offset = 0
                let headerSize = MemoryLayout<inotify_event>.size
                while offset + headerSize <= count {
                    let event = bytes.load(fromByteOffset: offset, as: inotify_event.self)
                    sawEvent = true
                    if let folder = folderOfWatch[event.wd] {
                        changed.withLock { _ = $0.insert(folder) }
                    }
                    if event.mask & UInt32(IN_Q_OVERFLOW) != 0 {
                        markAllChanged()
                        logger.notice("inotify queue overflowed; rescanning the spool")
                    } else if event.mask & (UInt32(IN_DELETE_SELF) | UInt32(IN_MOVE_SELF)) != 0 {
                        logger.error("a watched spool folder was moved or deleted; changes in it are no longer seen")
                    }
                    offset += headerSize + Int(event.len)
                }
            }
        }
    }

    private static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
