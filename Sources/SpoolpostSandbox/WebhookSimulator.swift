import Foundation
import Hummingbird
import SpoolpostIO

/// The generic webhook target: `POST /webhook/{account}` with the daemon's JSON payload
/// `{"id": ..., "text": ..., "media": [...], "target": {...}}`.
///
/// Behaves like a careful real receiver: JSON only (415 otherwise), HMAC-SHA256 signatures checked for accounts
/// with a secret (401), and `Idempotency-Key` honoured (a repeat returns the post stored the first time).
struct WebhookSimulator: NetworkSimulator {
    static let network = "webhook"
    static let idPrefix = "wh"
    static let signatureHeader = "X-Spoolpost-Signature"
    static let idempotencyKeyHeader = "Idempotency-Key"

    let environment: SandboxEnvironment

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.post("/webhook/{account}") { request, context in
            await self.receive(request, account: context.parameters.get("account") ?? "")
        }
    }

    /// The answer to a webhook delivery; every refusal is a JSON error, never a thrown error.
    func receive(_ request: Request, account: String) async -> Response {
        do {
            return try await accept(request, account: account)
        } catch let rejection as SandboxRejection {
            return rejection.response
        } catch {
            return SandboxResponse.jsonError(status: .internalServerError, message: "sandbox failure: \(error)")
        }
    }

    private func accept(_ request: Request, account: String) async throws -> Response {
        guard SandboxRequest.mediaType(request) == "application/json" else {
            throw SandboxRejection(.unsupportedMediaType, "Content-Type must be application/json")
        }
        let body = try await SandboxRequest.collectBody(request, limit: environment.configuration.maxBodyBytes).get()
        let signatureVerified = try verifySignature(request, account: account, body: body)
        let payload = try Self.parsePayload(body)
        let post = SandboxReceivedPost(
            id: "",
            network: Self.network,
            account: account,
            method: request.method.rawValue,
            path: request.uri.path,
            body: body,
            text: payload.text,
            mediaURLs: payload.mediaURLs,
            clientPostID: payload.clientPostID,
            idempotencyKey: SandboxRequest.header(request, named: Self.idempotencyKeyHeader),
            headers: SandboxRequest.recordedHeaders(request),
            signatureVerified: signatureVerified,
            receivedAt: Date()
        )
        switch environment.store.record(post, idPrefix: Self.idPrefix) {
        case .stored(let stored):
            var response = SandboxResponse.json(status: .created, Accepted(id: stored.id, url: url(of: stored)))
            response.headers[.location] = url(of: stored)
            return response
        case .repeated(let earlier):
            return SandboxResponse.json(status: .ok, Accepted(id: earlier.id, url: url(of: earlier)))
        case .keyReusedWithDifferentBody(let earlier):
            throw SandboxRejection(
                .unprocessableContent,
                "Idempotency-Key was already used for post \(earlier.id) with a different body"
            )
        }
    }

    /// Whether a signature was required (and, since we got here, valid). Throws 401 when required and missing
    /// or wrong; the message never contains the secret or the expected signature.
    private func verifySignature(_ request: Request, account: String, body: [UInt8]) throws -> Bool {
        guard let secret = environment.configuration.webhookSecrets[account] else { return false }
        guard let header = SandboxRequest.header(request, named: Self.signatureHeader) else {
            throw SandboxRejection(
                .unauthorized, "missing \(Self.signatureHeader) header: account '\(account)' requires signed posts"
            )
        }
        let expected = "sha256=" + Hex.encode(HMAC.sha256(key: Array(secret.utf8), message: body))
        guard Self.constantTimeEqual(Array(header.lowercased().utf8), Array(expected.utf8)) else {
            throw SandboxRejection(
                .unauthorized,
                "\(Self.signatureHeader) does not match the body: expected sha256=<hex HMAC-SHA256(secret, body)>"
            )
        }
        return true
    }

    private static func constantTimeEqual(_ left: [UInt8], _ right: [UInt8]) -> Bool {
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }

    struct Payload {
        var clientPostID: String?
        var text: String?
        var mediaURLs: [String]
    }

    /// Reads the fields the sandbox displays; anything else in the object is kept only in the raw body.
    static func parsePayload(_ body: [UInt8]) throws -> Payload {
        let object = try? JSONSerialization.jsonObject(with: Data(body))
        guard let object = object as? [String: Any] else {
            throw SandboxRejection(.badRequest, "body must be a JSON object")
        }
        var payload = Payload(clientPostID: nil, text: nil, mediaURLs: [])
        switch object["id"] {
        case let id as String: payload.clientPostID = id
        case let id as NSNumber: payload.clientPostID = id.stringValue
        default: break
        }
        if let text = object["text"] {
            guard let text = text as? String else { throw SandboxRejection(.badRequest, "\"text\" must be a string") }
            payload.text = text
        }
        if let media = object["media"] {
            guard let items = media as? [Any] else {
                throw SandboxRejection(.badRequest, "\"media\" must be an array")
            }
            for item in items {
                // Items are URL strings, or objects with one of "url", "gcs" or "file" (the daemon's shape).
                if let url = item as? String {
                    payload.mediaURLs.append(url)
                } else if let object = item as? [String: Any],
                    let reference = (object["url"] ?? object["gcs"] ?? object["file"]) as? String
                {
                    payload.mediaURLs.append(reference)
                } else {
                    throw SandboxRejection(
                        .badRequest, "each \"media\" item must be a string or an object with \"url\", \"gcs\" or \"file\""
                    )
                }
            }
        }
        return payload
    }

    private func url(of post: SandboxReceivedPost) -> String {
        environment.postURL(id: post.id)
    }

    private struct Accepted: Encodable {
        var id: String
        var url: String
    }
}
