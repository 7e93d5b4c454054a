import Foundation
import Glibc
import Synchronization

/// A program the tests start (the `spoolpost` binary, `openssl`), tracked and stopped by its pid.
///
/// Started with `posix_spawn` rather than Foundation's `Process`. On Linux `Process.run()` copies a whole
/// 256-byte `d_name` out of every `/proc/self/fd` entry to find the descriptors to close; when the last entry
/// ends near the end of a page that read faults. The test process, running hundreds of tests at once, holds
/// more than a thousand descriptors, and CI crashed there. Here the child closes every inherited descriptor
/// above stderr with `posix_spawn_file_actions_addclosefrom_np`, so no test's sockets leak into it.
public final class ChildProcess: Sendable {
    /// Where one of the child's standard streams goes.
    public enum Stream: Sendable {
        case null
        /// Created or truncated, then appended to, so that stdout and stderr can share one file.
        case file(String)
    }

    /// How the child ended.
    public enum Termination: Sendable, Equatable {
        case exited(Int32)
        case signalled(Int32)

        /// The exit code, or the signal number for a child a signal ended (as Foundation's `terminationStatus`).
        public var status: Int32 {
            switch self {
            case .exited(let code): code
            case .signalled(let signal): signal
            }
        }
    }

    public let pid: pid_t
    private let ended = Mutex<Termination?>(nil)

    /// Starts `executable` with `arguments` in `directory`; stdin reads /dev/null.
    public init(
        _ executable: String, _ arguments: [String], directory: String? = nil,
        stdout: Stream = .null, stderr: Stream = .null
    ) throws {
        var actions = posix_spawn_file_actions_t()
        try Self.check(posix_spawn_file_actions_init(&actions), "posix_spawn_file_actions_init")
        defer { posix_spawn_file_actions_destroy(&actions) }
        try Self.check(
            posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0), "redirect stdin")
        for (descriptor, stream) in [(STDOUT_FILENO, stdout), (STDERR_FILENO, stderr)] {
            let path: String
            switch stream {
            case .null: path = "/dev/null"
            case .file(let file): path = file
            }
            try Self.check(
                posix_spawn_file_actions_addopen(
                    &actions, descriptor, path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0o644),
                "redirect output to \(path)")
        }
        if let directory {
            try Self.check(GNUSpawnActions.addChangeDirectory(&actions, directory), "change to \(directory)")
        }
        try Self.check(GNUSpawnActions.addCloseFrom(&actions, 3), "close inherited descriptors")

