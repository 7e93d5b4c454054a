import Foundation
import Glibc
import SpoolpostCore
import SpoolpostIO
import Synchronization
import Testing

private func mode(_ path: String) -> mode_t {
    var info = stat()
    return stat(path, &info) == 0 ? info.st_mode & 0o777 : 0
}

/// A URL signed with `key`, to compare keys whose secret is not readable.
private func probe(_ key: GCSHMACKey) throws -> String {
    try GCSURLSigner(hmacKey: key).signedURL(
        for: GCSSigningRequest(
            bucket: "spoolpost-local", object: "probe", expiration: 60, date: Date(timeIntervalSince1970: 1_700_000_000),
            scheme: "http", endpoint: "127.0.0.1:8089"))
}

/// Runs `body` on `count` threads that start together, returning each result.
private func onThreads<T: Sendable>(_ count: Int, _ body: @escaping @Sendable () -> T) -> [T] {
    let results = Mutex<[T]>([])
    let start = DispatchSemaphore(value: 0)
    let done = DispatchSemaphore(value: 0)
    for _ in 0..<count {
        Thread {
            start.wait()
            let value = body()
            results.withLock { $0.append(value) }
            done.signal()
        }.start()
    }
    for _ in 0..<count { start.signal() }
    for _ in 0..<count { done.wait() }
    return results.withLock { $0 }
}

@Suite struct EmbeddedStoreFilesTests {
    @Test func pathsFollowTheContract() {
        let files = EmbeddedStoreFiles(spoolRoot: "/srv/spool/")
        #expect(files.storeDirectory == "/srv/spool/store")
        #expect(files.keyPath == "/srv/spool/store/key.json")
        #expect(files.endpointPath == "/srv/spool/store/endpoint")
        #expect(files.objectsDirectory == "/srv/spool/store/objects")
        #expect(files.uploadURLRateDirectory == "/srv/spool/store/upload-url-rate")
        #expect(EmbeddedStoreFiles.bucket == "spoolpost-local")
        #expect(EmbeddedStoreFiles.defaultEndpoint(port: 8089) == "http://127.0.0.1:8089")
    }

    @Test func keyIsCreatedPrivateInTheContractFormatAndReused() throws {
        let folder = try MediaTestFolder()
        let files = EmbeddedStoreFiles(spoolRoot: "\(folder.path)/spool")
        let key = try files.loadOrCreateKey()
        #expect(mode(files.keyPath) == 0o600)
        let data = try #require(FileManager.default.contents(atPath: files.keyPath))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: String])
        let accessID = try #require(json["access_id"])
        let secret = try #require(json["secret"])
        #expect(accessID == key.accessID)
        #expect(accessID.hasPrefix("GOOG1") && accessID.count == 25)
        #expect(accessID.dropFirst(5).allSatisfy { "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".contains($0) })
        #expect(secret.count == 40)
        #expect(Data(base64Encoded: secret)?.count == 30)
        #expect(!key.description.contains(secret))

        let again = try files.loadOrCreateKey()
        #expect(again.accessID == key.accessID)
        #expect(try probe(again) == probe(key))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: files.storeDirectory)
        #expect(leftovers == ["key.json"])
    }

