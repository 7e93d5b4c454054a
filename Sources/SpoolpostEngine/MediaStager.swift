import Foundation
public import SpoolpostAdapters
public import SpoolpostCore
public import SpoolpostIO

/// Gets a post's media ready for the networks: uploads `file:` items to the bucket (resumably when large),
/// checks that `gcs:` objects exist, and signs read URLs for both. Every state change is handed to `record`,
/// which makes it durable before the stager goes on, so a retry or a restart continues an upload instead of
/// starting it again and never uploads a file twice.
public struct MediaStager: Sendable {
    public let storage: StorageConfiguration
    public let limits: MediaLimits
    let signer: StorageSigner
    let http: HTTPClient
    let mediaRoot: String
    let now: @Sendable () -> Date
    /// Inspecting and hashing media files, apart from the engine's file work: a large video takes seconds.
    let fileWork = BlockingWork(label: "spoolpost.media.files")

    public init(
        storage: StorageConfiguration, limits: MediaLimits, signer: StorageSigner, http: HTTPClient, mediaRoot: String,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.storage = storage
        self.limits = limits
        self.signer = signer
        self.http = http
        self.mediaRoot = mediaRoot
        self.now = now
    }

    /// Makes a media record durable; throws when it cannot (the post then waits for a retry).
    public typealias Recorder = @Sendable (MediaRecord) async throws(SpoolpostError) -> Void

    /// True when some item needs the bucket before the networks can have it.
    public static func needsStorage(_ manifest: Manifest) -> Bool {
        manifest.media.contains { if case .url = $0.source { false } else { true } }
    }

    /// Every item of `manifest`, prepared; `records` holds what earlier attempts recorded, by media index.
    public func prepare(
        _ manifest: Manifest, records: [Int: MediaRecord], owner: String, record: Recorder
    ) async throws(SpoolpostError) -> [PreparedMedia] {
        var prepared: [PreparedMedia] = []
        for (index, reference) in manifest.media.enumerated() {
            switch reference.source {
            case .url:
                prepared.append(PreparedMedia(unprepared: reference))
            case .gcs(let bucket, let object):
                prepared.append(try await check(
                    reference, bucket: bucket, object: object,
                    existing: records[index] ?? MediaRecord(index: index, source: "gs://\(bucket)/\(object)"),
                    record: record))
            case .file(let path):
                prepared.append(try await upload(
                    reference, path: path,
                    existing: records[index] ?? MediaRecord(index: index, source: "file:\(path)"),
                    owner: owner, record: record))
            }
        }
        return prepared
    }

    // MARK: - gcs: items

    private func check(
        _ reference: MediaReference, bucket: String, object: String, existing: MediaRecord, record: Recorder
    ) async throws(SpoolpostError) -> PreparedMedia {
        var media = existing
        let client = self.client(bucket: bucket, expiration: storage.uploadURLExpiry)
        if media.size == nil {
            guard let info = try await client.head(object: object) else {
                throw SpoolpostError(
                    .notFound,
                    "gs://\(bucket)/\(object) does not exist (or the storage key may not read it); upload it first, "
                        + "for instance with a URL from `spoolpost upload-url`")
            }
            media.bucket = bucket
            media.object = object
            media.size = info.size
            media.mimeType = info.contentType
            media.md5 = info.md5.map { Data($0).base64EncodedString() }
            try await record(media)
        }
        return PreparedMedia(
            reference: reference, mimeType: media.mimeType, size: media.size,
            fetchURL: try client.signedURL(method: "GET", object: object, expiration: storage.readURLExpiry),
            gcsPath: "gs://\(bucket)/\(object)")
    }

    // MARK: - file: items

    private func upload(
        _ reference: MediaReference, path relative: String, existing: MediaRecord, owner: String, record: Recorder
    ) async throws(SpoolpostError) -> PreparedMedia {
        let path = (mediaRoot as NSString).appendingPathComponent(relative)
        let limits = self.limits
        let inspected = try await fileWork.run { () throws(SpoolpostError) -> InspectedMedia in
            try MediaFileInspector.inspect(path: path, limits: limits)
        }
        var media = existing
        let client = self.client(bucket: signer.bucket, expiration: storage.uploadURLExpiry)
        if media.state != .uploaded || media.object == nil || media.size != inspected.size {
            media = try await transfer(inspected, reference: reference, media: media, owner: owner, client: client, record: record)
        }
        guard let object = media.object else {
            throw SpoolpostError(.internalError, "the upload of \(relative) finished without an object name")
        }
        return PreparedMedia(
            reference: reference, mimeType: inspected.type.mimeType, size: inspected.size,
            fetchURL: try client.signedURL(method: "GET", object: object, expiration: storage.readURLExpiry),
            gcsPath: signer.gsURI(object: object), localPath: path)
    }