        var attributes = posix_spawnattr_t()
        try Self.check(posix_spawnattr_init(&attributes), "posix_spawnattr_init")
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own process group, signals unblocked and at their defaults: the thread that spawns may be a
        // dispatch worker with a mask of its own, and the daemon's signal handling is what the tests exercise.
        var empty = sigset_t()
        sigemptyset(&empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGHUP, SIGINT, SIGQUIT, SIGPIPE, SIGTERM, SIGUSR1, SIGUSR2, SIGCHLD] {
            sigaddset(&defaults, signal)
        }
        try Self.check(posix_spawnattr_setsigmask(&attributes, &empty), "set the signal mask")
        try Self.check(posix_spawnattr_setsigdefault(&attributes, &defaults), "reset signal handlers")
        try Self.check(posix_spawnattr_setpgroup(&attributes, 0), "set the process group")
        let flags = POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
        try Self.check(posix_spawnattr_setflags(&attributes, Int16(flags)), "set spawn flags")

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let code = argv.withUnsafeBufferPointer { buffer in
            posix_spawn(&child, executable, &actions, &attributes, buffer.baseAddress!, environ)
        }
        try Self.check(code, "start \(executable)")
        pid = child
    }

    /// Sends `signal` unless the child has already been reaped (its pid could belong to another process by then).
    public func signal(_ signal: Int32) {
        ended.withLock { termination in
            if termination == nil { kill(pid, signal) }
        }
    }

    /// Whether the child is still running; reaps it once it has exited.
    public var isRunning: Bool { reap(blocking: false) == nil }

    /// How the child ended, or nil while it runs.
    public var termination: Termination? { reap(blocking: false) }

    /// Blocks the calling thread until the child exits. For children that were just sent SIGKILL.
    @discardableResult
    public func waitUntilExit() -> Termination {
        reap(blocking: true)!
    }

    /// Waits for the child to exit without holding a thread: the tests' receivers share the cooperative pool.
    public func exit(pollingEvery interval: Duration = .milliseconds(10)) async -> Termination {
        while true {
            if let termination = reap(blocking: false) { return termination }
            try? await Task.sleep(for: interval)
        }
    }

    private func reap(blocking: Bool) -> Termination? {
        ended.withLock { termination in
            if let termination { return termination }
            var status: Int32 = 0
            var result: pid_t
            repeat {
                result = waitpid(pid, &status, blocking ? 0 : WNOHANG)
            } while result < 0 && errno == EINTR
            guard result == pid else { return nil }
            // The wait(2) status layout: the low 7 bits hold the terminating signal, 0 for a normal exit.
            let signal = status & 0x7f
            termination = signal == 0 ? .exited((status >> 8) & 0xff) : .signalled(signal)
            return termination
        }
    }

    // MARK: - Running to completion

    /// What a program printed and how it ended.
    public struct Result: Sendable {
        public var termination: Termination
        public var output: String
        public var errors: String

        public var status: Int32 { termination.status }
    }

    /// Runs `executable` to completion with its output captured in temporary files (a pipe could fill up while
    /// nobody reads it), waiting without holding a thread.
    public static func run(_ executable: String, _ arguments: [String], directory: String? = nil) async throws
        -> Result
    {
        let stem = NSTemporaryDirectory() + "spoolpost-child-\(UUID().uuidString)"
        let (outPath, errPath) = (stem + ".out", stem + ".err")
        defer {
            unlink(outPath)
            unlink(errPath)
        }
        let child = try ChildProcess(
            executable, arguments, directory: directory, stdout: .file(outPath), stderr: .file(errPath))
        let termination = await child.exit()
        func text(_ path: String) -> String {
            FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) } ?? ""
        }
        return Result(termination: termination, output: text(outPath), errors: text(errPath))
    }

    // MARK: - Helpers

    private static func check(_ code: Int32, _ what: String) throws {
        guard code != 0 else { return }
        throw ChildProcessError(message: "\(what): \(String(cString: strerror(code)))")
    }
}

/// A child process that could not be started.
public struct ChildProcessError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// glibc's spawn actions that its headers declare only under `_GNU_SOURCE`, which the Glibc module is not built
/// with; looked up by name at run time. Both exist since glibc 2.34 (Debian 12 has 2.36).
private enum GNUSpawnActions {
    typealias Actions = UnsafeMutablePointer<posix_spawn_file_actions_t>

    /// `posix_spawn_file_actions_addchdir_np`: the child changes to `directory` before it runs.
    static func addChangeDirectory(_ actions: Actions, _ directory: String) -> Int32 {
        typealias Function = @convention(c) (Actions, UnsafePointer<CChar>) -> Int32
        guard let function = lookUp("posix_spawn_file_actions_addchdir_np", as: Function.self) else { return ENOSYS }
        return function(actions, directory)
    }

    /// `posix_spawn_file_actions_addclosefrom_np`: the child closes every descriptor from `lowest` up.
    static func addCloseFrom(_ actions: Actions, _ lowest: Int32) -> Int32 {
        typealias Function = @convention(c) (Actions, Int32) -> Int32
        guard let function = lookUp("posix_spawn_file_actions_addclosefrom_np", as: Function.self) else {
            return ENOSYS
        }
        return function(actions, lowest)
    }

    private static func lookUp<Function>(_ name: String, as type: Function.Type) -> Function? {
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), name) else { return nil }
        return unsafeBitCast(symbol, to: type)
    }
}
