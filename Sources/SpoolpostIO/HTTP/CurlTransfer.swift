import CCurl
import Foundation
import Glibc
import Synchronization

/// One request in flight: its libcurl easy handle, request resources and response buffers.
///
/// `control` may be touched from any thread. Everything else belongs to the `CurlMultiLoop` thread once the transfer
/// has been submitted; libcurl calls the callbacks on that thread too.
final class CurlTransfer: @unchecked Sendable {
    typealias Outcome = Result<HTTPResponse, HTTPClientError>
    typealias Continuation = CheckedContinuation<Outcome, Never>

    struct Control {
        var continuation: Continuation?
        var cancelRequested = false
    }

    let request: HTTPRequest
    let control = Mutex(Control())

    // Owned by the loop thread.
    private(set) var easy: UnsafeMutableRawPointer?
    var isActive = false
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private var responseHeaders: [HTTPHeader] = []
    private var responseBody: [UInt8] = []
    private var exceededResponseLimit = false
    private var fileDescriptor: Int32 = -1
    private var fileOffset: Int64 = 0
    private var fileLength: Int64 = 0
    private var filePosition: Int64 = 0
    private var fileEndedEarly = false

    init(request: HTTPRequest) {
        self.request = request
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
    }

    deinit {
        cleanUp()
        errorBuffer.deallocate()
    }

    /// Resumes the waiting caller; later calls do nothing, so every path may call it.
    func finish(_ outcome: Outcome) {
        let continuation = control.withLock { control in
            defer { control.continuation = nil }
            return control.continuation
        }
        continuation?.resume(returning: outcome)
    }

    /// Bytes of request the transport has taken so far; 0 means nothing can have reached the server.
    var requestBytesIssued: Int {
        guard let easy else { return 0 }
        var size = 0
        guard ccurl_easy_getinfo_long(easy, CURLINFO_REQUEST_SIZE, &size) == CURLE_OK else { return 1 }
        return size
    }

    /// Releases the easy handle, header list and file; safe to call more than once.
    func cleanUp() {
        if let easy {
            curl_easy_cleanup(easy)
            self.easy = nil
        }
        if let headerList {
            curl_slist_free_all(headerList)
            self.headerList = nil
        }
        if fileDescriptor >= 0 {
            close(fileDescriptor)
            fileDescriptor = -1
        }
    }

    // MARK: - Setting up

    /// Creates and configures the easy handle. On failure nothing has been sent.
    func prepare(userAgent: String) throws(HTTPClientError) -> UnsafeMutableRawPointer {
        guard let easy = curl_easy_init() else {
            throw failure(.other, "libcurl could not create a transfer handle", sent: false)
        }
        self.easy = easy
        let context = Unmanaged.passUnretained(self).toOpaque()

        try set(ccurl_easy_setopt_string(easy, CURLOPT_URL, request.url), "URL")
        try set(ccurl_easy_setopt_pointer(easy, CURLOPT_ERRORBUFFER, errorBuffer), "error buffer")
        try set(ccurl_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1), "NOSIGNAL")
        try set(ccurl_easy_setopt_long(easy, CURLOPT_FOLLOWLOCATION, 0), "FOLLOWLOCATION")
        try set(ccurl_easy_setopt_string(easy, CURLOPT_PROTOCOLS_STR, "http,https"), "protocols")
        try set(ccurl_easy_setopt_string(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"), "redirect protocols")
        try set(ccurl_easy_setopt_string(easy, CURLOPT_ACCEPT_ENCODING, ""), "accept encoding")
        try set(ccurl_easy_setopt_long(easy, CURLOPT_TCP_KEEPALIVE, 1), "TCP keepalive")
        try set(ccurl_easy_setopt_long(easy, CURLOPT_TIMEOUT_MS, Self.milliseconds(request.timeout)), "timeout")
        if request.freshConnection {
            try set(ccurl_easy_setopt_long(easy, CURLOPT_FRESH_CONNECT, 1), "FRESH_CONNECT")
        }
        try set(
            ccurl_easy_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(request.connectTimeout)),
            "connect timeout")
        try set(ccurl_easy_setopt_string(easy, CURLOPT_USERAGENT, userAgent), "user agent")

        try set(
            ccurl_easy_setopt_callback(easy, CURLOPT_WRITEFUNCTION) { data, size, count, context in
                guard let data, let context else { return 0 }
                let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
                return transfer.receiveBody(UnsafeRawBufferPointer(start: data, count: size * count))
            }, "write function")
        try set(ccurl_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, context), "write data")
        try set(
            ccurl_easy_setopt_callback(easy, CURLOPT_HEADERFUNCTION) { data, size, count, context in
                guard let data, let context else { return 0 }
                let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
                return transfer.receiveHeaderLine(UnsafeRawBufferPointer(start: data, count: size * count))
            }, "header function")
        try set(ccurl_easy_setopt_pointer(easy, CURLOPT_HEADERDATA, context), "header data")