    @Test func concurrentCreatorsAgreeOnOneKey() throws {
        for round in 0..<5 {
            let folder = try MediaTestFolder()
            let files = EmbeddedStoreFiles(spoolRoot: "\(folder.path)/spool")
            let probes = onThreads(6) { () -> String in
                (try? files.loadOrCreateKey()).flatMap { try? probe($0) } ?? "failed"
            }
            #expect(!probes.contains("failed"), "round \(round)")
            #expect(Set(probes).count == 1, "round \(round): creators disagreed")
            #expect(try probe(files.loadOrCreateKey()) == probes.first)
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: files.storeDirectory)
            #expect(leftovers == ["key.json"], "round \(round)")
        }
    }

    @Test func aKeyReadableByOthersOrMalformedIsRefused() throws {
        let folder = try MediaTestFolder()
        let files = EmbeddedStoreFiles(spoolRoot: folder.path)
        _ = try files.loadOrCreateKey()
        #expect(chmod(files.keyPath, 0o644) == 0)
        let exposed = try #require(throws: SpoolpostError.self) { try files.loadOrCreateKey() }
        #expect(exposed.message.contains("mode 644"))
        #expect(exposed.message.contains("chmod 600"))

        try Data("{\"access_id\": \"GOOG1X\"}".utf8).write(to: URL(fileURLWithPath: files.keyPath))
        #expect(chmod(files.keyPath, 0o600) == 0)
        let malformed = try #require(throws: SpoolpostError.self) { try files.loadOrCreateKey() }
        #expect(malformed.message.contains("no 'secret'"))
    }

    @Test func endpointIsWrittenAndReadBack() throws {
        let folder = try MediaTestFolder()
        let files = EmbeddedStoreFiles(spoolRoot: "\(folder.path)/spool")
        #expect(try files.readEndpoint() == nil)
        try files.writeEndpoint("http://127.0.0.1:18089")
        #expect(try files.readEndpoint() == "http://127.0.0.1:18089")
        #expect(String(decoding: try #require(FileManager.default.contents(atPath: files.endpointPath)), as: UTF8.self)
            == "http://127.0.0.1:18089\n")
        try files.writeEndpoint("http://127.0.0.1:18090")
        #expect(try files.readEndpoint() == "http://127.0.0.1:18090")
        #expect(throws: SpoolpostError.self) { try files.writeEndpoint("http://a\nb") }
    }

    @Test func hmacKeyFilesInBothForms() throws {
        let plain = try GCSHMACKey(jsonKeyFile: Data(#"{"access_id": "GOOG1ABC", "secret": "c2VjcmV0"}"#.utf8))
        #expect(plain.accessID == "GOOG1ABC")
        let api = try GCSHMACKey(jsonKeyFile: Data(#"{"metadata": {"accessId": "GOOG1DEF"}, "secret": "x"}"#.utf8))
        #expect(api.accessID == "GOOG1DEF")
        let broken = try #require(throws: GCSSigningError.self) {
            try GCSHMACKey(jsonKeyFile: Data(#"{"secret": "do-not-print-me""#.utf8))
        }
        #expect(!broken.message.contains("do-not-print-me"))
    }

    @Test func storageSignerForTheEmbeddedStore() throws {
        let folder = try MediaTestFolder()
        let spool = "\(folder.path)/spool"
        let signer = try StorageSigner.load(storage: StorageConfiguration(), spoolRoot: spool, baseDirectory: folder.path)
        #expect(signer.usesEmbeddedStore)
        #expect(signer.bucket == "spoolpost-local")
        #expect(signer.endpoint == "http://127.0.0.1:8089")
        let date = Date(timeIntervalSince1970: 1_700_000_000)
        let url = try signer.signedURL(object: "media/images/a/1-x.jpg", method: "GET", expiration: 60, date: date)
        #expect(url.hasPrefix("http://127.0.0.1:8089/spoolpost-local/media/images/a/1-x.jpg?X-Goog-Algorithm=GOOG4-HMAC-SHA256"))
        let key = try EmbeddedStoreFiles(spoolRoot: spool).loadOrCreateKey()
        #expect(url.contains("X-Goog-Credential=\(key.accessID)%2F"))

        try EmbeddedStoreFiles(spoolRoot: spool).writeEndpoint("http://127.0.0.1:18123")
        let running = try StorageSigner.load(
            storage: StorageConfiguration(embeddedPort: 9999), spoolRoot: spool, baseDirectory: folder.path)
        #expect(running.endpoint == "http://127.0.0.1:18123")
        #expect(running.gsURI(object: "media/x") == "gs://spoolpost-local/media/x")
    }

    @Test func storageSignerForABucketLoadsItsKeyRelativeToTheConfig() throws {
        let folder = try MediaTestFolder()
        try folder.write("hmac.json", Array(#"{"access_id": "GOOG1TEST", "secret": "abc"}"#.utf8))
        #expect(chmod("\(folder.path)/hmac.json", 0o600) == 0)
        let storage = StorageConfiguration(
            bucket: "acme-media", credentials: .hmacKey(path: "hmac.json"), urlStyle: .virtualHosted)
        let signer = try StorageSigner.load(storage: storage, spoolRoot: "\(folder.path)/spool", baseDirectory: folder.path)
        #expect(!signer.usesEmbeddedStore)
        #expect(signer.signer.credentialID == "GOOG1TEST")
        let url = try signer.signedURL(object: "o", method: "GET", expiration: 10, date: Date(timeIntervalSince1970: 0))
        #expect(url.hasPrefix("https://acme-media.storage.googleapis.com/o?"))

        #expect(chmod("\(folder.path)/hmac.json", 0o640) == 0)
        let error = try #require(throws: SpoolpostError.self) {
            try StorageSigner.load(storage: storage, spoolRoot: "\(folder.path)/spool", baseDirectory: folder.path)
        }
        #expect(error.message.contains("mode 640"))
    }
}
