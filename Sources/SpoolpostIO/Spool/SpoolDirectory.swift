import Glibc
import Synchronization

/// The spool on disk: one folder per post state plus `media/`, with durable writes and moves.
///
/// Holds an `O_DIRECTORY` descriptor for the root and each state folder, so every operation is relative to the
/// folders opened at start-up. Every method is a blocking system call: call them from a dedicated thread, never
/// from the cooperative pool.
public final class SpoolDirectory: @unchecked Sendable {
    // @unchecked: the stored descriptors never change after init and are closed only in deinit;
    // the temporary-file counter is atomic.

    /// The folder holding user media; not a state.
    public static let mediaFolderName = "media"
    /// The lock file's name in the root.
    public static let lockFileName = ".lock"

    public let root: String
    let rootFD: Int32
    private let stateFDs: [Int32]
    private let temporaryCounter = Atomic<UInt64>(0)
    private let processID = getpid()
    /// Closes the last descriptor of replaced and removed files off the commit path.
    let deferredCloser = DeferredCloser()

    /// Opens the spool at `root`. With `create`, makes the root (and missing parents), the five state folders and
    /// `media/` first, making each new entry durable. Fails when a folder is missing (without `create`) or when the
    /// state folders are not all on one filesystem.
    public init(root: String, create: Bool) throws(SpoolError) {
        var trimmed = root
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
        self.root = trimmed
        Self.ignoreLeaseBreakSignal()

        if create { try Self.makeDirectories(trimmed) }
        let rootFD = open(trimmed, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard rootFD >= 0 else {
            let code = errno
            throw code == ENOENT
                ? SpoolError(.missingFolder, "spool folder \(trimmed) does not exist; create it first", errno: code)
                : .system("open spool folder", trimmed, errno: code)
        }
        var fds: [Int32] = []
        func closeAll() {
            close(rootFD)
            fds.forEach { close($0) }
        }
        do throws(SpoolError) {
            var createdEntry = false
            if create {
                for folder in SpoolState.allCases.map(\.rawValue) + [Self.mediaFolderName] {
                    if mkdirat(rootFD, folder, 0o755) == 0 {
                        createdEntry = true
                    } else if errno != EEXIST {
                        throw .system("create spool folder", "\(trimmed)/\(folder)", errno: errno)
                    }
                }
                if createdEntry && LinuxCalls.retryingOnInterrupt({ fsync(rootFD) }) != 0 {
                    throw .system("fsync spool folder", trimmed, errno: errno)
                }
            }
            var referenceDevice: dev_t?
            for state in SpoolState.allCases {
                let path = "\(trimmed)/\(state.rawValue)"
                let fd = openat(rootFD, state.rawValue, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                guard fd >= 0 else {
                    let code = errno
                    if code == ENOENT {
                        throw SpoolError(.missingFolder, "spool folder \(path) does not exist; create it first",
                                         errno: code)
                    }
                    throw .system("open spool folder", path, errno: code)
                }
                fds.append(fd)
                var info = stat()
                guard fstat(fd, &info) == 0 else { throw .system("stat spool folder", path, errno: errno) }
                if let referenceDevice, referenceDevice != info.st_dev {
                    throw SpoolError(
                        .differentFilesystems,
                        "spool folder \(path) is on a different filesystem than \(trimmed)/pending; "
                            + "all state folders must be on one filesystem so moves between them are atomic renames"
                    )
                }
                referenceDevice = info.st_dev
            }
        } catch {
            closeAll()
            deferredCloser.stop()
            throw error
        }
        self.rootFD = rootFD
        self.stateFDs = fds
    }

    deinit {
        deferredCloser.stop()
        close(rootFD)
        stateFDs.forEach { close($0) }
    }

    /// The path of the user media folder.
    public var mediaPath: String { "\(root)/\(Self.mediaFolderName)" }

    /// The descriptor of a state folder.
    func fd(_ state: SpoolState) -> Int32 { stateFDs[state.index] }

    /// The full path of `name` in a state folder, for messages and logs.
    public func path(_ state: SpoolState, _ name: String) -> String { "\(root)/\(state.rawValue)/\(name)" }

    /// The entry names in a state folder, sorted, without ignored names (see `SpoolNames.isIgnored`).
    /// Names that are not valid UTF-8 are left out: no manifest can be addressed by them.
    public func list(_ state: SpoolState) throws(SpoolError) -> [String] {
        try listUnsorted(state).sorted()
    }

    /// The same names in directory order, for callers that sort only what they need.
    public func listUnsorted(_ state: SpoolState) throws(SpoolError) -> [String] {
        try listAll(state).filter { !SpoolNames.isIgnored($0) }
    }

    /// Every entry name in a state folder except `.` and `..`, unsorted.
    func listAll(_ state: SpoolState) throws(SpoolError) -> [String] {
        // A fresh descriptor per listing: readdir's position belongs to the open file description.
        let listingFD = openat(fd(state), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard listingFD >= 0 else { throw .system("open spool folder", "\(root)/\(state.rawValue)", errno: errno) }
        guard let directory = fdopendir(listingFD) else {
            let code = errno
            close(listingFD)
            throw .system("list spool folder", "\(root)/\(state.rawValue)", errno: code)
        }
        defer { closedir(directory) }
        var names: [String] = []
        while true {
            errno = 0
            guard let entry = readdir(directory) else {
                if errno != 0 { throw .system("list spool folder", "\(root)/\(state.rawValue)", errno: errno) }
                break
            }
            let name = withUnsafePointer(to: &entry.pointee.d_name) { tuple in
                tuple.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: tuple.pointee)) {
                    String(validatingCString: $0)
                }
            }
            guard let name, name != ".", name != ".." else { continue }
            names.append(name)
        }
        return names
    }

    /// Reads a possible manifest without following symlinks, without blocking on FIFOs and without reading a file
    /// some process still has open for writing.
    public func readManifestCandidate(_ state: SpoolState, _ name: String, maxBytes: Int) -> ManifestCandidate {
        let path = path(state, name)
        guard SpoolNames.isValidEntryName(name) else { return .unreadable("\(path) is not a valid entry name") }
        var info = stat()
        // Look before opening: opening a device node can have side effects.
        if fstatat(fd(state), name, &info, AT_SYMLINK_NOFOLLOW) != 0 {
            return errno == ENOENT ? .vanished : .unreadable(SpoolError.system("stat", path, errno: errno).message)
        }
        if let kind = Self.nonRegularKind(info.st_mode) { return kind == "symlink" ? .symlink : .notRegularFile(kind) }

        let fd = openat(fd(state), name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            switch errno {
            case ENOENT: return .vanished
            case ELOOP: return .symlink
            case ENXIO: return .notRegularFile("socket")
            default: return .unreadable(SpoolError.system("open", path, errno: errno).message)
            }
        }
        defer { close(fd) }
        guard fstat(fd, &info) == 0 else { return .unreadable(SpoolError.system("stat", path, errno: errno).message) }
        if let kind = Self.nonRegularKind(info.st_mode) { return kind == "symlink" ? .symlink : .notRegularFile(kind) }
        if Int(info.st_size) > maxBytes { return .tooLarge(Int(info.st_size)) }

        // A read lease is refused with EAGAIN while any process has the file open for writing, and while we hold
        // it a writer's open waits for us to let go. EACCES (not the owner, no CAP_LEASE) or EINVAL (filesystem
        // without leases) leave only IN_CLOSE_WRITE to tell us a write finished.
        if fcntl(fd, LinuxCalls.setLease, F_RDLCK) == 0 {
            defer { _ = fcntl(fd, LinuxCalls.setLease, F_UNLCK) }
            return readAll(fd, path: path, maxBytes: maxBytes)
        } else if errno == EAGAIN {
            return .busy
        }
        return readAll(fd, path: path, maxBytes: maxBytes)
    }

    private func readAll(_ fd: Int32, path: String, maxBytes: Int) -> ManifestCandidate {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return .unreadable(SpoolError.system("read", path, errno: errno).message)
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
            // The file grew past the limit after fstat.
            if bytes.count > maxBytes { return .tooLarge(bytes.count) }
        }
        return .bytes(bytes)
    }

