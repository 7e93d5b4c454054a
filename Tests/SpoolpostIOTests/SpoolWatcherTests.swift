import Foundation
import Glibc
import Logging
import SpoolpostIO
import Synchronization
import Testing

/// Counts the wakeups a watcher delivers, consuming its stream in a task.
final class SpoolWakeupCounter: Sendable {
    private final class Count: Sendable {
        let value = Mutex(0)
    }

    private let count = Count()

    init(_ watcher: SpoolWatcher) {
        let count = self.count
        Task {
            for await _ in watcher.wakeups { count.value.withLock { $0 += 1 } }
        }
    }

    var value: Int { count.value.withLock { $0 } }
}

/// A flag one task sets and another polls.
final class SpoolTestFlag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}

@Suite struct SpoolWatcherTests {
    let logger = Logger(label: "spoolpost.test.watcher")

    @Test func wakesWhenAWriterClosesAFile() async throws {
        let scratch = SpoolScratchFolder("watch")
        defer { scratch.remove() }
        try FileManager.default.createDirectory(atPath: scratch.path, withIntermediateDirectories: true)
        let watcher = SpoolWatcher(directories: [scratch.path], pollInterval: nil, logger: logger)
        defer { watcher.shutdown() }
        #expect(watcher.usesInotify)
        let counter = SpoolWakeupCounter(watcher)

        try spoolWritePlainFile(scratch.path + "/a.yaml", "text: a")
        #expect(await spoolEventually { counter.value >= 1 })
    }

    @Test func wakesWhenAFileIsRenamedIn() async throws {
        let scratch = SpoolScratchFolder("watch")
        let outside = SpoolScratchFolder("outside")
        defer {
            scratch.remove()
            outside.remove()
        }
        for folder in [scratch, outside] {
            try FileManager.default.createDirectory(atPath: folder.path, withIntermediateDirectories: true)
        }
        try spoolWritePlainFile(outside.path + "/a.yaml", "text: a")
        let watcher = SpoolWatcher(directories: [scratch.path], pollInterval: nil, logger: logger)
        defer { watcher.shutdown() }
        let counter = SpoolWakeupCounter(watcher)

        // Nothing happened in the watched folder yet, so any wakeup comes from the rename.
        #expect(rename(outside.path + "/a.yaml", scratch.path + "/a.yaml") == 0)
        #expect(await spoolEventually { counter.value >= 1 })
    }

    @Test func fallsBackToPollingWhenAFolderCannotBeWatched() async throws {
        let scratch = SpoolScratchFolder("watch")
        defer { scratch.remove() }
        let watcher = SpoolWatcher(directories: [scratch.path + "/missing"], pollInterval: nil, logger: logger)
        defer { watcher.shutdown() }
        #expect(!watcher.usesInotify)
        let counter = SpoolWakeupCounter(watcher)
        #expect(await spoolEventually { counter.value >= 2 })
    }

    @Test func pollsOnTopOfInotifyWhenAskedTo() async throws {
        let scratch = SpoolScratchFolder("watch")
        defer { scratch.remove() }
        try FileManager.default.createDirectory(atPath: scratch.path, withIntermediateDirectories: true)
        let watcher = SpoolWatcher(directories: [scratch.path], pollInterval: 0.05, logger: logger)
        defer { watcher.shutdown() }
        #expect(watcher.usesInotify)
        let counter = SpoolWakeupCounter(watcher)
        #expect(await spoolEventually { counter.value >= 2 })
    }

    @Test func shutdownFinishesTheStream() async throws {
        let scratch = SpoolScratchFolder("watch")
        defer { scratch.remove() }
        try FileManager.default.createDirectory(atPath: scratch.path, withIntermediateDirectories: true)
        let watcher = SpoolWatcher(directories: [scratch.path], pollInterval: nil, logger: logger)
        let finished = SpoolTestFlag()
        Task {
            for await _ in watcher.wakeups {}
            finished.set()
        }
        watcher.shutdown()
        #expect(await spoolEventually { finished.isSet })
    }
}
