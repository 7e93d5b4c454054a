import Foundation
import Glibc
import Hummingbird
import SpoolpostCore
import SpoolpostIO
import Synchronization

/// Answers the object store's requests: signed PUT, GET, HEAD, DELETE and resumable-session starts on
/// `/BUCKET/OBJECT`, and unsigned requests to session URIs (`?upload_id=…`), as Cloud Storage's XML API does.
struct ObjectStoreHandler: Sendable {
    let configuration: ObjectStoreConfiguration
    let disk: ObjectStoreDisk
    let verifier: GCSSignatureVerifier
    let busySessions: BusySessions

    /// Largest object name Cloud Storage accepts, in UTF-8 bytes.
    static let maximumNameBytes = 1024
    /// Bytes read from disk per piece of a GET body.
    static let readPieceSize = 1 << 20

    init(configuration: ObjectStoreConfiguration, disk: ObjectStoreDisk) {
        self.configuration = configuration
        self.disk = disk
        verifier = GCSSignatureVerifier(
            hmacKeys: configuration.hmacKeys, serviceAccounts: configuration.serviceAccounts
        )
        busySessions = BusySessions()
    }

    func respond(to request: Request) async -> Response {
        let isHead = request.method == .head
        do {
            return try await handle(request)
        } catch let error as GCSIncomingError {
            return ObjectStoreResponses.error(error, isHead: isHead)
        } catch let failure as ReceiveFailure {
            if let error = failure.underlying as? GCSIncomingError {
                return ObjectStoreResponses.error(error, isHead: isHead)
            }
            return ObjectStoreResponses.error(
                GCSIncomingError(
                    code: "IncompleteBody", status: 400, message: "The request body ended early.",
                    details: "\(failure.written) bytes arrived before the connection failed."
                ),
                isHead: isHead
            )
        } catch {
            return ObjectStoreResponses.error(ObjectStoreResponses.internalError("\(error)"), isHead: isHead)
        }
    }

    private func handle(_ request: Request) async throws -> Response {
        let incoming = GCSIncomingRequest(
            method: request.method.rawValue,
            rawPath: request.uri.path,
            rawQuery: request.uri.query ?? "",
            host: request.head.authority ?? "",
            headers: request.headers.map { GCSIncomingRequest.Header(name: $0.name.canonicalName, value: $0.value) }
        )
        if let uploadID = try incoming.queryItems().first(where: { $0.name == "upload_id" })?.value {
            return try await handleSession(request, uploadID: uploadID)
        }
        _ = try verifier.verify(incoming, now: configuration.clock())
        let (bucket, object) = try incoming.pathStyleBucketAndObject()
        guard configuration.buckets.contains(bucket) else {
            throw ObjectStoreResponses.noSuchBucket(bucket)
        }
        guard let object else {
            return try await bucketRequest(request, incoming: incoming, bucket: bucket)
        }
        try Self.validate(objectName: object)
        switch request.method {
        case .put:
            return try await putObject(request, bucket: bucket, name: object)
        case .post:
            return try await startSession(request, incoming: incoming, bucket: bucket, name: object)
        case .get, .head:
            return try await getObject(request, bucket: bucket, name: object)
        case .delete:
            guard try await disk.perform({ try disk.deleteObject(bucket: bucket, name: object) }) else {
                throw ObjectStoreResponses.noSuchKey()
            }
            return Response(status: .noContent)
        default:
            throw ObjectStoreResponses.methodNotAllowed(request.method.rawValue)
        }
    }

    // MARK: Objects

