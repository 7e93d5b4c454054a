import Foundation
import Glibc
import SpoolpostIO

/// Temporary files for a test: a folder removed afterwards.
struct TemporaryFolder {
    let path: String

    init() throws {
        var template = Array((NSTemporaryDirectory() + "/spoolpost-test-XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw CapturingServerError("mkdtemp failed")
        }
        path = String(cString: made)
    }

    func write(_ name: String, _ bytes: [UInt8], mode: mode_t = 0o600) throws -> String {
        let file = path + "/" + name
        guard FileManager.default.createFile(atPath: file, contents: Data(bytes)), chmod(file, mode) == 0 else {
            throw CapturingServerError("cannot write \(file)")
        }
        return file
    }

    /// A credentials file `name` holding `values` (as quoted YAML scalars), loaded back.
    func credentials(_ name: String, _ values: [String: String]) throws -> Credentials {
        let text = values.sorted { $0.key < $1.key }.map { "\($0.key): \"\($0.value)\"" }.joined(separator: "\n")
        return try Credentials.load(path: try write(name, Array((text + "\n").utf8)))
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// A fresh folder for `body` (credentials files and media), removed afterwards.
func withTemporaryDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    let path = NSTemporaryDirectory() + "spoolpost-adapter-test-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}

/// `values` saved as the credentials file at `path` and loaded back, as an account's credentials are.
func savedCredentials(_ path: String, _ values: [String: String]) throws -> Credentials {
    try Credentials.save(path: path, values: values)
    return try Credentials.load(path: path)
}