    private func transfer(
        _ file: InspectedMedia, reference: MediaReference, media existing: MediaRecord, owner: String,
        client: GCSObjectClient, record: Recorder
    ) async throws(SpoolpostError) -> MediaRecord {
        var media = existing
        // A new object for a first upload, or when the last one failed or was deleted; an interrupted upload
        // keeps its object (and its session, if it has one).
        if media.object == nil || media.state != .uploading || media.size != file.size {
            // The multipost `type` (REEL) chooses the folder when it agrees with the content.
            let hinted = reference.kindHint.flatMap { MediaCategory(typeName: $0) }
            let category = hinted?.kind == file.type.kind ? hinted! : MediaCategory(kind: file.type.kind)
            media.bucket = signer.bucket
            media.object = MediaObjectName.make(category: category, owner: owner, type: file.type, date: now())
            media.fileType = switch category {
            case .images: "IMAGE"
            case .videos: "VIDEO"
            case .reels: "REEL"
            }
            media.uploadSession = nil
            media.confirmedBytes = nil
            media.deletedAt = nil
        }
        media.state = .uploading
        media.size = file.size
        media.mimeType = file.type.mimeType
        let path = file.path
        let md5 = try await fileWork.run { () throws(SpoolpostError) -> [UInt8] in try MediaFileInspector.md5(path: path) }
        media.md5 = Data(md5).base64EncodedString()
        try await record(media)
        guard let object = media.object else { return media }

        do throws(SpoolpostError) {
            if file.size < storage.resumableThreshold {
                try await client.upload(object: object, contentType: file.type.mimeType, file: path, size: file.size, md5: md5)
            } else {
                try await resumable(file, object: object, media: &media, client: client, record: record)
                guard let stored = try await client.head(object: object), stored.size == file.size,
                    stored.md5 == nil || stored.md5 == md5
                else {
                    throw SpoolpostError(
                        .serverError, "the stored copy of \(object) does not match the file; uploading it again",
                        retryable: true)
                }
            }
        } catch {
            if !error.isRetryable {
                media.state = .failed
                media.uploadSession = nil
                try await record(media)
            }
            throw error
        }
        media.state = .uploaded
        media.uploadSession = nil
        media.confirmedBytes = nil
        media.uploadedAt = now()
        media.expiresAt = now().addingTimeInterval(storage.retention)
        try await record(media)
        return media
    }

    /// A resumable upload in `chunk_size` pieces, recording the session and each confirmed offset.
    private func resumable(
        _ file: InspectedMedia, object: String, media: inout MediaRecord, client: GCSObjectClient, record: Recorder
    ) async throws(SpoolpostError) {
        var offset: Int64 = 0
        if let recorded = media.uploadSession, signer.usesEmbeddedStore {
            // The embedded store keeps its sessions on disk but may listen on another port than last run.
            media.uploadSession = Self.rebase(recorded, onto: signer.endpoint)
        }
        if let session = media.uploadSession {
            do throws(SpoolpostError) {
                switch try await client.resumableStatus(session: session, totalSize: file.size) {
                case .complete: return
                case .incomplete(let persisted): offset = persisted
                }
            } catch where error.code == .notFound {
                // The session expired (a week) or was lost: start over under the same object name.
                media.uploadSession = nil
            }
        }
        if media.uploadSession == nil {
            media.uploadSession = try await client.startResumableUpload(object: object, contentType: file.type.mimeType)
            media.confirmedBytes = 0
            try await record(media)
            offset = 0
        }
        guard let session = media.uploadSession else { return }
        while offset < file.size {
            let length = min(storage.chunkSize, file.size - offset)
            switch try await client.uploadChunk(
                session: session, file: file.path, offset: offset, length: length, totalSize: file.size)
            {
            case .complete:
                return
            case .incomplete(let persisted):
                guard persisted > offset else {
                    throw SpoolpostError(
                        .serverError, "the upload of \(object) made no progress at byte \(offset)", retryable: true)
                }
                offset = persisted
                media.confirmedBytes = persisted
                try await record(media)
            }
        }
    }

    /// `url` with the scheme, host and port of `endpoint` (`http://127.0.0.1:8089`), path and query kept.
    static func rebase(_ url: String, onto endpoint: String?) -> String {
        guard let endpoint, let base = URLComponents(string: endpoint.contains("://") ? endpoint : "http://" + endpoint),
            var components = URLComponents(string: url)
        else { return url }
        components.scheme = base.scheme
        components.host = base.host
        components.port = base.port
        return components.string ?? url
    }

    // MARK: - Clients

    func client(bucket: String, expiration: Int) -> GCSObjectClient {
        GCSObjectClient(
            signer: signer.signer, bucket: bucket, style: signer.style, scheme: signer.scheme, endpoint: signer.endpoint,
            httpClient: http, clock: now, operationExpiration: expiration,
            serviceName: signer.usesEmbeddedStore ? "the embedded object store" : "Cloud Storage")
    }
}
