import Foundation
import Glibc
import SpoolpostIO
import Testing

@Suite struct SpoolDirectoryTests {
    @Test func createsTheLayoutAndReopensIt() throws {
        let scratch = SpoolScratchFolder()
        defer { scratch.remove() }
        let root = scratch.path + "/nested/spool"
        let spool = try SpoolDirectory(root: root + "/", create: true)
        #expect(spool.root == root)
        var isDirectory: ObjCBool = false
        for folder in ["pending", "scheduled", "publishing", "done", "failed", "media"] {
            #expect(FileManager.default.fileExists(atPath: "\(root)/\(folder)", isDirectory: &isDirectory))
            #expect(isDirectory.boolValue, "\(folder)")
        }
        #expect(spool.path(.done, "a.yaml") == "\(root)/done/a.yaml")
        _ = try SpoolDirectory(root: root, create: false)
        _ = try SpoolDirectory(root: root, create: true)
    }

    @Test func missingFoldersAreReportedWithoutCreate() throws {
        let scratch = SpoolScratchFolder()
        defer { scratch.remove() }
        #expect(throws: SpoolError.self) { try SpoolDirectory(root: scratch.path, create: false) }
        try FileManager.default.createDirectory(atPath: scratch.path + "/pending", withIntermediateDirectories: true)
        do {
            _ = try SpoolDirectory(root: scratch.path, create: false)
            Issue.record("opened a spool without scheduled/")
        } catch {
            #expect(error.kind == .missingFolder)
            #expect(error.message.contains("\(scratch.path)/scheduled"))
        }
    }

    static let sharedMemoryIsAnotherFilesystem: Bool = {
        var shm = stat()
        var tmp = stat()
        return stat("/dev/shm", &shm) == 0 && stat(NSTemporaryDirectory(), &tmp) == 0 && shm.st_dev != tmp.st_dev
            && access("/dev/shm", W_OK) == 0
    }()

    @Test(.enabled(if: sharedMemoryIsAnotherFilesystem, "needs /dev/shm on another filesystem"))
    func refusesStateFoldersOnDifferentFilesystems() throws {
        let scratch = SpoolScratchFolder()
        let elsewhere = "/dev/shm/spoolpost-test-\(UUID().uuidString)"
        defer {
            scratch.remove()
            try? FileManager.default.removeItem(atPath: elsewhere)
        }
        _ = try SpoolDirectory(root: scratch.path, create: true)
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
        try FileManager.default.removeItem(atPath: scratch.path + "/done")
        try FileManager.default.createSymbolicLink(atPath: scratch.path + "/done", withDestinationPath: elsewhere)
        do {
            _ = try SpoolDirectory(root: scratch.path, create: false)
            Issue.record("accepted done/ on another filesystem")
        } catch {
            #expect(error.kind == .differentFilesystems)
            #expect(error.message.contains("\(scratch.path)/done"))
        }
    }

    @Test func listSortsAndSkipsIgnoredNames() throws {
        let scratch = SpoolScratchFolder()
        defer { scratch.remove() }
        let spool = try SpoolDirectory(root: scratch.path, create: true)
        for name in ["b.yaml", "a.yaml", "a.status.yaml", ".a.yaml.tmp-1-2", ".rsync.yaml.Xy12Ab", "c.yaml.part",
                     "d.yaml~", "e.yaml.swp", "f.tmp"] {
            try spoolWritePlainFile(spool.path(.pending, name), "x")
        }
        #expect(try spool.list(.pending) == ["a.status.yaml", "a.yaml", "b.yaml"])
        #expect(try spool.list(.done) == [])
    }

    @Test func readsARegularFile() throws {
        let scratch = SpoolScratchFolder()
        defer { scratch.remove() }
        let spool = try SpoolDirectory(root: scratch.path, create: true)
        try spoolWritePlainFile(spool.path(.pending, "a.yaml"), "text: hello\n")
        #expect(spool.readManifestCandidate(.pending, "a.yaml", maxBytes: 1024) == .bytes(spoolBytes("text: hello\n")))
        #expect(spool.readManifestCandidate(.pending, "a.yaml", maxBytes: 5) == .tooLarge(12))
        #expect(spool.readManifestCandidate(.pending, "gone.yaml", maxBytes: 1024) == .vanished)
    }

