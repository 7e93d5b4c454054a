import Dispatch
import Foundation
import Glibc
import SpoolpostCore
import SpoolpostIO

/// What the store keeps beside an object's bytes.
struct StoredObject: Codable, Sendable, Hashable {
    var bucket: String
    var name: String
    var contentType: String
    var size: Int64
    /// Base64 of the MD5 digest, as `x-goog-hash` writes it.
    var md5: String
    /// Seconds since 1970.
    var created: Double
    /// Names this version's data file; a new upload writes a new generation and then switches the metadata to it.
    var generation: String
}

/// A resumable upload in progress; its received bytes are in the session's `data` file.
struct UploadSession: Codable, Sendable, Hashable {
    var id: String
    var bucket: String
    var object: String
    var contentType: String
    /// Seconds since 1970.
    var created: Double
    var expires: Double
    /// The object size once a request has declared it (`Content-Range: …/TOTAL`).
    var totalSize: Int64?
    /// Set when the upload finished; later status queries answer 200 (a client may have missed the answer).
    var completed: Bool?
    /// The generation of the object the upload created.
    var generation: String?
    /// `[min, max]` from the `x-goog-content-length-range` the session was started with: the object's size must
    /// lie in it.
    var sizeRange: [Int64]?
}

/// The store's files under its root:
///
///     objects/BUCKET/SHA256(name).json              metadata (the commit point)
///     objects/BUCKET/SHA256(name).GENERATION.data   the bytes
///     sessions/UPLOAD_ID/session.json, data         resumable uploads
///     tmp/                                           uploads being received
///
/// Object names become a hash, so no name (`..`, `/`, `%`, NUL-free unicode) can reach outside the root, and long
/// names fit the file system's limits. Every write goes to a temporary file, is fsynced and renamed into place, and
/// the directory is fsynced, so a crash leaves either the old or the new version. All calls block: run them through
/// `perform`, which uses a dedicated queue instead of the cooperative thread pool.
final class ObjectStoreDisk: Sendable {
    let root: String
    private let queue = DispatchQueue(label: "spoolpost.objectstore.disk", qos: .userInitiated)

    init(root: String) {
        self.root = root.hasSuffix("/") && root.count > 1 ? String(root.dropLast()) : root
    }