    private func putObject(_ request: Request, bucket: String, name: String) async throws -> Response {
        let expectedMD5: [UInt8]?
        if let header = request.headers[ObjectStoreResponses.fieldName("Content-MD5")] {
            guard let digest = Data(base64Encoded: header), digest.count == 16 else {
                throw GCSIncomingError(
                    code: "InvalidDigest", status: 400, message: "The Content-MD5 you specified is invalid.",
                    details: "Content-MD5 must be the base64 of a 16-byte MD5 digest."
                )
            }
            expectedMD5 = Array(digest)
        } else {
            expectedMD5 = nil
        }
        let sizeRange = try Self.contentLengthRange(request)
        if let sizeRange, let declared = request.headers[.contentLength].flatMap({ Int64($0) }) {
            try Self.check(size: declared, against: sizeRange)
        }
        let disk = self.disk
        let (path, descriptor) = try await disk.perform { try disk.createTemporaryFile() }
        let received: Int64
        do {
            received = try await receive(
                request.body, into: descriptor, limit: sizeRange?.upperBound ?? .max,
                overflow: sizeRange.map { ObjectStoreResponses.entityTooLarge(range: $0) })
            if let sizeRange { try Self.check(size: received, against: sizeRange) }
        } catch {
            await discard(path: path, descriptor: descriptor)
            throw error
        }
        do {
            try await disk.perform { try disk.closeAndSync(descriptor) }
            if let declared = request.headers[.contentLength].flatMap({ Int64($0) }), declared != received {
                throw GCSIncomingError(
                    code: "IncompleteBody", status: 400,
                    message: "You did not provide the number of bytes specified by the Content-Length HTTP header.",
                    details: "Content-Length says \(declared) bytes; \(received) arrived."
                )
            }
            let md5 = try await disk.perform { try disk.md5(ofFile: path) }
            if let expectedMD5, expectedMD5 != md5 {
                throw ObjectStoreResponses.badDigest(
                    "Content-MD5 is \(Data(expectedMD5).base64EncodedString()); the body's MD5 is "
                        + "\(Data(md5).base64EncodedString())."
                )
            }
            let contentType = request.headers[.contentType] ?? "application/octet-stream"
            let now = configuration.clock()
            let stored = try await disk.perform {
                try disk.commitObject(
                    bucket: bucket, name: name, dataFile: path, contentType: contentType, size: received, md5: md5,
                    now: now
                )
            }
            var headers = ObjectStoreResponses.objectHeaders(stored)
            headers[.contentType] = nil
            headers[.contentLength] = "0"
            return Response(status: .ok, headers: headers)
        } catch {
            _ = try? await disk.perform { unlink(path) }
            throw error
        }
    }

    private func getObject(_ request: Request, bucket: String, name: String) async throws -> Response {
        let disk = self.disk
        guard let stored = try await disk.perform({ try disk.object(bucket: bucket, name: name) }) else {
            throw ObjectStoreResponses.noSuchKey()
        }
        var headers = ObjectStoreResponses.objectHeaders(stored)
        headers[.acceptRanges] = "bytes"
        var range: ClosedRange<Int64> = 0...(stored.size - 1)
        var status = HTTPResponse.Status.ok
        if let rangeHeader = request.headers[.range], stored.size > 0 {
            guard let requested = Self.byteRange(rangeHeader, size: stored.size) else {
                throw ObjectStoreResponses.invalidRange(size: stored.size)
            }
            range = requested
            status = .partialContent
            headers[.contentRange] = "bytes \(requested.lowerBound)-\(requested.upperBound)/\(stored.size)"
        }
        let length = stored.size == 0 ? 0 : range.upperBound - range.lowerBound + 1
        headers[.contentLength] = String(length)
        if request.method == .head || length == 0 {
            return Response(status: status, headers: headers)
        }
        // Opened before answering, so a concurrent overwrite or delete cannot cut the body short.
        let path = disk.dataPath(of: stored)
        let descriptor: Int32
        do {
            descriptor = try await disk.perform { try disk.openForReading(path) }
        } catch {
            throw ObjectStoreResponses.noSuchKey()
        }
        let start = range.lowerBound
        let body = ResponseBody(contentLength: Int(length)) { writer in
            defer { close(descriptor) }
            var offset = start
            let end = start + length
            while offset < end {
                let count = Int(min(Int64(Self.readPieceSize), end - offset))
                let position = offset
                let bytes = try await disk.perform {
                    try disk.readBytes(descriptor: descriptor, offset: position, length: count)
                }
                guard !bytes.isEmpty else {
                    throw SpoolpostError(.io, "object data ended early at byte \(offset)")
                }
                try await writer.write(ByteBuffer(bytes: bytes))
                offset += Int64(bytes.count)
            }
            try await writer.finish(nil)
        }
        return Response(status: status, headers: headers, body: body)
    }

    // MARK: Resumable sessions

