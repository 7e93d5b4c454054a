import Foundation
import Glibc
import SpoolpostCore

/// The few file operations the storage code needs: private key files read with a mode check, and durable
/// atomic writes. Every function blocks: call them from a thread of their own, never from the cooperative pool.
enum StorageFileIO {
    /// The bytes of a secret file, refused unless it is a regular file that group and others cannot read.
    static func readPrivateFile(_ path: String, what: String) throws(SpoolpostError) -> Data {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw SpoolpostError(.invalidConfig, "\(what) \(path): \(String(cString: strerror(errno)))")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw SpoolpostError(.invalidConfig, "\(what) \(path) is not a regular file")
        }
        guard info.st_mode & 0o077 == 0 else {
            let mode = String(info.st_mode & 0o777, radix: 8)
            throw SpoolpostError(
                .invalidConfig,
                "\(what) \(path) has mode \(mode): it must not be readable by group or others; run `chmod 600 \(path)`")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SpoolpostError(.invalidConfig, "\(what) \(path) cannot be read")
        }
        return data
    }

    /// Creates `path` with `mode`, and its missing parents with 0755 (the spool's own folders are not secret).
    static func makeDirectories(_ path: String, mode: mode_t = 0o700) throws(SpoolpostError) {
        var current = path.hasPrefix("/") ? "" : "."
        let components = path.split(separator: "/")
        for (index, component) in components.enumerated() {
            current += "/" + component
            if mkdir(current, index == components.count - 1 ? mode : 0o755) != 0, errno != EEXIST {
                throw system("create folder", current)
            }
        }
    }

    /// Writes `bytes` to `directory/name` atomically and durably: a temporary file, fsync, rename, folder fsync.
    ///
    /// With `replace` false the rename refuses to overwrite (renameat2 NOREPLACE, or link where the filesystem
    /// lacks it) and the function returns false when `name` already exists, leaving the existing file alone.
    @discardableResult
    static func writeAtomically(
        _ bytes: [UInt8], directory: String, name: String, mode: mode_t, replace: Bool
    ) throws(SpoolpostError) -> Bool {
        let target = "\(directory)/\(name)"
        let temporary = "\(directory)/.\(name).\(getpid()).\(UInt64.random(in: 0...UInt64.max))"
        let descriptor = LinuxCalls.retryingOnInterrupt {
            open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        }
        guard descriptor >= 0 else { throw system("create", temporary) }
        var placed = false
        defer { if !placed { unlink(temporary) } }
        do {
            defer { close(descriptor) }
            try writeAndSync(bytes, to: descriptor, path: temporary, mode: mode)
        }
        if replace {
            guard rename(temporary, target) == 0 else { throw system("rename into place", target) }
        } else if LinuxCalls.renameat2(AT_FDCWD, temporary, AT_FDCWD, target, LinuxCalls.renameNoReplace) != 0 {
            let code = errno
            if code == EEXIST { return false }
            guard code == EINVAL || code == ENOSYS else { throw system("rename into place", target, errno: code) }
            // No RENAME_NOREPLACE on this filesystem: link(2) also refuses to replace.
            guard link(temporary, target) == 0 else {
                if errno == EEXIST { return false }
                throw system("link into place", target)
            }
            unlink(temporary)
        }
        placed = true
        try fsyncDirectory(directory)
        return true
    }

    private static func writeAndSync(
        _ bytes: [UInt8], to descriptor: Int32, path: String, mode: mode_t
    ) throws(SpoolpostError) {
        // The umask may have narrowed the mode; a key file must end up exactly 0600.
        guard fchmod(descriptor, mode) == 0 else { throw system("chmod", path) }
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { raw in
                write(descriptor, raw.baseAddress! + written, raw.count - written)
            }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { throw system("write", path) }
            written += count
        }
        guard LinuxCalls.retryingOnInterrupt({ fsync(descriptor) }) == 0 else { throw system("fsync", path) }
    }

    static func fsyncDirectory(_ directory: String) throws(SpoolpostError) {
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw system("open folder", directory) }
        defer { close(descriptor) }
        guard LinuxCalls.retryingOnInterrupt({ fsync(descriptor) }) == 0 else {
            throw system("fsync folder", directory)
        }
    }

    static func system(_ operation: String, _ path: String, errno code: Int32 = errno) -> SpoolpostError {
        SpoolpostError(.io, "\(operation) \(path): \(String(cString: strerror(code)))")
    }
}
