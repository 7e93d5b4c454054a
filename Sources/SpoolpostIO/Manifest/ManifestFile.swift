import Foundation
import Glibc
public import SpoolpostCore

/// Turns a manifest file's bytes into a validated manifest: YAML (or JSON for `.json`) to a node tree, then
/// ``ManifestReader``. Syntax errors become diagnostics with their line and column, like every other problem.
public enum ManifestFile {
    /// The extensions a manifest may have.
    public static let extensions = [".yaml", ".yml", ".json"]

    public static func read(_ bytes: [UInt8], context: ManifestReader.Context) -> ManifestReadResult {
        switch parse(bytes, fileName: context.fileName) {
        case .success(let root): return ManifestReader.read(root, context: context)
        case .failure(let problem): return ManifestReadResult(manifest: nil, diagnostics: [problem.diagnostic])
        }
    }

    /// Parses without validating; a failure is one diagnostic.
    public static func parse(_ bytes: [UInt8], fileName: String) -> Result<YAMLNode?, ParseProblem> {
        if fileName.lowercased().hasSuffix(".json") {
            do {
                return .success(try JSONNodeParser.parse(bytes))
            } catch {
                return .failure(ParseProblem(Diagnostic(.error, file: fileName, mark: error.mark, path: "", "invalid JSON: \(error.message)")))
            }
        }
        do {
            return .success(try YAMLLoader.load(bytes))
        } catch {
            return .failure(ParseProblem(Diagnostic(.error, file: fileName, mark: error.mark, path: "", "invalid YAML: \(error.message)")))
        }
    }

    /// A file that is not well-formed YAML or JSON.
    public struct ParseProblem: Error, Sendable {
        public var diagnostic: Diagnostic
        init(_ diagnostic: Diagnostic) { self.diagnostic = diagnostic }
    }

    /// Checks a `file:` media path against the media folder: it must exist as a regular file and stay inside
    /// the folder once symlinks are resolved. Returns the problem, or nil.
    public static func mediaFileProblem(_ relativePath: String, mediaRoot: String) -> String? {
        guard let root = realpath(mediaRoot, nil) else {
            return "the media folder \(mediaRoot) does not exist; create it and put the file there"
        }
        defer { free(root) }
        let rootPath = String(cString: root)
        let candidate = (mediaRoot as NSString).appendingPathComponent(relativePath)
        guard let resolved = realpath(candidate, nil) else {
            return "no file '\(relativePath)' in \(mediaRoot)"
        }
        defer { free(resolved) }
        let resolvedPath = String(cString: resolved)
        guard resolvedPath.hasPrefix(rootPath + "/") else {
            return "'\(relativePath)' leads outside \(mediaRoot) (through a symlink); media must stay in the media folder"
        }
        var info = stat()
        guard stat(resolvedPath, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            return "'\(relativePath)' in \(mediaRoot) is not a regular file"
        }
        return nil
    }

    /// What keeps the file at `path` from being taken as a manifest: a symlink, not a regular file, over the
    /// size limit. Nil when it may be read; throws when it does not exist.
    public static func fileProblem(atPath path: String, maxBytes: Int = 1 << 20) throws(SpoolpostError) -> String? {
        var info = stat()
        guard lstat(path, &info) == 0 else { throw SpoolpostError(.io, "\(path): no such file") }
        switch info.st_mode & S_IFMT {
        case S_IFLNK: return "a symlink; give the file itself"
        case S_IFREG: break
        default: return "not a regular file"
        }
        guard info.st_size <= maxBytes else {
            return "\(info.st_size) bytes is over the \(maxBytes)-byte limit for a manifest"
        }
        return nil
    }
}