    /// The contents of a file in a state folder, or nil when it does not exist. Does not follow symlinks.
    public func readFile(_ state: SpoolState, _ name: String) throws(SpoolError) -> [UInt8]? {
        let path = path(state, name)
        guard SpoolNames.isValidEntryName(name) else {
            throw SpoolError(.invalidName, "\(path) is not a valid entry name")
        }
        let fd = openat(fd(state), name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return nil }
            throw .system("open", path, errno: errno)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .system("stat", path, errno: errno) }
        if let kind = Self.nonRegularKind(info.st_mode) {
            throw SpoolError(.io, "cannot read \(path): it is a \(kind), not a regular file")
        }
        switch readAll(fd, path: path, maxBytes: Int.max - 1) {
        case .bytes(let bytes): return bytes
        case .unreadable(let message): throw SpoolError(.io, message)
        default: throw SpoolError(.io, "cannot read \(path)")
        }
    }

    /// Whether an entry of any kind (symlinks included, not followed) exists in a state folder.
    public func exists(_ state: SpoolState, _ name: String) -> Bool {
        guard SpoolNames.isValidEntryName(name) else { return false }
        var info = stat()
        return fstatat(fd(state), name, &info, AT_SYMLINK_NOFOLLOW) == 0
    }

    /// Takes the spool's exclusive lock (`.lock` in the root) and writes our pid into it.
    /// Fails naming the holder's pid when another process has it.
    public func lock() throws(SpoolError) -> SpoolLock {
        let path = "\(root)/\(Self.lockFileName)"
        let fd = openat(rootFD, Self.lockFileName, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else { throw .system("open lock file", path, errno: errno) }
        if LinuxCalls.retryingOnInterrupt({ flock(fd, LOCK_EX | LOCK_NB) }) != 0 {
            let code = errno
            defer { close(fd) }
            guard code == EWOULDBLOCK else { throw .system("lock", path, errno: code) }
            var buffer = [UInt8](repeating: 0, count: 64)
            let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
            let text = count > 0 ? String(decoding: buffer[0..<count], as: UTF8.self) : ""
            let holder = Int32(text.split(whereSeparator: \.isWhitespace).first ?? "").map(String.init) ?? "unknown"
            throw SpoolError(
                .lockHeld, "another spoolpost (pid \(holder)) is running on this spool (\(root)); stop it first",
                errno: code)
        }
        let text = Array("\(processID)\n".utf8)
        let written = text.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        guard ftruncate(fd, off_t(text.count)) == 0, written == text.count else {
            let code = errno
            close(fd)
            throw .system("write pid into lock file", path, errno: code)
        }
        return SpoolLock(fd: fd)
    }

    /// Deletes temporary files a previous run left behind (`.NAME.tmp-<pid>-<counter>`) in every state folder.
    /// Call at start-up, after taking the lock. Returns how many were deleted.
    @discardableResult
    public func removeStaleTemporaryFiles() throws(SpoolError) -> Int {
        var removed = 0
        for state in SpoolState.allCases {
            for name in try listAll(state) where SpoolNames.isOwnTemporaryName(name) {
                if unlinkat(fd(state), name, 0) == 0 {
                    removed += 1
                } else if errno != ENOENT {
                    throw .system("remove stale temporary file", path(state, name), errno: errno)
                }
            }
        }
        return removed
    }

    func nextTemporaryName(for name: String) -> String {
        let counter = temporaryCounter.wrappingAdd(1, ordering: .relaxed).newValue
        return SpoolNames.temporaryName(for: name, pid: processID, counter: counter)
    }

    /// The kind of a non-regular file for messages; nil for a regular file.
    static func nonRegularKind(_ mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG: nil
        case S_IFDIR: "directory"
        case S_IFLNK: "symlink"
        case S_IFIFO: "fifo"
        case S_IFSOCK: "socket"
        case S_IFCHR: "character device"
        case S_IFBLK: "block device"
        default: "special file"
        }
    }

    /// Creates `path` and its missing parents, fsyncing each parent that gained an entry.
    private static func makeDirectories(_ path: String) throws(SpoolError) {
        let absolute = path.hasPrefix("/")
        var current = absolute ? "" : "."
        for component in path.split(separator: "/") {
            let parent = current.isEmpty ? "/" : current
            current += "/" + component
            if mkdir(current, 0o755) == 0 {
                try fsyncDirectory(parent)
            } else if errno != EEXIST {
                throw .system("create spool folder", current, errno: errno)
            }
        }
    }

    private static func fsyncDirectory(_ path: String) throws(SpoolError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .system("open folder", path, errno: errno) }
        defer { close(fd) }
        if LinuxCalls.retryingOnInterrupt({ fsync(fd) }) != 0 { throw .system("fsync folder", path, errno: errno) }
    }

    private static let leaseSignalSetUp: Bool = {
        // Breaking a lease we hold sends SIGIO, whose default action ends the process. Ignore it unless someone
        // already installed a handler.
        let previous = signal(SIGIO, SIG_IGN)
        if previous != nil { signal(SIGIO, previous) }
        return true
    }()

    private static func ignoreLeaseBreakSignal() { _ = leaseSignalSetUp }
}
