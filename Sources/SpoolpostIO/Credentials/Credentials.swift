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
}
