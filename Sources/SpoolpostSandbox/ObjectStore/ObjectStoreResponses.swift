import Foundation
import Hummingbird
import SpoolpostCore
import SpoolpostIO

/// The answers the object store gives, shaped like Cloud Storage's.
enum ObjectStoreResponses {
    /// Cloud Storage's XML error document with the error's status.
    static func error(_ error: GCSIncomingError, isHead: Bool = false) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/xml; charset=UTF-8"
        let body = Array(error.xmlDocument.utf8)
        headers[.contentLength] = String(body.count)
        return Response(
            status: HTTPResponse.Status(code: error.status),
            headers: headers,
            body: isHead ? ResponseBody() : ResponseBody(byteBuffer: ByteBuffer(bytes: body))
        )
    }

    static func noSuchKey() -> GCSIncomingError {
        GCSIncomingError(code: "NoSuchKey", status: 404, message: "The specified key does not exist.")
    }

    static func noSuchBucket(_ bucket: String) -> GCSIncomingError {
        GCSIncomingError(
            code: "NoSuchBucket", status: 404, message: "The specified bucket does not exist.",
            details: "This store does not serve a bucket named '\(bucket)'."
        )
    }

    static func noSuchUpload() -> GCSIncomingError {
        GCSIncomingError(
            code: "NoSuchUpload", status: 404, message: "The requested upload was not found.",
            details: "The upload session does not exist or has expired; start a new one."
        )
    }

    static func badDigest(_ details: String) -> GCSIncomingError {
        GCSIncomingError(
            code: "BadDigest", status: 400,
            message: "The Content-MD5 you specified did not match what we received.", details: details
        )
    }

    static func entityTooLarge(range: ClosedRange<Int64>) -> GCSIncomingError {
        GCSIncomingError(
            code: "EntityTooLarge", status: 400, message: "Your proposed upload exceeds the maximum allowed size.",
            details: "x-goog-content-length-range allows \(range.lowerBound) to \(range.upperBound) bytes."
        )
    }

    static func entityTooSmall(range: ClosedRange<Int64>) -> GCSIncomingError {
        GCSIncomingError(
            code: "EntityTooSmall", status: 400, message: "Your proposed upload is smaller than the minimum allowed size.",
            details: "x-goog-content-length-range allows \(range.lowerBound) to \(range.upperBound) bytes."
        )
    }

    static func internalError(_ details: String) -> GCSIncomingError {
        GCSIncomingError(
            code: "InternalError", status: 500, message: "We encountered an internal error. Please try again.",
            details: details
        )
    }

    /// The XML API's object listing (`GET /BUCKET?prefix=…`): `ListBucketResult` with one `Contents` per object.
    static func listing(bucket: String, prefix: String, objects: [StoredObject], truncated: Bool) -> Response {
        var xml = "<?xml version='1.0' encoding='UTF-8'?><ListBucketResult xmlns='http://doc.s3.amazonaws.com/2006-03-01'>"
        xml += "<Name>\(HTMLEscaping.escape(bucket))</Name><Prefix>\(HTMLEscaping.escape(prefix))</Prefix>"
        xml += "<Marker></Marker><IsTruncated>\(truncated)</IsTruncated>"
        if truncated, let last = objects.last { xml += "<NextMarker>\(HTMLEscaping.escape(last.name))</NextMarker>" }
        for object in objects {
            let modified = RFC3339.format(Date(timeIntervalSince1970: object.created))
            xml += "<Contents><Key>\(HTMLEscaping.escape(object.name))</Key><Generation>\(object.generation)</Generation>"
            xml += "<LastModified>\(modified)</LastModified><ETag>\(HTMLEscaping.escape(etag(object)))</ETag>"
            xml += "<Size>\(object.size)</Size></Contents>"
        }
        xml += "</ListBucketResult>"
        var headers = HTTPFields()
        headers[.contentType] = "application/xml; charset=UTF-8"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: xml)))
    }

    /// The object's ETag: its MD5 in hex, quoted.
    static func etag(_ object: StoredObject) -> String {
        "\"\(Data(base64Encoded: object.md5).map { Hex.encode($0) } ?? object.md5)\""
    }

    static func methodNotAllowed(_ method: String) -> GCSIncomingError {
        GCSIncomingError(
            code: "MethodNotAllowed", status: 405,
            message: "The specified method is not allowed against this resource.",
            details: "\(method) is not supported here."
        )
    }

    static func invalidRange(size: Int64) -> GCSIncomingError {
        GCSIncomingError(
            code: "InvalidRange", status: 416, message: "The requested range cannot be satisfied.",
            details: "The object is \(size) bytes long."
        )
    }

    /// The headers Cloud Storage sends with an object (GET, HEAD and a finished upload).
    static func objectHeaders(_ object: StoredObject) -> HTTPFields {
        var headers = HTTPFields()
        headers[.contentType] = object.contentType
        headers[.eTag] = etag(object)
        headers[fieldName("x-goog-hash")] = "md5=\(object.md5)"
        headers[fieldName("x-goog-stored-content-length")] = String(object.size)
        headers[fieldName("x-goog-stored-content-encoding")] = "identity"
        headers[fieldName("x-goog-generation")] = object.generation.split(separator: "-").first.map(String.init)
        headers[.lastModified] = httpDate(object.created)
        return headers
    }

    /// A header name that HTTPTypes has no constant for.
    static func fieldName(_ name: String) -> HTTPFields.Element.Name {
        // Only called with literal, valid token names.
        HTTPFields.Element.Name(name)!
    }

    /// An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`).
    private static func httpDate(_ seconds: Double) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: Date(timeIntervalSince1970: seconds))
    }
}
