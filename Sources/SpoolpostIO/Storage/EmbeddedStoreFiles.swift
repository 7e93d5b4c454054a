import Foundation
import Glibc
public import SpoolpostCore

/// The embedded object store's files under the spool root, as the storage contract lays them out:
/// `store/key.json` (its HMAC key, mode 0600), `store/endpoint` (the running daemon's base URL),
/// `store/objects/` (the data) and `store/upload-url-rate/` (the `upload-url` rate ledger).
///
/// Every method blocks on file I/O: call it from a thread of its own, never from the cooperative pool.
public struct EmbeddedStoreFiles: Sendable {
    /// The embedded store's only bucket.
    public static let bucket = StorageConfiguration.embeddedBucket

    public let spoolRoot: String

    public init(spoolRoot: String) {
        var root = spoolRoot
        while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
        self.spoolRoot = root
    }

    public var storeDirectory: String { "\(spoolRoot)/store" }
    public var keyPath: String { "\(storeDirectory)/key.json" }
    public var endpointPath: String { "\(storeDirectory)/endpoint" }
    public var objectsDirectory: String { "\(storeDirectory)/objects" }
    public var uploadURLRateDirectory: String { "\(storeDirectory)/upload-url-rate" }

    /// The store's HMAC key, created on first use.
    ///
    /// A new key is written to a temporary file (mode 0600), fsynced, and renamed into place without replacing:
    /// when two processes create one at once, the second finds the first's key and uses it, so URLs signed by
    /// either stay valid.
    public func loadOrCreateKey() throws(SpoolpostError) -> GCSHMACKey {
        if let key = try existingKey() { return key }
        try StorageFileIO.makeDirectories(storeDirectory)
        let (accessID, secret) = Self.newKeyMaterial()
        let json = "{\"access_id\": \"\(accessID)\", \"secret\": \"\(secret)\"}\n"
        let created = try StorageFileIO.writeAtomically(
            Array(json.utf8), directory: storeDirectory, name: "key.json", mode: 0o600, replace: false)
        if !created, let key = try existingKey() { return key }
        do {
            return try GCSHMACKey(accessID: accessID, secret: secret)
        } catch {
            throw error.spoolpostError
        }
    }

    /// The running daemon's store URL (`http://127.0.0.1:PORT`), or nil when no daemon has written one.
    public func readEndpoint() throws(SpoolpostError) -> String? {
        guard let data = FileManager.default.contents(atPath: endpointPath) else {
            if access(endpointPath, F_OK) != 0, errno == ENOENT { return nil }
            throw SpoolpostError(.io, "the embedded store's endpoint file \(endpointPath) cannot be read")
        }
        let line = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).first
            .map { String($0).trimmingCharacters(in: .whitespaces) } ?? ""
        return line.isEmpty ? nil : line
    }

    /// Records the store's base URL for the CLI; replaces any earlier one atomically.
    public func writeEndpoint(_ url: String) throws(SpoolpostError) {
        guard !url.isEmpty, !url.contains(where: \.isNewline) else {
            throw SpoolpostError(.internalError, "the embedded store's endpoint '\(url)' is empty or has a line break")
        }
        try StorageFileIO.makeDirectories(storeDirectory)
        try StorageFileIO.writeAtomically(
            Array((url + "\n").utf8), directory: storeDirectory, name: "endpoint", mode: 0o644, replace: true)
    }

    /// `http://127.0.0.1:<port>`: where the store listens by default.
    public static func defaultEndpoint(port: Int) -> String { "http://127.0.0.1:\(port)" }

    private func existingKey() throws(SpoolpostError) -> GCSHMACKey? {
        guard access(keyPath, F_OK) == 0 else { return nil }
        let data = try StorageFileIO.readPrivateFile(keyPath, what: "the embedded store's key file")
        do {
            return try GCSHMACKey(jsonKeyFile: data)
        } catch {
            throw SpoolpostError(.invalidConfig, "the embedded store's key file \(keyPath): \(error.message)")
        }
    }

    /// `GOOG1` and 20 characters of the base32 alphabet, like Google's HMAC access IDs; a secret of 40 base64
    /// characters (30 random bytes). `SystemRandomNumberGenerator` reads the kernel's CSPRNG (getrandom).
    static func newKeyMaterial() -> (accessID: String, secret: String) {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        let accessID = "GOOG1" + String((0..<20).map { _ in alphabet[Int(generator.next() % 32)] })
        let secretBytes = (0..<30).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return (accessID, Data(secretBytes).base64EncodedString())
    }
}

extension GCSHMACKey {
    /// Parses an HMAC key file: `{"access_id": "GOOG1...", "secret": "..."}`. The Cloud Storage API's own answer
    /// when a key is created (`{"metadata": {"accessId": ...}, "secret": ...}`) is accepted as well.
    public init(jsonKeyFile data: Data) throws(GCSSigningError) {
        let object: [String: Any]
        do {
            guard let parsed = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw GCSSigningError(.invalidCredentials, "the HMAC key file is not a JSON object")
            }
            object = parsed
        } catch let error as GCSSigningError {
            throw error
        } catch {
            // The parser's message may quote the secret.
            throw GCSSigningError(.invalidCredentials, "the HMAC key file is not valid JSON")
        }
        let metadata = object["metadata"] as? [String: Any]
        let accessID = object["access_id"] as? String ?? object["accessId"] as? String
            ?? metadata?["accessId"] as? String
        guard let accessID else {
            throw GCSSigningError(.invalidCredentials, "the HMAC key file has no 'access_id'")
        }
        guard let secret = object["secret"] as? String else {
            throw GCSSigningError(.invalidCredentials, "the HMAC key file has no 'secret'")
        }
        try self.init(accessID: accessID, secret: secret)
    }
}