    /// Runs blocking file work off the cooperative pool.
    func perform<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        let result: Result<T, any Error> = await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: Result { try body() }) }
        }
        return try result.get()
    }

    // MARK: Layout

    private var objectsDirectory: String { root + "/objects" }
    private var sessionsDirectory: String { root + "/sessions" }
    private var temporaryDirectory: String { root + "/tmp" }

    func prepare(buckets: Set<String>) throws {
        for directory in [root, objectsDirectory, sessionsDirectory, temporaryDirectory] {
            try makeDirectory(directory)
        }
        for bucket in buckets {
            try makeDirectory(bucketDirectory(bucket))
        }
        // Whatever is in tmp/ belonged to uploads that were cut off when the store last stopped.
        for name in (try? FileManager.default.contentsOfDirectory(atPath: temporaryDirectory)) ?? [] {
            unlink(temporaryDirectory + "/" + name)
        }
    }

    private func bucketDirectory(_ bucket: String) -> String {
        // Bucket names come from the configuration and are checked to be plain names, never `.` or `..`.
        objectsDirectory + "/" + bucket
    }

    private func objectKey(_ name: String) -> String {
        Hex.encode(Digest.sha256(Array(name.utf8)))
    }

    private func metadataPath(bucket: String, name: String) -> String {
        bucketDirectory(bucket) + "/" + objectKey(name) + ".json"
    }

    func dataPath(of object: StoredObject) -> String {
        bucketDirectory(object.bucket) + "/" + objectKey(object.name) + "." + object.generation + ".data"
    }

    private func sessionDirectory(_ id: String) -> String { sessionsDirectory + "/" + id }
    func sessionDataPath(_ id: String) -> String { sessionDirectory(id) + "/data" }

    // MARK: Objects

    func object(bucket: String, name: String) throws -> StoredObject? {
        try readJSON(StoredObject.self, at: metadataPath(bucket: bucket, name: name))
    }

    /// The objects of `bucket` whose names start with `prefix`, in name order.
    func objects(bucket: String, prefix: String) throws -> [StoredObject] {
        let folder = bucketDirectory(bucket)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return try names.filter { $0.hasSuffix(".json") }
            .compactMap { try readJSON(StoredObject.self, at: folder + "/" + $0) }
            .filter { $0.name.hasPrefix(prefix) }
            .sorted { $0.name < $1.name }
    }

    /// Makes the finished file at `dataFile` the current version of the object.
    func commitObject(
        bucket: String, name: String, dataFile: String, contentType: String, size: Int64, md5: [UInt8], now: Date
    ) throws -> StoredObject {
        let previous = try object(bucket: bucket, name: name)
        let stored = StoredObject(
            bucket: bucket, name: name, contentType: contentType, size: size,
            md5: Data(md5).base64EncodedString(), created: now.timeIntervalSince1970,
            generation: String(Int64(now.timeIntervalSince1970 * 1_000_000)) + "-" + Self.randomHex(bytes: 4)
        )
        try syncFile(dataFile)
        try rename(dataFile, to: dataPath(of: stored))
        try writeJSON(stored, to: metadataPath(bucket: bucket, name: name))
        if let previous, previous.generation != stored.generation {
            unlink(dataPath(of: previous))
        }
        return stored
    }

    /// Removes the object; false when there was none.
    func deleteObject(bucket: String, name: String) throws -> Bool {
        guard let stored = try object(bucket: bucket, name: name) else { return false }
        let path = metadataPath(bucket: bucket, name: name)
        guard unlink(path) == 0 else { throw Self.systemError("delete", path) }
        try syncDirectory(bucketDirectory(bucket))
        unlink(dataPath(of: stored))
        return true
    }

    // MARK: Upload files

    /// A new, empty temporary file for an upload being received, open for writing.
    func createTemporaryFile() throws -> (path: String, descriptor: Int32) {
        let path = temporaryDirectory + "/" + Self.randomHex(bytes: 16)
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw Self.systemError("create", path) }
        return (path, descriptor)
    }

    /// The MD5 of a file's contents, read in 1 MiB pieces.
    func md5(ofFile path: String) throws -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Self.systemError("open", path) }
        defer { close(descriptor) }
        var hasher = MD5Hasher()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw Self.systemError("read", path)
            }
            if count == 0 { break }
            hasher.update(buffer[0..<count])
        }
        return hasher.finalize()
    }

    /// Opens a file for reading; the descriptor keeps the bytes readable even if a newer upload replaces them.
    func openForReading(_ path: String) throws -> Int32 {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Self.systemError("open", path) }
        return descriptor
    }

    /// Up to `length` bytes of the open file from `offset`.
    func readBytes(descriptor: Int32, offset: Int64, length: Int) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: length)
        var filled = 0
        while filled < length {
            let count = buffer.withUnsafeMutableBytes {
                pread(descriptor, $0.baseAddress! + filled, length - filled, off_t(offset) + off_t(filled))
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw Self.systemError("read", "an object's data")
            }
            if count == 0 { break }
            filled += count
        }
        return Array(buffer.prefix(filled))
    }

    // MARK: Sessions

    func createSession(_ session: UploadSession) throws {
        let directory = sessionDirectory(session.id)
        try makeDirectory(directory)
        let descriptor = open(sessionDataPath(session.id), O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw Self.systemError("create", sessionDataPath(session.id)) }
        close(descriptor)
        try writeJSON(session, to: directory + "/session.json")
        try syncDirectory(sessionsDirectory)
    }

    func session(_ id: String) throws -> UploadSession? {
        try readJSON(UploadSession.self, at: sessionDirectory(id) + "/session.json")
    }

    func saveSession(_ session: UploadSession) throws {
        try writeJSON(session, to: sessionDirectory(session.id) + "/session.json")
    }

    /// Bytes the session's data file holds.
    func sessionSize(_ id: String) throws -> Int64 {
        var info = stat()
        guard stat(sessionDataPath(id), &info) == 0 else { throw Self.systemError("stat", sessionDataPath(id)) }
        return Int64(info.st_size)
    }

    /// Opens the session's data file for writing at `offset`, cutting off anything after it.
    func openSessionData(_ id: String, at offset: Int64) throws -> Int32 {
        let path = sessionDataPath(id)
        let descriptor = open(path, O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Self.systemError("open", path) }
        guard ftruncate(descriptor, off_t(offset)) == 0, lseek(descriptor, off_t(offset), SEEK_SET) >= 0 else {
            close(descriptor)
            throw Self.systemError("position", path)
        }
        return descriptor
    }

    /// Cuts the session's data back to `size` bytes and makes that durable.
    func truncateSession(_ id: String, to size: Int64) throws {
        let path = sessionDataPath(id)
        guard truncate(path, off_t(size)) == 0 else { throw Self.systemError("truncate", path) }
        try syncFile(path)
    }

    /// Removes the sessions whose lifetime is over at `now` (seconds since 1970): they answer NoSuchUpload, so
    /// their partial data only takes space. Unreadable session folders are left for a person to look at.
    func removeExpiredSessions(now: Double) {
        for id in (try? FileManager.default.contentsOfDirectory(atPath: sessionsDirectory)) ?? [] {
            guard let session = try? session(id), session.expires < now else { continue }
            removeSession(id)
        }
    }

    func removeSession(_ id: String) {
        let directory = sessionDirectory(id)
        unlink(directory + "/session.json")
        unlink(directory + "/data")
        rmdir(directory)
    }

    // MARK: Primitives

    /// Writes every byte of `bytes` to `descriptor`.
    func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) throws {
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, bytes.count - written) }
            if count < 0 {
                if errno == EINTR { continue }
                throw Self.systemError("write", "an upload file")
            }
            written += count
        }
    }

    func closeAndSync(_ descriptor: Int32) throws {
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw Self.systemError("fsync", "an upload file") }
    }

    private func syncFile(_ path: String) throws {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Self.systemError("open", path) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw Self.systemError("fsync", path) }
    }

    private func syncDirectory(_ path: String) throws {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Self.systemError("open", path) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw Self.systemError("fsync", path) }
    }

    private func rename(_ source: String, to destination: String) throws {
        guard Glibc.rename(source, destination) == 0 else { throw Self.systemError("rename", source) }
        try syncDirectory(String(destination[..<destination.lastIndex(of: "/")!]))
    }

    private func makeDirectory(_ path: String) throws {
        if mkdir(path, 0o700) != 0, errno != EEXIST {
            throw Self.systemError("create the directory", path)
        }
    }

    private func readJSON<T: Decodable>(_ type: T.Type, at path: String) throws -> T? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        if descriptor < 0 {
            if errno == ENOENT { return nil }
            throw Self.systemError("open", path)
        }
        close(descriptor)
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return try JSONDecoder().decode(type, from: data)
    }

    /// Temporary file, fsync, rename, fsync of the directory.
    private func writeJSON(_ value: some Encodable, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let bytes = Array(try encoder.encode(value))
        let (temporary, descriptor) = try createTemporaryFile()
        do {
            try writeAll(descriptor, bytes)
        } catch {
            close(descriptor)
            unlink(temporary)
            throw error
        }
        do {
            try closeAndSync(descriptor)
            try rename(temporary, to: path)
        } catch {
            unlink(temporary)
            throw error
        }
    }

    static func randomHex(bytes count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return Hex.encode((0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    static func systemError(_ action: String, _ path: String) -> SpoolpostError {
        SpoolpostError(.io, "object store could not \(action) \(path): \(String(cString: strerror(errno)))")
    }
}