    /// A request on the bucket itself: GET lists its objects (`prefix`, `max-keys`, `marker`), HEAD says it
    /// exists. The store's buckets are fixed by its configuration, so creating or deleting one is not allowed.
    private func bucketRequest(
        _ request: Request, incoming: GCSIncomingRequest, bucket: String
    ) async throws -> Response {
        switch request.method {
        case .head:
            return Response(status: .ok)
        case .get:
            let query = try incoming.queryItems()
            func value(_ name: String) -> String? { query.first { $0.name == name }?.value }
            let prefix = value("prefix") ?? ""
            let marker = value("marker") ?? ""
            guard let limit = Int(value("max-keys") ?? "1000"), limit >= 0 else {
                throw GCSIncomingError.invalidArgument("max-keys must be a whole number.")
            }
            let all = try await disk.perform { try disk.objects(bucket: bucket, prefix: prefix) }
            let after = all.filter { $0.name > marker }
            return ObjectStoreResponses.listing(
                bucket: bucket, prefix: prefix, objects: Array(after.prefix(limit)), truncated: after.count > limit)
        default:
            throw ObjectStoreResponses.methodNotAllowed(request.method.rawValue)
        }
    }

    private func startSession(
        _ request: Request, incoming: GCSIncomingRequest, bucket: String, name: String
    ) async throws -> Response {
        guard incoming.headerValues("x-goog-resumable").last?.lowercased() == "start" else {
            throw GCSIncomingError.invalidArgument(
                "POST on an object starts a resumable upload and needs the header x-goog-resumable: start."
            )
        }
        let now = configuration.clock().timeIntervalSince1970
        let sizeRange = try Self.contentLengthRange(request)
        var session = UploadSession(
            id: ObjectStoreDisk.randomHex(bytes: 16), bucket: bucket, object: name,
            contentType: request.headers[.contentType] ?? "application/octet-stream",
            created: now, expires: now + Double(configuration.sessionLifetime), totalSize: nil
        )
        session.sizeRange = sizeRange.map { [$0.lowerBound, $0.upperBound] }
        let created = session
        let disk = self.disk
        // A new session is the moment to drop the ones whose week is over (sessions are few; this is a listing).
        try await disk.perform {
            disk.removeExpiredSessions(now: now)
            try disk.createSession(created)
        }
        var headers = HTTPFields()
        headers[.location] = "http://\(incoming.host)\(incoming.rawPath)?upload_id=\(created.id)"
        headers[.contentLength] = "0"
        return Response(status: .created, headers: headers)
    }

