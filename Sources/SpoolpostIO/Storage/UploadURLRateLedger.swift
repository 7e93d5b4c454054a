import Foundation
import Glibc
public import SpoolpostCore

/// The `upload-url` rate limit kept across CLI runs: one file per account under `<spool>/store/upload-url-rate/`,
/// holding the grant times still inside the window (Unix milliseconds, one a line).
///
/// Each decision locks the account's file (`flock`) for its read-modify-write, so concurrent `upload-url` runs for
/// one account count every grant. Blocking: call it from a thread of its own, never from the cooperative pool.
public struct UploadURLRateLedger: Sendable {
    public let directory: String
    public let limit: UploadURLRateLimit

    public init(directory: String, limit: UploadURLRateLimit) {
        self.directory = directory
        self.limit = limit
    }

    /// The ledger of the embedded store files' spool.
    public init(files: EmbeddedStoreFiles, limit: UploadURLRateLimit) {
        self.init(directory: files.uploadURLRateDirectory, limit: limit)
    }

    /// The file an account's grants are kept in (the name sanitised like an object-name owner).
    public func path(account: String) -> String {
        "\(directory)/\(MediaObjectName.sanitizedOwner(account))"
    }

    /// Asks for one grant for `account` at `now`: records it and returns `.allowed`, or returns `.refused` with
    /// the seconds until the next grant fits, recording nothing.
    public func acquire(account: String, now: Date = Date()) throws(SpoolpostError) -> UploadURLRateLimit.Decision {
        try StorageFileIO.makeDirectories(directory)
        let path = path(account: account)
        let descriptor = LinuxCalls.retryingOnInterrupt { open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600) }
        guard descriptor >= 0 else { throw StorageFileIO.system("open the upload-url rate ledger", path) }
        defer { close(descriptor) }
        guard LinuxCalls.retryingOnInterrupt({ flock(descriptor, LOCK_EX) }) == 0 else {
            throw StorageFileIO.system("lock the upload-url rate ledger", path)
        }
        let previous = try Self.readGrants(descriptor, path: path)
        let decision = limit.decide(previous: previous, now: now)
        if case .allowed(let grants) = decision {
            try Self.writeGrants(grants, descriptor, path: path)
        }
        return decision
    }

    /// The grants recorded for `account`, oldest first; lines that are not times are ignored.
    public func grants(account: String) throws(SpoolpostError) -> [Date] {
        let path = path(account: account)
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard descriptor >= 0 else {
            if errno == ENOENT { return [] }
            throw StorageFileIO.system("open the upload-url rate ledger", path)
        }
        defer { close(descriptor) }
        _ = LinuxCalls.retryingOnInterrupt { flock(descriptor, LOCK_SH) }
        return try Self.readGrants(descriptor, path: path)
    }

    private static func readGrants(_ descriptor: Int32, path: String) throws(SpoolpostError) -> [Date] {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        var offset: off_t = 0
        while true {
            let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, offset) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { throw StorageFileIO.system("read the upload-url rate ledger", path) }
            if count == 0 { break }
            bytes.append(contentsOf: buffer.prefix(count))
            offset += off_t(count)
        }
        return String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline).compactMap { line in
            Int64(line.trimmingCharacters(in: .whitespaces)).map { Date(timeIntervalSince1970: Double($0) / 1000) }
        }.sorted()
    }

    private static func writeGrants(_ grants: [Date], _ descriptor: Int32, path: String) throws(SpoolpostError) {
        let text = grants.map { "\(Int64(($0.timeIntervalSince1970 * 1000).rounded()))\n" }.joined()
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { raw in
                pwrite(descriptor, raw.baseAddress! + written, raw.count - written, off_t(written))
            }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { throw StorageFileIO.system("write the upload-url rate ledger", path) }
            written += count
        }
        guard ftruncate(descriptor, off_t(bytes.count)) == 0 else {
            throw StorageFileIO.system("truncate the upload-url rate ledger", path)
        }
    }
}
