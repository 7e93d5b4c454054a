import Foundation
public import SpoolpostCore

/// The part of Cloud Storage's XML API that spoolpost uses, through V4 signed URLs: simple and resumable uploads,
/// HEAD, DELETE, and read URLs to hand to the networks.
///
/// Every call signs a fresh URL that lives `operationExpiration` seconds, so nothing long-lived is kept. Failures are
/// `SpoolpostError`s that carry Cloud Storage's XML error code; URLs in messages never include their query string
/// (the signature, or a session's upload ID).
public struct GCSObjectClient: Sendable {
    /// The largest chunk granularity resumable uploads accept: every chunk but the last is a multiple of it.
    public static let chunkGranularity: Int64 = 256 * 1024

    public let signer: GCSURLSigner
    public let bucket: String
    public let style: GCSURLStyle
    /// `https` or `http`; an endpoint written with a scheme overrides it.
    public let scheme: String
    /// `host[:port]` or `scheme://host[:port]` of another endpoint than `storage.googleapis.com` (the embedded store).
    public let endpoint: String?
    /// Validity of the URLs the client signs for its own requests, in seconds.
    public let operationExpiration: Int
    /// Whole-request limit for uploads, in seconds.
    public let transferTimeout: Double
    /// Names the service in messages.
    public let serviceName: String

    private let httpClient: HTTPClient
    private let clock: @Sendable () -> Date

    public init(
        signer: GCSURLSigner,
        bucket: String,
        style: GCSURLStyle = .pathStyle,
        scheme: String = "https",
        endpoint: String? = nil,
        httpClient: HTTPClient,
        clock: @escaping @Sendable () -> Date = { Date() },
        operationExpiration: Int = 3600,
        transferTimeout: Double = 900,
        serviceName: String = "Cloud Storage"
    ) {
        self.signer = signer
        self.bucket = bucket
        self.style = style
        self.scheme = scheme
        self.endpoint = endpoint
        self.httpClient = httpClient
        self.clock = clock
        self.operationExpiration = operationExpiration
        self.transferTimeout = transferTimeout
        self.serviceName = serviceName
    }

    /// A V4 signed URL for `method` on `object`, valid `expiration` seconds from now. A request through it must send
    /// each of `headers` with the same value.
    public func signedURL(
        method: String = "GET",
        object: String,
        expiration: Int,
        headers: [String: String] = [:],
        query: [String: String] = [:]
    ) throws(SpoolpostError) -> String {
        let request = GCSSigningRequest(
            bucket: bucket, object: object, method: method, expiration: expiration, date: clock(), style: style,
            scheme: scheme, endpoint: endpoint, headers: headers, queryParameters: query
        )
        do {
            return Self.escapingDotSegments(try signer.signedURL(for: request))
        } catch {
            throw error.spoolpostError
        }
    }

    /// Writes path segments that are exactly `.` or `..` as `%2E` / `%2E%2E`. HTTP clients (libcurl, browsers)
    /// remove such segments from a URL before sending it, which would address another object; the escaped form
    /// reaches the server intact and decodes to the same name, so the signature still matches.
    static func escapingDotSegments(_ url: String) -> String {
        guard let schemeEnd = url.range(of: "://") else { return url }
        let afterScheme = url[schemeEnd.upperBound...]
        guard let pathStart = afterScheme.firstIndex(of: "/") else { return url }
        let queryStart = url[pathStart...].firstIndex(of: "?") ?? url.endIndex
        let segments = url[pathStart..<queryStart].split(separator: "/", omittingEmptySubsequences: false)
        guard segments.contains(where: { $0 == "." || $0 == ".." }) else { return url }
        let path = segments.map { $0 == "." ? "%2E" : $0 == ".." ? "%2E%2E" : String($0) }.joined(separator: "/")
        return String(url[..<pathStart]) + path + url[queryStart...]
    }