    private func handleSession(_ request: Request, uploadID: String) async throws -> Response {
        guard uploadID.utf8.count == 32, uploadID.utf8.allSatisfy({ Self.isLowerHex($0) }) else {
            throw ObjectStoreResponses.noSuchUpload()
        }
        guard request.method == .put else {
            throw ObjectStoreResponses.methodNotAllowed(request.method.rawValue)
        }
        guard busySessions.enter(uploadID) else {
            throw GCSIncomingError(
                code: "ServiceUnavailable", status: 503, message: "Service Unavailable.",
                details: "Another request to this upload session is in progress; retry."
            )
        }
        defer { busySessions.leave(uploadID) }
        let disk = self.disk
        guard var session = try await disk.perform({ try disk.session(uploadID) }),
            configuration.clock().timeIntervalSince1970 <= session.expires
        else {
            throw ObjectStoreResponses.noSuchUpload()
        }
        if session.completed == true {
            return try await completedResponse(session)
        }
        let contentRange: ObjectStoreContentRange
        if let header = request.headers[.contentRange] {
            guard let parsed = ObjectStoreContentRange(header) else {
                throw GCSIncomingError.invalidArgument(
                    "Content-Range '\(header)' is not bytes FIRST-LAST/TOTAL or bytes */TOTAL."
                )
            }
            contentRange = parsed
        } else {
            // A session PUT without Content-Range carries the whole object.
            let length = request.headers[.contentLength].flatMap { Int64($0) } ?? 0
            guard let whole = ObjectStoreContentRange(length == 0 ? "bytes */0" : "bytes 0-\(length - 1)/\(length)")
            else { throw GCSIncomingError.invalidArgument("Content-Length is not a byte count.") }
            contentRange = whole
        }
        if let total = contentRange.total {
            if let bounds = session.sizeRange, bounds.count == 2, bounds[0] <= bounds[1] {
                try Self.check(size: total, against: bounds[0]...bounds[1])
            }
            if let known = session.totalSize, known != total {
                throw GCSIncomingError.invalidArgument(
                    "The upload was declared as \(known) bytes; this request says \(total)."
                )
            }
            if session.totalSize == nil {
                session.totalSize = total
                let updated = session
                try await disk.perform { try disk.saveSession(updated) }
            }
        }
        let held = try await disk.perform { try disk.sessionSize(uploadID) }
        guard let range = contentRange.range else {
            if let total = session.totalSize, held == total {
                return try await finish(session)
            }
            return Self.resumeIncomplete(persisted: held)
        }
        guard range.lowerBound <= held else {
            // A gap: answer with what is held so the client resends from there.
            return Self.resumeIncomplete(persisted: held)
        }
        let expected = range.upperBound - range.lowerBound + 1
        if let declared = request.headers[.contentLength].flatMap({ Int64($0) }), declared != expected {
            throw GCSIncomingError.invalidArgument(
                "Content-Range covers \(expected) bytes but Content-Length is \(declared)."
            )
        }
        let descriptor = try await disk.perform { try disk.openSessionData(uploadID, at: range.lowerBound) }
        let received: Int64
        do {
            received = try await receive(request.body, into: descriptor, limit: expected)
        } catch {
            // Keep what arrived in whole 256 KiB units, as Cloud Storage does, and drop the rest.
            _ = try? await disk.perform { close(descriptor) }
            let kept = range.lowerBound + (bytesWritten(error) / GCSObjectClient.chunkGranularity)
                * GCSObjectClient.chunkGranularity
            _ = try? await disk.perform { try disk.truncateSession(uploadID, to: kept) }
            throw error
        }
        try await disk.perform { try disk.closeAndSync(descriptor) }
        if let rate = configuration.sessionBytesPerSecond, rate > 0 {
            try await Task.sleep(for: .seconds(Double(received) / Double(rate)))
        }
        let end = range.lowerBound + received
        if received == expected, let total = session.totalSize, end == total {
            return try await finish(session)
        }
        let persisted = range.lowerBound + (received / GCSObjectClient.chunkGranularity)
            * GCSObjectClient.chunkGranularity
        if persisted != end {
            try await disk.perform { try disk.truncateSession(uploadID, to: persisted) }
        }
        return Self.resumeIncomplete(persisted: persisted)
    }

    private func finish(_ session: UploadSession) async throws -> Response {
        let disk = self.disk
        let now = configuration.clock()
        let stored = try await disk.perform {
            let path = disk.sessionDataPath(session.id)
            let size = try disk.sessionSize(session.id)
            let md5 = try disk.md5(ofFile: path)
            let stored = try disk.commitObject(
                bucket: session.bucket, name: session.object, dataFile: path, contentType: session.contentType,
                size: size, md5: md5, now: now
            )
            var completed = session
            completed.completed = true
            completed.generation = stored.generation
            try disk.saveSession(completed)
            return stored
        }
        var headers = ObjectStoreResponses.objectHeaders(stored)
        headers[.contentType] = nil
        headers[.contentLength] = "0"
        return Response(status: .ok, headers: headers)
    }

    private func completedResponse(_ session: UploadSession) async throws -> Response {
        let disk = self.disk
        let stored = try await disk.perform { try disk.object(bucket: session.bucket, name: session.object) }
        guard let stored, stored.generation == session.generation else {
            // The object was replaced or deleted since; the session itself did finish.
            return Response(status: .ok, headers: [.contentLength: "0"])
        }
        var headers = ObjectStoreResponses.objectHeaders(stored)
        headers[.contentType] = nil
        headers[.contentLength] = "0"
        return Response(status: .ok, headers: headers)
    }

    private static func resumeIncomplete(persisted: Int64) -> Response {
        var headers = HTTPFields()
        if persisted > 0 { headers[.range] = "bytes=0-\(persisted - 1)" }
        headers[.contentLength] = "0"
        return Response(status: HTTPResponse.Status(code: 308, reasonPhrase: "Resume Incomplete"), headers: headers)
    }

    // MARK: Helpers