        try prepareMethodAndBody(easy, context: context)
        try prepareHeaders(easy)
        return easy
    }

    private func prepareMethodAndBody(_ easy: UnsafeMutableRawPointer, context: UnsafeMutableRawPointer)
        throws(HTTPClientError)
    {
        let method = request.method
        var body = request.body
        if case .empty = body, ["POST", "PUT", "PATCH"].contains(method) {
            body = .bytes([])  // so that Content-Length: 0 is sent
        }
        if method == "HEAD" {
            guard case .empty = body else {
                throw failure(.invalidRequest, "a HEAD request cannot have a body", sent: false)
            }
            try set(ccurl_easy_setopt_long(easy, CURLOPT_NOBODY, 1), "NOBODY")
            return
        }
        switch body {
        case .empty:
            try set(ccurl_easy_setopt_long(easy, CURLOPT_HTTPGET, 1), "HTTPGET")
        case .bytes(let bytes):
            try set(ccurl_easy_setopt_int64(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(bytes.count)), "body size")
            let code = bytes.withUnsafeBytes { buffer in
                // COPYPOSTFIELDS copies POSTFIELDSIZE bytes; an empty body still needs a valid pointer.
                var empty: UInt8 = 0
                return buffer.baseAddress.map {
                    ccurl_easy_setopt_pointer(easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: $0))
                } ?? ccurl_easy_setopt_pointer(easy, CURLOPT_COPYPOSTFIELDS, &empty)
            }
            try set(code, "body")
        case .file(let path, let offset, let length):
            try openFileBody(path: path, offset: offset, length: length)
            try set(ccurl_easy_setopt_long(easy, CURLOPT_UPLOAD, 1), "UPLOAD")
            try set(ccurl_easy_setopt_int64(easy, CURLOPT_INFILESIZE_LARGE, curl_off_t(length)), "body size")
            try set(
                ccurl_easy_setopt_callback(easy, CURLOPT_READFUNCTION) { buffer, size, count, context in
                    guard let buffer, let context else { return Int(CURL_READFUNC_ABORT) }
                    let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
                    return transfer.readFileBody(into: buffer, capacity: size * count)
                }, "read function")
            try set(ccurl_easy_setopt_pointer(easy, CURLOPT_READDATA, context), "read data")
            try set(
                ccurl_easy_setopt_seek_callback(easy, CURLOPT_SEEKFUNCTION) { context, offset, origin in
                    guard let context else { return CURL_SEEKFUNC_FAIL }
                    let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
                    return transfer.seekFileBody(to: Int64(offset), origin: origin)
                }, "seek function")
            try set(ccurl_easy_setopt_pointer(easy, CURLOPT_SEEKDATA, context), "seek data")
        }
        let defaultMethod: String
        switch body {
        case .empty: defaultMethod = "GET"
        case .bytes: defaultMethod = "POST"
        case .file: defaultMethod = "PUT"
        }
        if method != defaultMethod {
            try set(ccurl_easy_setopt_string(easy, CURLOPT_CUSTOMREQUEST, method), "method")
        }
    }

    private func prepareHeaders(_ easy: UnsafeMutableRawPointer) throws(HTTPClientError) {
        // "Name:" removes a header libcurl would add; "Name;" sends one with an empty value.
        var lines = ["Expect:"]
        let hasBody: Bool
        switch request.body {
        case .empty: hasBody = ["POST", "PUT", "PATCH"].contains(request.method)
        case .bytes, .file: hasBody = true
        }
        if hasBody && !request.headers.contains(where: { $0.name.lowercased() == "content-type" }) {
            lines.append("Content-Type:")  // libcurl would otherwise claim a form body
        }
        for header in request.headers {
            lines.append(header.value.isEmpty ? "\(header.name);" : "\(header.name): \(header.value)")
        }
        for line in lines {
            guard let list = curl_slist_append(headerList, line) else {
                throw failure(.other, "libcurl could not allocate the header list", sent: false)
            }
            headerList = list
        }
        try set(ccurl_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, headerList), "headers")
    }

    private func openFileBody(path: String, offset: Int64, length: Int64) throws(HTTPClientError) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            let reason = String(cString: strerror(errno))
            throw failure(.invalidRequest, "cannot open the body file: \(reason)", sent: false)
        }
        fileDescriptor = descriptor
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            let reason = String(cString: strerror(errno))
            throw failure(.invalidRequest, "cannot inspect the body file: \(reason)", sent: false)
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw failure(.invalidRequest, "the body file is not a regular file", sent: false)
        }
        guard offset + length <= Int64(info.st_size) else {
            throw failure(
                .invalidRequest,
                "the body file has \(info.st_size) bytes, fewer than offset \(offset) plus length \(length)",
                sent: false)
        }
        fileOffset = offset
        fileLength = length
        filePosition = 0
    }

    private func set(_ code: CURLcode, _ option: String) throws(HTTPClientError) {
        guard code == CURLE_OK else {
            let reason = String(cString: curl_easy_strerror(code))
            let kind: HTTPClientError.Kind = code == CURLE_OUT_OF_MEMORY ? .other : .invalidRequest
            throw failure(kind, "libcurl rejected option \(option): \(reason)", sent: false, code: code)
        }
    }

    private static func milliseconds(_ seconds: Double) -> Int {
        max(1, Int(min(seconds * 1000, Double(Int32.max)).rounded(.up)))
    }

    // MARK: - Callbacks (loop thread)

    private func receiveBody(_ data: UnsafeRawBufferPointer) -> Int {
        guard responseBody.count + data.count <= request.maxResponseBytes else {
            exceededResponseLimit = true
            return 0  // any count other than data.count makes libcurl stop with CURLE_WRITE_ERROR
        }
        responseBody.append(contentsOf: data)
        return data.count
    }

    private func receiveHeaderLine(_ data: UnsafeRawBufferPointer) -> Int {
        var line = Substring(String(decoding: data, as: UTF8.self))
        while let last = line.last, last.isNewline {
            line.removeLast()
        }
        if line.hasPrefix("HTTP/") {
            responseHeaders.removeAll()  // a new status line: only the final response's headers count
        } else if let first = line.first, first == " " || first == "\t", !responseHeaders.isEmpty {
            let folded = line.trimmingCharacters(in: .whitespaces)
            responseHeaders[responseHeaders.count - 1].value += " " + folded
        } else if let colon = line.firstIndex(of: ":") {
            let name = String(line[..<colon])
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            responseHeaders.append(HTTPHeader(name: name, value: value))
        }
        return data.count
    }

    private func readFileBody(into buffer: UnsafeMutablePointer<CChar>, capacity: Int) -> Int {
        let remaining = fileLength - filePosition
        guard remaining > 0 else { return 0 }
        let wanted = Int(min(Int64(capacity), remaining))
        while true {
            let count = pread(fileDescriptor, buffer, wanted, off_t(fileOffset + filePosition))
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                fileEndedEarly = true
                return Int(CURL_READFUNC_ABORT)
            }
            filePosition += Int64(count)
            return count
        }
    }

    private func seekFileBody(to offset: Int64, origin: Int32) -> Int32 {
        guard origin == SEEK_SET, offset >= 0, offset <= fileLength else { return CURL_SEEKFUNC_FAIL }
        filePosition = offset
        return CURL_SEEKFUNC_OK
    }

    // MARK: - Completion

    /// The response or error for a transfer libcurl reported done with `code`. Call before `cleanUp()`.
    func outcome(for code: CURLcode) -> Outcome {
        guard code != CURLE_OK else {
            var status = 0
            if let easy { _ = ccurl_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status) }
            return .success(HTTPResponse(status: status, headers: responseHeaders, body: responseBody))
        }
        let sent = requestBytesIssued > 0
        let kind: HTTPClientError.Kind
        var mayHaveBeenSent = sent
        var summary: String
        switch code {
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            (kind, mayHaveBeenSent, summary) = (.couldNotConnect, false, "host name did not resolve")
        case CURLE_COULDNT_CONNECT:
            (kind, mayHaveBeenSent, summary) = (.couldNotConnect, false, "could not connect")
        case CURLE_SSL_CONNECT_ERROR:
            (kind, summary) = (.couldNotConnect, "TLS handshake failed")
        case CURLE_OPERATION_TIMEDOUT:
            (kind, summary) = (.timedOut, "timed out")
        case CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_HTTP2,
            CURLE_HTTP2_STREAM, CURLE_SEND_FAIL_REWIND:
            (kind, summary) = (.connectionLost, "connection lost before the response was complete")
        case CURLE_WRITE_ERROR where exceededResponseLimit:
            (kind, mayHaveBeenSent, summary) = (
                .responseTooLarge, true, "response body exceeds \(request.maxResponseBytes) bytes"
            )
        case CURLE_ABORTED_BY_CALLBACK where fileEndedEarly:
            (kind, summary) = (.invalidRequest, "the body file became shorter while it was being sent")
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL:
            (kind, mayHaveBeenSent, summary) = (.invalidRequest, false, "libcurl rejected the URL")
        default:
            (kind, summary) = (.other, "transfer failed")
        }
        summary += ": " + curlDetail(for: code)
        return .failure(failure(kind, summary, sent: mayHaveBeenSent, code: code))
    }

    /// libcurl's detailed message unless it could echo something secret, else the generic text for `code`.
    private func curlDetail(for code: CURLcode) -> String {
        let generic = String(cString: curl_easy_strerror(code))
        var detail = String(cString: errorBuffer)
        guard !detail.isEmpty else { return generic }
        detail = detail.replacingOccurrences(of: request.url, with: request.redactedURL)
        let secrets = [request.secretURLParts] + request.headers.map(\.value)
        if secrets.contains(where: { $0.count >= 4 && detail.contains($0) }) { return generic }
        return detail
    }

    func failure(
        _ kind: HTTPClientError.Kind, _ summary: String, sent: Bool, code: CURLcode = CURLE_OK
    ) -> HTTPClientError {
        HTTPClientError(
            kind: kind,
            message: "\(request.method) \(request.redactedURL): \(summary)",
            requestMayHaveBeenSent: sent,
            curlCode: Int32(bitPattern: code.rawValue)
        )
    }
}