    /// Uploads `size` bytes of the file at `path` as `object` with one signed PUT. `md5` (16 bytes) goes out as
    /// `Content-MD5`, so the store refuses a body that changed on the way (`BadDigest`).
    public func upload(
        object: String, contentType: String, file path: String, size: Int64, md5: [UInt8]
    ) async throws(SpoolpostError) {
        guard md5.count == 16 else {
            throw SpoolpostError(.internalError, "an MD5 digest has 16 bytes, not \(md5.count)")
        }
        let url = try signedURL(
            method: "PUT", object: object, expiration: operationExpiration, headers: ["Content-Type": contentType]
        )
        let request = HTTPRequest(
            method: "PUT", url: url,
            headers: [
                HTTPHeader(name: "Content-Type", value: contentType),
                HTTPHeader(name: "Content-MD5", value: Data(md5).base64EncodedString()),
            ],
            body: .file(path: path, offset: 0, length: size),
            timeout: transferTimeout
        )
        let response = try await send(request, action: "upload of \(object)")
        guard response.status == 200 || response.status == 201 else {
            throw failure(response, action: "upload of \(object)", url: url)
        }
    }

    /// Opens a resumable upload session for `object` and returns its session URI (signed POST with
    /// `x-goog-resumable: start`; Cloud Storage answers 201 with the URI in `Location`).
    /// The URI is a bearer credential for the upload: keep it out of logs.
    public func startResumableUpload(object: String, contentType: String) async throws(SpoolpostError) -> String {
        let headers = ["Content-Type": contentType, "x-goog-resumable": "start"]
        let url = try signedURL(method: "POST", object: object, expiration: operationExpiration, headers: headers)
        let request = HTTPRequest(
            method: "POST", url: url,
            headers: headers.sorted { $0.key < $1.key }.map { HTTPHeader(name: $0.key, value: $0.value) }
        )
        let action = "start of a resumable upload of \(object)"
        let response = try await send(request, action: action)
        guard response.status == 201 || response.status == 200 else {
            throw failure(response, action: action, url: url)
        }
        guard let location = response.header("Location"), !location.isEmpty else {
            throw SpoolpostError(
                .serverError, "\(serviceName) answered the \(action) without a Location header", retryable: true
            )
        }
        return location
    }

    /// Asks a resumable session how many bytes it holds (`PUT` with `Content-Range: bytes */TOTAL`).
    public func resumableStatus(session: String, totalSize: Int64) async throws(SpoolpostError)
        -> ResumableUploadProgress
    {
        let request = HTTPRequest(
            method: "PUT", url: session, headers: [HTTPHeader(name: "Content-Range", value: "bytes */\(totalSize)")]
        )
        return try await progress(of: request, action: "status query of a resumable upload", url: session)
    }

    /// Sends `length` bytes of `path` from `offset` to a resumable session. Every chunk but the last must be a
    /// multiple of 256 KiB; resume from the returned `persistedBytes`, which may be less than was sent.
    public func uploadChunk(
        session: String, file path: String, offset: Int64, length: Int64, totalSize: Int64
    ) async throws(SpoolpostError) -> ResumableUploadProgress {
        guard offset >= 0, length > 0, offset + length <= totalSize else {
            throw SpoolpostError(
                .internalError, "chunk \(offset)+\(length) does not fit an upload of \(totalSize) bytes"
            )
        }
        guard offset + length == totalSize || length % Self.chunkGranularity == 0 else {
            throw SpoolpostError(
                .internalError, "a chunk that is not the last must be a multiple of 256 KiB, not \(length) bytes"
            )
        }
        let request = HTTPRequest(
            method: "PUT", url: session,
            headers: [HTTPHeader(name: "Content-Range", value: "bytes \(offset)-\(offset + length - 1)/\(totalSize)")],
            body: .file(path: path, offset: offset, length: length),
            timeout: transferTimeout
        )
        return try await progress(of: request, action: "chunk upload at offset \(offset)", url: session)
    }

