import Foundation
import Glibc
public import SpoolpostCore

/// The secrets of one account, read from its `credentials:` file.
///
/// The file is YAML or JSON with string values. It must not be readable by group or others (mode 0600):
/// the daemon refuses it otherwise. Values are never logged; `description` shows the keys only.
public struct Credentials: Sendable, CustomStringConvertible {
    public let path: String
    private let values: [String: String]

    public init(path: String, values: [String: String]) {
        self.path = path
        self.values = values
    }

    public subscript(key: String) -> String? { values[key] }
    public var keys: [String] { values.keys.sorted() }
    public var description: String { "Credentials(\(path), keys: \(keys.joined(separator: ", ")))" }

    /// Reads and checks a credentials file.
    public static func load(path: String) throws(SpoolpostError) -> Credentials {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            throw SpoolpostError(.invalidConfig, "credentials file \(path): \(String(cString: strerror(errno)))")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw SpoolpostError(.invalidConfig, "credentials file \(path) is not a regular file")
        }
        guard info.st_mode & 0o077 == 0 else {
            let mode = String(info.st_mode & 0o777, radix: 8)
            throw SpoolpostError(
                .invalidConfig,
                "credentials file \(path) has mode \(mode): it must not be readable by group or others; run `chmod 600 \(path)`")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SpoolpostError(.invalidConfig, "credentials file \(path) cannot be read")
        }
        let root: YAMLNode?
        do {
            root = try YAMLLoader.load(Array(data))
        } catch {
            throw SpoolpostError(.invalidConfig, "credentials file \(path): \(error)")
        }
        guard let pairs = root?.mapping else {
            throw SpoolpostError(.invalidConfig, "credentials file \(path) must be a mapping of names to values")
        }
        var values: [String: String] = [:]
        for pair in pairs {
            guard let key = pair.key.scalar, let value = pair.value.scalar else {
                throw SpoolpostError(
                    .invalidConfig, "credentials file \(path):\(pair.key.mark): values must be plain strings")
            }
            values[key] = value
        }
        return Credentials(path: path, values: values)
    }

    /// Replaces the credentials file with `values` (a refreshed token, say), mode 0600: a temporary file,
    /// fsync, rename over the old one, fsync of the folder, so a crash leaves the old or the new file whole.
    public static func save(path: String, values: [String: String]) throws(SpoolpostError) {
        let text = YAMLWriter.write(.map(values.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }))
        let directory = (path as NSString).deletingLastPathComponent.isEmpty
            ? "." : (path as NSString).deletingLastPathComponent
        let temporary = path + ".\(getpid()).tmp"
        func failure(_ what: String) -> SpoolpostError {
            SpoolpostError(.io, "could not save credentials file \(path) (\(what): \(String(cString: strerror(errno))))")
        }
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw failure("create") }
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                close(fd)
                unlink(temporary)
                throw failure("write")
            }
            written += n
        }
        guard fsync(fd) == 0 else {
            close(fd)
            unlink(temporary)
            throw failure("fsync")
        }
        close(fd)
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            throw failure("rename")
        }
        let directoryFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directoryFD >= 0 else { throw failure("open folder") }
        defer { close(directoryFD) }
        guard fsync(directoryFD) == 0 else { throw failure("fsync folder") }
    }

    /// These credentials with some values replaced, for ``save(path:values:)``.
    public func updating(_ changes: [String: String]) -> [String: String] {
        values.merging(changes) { $1 }
    }
}
