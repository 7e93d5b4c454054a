import Foundation
import SpoolpostCore
import SpoolpostIO
import SpoolpostSandbox
import Testing

@Suite("Embedded object store: resumable uploads")
struct ObjectStoreResumableTests {
    static let chunk = Int(GCSObjectClient.chunkGranularity)

    @Test("Chunks, an interruption, a status query, and resuming after the store restarts on the same root")
    func resumeAcrossRestart() async throws {
        let total = 3 * Self.chunk + 1000
        let bytes = testBytes(total, seed: 20)
        let object = "media/videos/carol/1767225600000-abc.mp4"
        var store = try await StoreHarness.start()
        let http = try HTTPClient()
        defer {
            http.shutdown()
        }
        let path = try store.file(bytes)
        var client = store.client(http: http)
        let session = try await client.startResumableUpload(object: object, contentType: "video/mp4")
        #expect(session.contains("upload_id="))
        #expect(try await client.resumableStatus(session: session, totalSize: Int64(total))
            == .incomplete(persistedBytes: 0))
        #expect(try await client.uploadChunk(
            session: session, file: path, offset: 0, length: Int64(Self.chunk), totalSize: Int64(total)
        ) == .incomplete(persistedBytes: Int64(Self.chunk)))

        // A chunk that is not a multiple of 256 KiB and not the last: only whole 256 KiB units are kept.
        let odd = Self.chunk + 5000
        let partial = try await http.execute(
            HTTPRequest(
                method: "PUT", url: session,
                headers: [HTTPHeader(
                    name: "Content-Range", value: "bytes \(Self.chunk)-\(Self.chunk + odd - 1)/\(total)"
                )],
                body: .file(path: path, offset: Int64(Self.chunk), length: Int64(odd))
            )
        )
        #expect(partial.status == 308)
        #expect(partial.header("Range") == "bytes=0-\(2 * Self.chunk - 1)")

        // Interrupted: the store goes away and comes back on the same root and port.
        await store.stop()
        store = try await StoreHarness.start(reusing: store, samePort: true)
        client = store.client(http: http)
        let progress = try await client.resumableStatus(session: session, totalSize: Int64(total))
        #expect(progress == .incomplete(persistedBytes: Int64(2 * Self.chunk)))
        guard case .incomplete(let offset) = progress else { return }
        let final = try await client.uploadChunk(
            session: session, file: path, offset: offset, length: Int64(total) - offset, totalSize: Int64(total)
        )
        #expect(final == .complete)
        // A client that missed the final answer asks again and hears that the upload is complete.
        #expect(try await client.resumableStatus(session: session, totalSize: Int64(total)) == .complete)

        let info = try #require(try await client.head(object: object))
        #expect(info.size == Int64(total))
        #expect(info.contentType == "video/mp4")
        #expect(info.md5 == Digest.md5(bytes))
        let read = try await http.execute(HTTPRequest(url: try client.signedURL(object: object, expiration: 600)))
        #expect(read.body == bytes)
        await store.stop()
        store.removeFiles()
    }

    @Test("Session requests need no signature; an unknown or malformed session is NoSuchUpload")
    func sessions() async throws {
        try await withStore { store, http in
            let client = store.client(http: http)
            let missing = "\(store.endpoint)/\(bucket)/x?upload_id=\(String(repeating: "0", count: 32))"
            do {
                _ = try await client.resumableStatus(session: missing, totalSize: 10)
                Issue.record("an unknown session answered")
            } catch let error as SpoolpostError {
                #expect(error.code == .notFound)
                #expect(error.platformCode == "NoSuchUpload")
                #expect(!error.message.contains("upload_id"))
            }
            let malformed = try await http.execute(
                HTTPRequest(method: "PUT", url: "\(store.endpoint)/\(bucket)/x?upload_id=../../etc")
            )
            #expect(xmlCode(malformed) == "NoSuchUpload")

            // The start itself must be signed.
            let unsigned = try await http.execute(
                HTTPRequest(
                    method: "POST", url: "\(store.endpoint)/\(bucket)/x",
                    headers: [HTTPHeader(name: "x-goog-resumable", value: "start")]
                )
            )
            #expect(unsigned.status == 401)
        }
    }

    @Test("A small object goes up in one final chunk; a declared size cannot change")
    func singleChunk() async throws {
        try await withStore { store, http in
            let client = store.client(http: http)
            let bytes = testBytes(777, seed: 21)
            let path = try store.file(bytes)
            let session = try await client.startResumableUpload(object: "small.gif", contentType: "image/gif")
            do {
                _ = try await client.uploadChunk(session: session, file: path, offset: 0, length: 500, totalSize: 777)
                Issue.record("a non-final chunk that is not a multiple of 256 KiB was sent")
            } catch let error as SpoolpostError {
                #expect(error.code == .internalError)
            }
            let declared = try await http.execute(
                HTTPRequest(
                    method: "PUT", url: session, headers: [HTTPHeader(name: "Content-Range", value: "bytes */777")]
                )
            )
            #expect(declared.status == 308)
            #expect(declared.header("Range") == nil)
            let conflicting = try await http.execute(
                HTTPRequest(
                    method: "PUT", url: session, headers: [HTTPHeader(name: "Content-Range", value: "bytes */778")]
                )
            )
            #expect(xmlCode(conflicting) == "InvalidArgument")
            #expect(try await client.uploadChunk(session: session, file: path, offset: 0, length: 777, totalSize: 777)
                == .complete)
            #expect(try await client.head(object: "small.gif")?.md5 == Digest.md5(bytes))
        }
    }

    @Test("Sessions past their lifetime are removed from disk when a new one starts and when the store restarts")
    func expiredSessionsArePruned() async throws {
        let store = try await StoreHarness.start()
        defer { store.removeFiles() }
        let http = try HTTPClient()
        defer { http.shutdown() }
        let sessions = store.root.appendingPathComponent("sessions").path
        func held() -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: sessions)) ?? []).sorted() }
        // Sign with the store's clock so URLs stay valid as it moves.
        let client = store.client(http: http, clock: store.serverClock.function)
        let first = try await client.startResumableUpload(object: "old.mp4", contentType: "video/mp4")
        #expect(held().count == 1)

        store.serverClock.set(baseTime.addingTimeInterval(8 * 24 * 3600))
        _ = try await client.startResumableUpload(object: "new.mp4", contentType: "video/mp4")
        #expect(held().count == 1)
        let gone = try await http.execute(HTTPRequest(
            method: "PUT", url: first, headers: [HTTPHeader(name: "Content-Range", value: "bytes */10")]))
        #expect(xmlCode(gone) == "NoSuchUpload")
        await store.stop()

        store.serverClock.set(baseTime.addingTimeInterval(16 * 24 * 3600))
        let restarted = try await StoreHarness.start(reusing: store)
        #expect(held().isEmpty)
        await restarted.stop()
    }

    @Test("A session started with x-goog-content-length-range refuses an object size outside it")
    func sessionSizeRange() async throws {
        try await withStore { store, http in
            let client = store.client(http: http)
            let headers = ["Content-Type": "video/mp4", "x-goog-resumable": "start", "x-goog-content-length-range": "10,20"]
            let url = try client.signedURL(method: "POST", object: "bounded.mp4", expiration: 600, headers: headers)
            let started = try await http.execute(HTTPRequest(
                method: "POST", url: url, headers: headers.map { HTTPHeader(name: $0.key, value: $0.value) }))
            #expect(started.status == 201)
            let session = try #require(started.header("Location"))
            func declare(_ total: Int) async throws -> HTTPResponse {
                try await http.execute(HTTPRequest(
                    method: "PUT", url: session, headers: [HTTPHeader(name: "Content-Range", value: "bytes */\(total)")]))
            }
            #expect(xmlCode(try await declare(25)) == "EntityTooLarge")
            #expect(xmlCode(try await declare(5)) == "EntityTooSmall")
            let path = try store.file(testBytes(15, seed: 4))
            #expect(try await client.uploadChunk(session: session, file: path, offset: 0, length: 15, totalSize: 15)
                == .complete)
            #expect(try await client.head(object: "bounded.mp4")?.size == 15)
        }
    }
}
