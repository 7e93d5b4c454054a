import Foundation
import Hummingbird
import SpoolpostCore

/// Builders for the few kinds of answers the sandbox gives.
enum SandboxResponse {
    static func json(status: HTTPResponse.Status = .ok, _ value: some Encodable) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Milliseconds matter: the benchmark measures drop-to-request latency from these times.
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(RFC3339.format(date))
        }
        // Encoding the sandbox's own plain structs cannot fail; an empty object keeps the answer valid JSON anyway.
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return bytes(status: status, contentType: "application/json; charset=utf-8", Array(data))
    }

    /// `{"error": {"status": 401, "message": "..."}}`
    static func jsonError(status: HTTPResponse.Status, message: String) -> Response {
        json(status: status, ErrorBody(error: .init(status: status.code, message: message)))
    }

    static func html(status: HTTPResponse.Status = .ok, _ page: String) -> Response {
        bytes(status: status, contentType: "text/html; charset=utf-8", Array(page.utf8))
    }

    static func text(status: HTTPResponse.Status = .ok, _ text: String) -> Response {
        bytes(status: status, contentType: "text/plain; charset=utf-8", Array(text.utf8))
    }

    private static func bytes(status: HTTPResponse.Status, contentType: String, _ bytes: [UInt8]) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[.contentLength] = String(bytes.count)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    private struct ErrorBody: Encodable {
        struct Detail: Encodable {
            var status: Int
            var message: String
        }
        var error: Detail
    }
}
