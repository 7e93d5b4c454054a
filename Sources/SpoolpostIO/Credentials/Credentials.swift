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

    /// Reads and checks a credentials file (a symlink is followed, as secret mounts use them; the file it
    /// leads to must be private).
    public static func load(path: String) throws(SpoolpostError) -> Credentials {
        let data = try StorageFileIO.readPrivateFile(path, what: "credentials file")
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
        let folder = (path as NSString).deletingLastPathComponent
        try StorageFileIO.writeAtomically(
            Array(text.utf8), directory: folder.isEmpty ? "." : folder, name: (path as NSString).lastPathComponent,
            mode: 0o600, replace: true)
    }

    /// These credentials with some values replaced, for ``save(path:values:)``.
    public func updating(_ changes: [String: String]) -> [String: String] {
        values.merging(changes) { $1 }
    }
}