    /// `x-goog-content-length-range: MIN,MAX` (inclusive byte counts), which a signed upload URL may carry to
    /// bound what the uploader sends; nil without the header.
    static func contentLengthRange(_ request: Request) throws(GCSIncomingError) -> ClosedRange<Int64>? {
        guard let header = request.headers[ObjectStoreResponses.fieldName("x-goog-content-length-range")] else {
            return nil
        }
        let bounds = header.split(separator: ",", omittingEmptySubsequences: false).map {
            Int64($0.trimmingCharacters(in: .whitespaces))
        }
        guard bounds.count == 2, let minimum = bounds[0], let maximum = bounds[1], minimum >= 0, minimum <= maximum else {
            throw GCSIncomingError.invalidArgument(
                "x-goog-content-length-range '\(header)' must be MIN,MAX with 0 <= MIN <= MAX.")
        }
        return minimum...maximum
    }

    private static func check(size: Int64, against range: ClosedRange<Int64>) throws(GCSIncomingError) {
        if size > range.upperBound { throw ObjectStoreResponses.entityTooLarge(range: range) }
        if size < range.lowerBound { throw ObjectStoreResponses.entityTooSmall(range: range) }
    }

    /// Streams a request body into `descriptor`, at most `limit` bytes; returns the count written. A longer body
    /// fails with `overflow` (by default: longer than the Content-Range).
    /// A failure part-way reports the bytes written so far through `ReceiveFailure`.
    private func receive(
        _ body: RequestBody, into descriptor: Int32, limit: Int64 = .max, overflow: GCSIncomingError? = nil
    ) async throws -> Int64 {
        var written: Int64 = 0
        let disk = self.disk
        do {
            for try await buffer in body {
                let bytes = Array(buffer.readableBytesView)
                guard written + Int64(bytes.count) <= limit else {
                    throw overflow ?? GCSIncomingError.invalidArgument("The body is longer than Content-Range says.")
                }
                try await disk.perform { try disk.writeAll(descriptor, bytes) }
                written += Int64(bytes.count)
            }
        } catch {
            throw ReceiveFailure(underlying: error, written: written)
        }
        return written
    }

    private func bytesWritten(_ error: any Error) -> Int64 {
        (error as? ReceiveFailure)?.written ?? 0
    }

    private func discard(path: String, descriptor: Int32) async {
        let disk = self.disk
        _ = try? await disk.perform {
            close(descriptor)
            unlink(path)
        }
    }

    /// `bytes=FIRST-LAST`, `bytes=FIRST-` or `bytes=-SUFFIX` within an object of `size` bytes.
    static func byteRange(_ header: String, size: Int64) -> ClosedRange<Int64>? {
        guard header.hasPrefix("bytes="), !header.contains(",") else { return nil }
        let spec = header.dropFirst("bytes=".count)
        guard let dash = spec.firstIndex(of: "-") else { return nil }
        let firstText = spec[..<dash]
        let lastText = spec[spec.index(after: dash)...]
        if firstText.isEmpty {
            guard let suffix = Int64(lastText), suffix > 0 else { return nil }
            return max(0, size - suffix)...(size - 1)
        }
        guard let first = Int64(firstText), first < size else { return nil }
        let last = lastText.isEmpty ? size - 1 : min(Int64(lastText) ?? -1, size - 1)
        return last >= first ? first...last : nil
    }

    static func validate(objectName name: String) throws(GCSIncomingError) {
        guard name.utf8.count <= maximumNameBytes else {
            throw .invalidArgument("Object names are at most \(maximumNameBytes) bytes of UTF-8.")
        }
        guard name != ".", name != "..", !name.contains(where: { $0 == "\r" || $0 == "\n" }) else {
            throw .invalidArgument("Object names cannot be '.' or '..' or contain line breaks.")
        }
    }

    private static func isLowerHex(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
            || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f"))
    }
}

/// A body that stopped arriving part-way, with how much of it was written.
struct ReceiveFailure: Error {
    var underlying: any Error
    var written: Int64
}

/// Upload sessions with a request in progress; a second request to the same session waits its turn by retrying.
final class BusySessions: Sendable {
    private let sessions = Mutex(Set<String>())

    func enter(_ id: String) -> Bool { sessions.withLock { $0.insert(id).inserted } }
    func leave(_ id: String) { _ = sessions.withLock { $0.remove(id) } }
}