    @Test func refusesSymlinksDirectoriesAndFifos() throws {
        let scratch = SpoolScratchFolder()
        defer { scratch.remove() }
        let spool = try SpoolDirectory(root: scratch.path, create: true)
        try spoolWritePlainFile(scratch.path + "/media/target.yaml", "text: x\n")
        try FileManager.default.createSymbolicLink(
            atPath: spool.path(.pending, "link.yaml"), withDestinationPath: scratch.path + "/media/target.yaml")
        try FileManager.default.createDirectory(atPath: spool.path(.pending, "dir.yaml"),
                                                withIntermediateDirectories: false)
        #expect(mkfifo(spool.path(.pending, "fifo.yaml"), 0o644) == 0)
        #expect(spool.readManifestCandidate(.pending, "link.yaml", maxBytes: 1024) == .symlink)
        #expect(spool.readManifestCandidate(.pending, "dir.yaml", maxBytes: 1024) == .notRegularFile("directory"))
        #expect(spool.readManifestCandidate(.pending, "fifo.yaml", maxBytes: 1024) == .notRegularFile("fifo"))
    }

    @Test func reportsAFileOpenForWritingAsBusy() throws {
        let scratch = SpoolScratchFolder()
        defer { scratch.remove() }
        let spool = try SpoolDirectory(root: scratch.path, create: true)
        let path = spool.path(.pending, "a.yaml")
        try spoolWritePlainFile(path, "text: half")
        let writer = open(path, O_WRONLY | O_APPEND)
        try #require(writer >= 0)
        #expect(spool.readManifestCandidate(.pending, "a.yaml", maxBytes: 1024) == .busy)
        close(writer)
        #expect(spool.readManifestCandidate(.pending, "a.yaml", maxBytes: 1024) == .bytes(spoolBytes("text: half")))
    }

    @Test func readFileAndExists() throws {
        let scratch = SpoolScratchFolder()
        defer { scratch.remove() }
        let spool = try SpoolDirectory(root: scratch.path, create: true)
        #expect(try spool.readFile(.done, "a.retry") == nil)
        #expect(!spool.exists(.done, "a.retry"))
        try spoolWritePlainFile(spool.path(.done, "a.retry"), "3")
        #expect(try spool.readFile(.done, "a.retry") == spoolBytes("3"))
        #expect(spool.exists(.done, "a.retry"))
        #expect(!spool.exists(.done, "../done/a.retry"))
    }

    @Test func lockHeldTwiceNamesTheHolder() throws {
        let scratch = SpoolScratchFolder()
        defer { scratch.remove() }
        let spool = try SpoolDirectory(root: scratch.path, create: true)
        let lock = try spool.lock()
        #expect(spoolReadPlainFile(scratch.path + "/.lock") == "\(getpid())\n")
        do {
            _ = try spool.lock()
            Issue.record("took the lock twice")
        } catch {
            #expect(error.kind == .lockHeld)
            #expect(error.message.contains("another spoolpost (pid \(getpid())) is running on this spool"))
        }
        lock.release()
        let again = try spool.lock()
        again.release()
    }

    @Test func removesStaleTemporaryFilesOnly() throws {
        let scratch = SpoolScratchFolder()
        defer { scratch.remove() }
        let spool = try SpoolDirectory(root: scratch.path, create: true)
        try spoolWritePlainFile(spool.path(.pending, ".a.yaml.tmp-999-1"), "x")
        try spoolWritePlainFile(spool.path(.done, ".a.status.yaml.tmp-999-2"), "x")
        try spoolWritePlainFile(spool.path(.pending, ".rsync.yaml.AbC123"), "x")
        try spoolWritePlainFile(spool.path(.pending, "b.yaml"), "x")
        #expect(try spool.removeStaleTemporaryFiles() == 2)
        #expect(!spool.exists(.pending, ".a.yaml.tmp-999-1"))
        #expect(!spool.exists(.done, ".a.status.yaml.tmp-999-2"))
        #expect(spool.exists(.pending, ".rsync.yaml.AbC123"))
        #expect(spool.exists(.pending, "b.yaml"))
    }
}
