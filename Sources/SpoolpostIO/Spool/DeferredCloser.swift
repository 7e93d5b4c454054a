import Dispatch
import Foundation
import Glibc
import Synchronization

/// Closes descriptors on background threads.
///
/// Freeing the blocks of an unlinked file can take milliseconds per file (synchronous discard on some disks), while
/// many frees in parallel cost about as much as one. The commit keeps a descriptor open on every file a rename
/// replaces or a removal deletes, so the rename or unlink itself is quick, and hands it here: the last close,
/// where the kernel frees the file, then happens off the commit path. Durability is unaffected: names are made
/// durable by the commit, freeing old data is not a guarantee anyone relies on.
final class DeferredCloser: Sendable {
    private struct State {
        var descriptors: [Int32] = []
        var isStopping = false
        var threadsStarted = false
    }

    private let state = Mutex(State())
    private let available = DispatchSemaphore(value: 0)
    private let threadCount: Int
    /// Beyond this many waiting descriptors, callers close themselves, bounding open descriptors.
    private let maximumWaiting: Int

    init(threads: Int = 4, maximumWaiting: Int = 1024) {
        self.threadCount = threads
        self.maximumWaiting = maximumWaiting
    }

    /// Threads start with the first descriptor, so a spool that is only read costs none.
    private func startThreads() {
        for index in 0..<threadCount {
            let thread = Thread { [self] in run() }
            thread.name = "spoolpost closer \(index)"
            thread.start()
        }
    }

    /// Closes `fd` soon on a background thread, or now when too many are waiting or the closer is stopping.
    func close(_ fd: Int32) {
        let (queued, mustStartThreads) = state.withLock { state in
            guard !state.isStopping, state.descriptors.count < maximumWaiting else { return (false, false) }
            state.descriptors.append(fd)
            defer { state.threadsStarted = true }
            return (true, !state.threadsStarted)
        }
        if mustStartThreads { startThreads() }
        if queued { available.signal() } else { Glibc.close(fd) }
    }

    /// Closes what is waiting and ends the threads.
    func stop() {
        let threadsStarted = state.withLock { state in
            state.isStopping = true
            return state.threadsStarted
        }
        if threadsStarted {
            for _ in 0..<threadCount { available.signal() }
        }
    }

    private func run() {
        while true {
            available.wait()
            let (fd, isStopping) = state.withLock { state in (state.descriptors.popLast(), state.isStopping) }
            if let fd {
                Glibc.close(fd)
            } else if isStopping {
                return
            }
        }
    }
}