    /// The object's size, type and hashes, or nil when it does not exist.
    public func head(object: String) async throws(SpoolpostError) -> GCSObjectInfo? {
        let url = try signedURL(method: "HEAD", object: object, expiration: operationExpiration)
        let response = try await send(HTTPRequest(method: "HEAD", url: url), action: "HEAD of \(object)")
        if response.status == 404 { return nil }
        guard response.status == 200 else {
            throw failure(response, action: "HEAD of \(object)", url: url)
        }
        let sizeText = response.header("x-goog-stored-content-length") ?? response.header("Content-Length")
        guard let size = sizeText.flatMap({ Int64($0.trimmingCharacters(in: .whitespaces)) }) else {
            throw SpoolpostError(
                .serverError, "\(serviceName) answered the HEAD of \(object) without a size", retryable: true
            )
        }
        let hashes = GCSObjectInfo.hashes(response.headers(named: "x-goog-hash"))
        return GCSObjectInfo(
            size: size, contentType: response.header("Content-Type"), md5: hashes.md5, crc32c: hashes.crc32c,
            etag: response.header("ETag")
        )
    }

    /// Deletes `object`; false when it was already absent.
    @discardableResult
    public func delete(object: String) async throws(SpoolpostError) -> Bool {
        let url = try signedURL(method: "DELETE", object: object, expiration: operationExpiration)
        let response = try await send(HTTPRequest(method: "DELETE", url: url), action: "deletion of \(object)")
        switch response.status {
        case 200, 204: return true
        case 404: return false
        default: throw failure(response, action: "deletion of \(object)", url: url)
        }
    }

    // MARK: - Plumbing

    private func progress(of request: HTTPRequest, action: String, url: String) async throws(SpoolpostError)
        -> ResumableUploadProgress
    {
        let response = try await send(request, action: action)
        switch response.status {
        case 200, 201:
            return .complete
        case 308:
            // `Range: bytes=0-N` names the last byte held; no Range header means nothing is held yet.
            guard let range = response.header("Range") else { return .incomplete(persistedBytes: 0) }
            guard range.hasPrefix("bytes=0-"), let last = Int64(range.dropFirst("bytes=0-".count)) else {
                throw SpoolpostError(
                    .serverError, "\(serviceName) answered the \(action) with an unreadable Range '\(range)'",
                    retryable: true
                )
            }
            return .incomplete(persistedBytes: last + 1)
        default:
            var error = failure(response, action: action, url: url)
            if response.status == 404 || response.status == 410 {
                error.message += "; the upload session is gone, start a new one"
            }
            throw error
        }
    }

    /// Every request this client makes can be repeated safely (same object, same bytes), so a transport failure
    /// after sending is retryable rather than an unknown outcome.
    private func send(_ request: HTTPRequest, action: String) async throws(SpoolpostError) -> HTTPResponse {
        do {
            return try await httpClient.execute(request)
        } catch {
            var classified = HTTPFailureClassifier.classify(error, service: serviceName, repeatable: true)
            classified.message = "\(action): \(classified.message)"
            throw classified
        }
    }

    /// The error for an unexpected answer: the shared HTTP classes, with Cloud Storage's XML Code and Message.
    func failure(_ response: HTTPResponse, action: String, url: String) -> SpoolpostError {
        var error = HTTPFailureClassifier.classify(
            HTTPResponse(status: response.status, headers: response.headers, body: []), service: serviceName,
            now: clock()
        )
        let xml = GCSXMLErrorBody(response.body)
        var message = "\(serviceName) refused the \(action) (\(Self.redacted(url))): HTTP \(response.status)"
        if let code = xml.code {
            message += " \(code)"
            error.platformCode = code
        }
        if let text = xml.message { message += ": \(text)" }
        if let details = xml.details { message += " \(details)" }
        error.message = message
        return error
    }

    /// `scheme://host/path` without the query string, which holds the signature or upload ID.
    static func redacted(_ url: String) -> String {
        String(url.prefix { $0 != "?" && $0 != "#" })
    }
}
